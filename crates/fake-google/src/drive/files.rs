//! `files.list`, `get` (metadata or `alt=media`), `export`, `update`, `copy`, `delete`.

use std::cmp::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::query::{self, Context};
use super::store::{DOC, DriveFile, EXPORT_LIMIT, FOLDER, SHEET, SLIDES, Workspace};
use super::{
    export, file_json, file_not_found, invalid, project, project_list, supports_all_drives, visible,
};
use crate::FakeGoogle;
use crate::api::{
    ApiError, ApiResult, Caller, Params, json_body, no_content, now_ms, ok_json, page,
};

/// The searchable text of a file (`fullText`).
pub(crate) fn full_text(ws: &Workspace, f: &DriveFile) -> String {
    match f.mime_type.as_str() {
        DOC => ws
            .docs
            .get(&f.id)
            .map(|d| d.plain_text())
            .unwrap_or_default(),
        SHEET => ws
            .sheets
            .get(&f.id)
            .map(|s| {
                s.sheets
                    .iter()
                    .flat_map(|sh| sh.values())
                    .map(|r| r.join(" "))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        _ => String::from_utf8_lossy(&f.content).into_owned(),
    }
}

/// Whether the caller may change the file.
pub(crate) fn can_edit(ws: &Workspace, f: &DriveFile) -> bool {
    f.owner.as_ref().is_some_and(|(_, e)| *e == ws.email)
        || f.drive_id.is_some()
        || f.permissions.iter().any(|p| {
            p.email.as_deref() == Some(ws.email.as_str())
                && matches!(
                    p.role.as_str(),
                    "writer" | "owner" | "organizer" | "fileOrganizer"
                )
        })
}

pub(crate) fn no_write_access() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "insufficientFilePermissions",
        "The user does not have sufficient permissions for this file.",
    )
}

fn order(spec: &str, a: &DriveFile, b: &DriveFile) -> Ordering {
    for key in spec.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let (key, desc) = match key.split_once(' ') {
            Some((k, dir)) => (k, dir.trim().eq_ignore_ascii_case("desc")),
            None => (key, false),
        };
        let ord = match key {
            "folder" => (b.mime_type == FOLDER).cmp(&(a.mime_type == FOLDER)),
            "name" | "name_natural" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            "modifiedTime" | "recency" | "modifiedByMeTime" | "viewedByMeTime" => {
                a.modified.cmp(&b.modified)
            }
            "createdTime" | "sharedWithMeTime" => a.created.cmp(&b.created),
            "starred" => b.starred.cmp(&a.starred),
            "quotaBytesUsed" => a.size().cmp(&b.size()),
            _ => Ordering::Equal,
        };
        let ord = if desc { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.id.cmp(&b.id)
}

const ORDER_KEYS: &[&str] = &[
    "createdTime",
    "folder",
    "modifiedByMeTime",
    "modifiedTime",
    "name",
    "name_natural",
    "quotaBytesUsed",
    "recency",
    "sharedWithMeTime",
    "starred",
    "viewedByMeTime",
];

/// `GET /drive/v3/files`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.files.list")?;
    let params = Params::parse(raw.as_deref());
    let supports = supports_all_drives(&params)?;
    let include =
        params.flag("includeItemsFromAllDrives")? || params.flag("includeTeamDriveItems")?;
    if include && !supports {
        return Err(invalid(
            "The includeItemsFromAllDrives parameter can only be set to true when supportsAllDrives is also set to true.",
        ));
    }
    let corpora = params.get("corpora").unwrap_or("user");
    let drive_id = params.get("driveId");
    match (corpora, drive_id) {
        ("drive", None) | ("user" | "allDrives" | "domain", Some(_)) => {
            return Err(invalid(
                "The driveId parameter must be specified if and only if corpora is set to drive.",
            ));
        }
        ("drive" | "allDrives", _) if !include => {
            return Err(invalid(
                "The includeItemsFromAllDrives parameter must be set to true when corpora is set to drive or allDrives.",
            ));
        }
        ("user" | "drive" | "allDrives" | "domain", _) => {}
        _ => return Err(invalid(format!("Invalid Value: corpora={corpora}"))),
    }
    let order_by = params
        .get("orderBy")
        .unwrap_or("folder,modifiedTime desc,name");
    for key in order_by
        .split(',')
        .map(|k| k.split_whitespace().next().unwrap_or(""))
    {
        if !key.is_empty() && !ORDER_KEYS.contains(&key) {
            return Err(invalid(format!("Invalid sorting key: {key}")));
        }
    }
    let expr = params.get("q").map(query::parse).transpose()?;
    let size = params.count("pageSize", 100, 1000)?;
    let files: Vec<Value> = fake.with_workspace(&caller.email, |ws| {
        if let Some(id) = drive_id
            && !ws.drives.iter().any(|d| d.id == id)
        {
            return Err(ApiError::not_found(format!("Shared drive not found: {id}")));
        }
        let text = |f: &DriveFile| full_text(ws, f);
        let ctx = Context {
            me: &ws.email,
            root: &ws.root,
            text: &text,
        };
        let mut found: Vec<&DriveFile> = ws
            .files
            .iter()
            .filter(|f| match (&f.drive_id, drive_id) {
                (_, Some(id)) => f.drive_id.as_deref() == Some(id),
                (Some(_), None) => include,
                (None, None) => true,
            })
            .filter(|f| expr.as_ref().is_none_or(|e| e.matches(f, &ctx)))
            .collect();
        found.sort_by(|a, b| order(order_by, a, b));
        Ok(found.into_iter().map(|f| file_json(ws, f)).collect())
    })?;
    let (files, next) = page(files, params.get("pageToken"), size)?;
    let mut body = json!({
        "kind": "drive#fileList",
        "incompleteSearch": false,
        "files": files,
    });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&project_list(&body, &params, "files")))
}

/// `GET /drive/v3/files/{fileId}` (`alt=media` downloads the content).
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.files.get")?;
    let params = Params::parse(raw.as_deref());
    let supports = supports_all_drives(&params)?;
    let media = params.get("alt") == Some("media");
    fake.with_workspace(&caller.email, |ws| {
        let id = ws.resolve(&file_id).to_string();
        if id == ws.root {
            let root = json!({
                "kind": "drive#file", "id": ws.root, "name": "My Drive", "mimeType": FOLDER,
            });
            return Ok(ok_json(&project(&root, &params)));
        }
        let f = visible(ws, &id, supports)?;
        if !media {
            return Ok(ok_json(&project(&file_json(ws, f), &params)));
        }
        if f.is_native() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "fileNotDownloadable",
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
            ).with_location("alt"));
        }
        Ok((
            [(header::CONTENT_TYPE, f.mime_type.clone())],
            f.content.clone(),
        )
            .into_response())
    })
}

/// The export formats of a native type.
fn export_formats(mime: &str) -> &'static [&'static str] {
    match mime {
        DOC => &["text/markdown", "text/plain", "text/html"],
        SHEET => &["text/csv"],
        SLIDES => &["text/plain"],
        _ => &[],
    }
}

/// `GET /drive/v3/files/{fileId}/export?mimeType=…`
pub(crate) async fn export(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.files.export")?;
    let params = Params::parse(raw.as_deref());
    let Some(mime) = params.get("mimeType").map(str::to_string) else {
        return Err(ApiError::required("Required parameter: mimeType").with_location("mimeType"));
    };
    fake.with_workspace(&caller.email, |ws| {
        let f = visible(ws, &file_id, true)?;
        if !f.is_native() || f.mime_type == FOLDER {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "fileNotExportable",
                "Export only supports Docs Editors files.",
            ));
        }
        if !export_formats(&f.mime_type).contains(&mime.as_str()) {
            return Err(
                ApiError::bad_request("The requested conversion is not supported.")
                    .with_location("convertTo"),
            );
        }
        if f.size() > EXPORT_LIMIT {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "exportSizeLimitExceeded",
                "This file is too large to be exported.",
            ));
        }
        let body = match (f.mime_type.as_str(), mime.as_str()) {
            (DOC, m) => {
                let doc = ws.docs.get(&f.id).ok_or_else(|| file_not_found(&f.id))?;
                match m {
                    "text/markdown" => export::markdown(doc),
                    "text/html" => export::html(doc),
                    _ => export::plain(doc),
                }
            }
            (SHEET, _) => ws
                .sheets
                .get(&f.id)
                .map(|s| s.first_sheet_csv())
                .ok_or_else(|| file_not_found(&f.id))?,
            _ => format!("\u{feff}{}", String::from_utf8_lossy(&f.content)),
        };
        if body.len() as u64 > EXPORT_LIMIT {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "exportSizeLimitExceeded",
                "This file is too large to be exported.",
            ));
        }
        let content_type = if mime.starts_with("text/") {
            format!("{mime}; charset=utf-8")
        } else {
            mime.clone()
        };
        Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilePatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub starred: Option<bool>,
    pub trashed: Option<bool>,
    pub parents: Option<Vec<String>>,
}

/// `PATCH /drive/v3/files/{fileId}` (`addParents`/`removeParents` move it).
pub(crate) async fn update(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.files.update")?;
    let params = Params::parse(raw.as_deref());
    let patch: FilePatch = json_body(&body)?;
    fake.with_workspace(&caller.email, |ws| {
        apply_update(ws, &file_id, &params, patch, None)
    })
}

/// Applies a metadata patch (and new content) to a file; answers the resource.
pub(crate) fn apply_update(
    ws: &mut Workspace,
    file_id: &str,
    params: &Params,
    patch: FilePatch,
    content: Option<Vec<u8>>,
) -> ApiResult {
    let supports = supports_all_drives(params)?;
    let f = visible(ws, file_id, supports)?;
    if !can_edit(ws, f) {
        return Err(no_write_access());
    }
    if patch.parents.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "fieldNotWritable",
            "The resource body includes fields which are not directly writable.",
        ));
    }
    let add: Vec<String> = params
        .all("addParents")
        .into_iter()
        .map(|p| ws.resolve(p).to_string())
        .collect();
    let remove: Vec<String> = params
        .all("removeParents")
        .into_iter()
        .map(|p| ws.resolve(p).to_string())
        .collect();
    for parent in &add {
        if !ws.is_container(parent) || (ws.drive_of(parent).is_some() && !supports) {
            return Err(file_not_found(parent));
        }
    }
    let new_drive = add.first().map(|p| ws.drive_of(p));
    let f = ws
        .file_mut(file_id)
        .ok_or_else(|| file_not_found(file_id))?;
    if let Some(name) = patch.name {
        f.name = name;
    }
    if let Some(description) = patch.description {
        f.description = Some(description);
    }
    if let Some(starred) = patch.starred {
        f.starred = starred;
    }
    if let Some(trashed) = patch.trashed {
        f.trashed = trashed;
    }
    f.parents.retain(|p| !remove.contains(p));
    for parent in add {
        if !f.parents.contains(&parent) {
            f.parents.push(parent);
        }
    }
    if let Some(drive) = new_drive {
        f.drive_id = drive;
    }
    if let Some(content) = content {
        f.content = content;
    }
    f.modified = now_ms().max(f.modified + 1);
    let f = ws.file(file_id).expect("just updated");
    Ok(ok_json(&project(&file_json(ws, f), params)))
}

/// `DELETE /drive/v3/files/{fileId}`: permanent, with a folder's content.
pub(crate) async fn delete(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.files.delete")?;
    let params = Params::parse(raw.as_deref());
    let supports = supports_all_drives(&params)?;
    fake.with_workspace(&caller.email, |ws| {
        let f = visible(ws, &file_id, supports)?;
        if f.owner.as_ref().is_none_or(|(_, e)| *e != ws.email) && f.drive_id.is_none() {
            return Err(no_write_access());
        }
        ws.delete_tree(&file_id);
        Ok(no_content())
    })
}

/// `POST /drive/v3/files/{fileId}/copy`
pub(crate) async fn copy(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.files.copy")?;
    let params = Params::parse(raw.as_deref());
    let supports = supports_all_drives(&params)?;
    let patch: FilePatch = json_body(&body)?;
    fake.with_workspace(&caller.email, |ws| {
        let source = visible(ws, &file_id, supports)?.clone();
        if source.mime_type == FOLDER {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "cannotCopyFile",
                "This file cannot be copied by the user.",
            ));
        }
        let parents = match patch.parents {
            Some(parents) => parents.iter().map(|p| ws.resolve(p).to_string()).collect(),
            None if source.owner.as_ref().is_some_and(|(_, e)| *e == ws.email)
                || source.drive_id.is_some() =>
            {
                source.parents.clone()
            }
            None => vec![ws.root.clone()],
        };
        for parent in &parents {
            if !ws.is_container(parent) {
                return Err(file_not_found(parent));
            }
        }
        let id = ws.next_id("file");
        let now = now_ms();
        let mut copy = source.clone();
        copy.id = id.clone();
        copy.name = patch
            .name
            .unwrap_or_else(|| format!("Copy of {}", source.name));
        copy.drive_id = parents.first().and_then(|p| ws.drive_of(p));
        copy.parents = parents;
        copy.created = now;
        copy.modified = now;
        copy.trashed = false;
        copy.shared_with_me = false;
        copy.owner = copy
            .drive_id
            .is_none()
            .then(|| (ws.name.clone(), ws.email.clone()));
        copy.permissions = super::perms::owner_permissions(ws, &copy);
        if let Some(doc) = ws.docs.get(&source.id).cloned() {
            ws.docs.insert(
                id.clone(),
                crate::docs::model::Document {
                    id: id.clone(),
                    title: copy.name.clone(),
                    ..doc
                },
            );
        }
        if let Some(sheet) = ws.sheets.get(&source.id).cloned() {
            ws.sheets.insert(
                id.clone(),
                crate::sheets::model::Spreadsheet {
                    id: id.clone(),
                    title: copy.name.clone(),
                    ..sheet
                },
            );
        }
        ws.files.push(copy);
        let f = ws.file(&id).expect("just added");
        Ok(ok_json(&project(&file_json(ws, f), &params)))
    })
}
