//! Forms API v1 (`/v1/forms…`, forms.googleapis.com): the caller's own
//! forms (Drive files of theirs, same ids), created with a title, edited
//! by `batchUpdate` (all or nothing, `writeControl.requiredRevisionId`),
//! read with their items, and their responses listed. Another user's form
//! is 404. Seeded with the user's Drive (`seed/forms.rs`).

mod edit;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use chrono::DateTime;
use serde_json::{Value, json};

use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, ok_json, page};
use crate::drive::store::{FORM, FormData, Workspace};

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new()
        .route("/v1/forms", post(create))
        .route("/v1/forms/{id}", get(get_form).post(batch_update))
        .route("/v1/forms/{id}/responses", get(list_responses))
}

fn not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

fn form<'a>(ws: &'a mut Workspace, id: &str) -> Result<&'a mut FormData, ApiError> {
    let trashed = ws.file(id).is_some_and(|f| f.trashed);
    match ws.forms.get_mut(id) {
        Some(f) if !trashed => Ok(f),
        _ => Err(not_found()),
    }
}

/// `POST /v1/forms`: a form with only a title (Google refuses items here).
async fn create(State(fake): State<FakeGoogle>, caller: Caller, body: Bytes) -> ApiResult {
    caller.require("forms.forms.create")?;
    let body: Value = json_body(&body)?;
    let info = body["info"].as_object().cloned().unwrap_or_default();
    if body.get("items").is_some() || info.keys().any(|k| k != "title" && k != "documentTitle") {
        return Err(ApiError::invalid_argument(
            "Only info.title and info.document_title may be set in a create request; use batchUpdate for the rest.",
        ));
    }
    let title = info
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_argument("info.title is required."))?
        .to_string();
    let document_title = info
        .get("documentTitle")
        .and_then(Value::as_str)
        .unwrap_or(&title)
        .to_string();
    fake.with_workspace(&caller.email, |ws| {
        let id = ws.next_id("form");
        crate::sheets::insert_file(ws, &id, &document_title, FORM);
        let form = json!({
            "formId": id,
            "info": { "title": title, "documentTitle": document_title },
            "revisionId": "00000001",
            "responderUri": format!("https://docs.google.com/forms/d/e/{id}/viewform"),
            "publishSettings": { "publishState": { "isPublished": true, "isAcceptingResponses": true } },
        });
        ws.forms.insert(
            id,
            FormData {
                form: form.clone(),
                responses: Vec::new(),
            },
        );
        Ok(ok_json(&form))
    })
}

/// `GET /v1/forms/{id}`
async fn get_form(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require("forms.forms.get")?;
    fake.with_workspace(&caller.email, |ws| Ok(ok_json(&form(ws, &id)?.form)))
}

/// `POST /v1/forms/{id}:batchUpdate`
async fn batch_update(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let Some(id) = id.strip_suffix(":batchUpdate").map(str::to_string) else {
        return Err(ApiError::not_found("Not Found"));
    };
    caller.require("forms.forms.batchUpdate")?;
    let body: Value = json_body(&body)?;
    let requests = body["requests"].as_array().cloned().unwrap_or_default();
    fake.with_workspace(&caller.email, |ws| {
        let data = form(ws, &id)?;
        if let Some(required) = body["writeControl"]["requiredRevisionId"].as_str()
            && required != data.form["revisionId"]
        {
            return Err(ApiError::invalid_argument(
                "The form was modified since the required revision. Read it again and retry.",
            )
            .with_status("FAILED_PRECONDITION"));
        }
        let mut next = data.form.clone();
        let replies = edit::apply(&mut next, &requests)?;
        if !requests.is_empty() {
            let revision = next["revisionId"]
                .as_str()
                .and_then(|r| r.parse::<u64>().ok())
                .unwrap_or(0);
            next["revisionId"] = json!(format!("{:08}", revision + 1));
        }
        data.form = next;
        let mut out = json!({
            "replies": replies,
            "writeControl": { "requiredRevisionId": data.form["revisionId"] },
        });
        if body["includeFormInResponse"] == true {
            out["form"] = data.form.clone();
        }
        Ok(ok_json(&out))
    })
}

/// `GET /v1/forms/{id}/responses`: oldest first; `filter` on `timestamp`.
async fn list_responses(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("forms.forms.responses.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("pageSize", 5000, 5000)?;
    let since = match params.get("filter") {
        None => None,
        Some(f) => {
            let bad = || ApiError::invalid_argument(format!("Invalid filter: {f}"));
            let rest = f.trim().strip_prefix("timestamp").ok_or_else(bad)?.trim();
            let (strict, value) = match rest.strip_prefix(">=") {
                Some(v) => (false, v),
                None => (true, rest.strip_prefix('>').ok_or_else(bad)?),
            };
            let at = DateTime::parse_from_rfc3339(value.trim()).map_err(|_| bad())?;
            Some((strict, at))
        }
    };
    let items: Vec<Value> = fake.with_workspace(&caller.email, |ws| {
        Ok::<_, ApiError>(
            form(ws, &id)?
                .responses
                .iter()
                .filter(|r| {
                    since.is_none_or(|(strict, at)| {
                        let t = r["lastSubmittedTime"]
                            .as_str()
                            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
                        t.is_some_and(|t| if strict { t > at } else { t >= at })
                    })
                })
                .cloned()
                .collect(),
        )
    })?;
    let (items, next) = page(items, params.get("pageToken"), max)?;
    let mut body = json!({});
    if !items.is_empty() {
        body["responses"] = json!(items);
    }
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&body))
}
