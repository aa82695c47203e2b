//! `comments.list`, `get`, `create` and `replies.create` on any file the
//! caller can see; writing needs comment access (commenter, writer, owner).
//! As on Drive, every comments method needs `fields`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::files::can_edit;
use super::store::{DriveFile, FOLDER, Workspace};
use super::{invalid, rfc3339, visible};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, now_ms, ok_json, page};
use crate::drive::fields::Fields;
use crate::seed::drive_notes::user;

/// Longest comment or reply Drive takes.
const MAX_CONTENT: usize = 30_000;

fn fields(params: &Params) -> Result<Fields, ApiError> {
    params.get("fields").map(Fields::parse).ok_or_else(|| {
        ApiError::bad_request("The 'fields' parameter is required for this method.")
            .with_reason("required")
            .with_location("fields")
    })
}

fn comment_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Comment not found: {id}.")).with_location("commentId")
}

fn may_comment(ws: &Workspace, f: &DriveFile) -> bool {
    can_edit(ws, f)
        || f.permissions
            .iter()
            .any(|p| p.email.as_deref() == Some(ws.email.as_str()) && p.role == "commenter")
}

/// The file the caller may comment on (a folder takes no comments).
fn commentable<'a>(ws: &'a Workspace, id: &str) -> Result<&'a DriveFile, ApiError> {
    let f = visible(ws, id, true)?;
    if f.mime_type == FOLDER {
        return Err(invalid("Comments are not supported for folders."));
    }
    if !may_comment(ws, f) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficientFilePermissions",
            "The user does not have sufficient permissions for this file.",
        ));
    }
    Ok(f)
}

fn content(body: &Value, required: bool) -> Result<String, ApiError> {
    let text = body["content"].as_str().unwrap_or_default();
    if required && text.trim().is_empty() {
        return Err(ApiError::required("Required: content").with_location("content"));
    }
    if text.chars().count() > MAX_CONTENT {
        return Err(invalid("The comment is too long."));
    }
    Ok(text.to_owned())
}

/// `GET /drive/v3/files/{fileId}/comments`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.comments.list")?;
    let params = Params::parse(raw.as_deref());
    let fields = fields(&params)?;
    let size = params.count("pageSize", 20, 100)?;
    let deleted = params.flag("includeDeleted")?;
    let comments = fake.with_workspace(&caller.email, |ws| {
        visible(ws, &file_id, true)?;
        Ok::<_, ApiError>(ws.comments.get(&file_id).cloned().unwrap_or_default())
    })?;
    let comments: Vec<Value> = comments
        .into_iter()
        .filter(|c| deleted || c["deleted"] != true)
        .collect();
    let (items, next) = page(comments, params.get("pageToken"), size)?;
    let mut body = json!({ "kind": "drive#commentList", "comments": items });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&fields.apply(&body)))
}

/// `GET /drive/v3/files/{fileId}/comments/{commentId}`
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((file_id, comment_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.comments.get")?;
    let fields = fields(&Params::parse(raw.as_deref()))?;
    fake.with_workspace(&caller.email, |ws| {
        visible(ws, &file_id, true)?;
        ws.comments
            .get(&file_id)
            .and_then(|cs| cs.iter().find(|c| c["id"] == comment_id.as_str()))
            .map(|c| ok_json(&fields.apply(c)))
            .ok_or_else(|| comment_not_found(&comment_id))
    })
}

/// `POST /drive/v3/files/{fileId}/comments`
pub(crate) async fn create(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.comments.create")?;
    let fields = fields(&Params::parse(raw.as_deref()))?;
    let body: Value = json_body(&body)?;
    let text = content(&body, true)?;
    let created = fake.with_workspace(&caller.email, |ws| {
        commentable(ws, &file_id)?;
        let now = now_ms();
        let id = format!("AAAD{}", &ws.next_id("comment")[1..16]);
        let mut c = json!({
            "kind": "drive#comment",
            "id": id,
            "createdTime": rfc3339(now),
            "modifiedTime": rfc3339(now),
            "author": user(&ws.name, &ws.email, &ws.email),
            "htmlContent": text,
            "content": text,
            "deleted": false,
            "resolved": false,
            "replies": [],
        });
        if let Some(anchor) = body["anchor"].as_str() {
            c["anchor"] = json!(anchor);
        }
        if body["quotedFileContent"]["value"].is_string() {
            c["quotedFileContent"] = body["quotedFileContent"].clone();
        }
        ws.comments
            .entry(file_id.clone())
            .or_default()
            .push(c.clone());
        Ok::<_, ApiError>(c)
    })?;
    Ok(ok_json(&fields.apply(&created)))
}

/// `POST /drive/v3/files/{fileId}/comments/{commentId}/replies`: `action`
/// `resolve` or `reopen` changes the comment's state (then `content` may be empty).
pub(crate) async fn reply(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((file_id, comment_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.replies.create")?;
    let fields = fields(&Params::parse(raw.as_deref()))?;
    let body: Value = json_body(&body)?;
    let action = match body["action"].as_str() {
        None => None,
        Some(a @ ("resolve" | "reopen")) => Some(a.to_owned()),
        Some(other) => return Err(invalid(format!("Invalid action: {other}"))),
    };
    let text = content(&body, action.is_none())?;
    let created = fake.with_workspace(&caller.email, |ws| {
        commentable(ws, &file_id)?;
        let now = now_ms();
        let id = format!("AAAE{}", &ws.next_id("reply")[1..16]);
        let author = user(&ws.name, &ws.email, &ws.email);
        let comment = ws
            .comments
            .get_mut(&file_id)
            .and_then(|cs| cs.iter_mut().find(|c| c["id"] == comment_id.as_str()))
            .filter(|c| c["deleted"] != true)
            .ok_or_else(|| comment_not_found(&comment_id))?;
        let mut r = json!({
            "kind": "drive#reply",
            "id": id,
            "createdTime": rfc3339(now),
            "modifiedTime": rfc3339(now),
            "author": author,
            "htmlContent": text,
            "content": text,
            "deleted": false,
        });
        if let Some(a) = &action {
            r["action"] = json!(a);
            comment["resolved"] = json!(a == "resolve");
        }
        comment["modifiedTime"] = json!(rfc3339(now));
        if let Some(replies) = comment["replies"].as_array_mut() {
            replies.push(r.clone());
        } else {
            comment["replies"] = json!([r.clone()]);
        }
        Ok::<_, ApiError>(r)
    })?;
    Ok(ok_json(&fields.apply(&created)))
}
