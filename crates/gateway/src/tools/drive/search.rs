//! `drive_search` and `drive_list_folder`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::{FILE_FIELDS, FOLDER, FileRow, file_error, files_url, get_file};
use crate::{
    google::api::{ApiError, GoogleApi},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Rendered, google_id},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Document,
    Spreadsheet,
    Presentation,
    Folder,
    Pdf,
    Image,
    Text,
}

impl FileType {
    fn clause(self) -> String {
        match self {
            FileType::Document => format!("mimeType = '{}'", super::DOC),
            FileType::Spreadsheet => format!("mimeType = '{}'", super::SHEET),
            FileType::Presentation => format!("mimeType = '{}'", super::SLIDES),
            FileType::Folder => format!("mimeType = '{FOLDER}'"),
            FileType::Pdf => "mimeType = 'application/pdf'".into(),
            FileType::Image => "mimeType contains 'image/'".into(),
            FileType::Text => "mimeType contains 'text/'".into(),
        }
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words in the name or content.
    #[serde(default)]
    pub query: Option<String>,
    /// Name contains.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub file_type: Option<FileType>,
    /// An email, or `me`.
    #[serde(default)]
    pub owner: Option<String>,
    /// A date (2025-01-31) or RFC 3339 time.
    #[serde(default)]
    pub modified_after: Option<String>,
    /// Direct children of this folder (id or link).
    #[serde(default)]
    pub folder_id: Option<String>,
    #[serde(default)]
    pub shared_drive_id: Option<String>,
    #[serde(default)]
    pub include_trashed: bool,
    /// Drive query syntax, e.g. `starred = true`.
    #[serde(default)]
    pub raw_query: Option<String>,
    /// Default 25.
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: Option<u32>,
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFolderArgs {
    /// A folder id or link, a shared drive id, or `root` (My Drive, default).
    #[serde(default)]
    pub folder_id: Option<String>,
    /// Default 50.
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: Option<u32>,
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FileList {
    /// The folder listed (drive_list_folder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    pub files: Vec<FileRow>,
    /// Pass as `page_token` for more.
    pub next_page_token: Option<String>,
}

/// A date (midnight UTC) or an RFC 3339 time.
fn parse_instant(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// A string literal of Drive's query syntax.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn page_size(v: Option<u32>, default: u32) -> ToolResult<u32> {
    match v {
        None => Ok(default),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(ToolError::invalid("page_size", "must be 1 to 100")),
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Drive's `q` for the arguments.
pub(crate) fn query(args: &SearchArgs) -> ToolResult<String> {
    let mut terms = Vec::new();
    if let Some(q) = non_empty(&args.query) {
        terms.push(format!("fullText contains {}", quote(q)));
    }
    if let Some(n) = non_empty(&args.name) {
        terms.push(format!("name contains {}", quote(n)));
    }
    if let Some(t) = args.file_type {
        terms.push(t.clause());
    }
    if let Some(o) = non_empty(&args.owner) {
        if o != "me" && !o.contains('@') {
            return Err(ToolError::invalid(
                "owner",
                "must be an email address or `me`",
            ));
        }
        terms.push(format!("{} in owners", quote(o)));
    }
    if let Some(m) = non_empty(&args.modified_after) {
        let t = parse_instant(m).ok_or_else(|| {
            ToolError::invalid(
                "modified_after",
                "must be a date (2025-01-31) or an RFC 3339 time",
            )
        })?;
        terms.push(format!(
            "modifiedTime > '{}'",
            t.format("%Y-%m-%dT%H:%M:%SZ")
        ));
    }
    if let Some(f) = non_empty(&args.folder_id) {
        let id = if f == "root" {
            f.to_owned()
        } else {
            google_id("folder_id", f)?
        };
        terms.push(format!("{} in parents", quote(&id)));
    }
    if !args.include_trashed {
        terms.push("trashed = false".into());
    }
    if let Some(r) = non_empty(&args.raw_query) {
        if !balanced(r) {
            return Err(ToolError::invalid(
                "raw_query",
                "parentheses must balance outside quoted strings (it is combined with the other filters in one pair of parentheses)",
            ));
        }
        terms.push(format!("({r})"));
    }
    Ok(terms.join(" and "))
}

/// Whether the parentheses of a Drive query balance outside its quoted
/// strings: else `x) or (trashed = true` would step out of the parentheses
/// `raw_query` is put in and undo the other filters.
fn balanced(q: &str) -> bool {
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    for c in q.chars() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '\'' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '\'' => quoted = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !quoted
}

async fn list(
    ctx: &ToolCtx,
    api: &GoogleApi,
    q: &str,
    order_by: Option<&str>,
    drive_id: Option<&str>,
    size: u32,
    page_token: Option<&str>,
) -> Result<FileList, ApiError> {
    let mut url = files_url(api, &[]);
    {
        let mut qp = url.query_pairs_mut();
        qp.append_pair("includeItemsFromAllDrives", "true")
            .append_pair("q", q)
            .append_pair("pageSize", &size.to_string())
            .append_pair("fields", &format!("nextPageToken,files({FILE_FIELDS})"));
        match drive_id {
            Some(d) => qp.append_pair("corpora", "drive").append_pair("driveId", d),
            None => qp.append_pair("corpora", "allDrives"),
        };
        if let Some(o) = order_by {
            qp.append_pair("orderBy", o);
        }
        if let Some(t) = page_token {
            qp.append_pair("pageToken", t);
        }
    }
    let body = api.get(&ctx.user, url).await?;
    Ok(FileList {
        folder: None,
        files: body["files"]
            .as_array()
            .into_iter()
            .flatten()
            .map(FileRow::from_json)
            .collect(),
        next_page_token: body["nextPageToken"].as_str().map(str::to_owned),
    })
}

fn render(list: &FileList, what: &str) -> String {
    let mut text = match &list.folder {
        Some(f) => format!("{f}: {} {what}\n", list.files.len()),
        None => format!("{} {what}\n", list.files.len()),
    };
    for f in &list.files {
        text.push_str(&f.line());
        text.push('\n');
    }
    if let Some(t) = &list.next_page_token {
        text.push_str(&format!("more: page_token={t}\n"));
    }
    text
}

async fn search_run(ctx: &ToolCtx, api: &GoogleApi, args: SearchArgs) -> ToolResult<FileList> {
    let size = page_size(args.page_size, 25)?;
    let q = query(&args)?;
    let drive = match non_empty(&args.shared_drive_id) {
        Some(d) => Some(google_id("shared_drive_id", d)?),
        None => None,
    };
    // Full-text results come by relevance; Drive refuses another order with them.
    let order = non_empty(&args.query)
        .is_none()
        .then_some("modifiedTime desc");
    list(
        ctx,
        api,
        &q,
        order,
        drive.as_deref(),
        size,
        args.page_token.as_deref(),
    )
    .await
    .map_err(|e| match e {
        ApiError::BadRequest(m) => ToolError::Refused(format!(
            "Google could not run this search ({m}); check `raw_query` and the other filters."
        )),
        ApiError::NotFound(_) => ToolError::invalid(
            "shared_drive_id",
            "no shared drive with this id is visible to the user",
        ),
        e => e.into(),
    })
}

pub async fn search(ctx: ToolCtx, args: SearchArgs) -> ToolResult<Rendered<FileList>> {
    let list = search_run(&ctx, &ctx.api, args).await?;
    let text = render(&list, "files");
    Ok(Rendered::new(list, text))
}

/// The name of a folder (or shared drive) id, checking it is one.
pub(crate) async fn folder_name(ctx: &ToolCtx, api: &GoogleApi, id: &str) -> ToolResult<String> {
    match get_file(ctx, api, id, "id,name,mimeType").await {
        Ok(f) if f["mimeType"] == FOLDER => Ok(f["name"].as_str().unwrap_or(id).to_owned()),
        Ok(f) => Err(ToolError::invalid(
            "folder_id",
            format!(
                "{:?} is a {}, not a folder; read it with drive_read_file",
                f["name"].as_str().unwrap_or(id),
                super::kind(f["mimeType"].as_str().unwrap_or_default())
            ),
        )),
        Err(not_found) => {
            // A shared drive's id names its top level.
            super::shared_drive_name(ctx, api, id)
                .await
                .map_err(|_| not_found)
        }
    }
}

async fn list_folder_run(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: ListFolderArgs,
) -> ToolResult<FileList> {
    let size = page_size(args.page_size, 50)?;
    let id = match non_empty(&args.folder_id) {
        None | Some("root") => "root".to_owned(),
        Some(f) => google_id("folder_id", f)?,
    };
    let name = if id == "root" {
        "My Drive".to_owned()
    } else {
        folder_name(ctx, api, &id).await?
    };
    let q = format!("{} in parents and trashed = false", quote(&id));
    let mut list = list(
        ctx,
        api,
        &q,
        Some("folder,name"),
        None,
        size,
        args.page_token.as_deref(),
    )
    .await
    .map_err(|e| file_error(e, &id))?;
    list.folder = Some(format!("{name} (id {id})"));
    Ok(list)
}

pub async fn list_folder(ctx: ToolCtx, args: ListFolderArgs) -> ToolResult<Rendered<FileList>> {
    let list = list_folder_run(&ctx, &ctx.api, args).await?;
    let text = render(&list, "items");
    Ok(Rendered::new(list, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_quotes_and_combines_filters() {
        let q = query(&SearchArgs {
            query: Some("it's \\ here".into()),
            file_type: Some(FileType::Spreadsheet),
            owner: Some("me".into()),
            modified_after: Some("2025-01-31".into()),
            ..SearchArgs::default()
        })
        .unwrap();
        assert_eq!(
            q,
            "fullText contains 'it\\'s \\\\ here' and mimeType = 'application/vnd.google-apps.spreadsheet' and 'me' in owners and modifiedTime > '2025-01-31T00:00:00Z' and trashed = false"
        );
    }

    #[test]
    fn a_raw_query_cannot_step_out_of_its_parentheses() {
        let raw = |r: &str| {
            query(&SearchArgs {
                raw_query: Some(r.into()),
                ..SearchArgs::default()
            })
        };
        assert_eq!(
            raw("name contains 'a (draft' and (starred = true)").unwrap(),
            "trashed = false and (name contains 'a (draft' and (starred = true))"
        );
        for bad in [
            "name = 'a') or (trashed = true",
            "starred = true) or trashed = true or (x",
            "(unclosed",
            "name = 'open quote",
        ] {
            let e = raw(bad).unwrap_err();
            assert!(
                matches!(e, ToolError::InvalidArgument { ref field, .. } if field == "raw_query"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn bad_filters_name_their_field() {
        let e = query(&SearchArgs {
            owner: Some("bob".into()),
            ..SearchArgs::default()
        })
        .unwrap_err();
        assert!(matches!(e, ToolError::InvalidArgument { ref field, .. } if field == "owner"));
        let e = query(&SearchArgs {
            modified_after: Some("last week".into()),
            ..SearchArgs::default()
        })
        .unwrap_err();
        assert!(
            matches!(e, ToolError::InvalidArgument { ref field, .. } if field == "modified_after")
        );
    }
}
