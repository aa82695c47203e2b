//! Google Drive tools, over My Drive and shared drives alike: search, list a
//! folder, metadata and access, read any file as text for a model, create,
//! upload, organise, trash and share.

mod comments;
mod info;
mod pdf;
pub(crate) mod read;
mod revisions;
pub(crate) mod search;
mod share;
mod write;

use reqwest::Method;
use rmcp::schemars;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url_segments},
    tools::adapter::Route,
    tools::{ToolCtx, ToolError, ToolResult, human_size},
};

pub use comments::{
    AddCommentArgs, Comment, CommentList, CommentPosted, ListCommentsArgs, Reply, ReplyCommentArgs,
    ReplyPosted, ResolveCommentArgs,
};
pub use info::{FileDetail, GetFileArgs, Permission, PermissionList};
pub use read::{FileContent, ReadFileArgs};
pub use revisions::{
    ListRevisionsArgs, ReadRevisionArgs, RevisionContent, RevisionList, RevisionRow,
};
pub use search::{FileList, FileType, ListFolderArgs, SearchArgs};
pub use share::{ShareArgs, ShareRole, ShareType, Shared};
pub use write::{
    CopyArgs, CreateFileArgs, CreateFolderArgs, MoveArgs, RenameArgs, TrashArgs, Written,
};

pub const FOLDER: &str = "application/vnd.google-apps.folder";
pub const DOC: &str = "application/vnd.google-apps.document";
pub const SHEET: &str = "application/vnd.google-apps.spreadsheet";
pub const SLIDES: &str = "application/vnd.google-apps.presentation";
pub const SHORTCUT: &str = "application/vnd.google-apps.shortcut";

/// Google exports Docs Editors files only up to this size.
pub const EXPORT_LIMIT: u64 = 10 * 1024 * 1024;

/// The fields of a file every tool reads.
pub(crate) const FILE_FIELDS: &str = "id,name,mimeType,size,modifiedTime,owners(displayName,emailAddress),webViewLink,parents,driveId,trashed,shortcutDetails(targetId,targetMimeType)";

/// `/drive/v3/files[/<segments…>]` with `supportsAllDrives=true`.
pub(crate) fn files_url(api: &GoogleApi, segments: &[&str]) -> Url {
    let mut u = api_url_segments(&api.bases.drive, "/drive/v3/files", segments);
    u.query_pairs_mut().append_pair("supportsAllDrives", "true");
    u
}

/// A friendly name of a MIME type.
pub fn kind(mime: &str) -> &'static str {
    match mime {
        FOLDER => "folder",
        DOC => "Google Doc",
        SHEET => "Google Sheet",
        SLIDES => "Google Slides",
        SHORTCUT => "shortcut",
        "application/vnd.google-apps.form" => "Google Form",
        "application/vnd.google-apps.drawing" => "Google Drawing",
        "application/pdf" => "PDF",
        m if m.starts_with("image/") => "image",
        m if m.starts_with("video/") => "video",
        m if m.starts_with("audio/") => "audio",
        m if is_text(m) => "text",
        m if m.starts_with("application/vnd.google-apps.") => "Google file",
        _ => "file",
    }
}

/// Whether a MIME type is text a model can read as is.
pub fn is_text(mime: &str) -> bool {
    let m = mime.split(';').next().unwrap_or("").trim();
    m.starts_with("text/")
        || matches!(
            m,
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-javascript"
                | "application/typescript"
                | "application/x-yaml"
                | "application/yaml"
                | "application/toml"
                | "application/x-sh"
                | "application/x-python"
                | "application/sql"
                | "application/x-httpd-php"
                | "application/rtf"
                | "image/svg+xml"
        )
}

/// A file as the list tools show it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FileRow {
    pub id: String,
    pub name: String,
    /// folder, Google Doc, Google Sheet, Google Slides, PDF, text, image, file…
    pub kind: String,
    pub mime_type: String,
    /// The owner's name and address (none for files in a shared drive).
    pub owner: Option<String>,
    /// RFC 3339.
    pub modified: Option<String>,
    /// Bytes (none for folders and some Google files).
    pub size: Option<u64>,
    pub link: Option<String>,
    /// The shared drive holding the file.
    pub drive_id: Option<String>,
}

pub(crate) fn size_of(f: &Value) -> Option<u64> {
    f["size"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or(f["size"].as_u64())
}

impl FileRow {
    pub fn from_json(f: &Value) -> Self {
        let mime = f["mimeType"].as_str().unwrap_or_default();
        let owner = f["owners"][0].as_object().map(|o| {
            let name = o.get("displayName").and_then(Value::as_str).unwrap_or("");
            let email = o.get("emailAddress").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() {
                email.to_owned()
            } else {
                format!("{name} <{email}>")
            }
        });
        FileRow {
            id: f["id"].as_str().unwrap_or_default().to_owned(),
            name: f["name"].as_str().unwrap_or_default().to_owned(),
            kind: kind(mime).to_owned(),
            mime_type: mime.to_owned(),
            owner,
            modified: f["modifiedTime"].as_str().map(str::to_owned),
            size: size_of(f),
            link: f["webViewLink"].as_str().map(str::to_owned),
            drive_id: f["driveId"].as_str().map(str::to_owned),
        }
    }

    /// One compact line.
    pub fn line(&self) -> String {
        let mut s = format!("{} [{}] id {}", self.name, self.kind, self.id);
        if let Some(m) = &self.modified {
            s.push_str(&format!(", modified {}", m.get(..10).unwrap_or(m)));
        }
        if let Some(o) = &self.owner {
            s.push_str(&format!(", owner {o}"));
        }
        if let Some(n) = self.size.filter(|_| self.kind != "folder") {
            s.push_str(&format!(", {}", human_size(n)));
        }
        if self.drive_id.is_some() {
            s.push_str(", in a shared drive");
        }
        s
    }
}

/// A Drive 404 or 403 phrased for the model.
pub(crate) fn file_error(e: ApiError, id: &str) -> ToolError {
    match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "File {id} was not found or is not shared with this user; find files with drive_search."
        )),
        ApiError::PermissionDenied(m) if m.contains("too large to be exported") => {
            ToolError::Refused(format!(
                "File {id} is over the 10 MB limit Google sets on exporting Docs, Sheets and Slides; read a part of it (sheets_read_range for a range of a spreadsheet) or open it in Drive."
            ))
        }
        ApiError::PermissionDenied(m) => ToolError::Refused(format!(
            "Google refused this on file {id}: {m} (the user may only have view or comment access; ask the owner)."
        )),
        e => e.into(),
    }
}

/// The id of something inside a file (a comment, a revision): letters,
/// digits, `-` and `_`; else an invalid `field` naming the tool that lists them.
pub(crate) fn item_id(field: &str, raw: &str, listed_by: &str) -> ToolResult<String> {
    let id = raw.trim();
    if id.is_empty()
        || id.len() > 200
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        return Err(ToolError::invalid(
            field,
            format!(
                "{raw:?} is not a {}; {listed_by} lists them",
                field.replace('_', " ")
            ),
        ));
    }
    Ok(id.to_owned())
}

/// The name of the shared drive `id` (`drives.get`).
pub(crate) async fn shared_drive_name(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
) -> Result<String, ApiError> {
    let url = api_url_segments(&api.bases.drive, "/drive/v3/drives", &[id]);
    let d = api.get(&ctx.user, url).await?;
    Ok(d["name"].as_str().unwrap_or(id).to_owned())
}

/// `files.get` with `fields`.
pub(crate) async fn get_file(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    fields: &str,
) -> ToolResult<Value> {
    let mut url = files_url(api, &[id]);
    url.query_pairs_mut().append_pair("fields", fields);
    api.get(&ctx.user, url).await.map_err(|e| file_error(e, id))
}

/// `files.update` (PATCH, idempotent) with query parameters and a metadata body.
pub(crate) async fn update_file(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    params: &[(&str, &str)],
    body: Value,
) -> ToolResult<Value> {
    let mut url = files_url(api, &[id]);
    url.query_pairs_mut().append_pair("fields", FILE_FIELDS);
    for (k, v) in params {
        url.query_pairs_mut().append_pair(k, v);
    }
    let (v, _) = api
        .call(
            &ctx.user,
            Method::PATCH,
            url,
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await
        .map_err(|e| file_error(e, id))?;
    Ok(v)
}

/// The drive tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "drive_search",
            "Search Google Drive",
            "Search Google Drive (My Drive, shared with the user, shared drives); the filters given all apply. Rows: id, name, type, owner, modified, size, link; newest first, or by relevance with `query`. Then read a file with drive_read_file.",
            search::search,
        ),
        Route::new(
            "drive_list_folder",
            "List a Drive folder",
            "List what a Drive folder, a shared drive or My Drive holds: folders first, then by name.",
            search::list_folder,
        ),
        Route::new(
            "drive_get_file",
            "Get Drive file details",
            "A Drive file's details: type, size, owner, times, folder path, shared drive, trashed, what the user may do with it, and who has access with which role.",
            info::get,
        ),
        Route::new(
            "drive_read_file",
            "Read a Drive file",
            "Read a Drive file as text: Docs as Markdown, Sheets as CSV (every sheet), Slides per slide with speaker notes, PDFs' text, text and code files. Other binary files and files over 10 MB are refused with their type and size. For a spreadsheet range use sheets_read_range.",
            read::read,
        ),
        Route::new(
            "drive_create_file",
            "Create a Drive file",
            "Create a Drive file from text, from base64 (at most 5 MB), or a Google Doc from Markdown. Each call creates a new file, even with a name already used.",
            write::create_file,
        ),
        Route::new(
            "drive_create_folder",
            "Create a Drive folder",
            "Create a folder in Google Drive; each call creates a new folder, even with a name already used.",
            write::create_folder,
        ),
        Route::new(
            "drive_move",
            "Move a Drive file",
            "Move a Drive file or folder into another folder, a shared drive or My Drive; it leaves its current folders.",
            write::move_file,
        )
        .idempotent(),
        Route::new(
            "drive_copy",
            "Copy a Drive file",
            "Copy a Drive file (not a folder), optionally renamed and elsewhere. Each call makes a new copy.",
            write::copy,
        ),
        Route::new(
            "drive_rename",
            "Rename a Drive file",
            "Rename a Drive file or folder; it keeps its place, id, link and sharing.",
            write::rename,
        )
        .idempotent(),
        Route::new(
            "drive_trash",
            "Trash a Drive file",
            "Move a Drive file or folder (with its contents) to the trash, or restore it. Trashed items stay recoverable for 30 days; nothing is deleted for good.",
            write::trash,
        )
        .idempotent()
        .destructive(),
        Route::new(
            "drive_share",
            "Share a Drive file",
            "Share a Drive file or folder with a person or Google group by email. Sharing again with someone changes their role. Outside the company: clients that can ask the person are asked to confirm first; with others, confirm: true states the person agreed.",
            share::share,
        ),
        Route::new(
            "drive_list_permissions",
            "List Drive permissions",
            "List who has access to a Drive file or folder (people, groups, domains, link sharing) with their roles. Only those who can share the file may see it.",
            info::permissions,
        ),
        Route::new(
            "drive_list_comments",
            "List comments on a Drive file",
            "List the comments on a Drive file (Doc, Sheet, Slides, PDF…) with their replies: id, author, date, the passage quoted, open or resolved. Open comments only unless include_resolved.",
            comments::list_comments,
        ),
        Route::new(
            "drive_add_comment",
            "Comment on a Drive file",
            "Add a comment to a Drive file, optionally quoting the passage it is about; it is posted once even when Google's answer is lost. Returns the comment id.",
            comments::add_comment,
        ),
        Route::new(
            "drive_reply_comment",
            "Reply to a Drive comment",
            "Reply to a comment on a Drive file (comment id from drive_list_comments).",
            comments::reply_comment,
        ),
        Route::new(
            "drive_resolve_comment",
            "Resolve a Drive comment",
            "Mark a comment on a Drive file as resolved, with an optional closing note. A comment already resolved is left as it is.",
            comments::resolve_comment,
        )
        .idempotent(),
        Route::new(
            "drive_list_revisions",
            "List revisions of a Drive file",
            "List the saved versions of a Drive file, newest first: revision id, time, who saved it, size. Read one with drive_read_revision.",
            revisions::list_revisions,
        ),
        Route::new(
            "drive_read_revision",
            "Read an older revision of a Drive file",
            "Read an earlier version of a Google Doc as Markdown, or of a text file as text (revision id from drive_list_revisions).",
            revisions::read_revision,
        ),
    ]
}
