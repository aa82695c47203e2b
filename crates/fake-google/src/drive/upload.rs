//! `files.create`: metadata only (`POST /drive/v3/files`), or with content
//! (`POST /upload/drive/v3/files?uploadType=multipart|media`); uploading
//! Markdown, plain text or CSV with a Google type converts it.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;

use super::files::{FilePatch, apply_update};
use super::store::{DOC, DriveFile, FOLDER, SHEET, Workspace};
use super::{file_json, file_not_found, invalid, project, supports_all_drives};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, now_ms, ok_json};
use crate::docs::model::Document;
use crate::sheets::model::{Sheet, Spreadsheet, parse_literal};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NewFile {
    name: Option<String>,
    mime_type: Option<String>,
    parents: Option<Vec<String>>,
    description: Option<String>,
    starred: Option<bool>,
}

/// `POST /drive/v3/files` (metadata only: folders, empty files, empty Docs/Sheets).
pub(crate) async fn create(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.files.create")?;
    let params = Params::parse(raw.as_deref());
    let meta: NewFile = json_body(&body)?;
    fake.with_workspace(&caller.email, |ws| insert(ws, &params, meta, None))
}

/// `POST /upload/drive/v3/files?uploadType=media|multipart`
pub(crate) async fn upload(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.files.create")?;
    let params = Params::parse(raw.as_deref());
    let (meta, media) = split_upload(&params, &headers, &body)?;
    let meta: NewFile = json_body(&meta)?;
    fake.with_workspace(&caller.email, |ws| insert(ws, &params, meta, Some(media)))
}

/// `PATCH /upload/drive/v3/files/{fileId}?uploadType=media|multipart`: new content.
pub(crate) async fn upload_update(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.files.update")?;
    let params = Params::parse(raw.as_deref());
    let (meta, (_, content)) = split_upload(&params, &headers, &body)?;
    let patch: FilePatch = json_body(&meta)?;
    fake.with_workspace(&caller.email, |ws| {
        if ws.file(&file_id).is_some_and(DriveFile::is_native) {
            return Err(ApiError::bad_request(
                "Uploading content to a Docs Editors file is not supported.",
            ));
        }
        apply_update(ws, &file_id, &params, patch, Some(content))
    })
}

type Media = (String, Vec<u8>);

/// `(metadata JSON, (media type, bytes))` of an upload request.
fn split_upload(
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Vec<u8>, Media), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    match params.get("uploadType") {
        Some("media") => Ok((b"{}".to_vec(), (content_type, body.to_vec()))),
        Some("multipart") => multipart(&content_type, body),
        Some("resumable") => Err(ApiError::bad_request(
            "Resumable uploads are not supported by this server.",
        )),
        _ => Err(
            ApiError::bad_request("Invalid uploadType: expected media or multipart.")
                .with_location("uploadType"),
        ),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits `multipart/related`: first part JSON metadata, second part the media.
fn multipart(content_type: &str, body: &[u8]) -> Result<(Vec<u8>, Media), ApiError> {
    let bad = || ApiError::bad_request("Malformed multipart body.");
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"').to_string())
        .ok_or_else(bad)?;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    let start = find(rest, delimiter.as_bytes()).ok_or_else(bad)?;
    rest = &rest[start + delimiter.len()..];
    while !rest.starts_with(b"--") {
        let end = find(rest, delimiter.as_bytes()).ok_or_else(bad)?;
        let part = &rest[..end];
        let part = part
            .strip_prefix(b"\r\n")
            .or(part.strip_prefix(b"\n"))
            .unwrap_or(part);
        let (head, content) = match find(part, b"\r\n\r\n") {
            Some(i) => (&part[..i], &part[i + 4..]),
            None => {
                let i = find(part, b"\n\n").ok_or_else(bad)?;
                (&part[..i], &part[i + 2..])
            }
        };
        let content = content
            .strip_suffix(b"\r\n")
            .or(content.strip_suffix(b"\n"))
            .unwrap_or(content);
        let mime = String::from_utf8_lossy(head)
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-type")
                    .then(|| value.trim().to_string())
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        parts.push((mime, content.to_vec()));
        rest = &rest[end + delimiter.len()..];
    }
    let mut parts = parts.into_iter();
    let (_, meta) = parts.next().ok_or_else(bad)?;
    let media = parts
        .next()
        .unwrap_or_else(|| ("application/octet-stream".into(), Vec::new()));
    Ok((meta, media))
}

fn insert(ws: &mut Workspace, params: &Params, meta: NewFile, media: Option<Media>) -> ApiResult {
    let supports = supports_all_drives(params)?;
    let parents: Vec<String> = meta
        .parents
        .unwrap_or_else(|| vec![ws.root.clone()])
        .iter()
        .map(|p| ws.resolve(p).to_string())
        .collect();
    if parents.len() > 1 {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cannotAddParent",
            "Increasing the number of parents is not allowed.",
        ));
    }
    for parent in &parents {
        if !ws.is_container(parent) || (ws.drive_of(parent).is_some() && !supports) {
            return Err(file_not_found(parent));
        }
    }
    let drive_id = parents.first().and_then(|p| ws.drive_of(p));
    let (media_type, content) =
        media.unwrap_or_else(|| ("application/octet-stream".into(), Vec::new()));
    let media_type = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let has_media = !content.is_empty() || media_type != "application/octet-stream";
    let mime = match meta.mime_type {
        Some(m) => m,
        None if has_media => media_type.clone(),
        None => "application/octet-stream".into(),
    };
    let id = ws.next_id("file");
    let name = meta.name.unwrap_or_else(|| "Untitled".into());
    let text = String::from_utf8_lossy(&content).into_owned();
    let mut stored = content.clone();
    match mime.as_str() {
        DOC => {
            let doc = match media_type.as_str() {
                _ if !has_media => Document::empty(&id, &name),
                "text/markdown" | "text/x-markdown" => Document::from_text(&id, &name, &text, true),
                "text/plain" => Document::from_text(&id, &name, &text, false),
                other => {
                    return Err(invalid(format!(
                        "Conversion from {other} to a Google Doc is not supported."
                    )));
                }
            };
            ws.docs.insert(id.clone(), doc);
            stored.clear();
        }
        SHEET => {
            let mut sheet = Sheet::new(0, "Sheet1");
            match media_type.as_str() {
                _ if !has_media => {}
                "text/csv" => {
                    sheet.rows = text
                        .lines()
                        .map(|l| l.split(',').map(parse_literal).collect())
                        .collect();
                }
                other => {
                    return Err(invalid(format!(
                        "Conversion from {other} to a Google Sheet is not supported."
                    )));
                }
            }
            ws.sheets
                .insert(id.clone(), Spreadsheet::new(&id, &name, vec![sheet]));
            stored.clear();
        }
        FOLDER if has_media => return Err(invalid("A folder cannot have content.")),
        _ => {}
    }
    let now = now_ms();
    let mut file = DriveFile {
        id: id.clone(),
        name,
        mime_type: mime,
        parents,
        trashed: false,
        starred: meta.starred.unwrap_or(false),
        created: now,
        modified: now,
        owner: drive_id
            .is_none()
            .then(|| (ws.name.clone(), ws.email.clone())),
        shared_with_me: false,
        drive_id,
        description: meta.description,
        content: stored,
        virtual_size: None,
        permissions: Vec::new(),
    };
    file.permissions = super::perms::owner_permissions(ws, &file);
    ws.files.push(file);
    let f = ws.file(&id).expect("just added");
    Ok(ok_json(&project(&file_json(ws, f), params)))
}
