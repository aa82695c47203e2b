//! Drive API v3 (`/drive/v3/…`, uploads under `/upload/drive/v3/files`), per
//! user, seeded with folders, a shared drive and native and uploaded files.

mod comments;
pub(crate) mod export;
pub(crate) mod fields;
mod files;
pub(crate) mod perms;
mod query;
mod revisions;
pub(crate) mod store;
mod upload;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::FakeGoogle;
use crate::api::{ApiError, Params};
use fields::Fields;
pub(crate) use files::can_edit;
use store::{DOC, DriveFile, FOLDER, Permission, SHEET, SLIDES, Workspace};

pub(crate) fn routes() -> Router<FakeGoogle> {
    const F: &str = "/drive/v3/files/{file_id}";
    Router::new()
        .route("/drive/v3/files", get(files::list).post(upload::create))
        .route("/upload/drive/v3/files", post(upload::upload))
        .route(
            F,
            get(files::get).patch(files::update).delete(files::delete),
        )
        .route(
            "/upload/drive/v3/files/{file_id}",
            axum::routing::patch(upload::upload_update),
        )
        .route(&format!("{F}/export"), get(files::export))
        .route(&format!("{F}/copy"), post(files::copy))
        .route(
            &format!("{F}/permissions"),
            get(perms::list).post(perms::create),
        )
        .route(
            &format!("{F}/comments"),
            get(comments::list).post(comments::create),
        )
        .route(&format!("{F}/comments/{{comment_id}}"), get(comments::get))
        .route(
            &format!("{F}/comments/{{comment_id}}/replies"),
            post(comments::reply),
        )
        .route(&format!("{F}/revisions"), get(revisions::list))
        .route(
            &format!("{F}/revisions/{{revision_id}}"),
            get(revisions::get),
        )
        .route(
            "/feeds/download/documents/export/Export",
            get(revisions::export_link),
        )
        .route("/drive/v3/drives", get(perms::drives))
        .route("/drive/v3/drives/{drive_id}", get(perms::drive))
}

/// Drive's 404 for a file the caller cannot see.
pub(crate) fn file_not_found(id: &str) -> ApiError {
    let mut error = ApiError::not_found(format!("File not found: {id}."));
    error.extra = Some(Box::new(crate::api::error::Extra {
        location: Some(("fileId".into(), "parameter")),
        ..Default::default()
    }));
    error
}

pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
}

pub(crate) fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Whether the request may see shared-drive items (`supportsAllDrives`).
pub(crate) fn supports_all_drives(params: &Params) -> Result<bool, ApiError> {
    Ok(params.flag("supportsAllDrives")? || params.flag("supportsTeamDrives")?)
}

/// The file, if the caller may see it with these flags.
pub(crate) fn visible<'a>(
    ws: &'a Workspace,
    id: &str,
    all_drives: bool,
) -> Result<&'a DriveFile, ApiError> {
    ws.file(id)
        .filter(|f| all_drives || f.drive_id.is_none())
        .ok_or_else(|| file_not_found(id))
}

fn permission_json(p: &Permission) -> Value {
    let mut out = json!({
        "kind": "drive#permission",
        "id": p.id,
        "type": p.kind,
        "role": p.role,
    });
    if let Some(email) = &p.email {
        out["emailAddress"] = json!(email);
    }
    if let Some(domain) = &p.domain {
        out["domain"] = json!(domain);
    }
    if let Some(name) = &p.display_name {
        out["displayName"] = json!(name);
    }
    out
}

fn extension(name: &str) -> Option<&str> {
    name.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|e| !e.is_empty() && !e.contains(' '))
}

/// The full `File` resource.
pub(crate) fn file_json(ws: &Workspace, f: &DriveFile) -> Value {
    let me = ws.email.as_str();
    let kind = match f.mime_type.as_str() {
        DOC => "document",
        SHEET => "spreadsheets",
        SLIDES => "presentation",
        FOLDER => "drive/folders",
        _ => "file",
    };
    let link = if f.mime_type == FOLDER {
        format!("https://drive.google.com/drive/folders/{}", f.id)
    } else if f.is_native() {
        format!(
            "https://docs.google.com/{kind}/d/{}/edit?usp=drivesdk",
            f.id
        )
    } else {
        format!("https://drive.google.com/file/d/{}/view?usp=drivesdk", f.id)
    };
    let mut out = json!({
        "kind": "drive#file",
        "id": f.id,
        "name": f.name,
        "mimeType": f.mime_type,
        "starred": f.starred,
        "trashed": f.trashed,
        "explicitlyTrashed": f.trashed,
        "parents": f.parents,
        "spaces": ["drive"],
        "version": (f.modified / 1000).to_string(),
        "webViewLink": link,
        "iconLink": format!("https://drive-thirdparty.googleusercontent.com/16/type/{}", f.mime_type),
        "createdTime": rfc3339(f.created),
        "modifiedTime": rfc3339(f.modified),
        "viewedByMe": true,
        "shared": f.shared_with_me || f.drive_id.is_some() || f.permissions.len() > 1,
        "permissionIds": f.permissions.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        "permissions": f.permissions.iter().map(permission_json).collect::<Vec<_>>(),
        "capabilities": {
            "canEdit": can_edit(ws, f),
            "canDownload": true,
            "canCopy": f.mime_type != FOLDER,
            "canShare": true,
        },
        "quotaBytesUsed": if f.is_native() || f.drive_id.is_some() { "0".to_string() } else { f.size().to_string() },
    });
    if let Some(description) = &f.description {
        out["description"] = json!(description);
    }
    if let Some((name, email)) = &f.owner {
        out["owners"] = json!([{
            "kind": "drive#user", "displayName": name, "emailAddress": email, "me": email == me,
            "permissionId": crate::seed::hash(email, "permission").to_string(),
        }]);
        out["ownedByMe"] = json!(email == me);
    }
    if f.shared_with_me {
        out["sharedWithMeTime"] = json!(rfc3339(f.created));
    }
    if let Some(drive) = &f.drive_id {
        out["driveId"] = json!(drive);
        out["teamDriveId"] = json!(drive);
    }
    if f.is_native() && f.mime_type != FOLDER {
        // Editor files report a size too: their content's.
        let size = f
            .virtual_size
            .unwrap_or_else(|| match f.mime_type.as_str() {
                DOC => ws
                    .docs
                    .get(&f.id)
                    .map_or(0, |d| d.plain_text().len() as u64),
                SHEET => ws
                    .sheets
                    .get(&f.id)
                    .map_or(0, |s| s.first_sheet_csv().len() as u64),
                _ => f.content.len() as u64,
            });
        out["size"] = json!(size.to_string());
    }
    if !f.is_native() {
        out["size"] = json!(f.size().to_string());
        use sha2::Digest;
        out["sha256Checksum"] = json!(
            sha2::Sha256::digest(&f.content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        out["originalFilename"] = json!(f.name);
        if let Some(ext) = extension(&f.name) {
            out["fileExtension"] = json!(ext);
            out["fullFileExtension"] = json!(ext);
        }
        out["webContentLink"] = json!(format!(
            "https://drive.google.com/uc?id={}&export=download",
            f.id
        ));
    } else if f.mime_type != FOLDER {
        let formats: &[(&str, &str)] = match f.mime_type.as_str() {
            DOC => &[
                ("text/markdown", "md"),
                ("text/plain", "txt"),
                ("text/html", "html"),
            ],
            SHEET => &[("text/csv", "csv")],
            _ => &[("text/plain", "txt")],
        };
        let links: serde_json::Map<String, Value> = formats
            .iter()
            .map(|(mime, ext)| {
                (
                    mime.to_string(),
                    json!(format!("https://docs.google.com/feeds/download/{kind}/Export?id={}&exportFormat={ext}", f.id)),
                )
            })
            .collect();
        out["exportLinks"] = Value::Object(links);
    }
    out
}

/// Applies `fields` to a resource; without it, Drive's default `kind,id,name,mimeType`.
pub(crate) fn project(file: &Value, params: &Params) -> Value {
    let spec = params.get("fields").unwrap_or("kind,id,name,mimeType");
    Fields::parse(spec).apply(file)
}

/// Applies `fields` to a list answer (`files(…)`, `nextPageToken`, …).
pub(crate) fn project_list(body: &Value, params: &Params, items: &str) -> Value {
    match params.get("fields") {
        Some(spec) => Fields::parse(spec).apply(body),
        None => {
            let default =
                format!("kind,nextPageToken,incompleteSearch,{items}(kind,id,name,mimeType)");
            Fields::parse(&default).apply(body)
        }
    }
}
