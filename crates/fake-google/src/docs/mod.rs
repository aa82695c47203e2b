//! Docs API v1 (`/v1/documents…`): the Google Docs Drive lists (shared ids),
//! with tabs and UTF-16 indexes.

mod edit;
mod flat;
pub(crate) mod model;
pub(crate) mod render;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, ok_json};
use crate::drive::store::{DOC, Workspace};
use model::Document;

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new()
        .route("/v1/documents", post(create))
        .route("/v1/documents/{id}", get(get_document).post(batch_update))
}

fn not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

fn document<'a>(
    ws: &'a mut Workspace,
    id: &str,
    write: bool,
) -> Result<&'a mut Document, ApiError> {
    let file = ws
        .file(id)
        .filter(|f| f.mime_type == DOC)
        .ok_or_else(not_found)?;
    if write && !crate::drive::can_edit(ws, file) {
        return Err(ApiError::forbidden("The caller does not have permission"));
    }
    if write {
        let now = crate::api::now_ms();
        if let Some(f) = ws.file_mut(id) {
            f.modified = now.max(f.modified + 1);
        }
    }
    ws.docs.get_mut(id).ok_or_else(not_found)
}

/// `GET /v1/documents/{id}` (`includeTabsContent=true` answers every tab).
async fn get_document(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("docs.documents.get")?;
    let params = Params::parse(raw.as_deref());
    let tabs = params.flag("includeTabsContent")?;
    fake.with_workspace(&caller.email, |ws| {
        let doc = document(ws, &id, false)?;
        Ok(ok_json(&render::document(doc, tabs)))
    })
}

/// `POST /v1/documents`: a new empty document in My Drive.
async fn create(State(fake): State<FakeGoogle>, caller: Caller, body: Bytes) -> ApiResult {
    caller.require("docs.documents.create")?;
    let body: Value = json_body(&body)?;
    let title = body["title"]
        .as_str()
        .unwrap_or("Untitled document")
        .to_string();
    fake.with_workspace(&caller.email, |ws| {
        let id = ws.next_id("document");
        crate::sheets::insert_file(ws, &id, &title, DOC);
        let doc = Document::empty(&id, &title);
        let out = render::document(&doc, false);
        ws.docs.insert(id, doc);
        Ok(ok_json(&out))
    })
}

/// `POST /v1/documents/{id}:batchUpdate`
async fn batch_update(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let Some(id) = id.strip_suffix(":batchUpdate").map(str::to_string) else {
        return Err(ApiError::not_found("Not Found"));
    };
    caller.require("docs.documents.batchUpdate")?;
    let body: Value = json_body(&body)?;
    let requests = body["requests"].as_array().cloned().unwrap_or_default();
    fake.with_workspace(&caller.email, |ws| {
        let doc = document(ws, &id, true)?;
        if let Some(required) = body["writeControl"]["requiredRevisionId"].as_str()
            && required != render::revision_id(doc)
        {
            return Err(ApiError::invalid_argument(
                "The document was modified since the required revision. Please retry with the latest revision.",
            ));
        }
        let replies = edit::batch_update(doc, &requests)?;
        Ok(ok_json(&json!({
            "documentId": id,
            "replies": replies,
            "writeControl": { "requiredRevisionId": render::revision_id(doc) },
        })))
    })
}
