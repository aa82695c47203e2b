//! `drive_create_file`, `drive_create_folder`, `drive_move`, `drive_copy`,
//! `drive_rename`, `drive_trash`.

use base64::Engine as _;
use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{FILE_FIELDS, FOLDER, FileRow, file_error, files_url, get_file, update_file};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput, docs, google_id, human_size},
};

/// Largest content uploaded by drive_create_file.
pub const MAX_UPLOAD: usize = 5 * 1024 * 1024;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Written {
    /// What was done: created, moved, copied, renamed, trashed, restored.
    pub action: String,
    pub file: FileRow,
}

fn written(action: &str, f: &Value) -> Written {
    Written {
        action: action.to_owned(),
        file: FileRow::from_json(f),
    }
}

fn render(w: &Written) -> String {
    let mut text = format!(
        "{} {} [{}] id {}",
        capitalise(&w.action),
        w.file.name,
        w.file.kind,
        w.file.id
    );
    if let Some(l) = &w.file.link {
        text.push_str(&format!(": {l}"));
    }
    text.push('\n');
    text
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn check_name(field: &str, name: &str) -> ToolResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 1000 {
        return Err(ToolError::invalid(field, "must be 1 to 1000 characters"));
    }
    Ok(n.to_owned())
}

/// A folder id argument (`root` allowed), checked to name a folder or shared drive.
async fn folder_arg(ctx: &ToolCtx, api: &GoogleApi, field: &str, raw: &str) -> ToolResult<String> {
    let raw = raw.trim();
    if raw == "root" {
        return Ok(raw.to_owned());
    }
    let id = google_id(field, raw)?;
    super::search::folder_name(ctx, api, &id)
        .await
        .map_err(|e| match e {
            ToolError::InvalidArgument { message, .. } => ToolError::invalid(field, message),
            e => e,
        })?;
    Ok(id)
}

// ---- create ----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFileArgs {
    /// With an extension for non-Google files (notes.md).
    pub name: String,
    /// Text, or Markdown with `google_doc`.
    #[serde(default)]
    pub content: Option<String>,
    /// Binary content, at most 5 MB; needs `mime_type`.
    #[serde(default)]
    pub content_base64: Option<String>,
    /// Default: from the name's extension.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Make a Google Doc from `content` (Markdown).
    #[serde(default)]
    pub google_doc: bool,
    /// A folder or shared drive id; default My Drive.
    #[serde(default)]
    pub folder_id: Option<String>,
}

/// A MIME type from a file name's extension.
pub fn guess_mime(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "md" | "markdown" => "text/markdown",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "yaml" | "yml" => "application/x-yaml",
        "js" => "text/javascript",
        "css" => "text/css",
        "py" => "text/x-python",
        "rs" => "text/x-rust",
        "sh" => "application/x-sh",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "zip" => "application/zip",
        _ => "text/plain",
    }
}

fn check_mime(m: &str) -> ToolResult<String> {
    let ok = m.len() <= 200
        && m.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && m.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/.+-_".contains(c))
        });
    if !ok || m.starts_with("application/vnd.google-apps.") {
        return Err(ToolError::invalid(
            "mime_type",
            "must be a MIME type such as text/plain or image/png (for a Google Doc use google_doc)",
        ));
    }
    Ok(m.to_owned())
}

/// A multipart/related upload body: metadata then content.
fn multipart(meta: &Value, mime: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("gateway-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::with_capacity(data.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{meta}\r\n--{boundary}\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/related; boundary={boundary}"), body)
}

async fn create_file_run(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: CreateFileArgs,
) -> ToolResult<Written> {
    let name = check_name("name", &args.name)?;
    let parent = match args.folder_id.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(f) => Some(folder_arg(ctx, api, "folder_id", f).await?),
        None => None,
    };
    if args.google_doc {
        if args.content_base64.is_some() {
            return Err(ToolError::invalid(
                "content_base64",
                "a Google Doc is made from Markdown `content`, not binary content",
            ));
        }
        let content = args.content.unwrap_or_default();
        if content.len() > MAX_UPLOAD {
            return Err(ToolError::invalid("content", "larger than 5 MB"));
        }
        let paras = docs::from_md::parse(&content);
        let created = docs::write::create_with(ctx, api, &name, &paras).await?;
        let id = created.document_id;
        let f = match &parent {
            Some(p) => move_into(ctx, api, &id, p).await?,
            None => get_file(ctx, api, &id, FILE_FIELDS).await?,
        };
        return Ok(written("created", &f));
    }
    let (mime, data) = match (args.content, args.content_base64) {
        (Some(_), Some(_)) => {
            return Err(ToolError::invalid(
                "content_base64",
                "give either `content` (text) or `content_base64`, not both",
            ));
        }
        (Some(text), None) => {
            let mime = match &args.mime_type {
                Some(m) => check_mime(m)?,
                None => guess_mime(&name).to_owned(),
            };
            (mime, text.into_bytes())
        }
        (None, Some(b64)) => {
            let mime = args
                .mime_type
                .as_deref()
                .ok_or_else(|| ToolError::invalid("mime_type", "is required with content_base64"))
                .and_then(check_mime)?;
            if b64.len() > MAX_UPLOAD / 3 * 4 + 8 {
                return Err(ToolError::invalid("content_base64", "larger than 5 MB"));
            }
            let data = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| ToolError::invalid("content_base64", format!("not base64: {e}")))?;
            (mime, data)
        }
        (None, None) => {
            return Err(ToolError::invalid(
                "content",
                "give the file's `content` (text) or `content_base64` (binary)",
            ));
        }
    };
    if data.len() > MAX_UPLOAD {
        return Err(ToolError::invalid(
            "content",
            format!(
                "{} is larger than the 5 MB upload limit",
                human_size(data.len() as u64)
            ),
        ));
    }
    let mut meta = json!({ "name": name, "mimeType": mime });
    if let Some(p) = &parent {
        meta["parents"] = json!([p]);
    }
    let (content_type, body) = multipart(&meta, &mime, &data);
    let mut url = api_url(&api.bases.drive, "/upload/drive/v3/files");
    url.query_pairs_mut()
        .append_pair("uploadType", "multipart")
        .append_pair("supportsAllDrives", "true")
        .append_pair("fields", FILE_FIELDS);
    let (f, _) = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Bytes {
                content_type,
                data: body,
            }),
            Retry::RejectedOnly,
        )
        .await
        .map_err(|e| match e {
            ApiError::PermissionDenied(m) => ToolError::Refused(format!(
                "Google refused to create the file there: {m} (the user may not be allowed to add files to that folder)."
            )),
            e => e.into(),
        })?;
    Ok(written("created", &f))
}

pub async fn create_file(ctx: ToolCtx, args: CreateFileArgs) -> ToolResult<Written> {
    create_file_run(&ctx, &ctx.api, args).await
}

impl ToolOutput for Written {
    fn text(&self) -> String {
        render(self)
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFolderArgs {
    pub name: String,
    /// A folder or shared drive id; default My Drive.
    #[serde(default)]
    pub parent_id: Option<String>,
}

async fn create_folder_run(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: CreateFolderArgs,
) -> ToolResult<Written> {
    let name = check_name("name", &args.name)?;
    let mut meta = json!({ "name": name, "mimeType": FOLDER });
    if let Some(p) = args.parent_id.as_deref().filter(|p| !p.trim().is_empty()) {
        meta["parents"] = json!([folder_arg(ctx, api, "parent_id", p).await?]);
    }
    let mut url = files_url(api, &[]);
    url.query_pairs_mut().append_pair("fields", FILE_FIELDS);
    let (f, _) = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(meta)),
            Retry::RejectedOnly,
        )
        .await?;
    Ok(written("created", &f))
}

pub async fn create_folder(ctx: ToolCtx, args: CreateFolderArgs) -> ToolResult<Written> {
    create_folder_run(&ctx, &ctx.api, args).await
}

// ---- organise --------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveArgs {
    /// Id or link.
    pub file_id: String,
    /// A folder or shared drive id, or `root` (My Drive).
    pub folder_id: String,
}

async fn move_run(ctx: &ToolCtx, api: &GoogleApi, args: MoveArgs) -> ToolResult<Written> {
    let id = google_id("file_id", &args.file_id)?;
    let target = folder_arg(ctx, api, "folder_id", &args.folder_id).await?;
    if target == id {
        return Err(ToolError::invalid(
            "folder_id",
            "a folder cannot go into itself",
        ));
    }
    let f = move_into(ctx, api, &id, &target).await?;
    Ok(written("moved", &f))
}

/// Puts file `id` into folder `target` and takes it out of its other folders.
async fn move_into(ctx: &ToolCtx, api: &GoogleApi, id: &str, target: &str) -> ToolResult<Value> {
    let now = get_file(ctx, api, id, "id,parents").await?;
    let old: Vec<&str> = now["parents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|p| *p != target)
        .collect();
    update_file(
        ctx,
        api,
        id,
        &[("addParents", target), ("removeParents", &old.join(","))],
        json!({}),
    )
    .await
}

pub async fn move_file(ctx: ToolCtx, args: MoveArgs) -> ToolResult<Written> {
    move_run(&ctx, &ctx.api, args).await
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyArgs {
    /// Id or link.
    pub file_id: String,
    /// Default "Copy of <name>".
    #[serde(default)]
    pub name: Option<String>,
    /// Default the original's folder.
    #[serde(default)]
    pub folder_id: Option<String>,
}

async fn copy_run(ctx: &ToolCtx, api: &GoogleApi, args: CopyArgs) -> ToolResult<Written> {
    let id = google_id("file_id", &args.file_id)?;
    let source = get_file(ctx, api, &id, "id,name,mimeType").await?;
    if source["mimeType"] == FOLDER {
        return Err(ToolError::invalid(
            "file_id",
            "is a folder; Drive copies files only (create a folder and copy its files)",
        ));
    }
    let mut meta = json!({});
    if let Some(n) = &args.name {
        meta["name"] = json!(check_name("name", n)?);
    }
    if let Some(p) = args.folder_id.as_deref().filter(|p| !p.trim().is_empty()) {
        meta["parents"] = json!([folder_arg(ctx, api, "folder_id", p).await?]);
    }
    let mut url = files_url(api, &[&id, "copy"]);
    url.query_pairs_mut().append_pair("fields", FILE_FIELDS);
    let (f, _) = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(meta)),
            Retry::RejectedOnly,
        )
        .await
        .map_err(|e| file_error(e, &id))?;
    Ok(written("copied", &f))
}

pub async fn copy(ctx: ToolCtx, args: CopyArgs) -> ToolResult<Written> {
    copy_run(&ctx, &ctx.api, args).await
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameArgs {
    pub file_id: String,
    /// The full new name, with any extension.
    pub name: String,
}

async fn rename_run(ctx: &ToolCtx, api: &GoogleApi, args: RenameArgs) -> ToolResult<Written> {
    let id = google_id("file_id", &args.file_id)?;
    let name = check_name("name", &args.name)?;
    let f = update_file(ctx, api, &id, &[], json!({ "name": name })).await?;
    Ok(written("renamed", &f))
}

pub async fn rename(ctx: ToolCtx, args: RenameArgs) -> ToolResult<Written> {
    rename_run(&ctx, &ctx.api, args).await
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrashArgs {
    pub file_id: String,
    /// Take it out of the trash instead.
    #[serde(default)]
    pub restore: bool,
}

async fn trash_run(ctx: &ToolCtx, api: &GoogleApi, args: TrashArgs) -> ToolResult<Written> {
    let id = google_id("file_id", &args.file_id)?;
    let f = update_file(ctx, api, &id, &[], json!({ "trashed": !args.restore })).await?;
    Ok(written(
        if args.restore { "restored" } else { "trashed" },
        &f,
    ))
}

pub async fn trash(ctx: ToolCtx, args: TrashArgs) -> ToolResult<Written> {
    trash_run(&ctx, &ctx.api, args).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_are_guessed_and_checked() {
        assert_eq!(guess_mime("notes.MD"), "text/markdown");
        assert_eq!(guess_mime("README"), "text/plain");
        assert!(check_mime("image/png").is_ok());
        assert!(check_mime("text").is_err());
        assert!(check_mime("application/vnd.google-apps.document").is_err());
        assert!(check_mime("text/plain\r\nX: y").is_err());
    }

    #[test]
    fn multipart_bodies_carry_metadata_then_content() {
        let (ct, body) = multipart(&json!({"name": "a"}), "text/plain", b"hello");
        let boundary = ct.strip_prefix("multipart/related; boundary=").unwrap();
        let body = String::from_utf8(body).unwrap();
        assert!(body.starts_with(&format!("--{boundary}\r\n")));
        assert!(body.contains("{\"name\":\"a\"}"));
        assert!(body.ends_with(&format!("hello\r\n--{boundary}--\r\n")));
    }
}
