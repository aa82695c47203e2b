//! `revisions.list` and `revisions.get` (`alt=media` for files with binary
//! content), and the `exportLinks` a Doc's revisions carry: a Doc revision
//! is read by fetching one of them, as on Drive.

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::store::{DOC, DriveFile, Revision, Workspace};
use super::{export, invalid, rfc3339, visible};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, ok_json, page};
use crate::drive::fields::Fields;
use crate::seed::drive_notes::user;

/// Export formats of a Doc revision: `exportFormat` and MIME type.
const DOC_EXPORTS: [(&str, &str); 3] = [
    ("md", "text/markdown"),
    ("html", "text/html"),
    ("txt", "text/plain"),
];

fn revision_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Revision not found: {id}.")).with_location("revisionId")
}

/// The file's revisions, oldest first; the last is the file as it is now.
fn revisions(ws: &Workspace, f: &DriveFile) -> Vec<Revision> {
    let mut out = ws.revisions.get(&f.id).cloned().unwrap_or_default();
    let head_id = if f.mime_type == DOC {
        (out.len() + 1).to_string()
    } else {
        format!("0B{}head", &f.id[1..12])
    };
    let (name, email) = f
        .owner
        .clone()
        .unwrap_or_else(|| (ws.name.clone(), ws.email.clone()));
    out.push(Revision {
        id: head_id,
        modified: f.modified,
        author: (name, email),
        doc: ws.docs.get(&f.id).cloned(),
        content: f.content.clone(),
    });
    out
}

fn revision_json(base: &str, ws: &Workspace, f: &DriveFile, r: &Revision) -> Value {
    let mut v = json!({
        "kind": "drive#revision",
        "id": r.id,
        "mimeType": f.mime_type,
        "modifiedTime": rfc3339(r.modified),
        "keepForever": false,
        "published": false,
        "lastModifyingUser": user(&r.author.0, &r.author.1, &ws.email),
    });
    if f.mime_type == DOC {
        let links: serde_json::Map<String, Value> = DOC_EXPORTS
            .iter()
            .map(|(format, mime)| {
                let url = format!(
                    "{base}/feeds/download/documents/export/Export?id={}&revision={}&exportFormat={format}",
                    f.id, r.id
                );
                ((*mime).to_owned(), json!(url))
            })
            .collect();
        v["exportLinks"] = Value::Object(links);
    } else if !f.is_native() {
        v["size"] = json!(r.content.len().to_string());
        v["originalFilename"] = json!(f.name);
        v["md5Checksum"] = json!(format!("{:x}", md5_like(&r.content)));
    }
    v
}

/// A stable 128-bit digest standing in for MD5 (only its shape matters).
fn md5_like(bytes: &[u8]) -> u128 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    u128::from_be_bytes(d[..16].try_into().expect("16 bytes"))
}

/// `GET /drive/v3/files/{fileId}/revisions`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.revisions.list")?;
    let params = Params::parse(raw.as_deref());
    let size = params.count("pageSize", 200, 1000)?;
    let base = fake.base_url().to_owned();
    let items = fake.with_workspace(&caller.email, |ws| {
        let f = visible(ws, &file_id, true)?;
        if f.mime_type == super::store::FOLDER {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "revisionsNotSupported",
                "The file does not support revisions.",
            ));
        }
        Ok(revisions(ws, f)
            .iter()
            .map(|r| revision_json(&base, ws, f, r))
            .collect::<Vec<Value>>())
    })?;
    let (items, next) = page(items, params.get("pageToken"), size)?;
    let mut body = json!({ "kind": "drive#revisionList", "revisions": items });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    let spec = params
        .get("fields")
        .unwrap_or("kind,nextPageToken,revisions(kind,id,mimeType,modifiedTime)");
    Ok(ok_json(&Fields::parse(spec).apply(&body)))
}

/// `GET /drive/v3/files/{fileId}/revisions/{revisionId}` (`alt=media`
/// downloads a binary file's revision; a Doc's is read through `exportLinks`).
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((file_id, revision_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.revisions.get")?;
    let params = Params::parse(raw.as_deref());
    let media = params.get("alt") == Some("media");
    let base = fake.base_url().to_owned();
    fake.with_workspace(&caller.email, |ws| {
        let f = visible(ws, &file_id, true)?;
        let all = revisions(ws, f);
        let r = all
            .iter()
            .find(|r| r.id == revision_id)
            .ok_or_else(|| revision_not_found(&revision_id))?;
        if !media {
            let spec = params
                .get("fields")
                .unwrap_or("kind,id,mimeType,modifiedTime");
            return Ok(ok_json(
                &Fields::parse(spec).apply(&revision_json(&base, ws, f, r)),
            ));
        }
        if f.is_native() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "fileNotDownloadable",
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
            )
            .with_location("alt"));
        }
        Ok(([(header::CONTENT_TYPE, f.mime_type.clone())], r.content.clone()).into_response())
    })
}

/// `GET /feeds/download/documents/export/Export?id=…&revision=…&exportFormat=…`:
/// a Doc revision's export link (Drive read scopes, as the revision's).
pub(crate) async fn export_link(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.revisions.get")?;
    let params = Params::parse(raw.as_deref());
    let (Some(id), Some(rev)) = (params.get("id"), params.get("revision")) else {
        return Err(invalid("id and revision are required."));
    };
    let format = params.get("exportFormat").unwrap_or("txt");
    let Some((_, mime)) = DOC_EXPORTS.iter().find(|(f, _)| *f == format) else {
        return Err(invalid(format!("Unsupported exportFormat: {format}")));
    };
    fake.with_workspace(&caller.email, |ws| {
        let f = visible(ws, id, true)?;
        let r = revisions(ws, f)
            .into_iter()
            .find(|r| r.id == rev)
            .ok_or_else(|| revision_not_found(rev))?;
        let doc = r.doc.as_ref().ok_or_else(|| revision_not_found(rev))?;
        let body = match *mime {
            "text/markdown" => export::markdown(doc),
            "text/html" => export::html(doc),
            _ => export::plain(doc),
        };
        Ok((
            [(header::CONTENT_TYPE, format!("{mime}; charset=utf-8"))],
            body,
        )
            .into_response())
    })
}
