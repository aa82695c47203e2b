//! `users.drafts.create`, `list`, `get`, `send`, `delete`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::messages::{brief, render};
use super::send::{MessageBody, complete_headers, decode_raw, deliver, resolve_thread};
use super::store::Mailbox;
use super::{Format, authorize, mime};
use crate::FakeGoogle;
use crate::api::{
    ApiError, ApiResult, Caller, Params, json_body, no_content, now_ms, ok_json, page,
};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DraftBody {
    id: Option<String>,
    message: Option<MessageBody>,
}

fn draft_not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

fn draft_json(mb: &Mailbox, draft_id: &str, format: Option<Format>) -> Option<Value> {
    let draft = mb.drafts.iter().find(|d| d.id == draft_id)?;
    let message = mb.message(&draft.message_id)?;
    let message = match format {
        Some(format) => render(message, format, &[]),
        None => brief(message),
    };
    Some(json!({ "id": draft.id, "message": message }))
}

fn raw_of(body: &DraftBody) -> Result<Vec<u8>, ApiError> {
    let raw = body
        .message
        .as_ref()
        .and_then(|m| m.raw.as_deref())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::invalid_argument("Message is empty"))?;
    decode_raw(raw)
}

/// `POST …/drafts` with `{"message": {"raw", "threadId"?}}`
pub(crate) async fn create(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.drafts.create")?;
    let body: DraftBody = json_body(&body)?;
    let raw = complete_headers(&raw_of(&body)?, &caller);
    let info = mime::analyze(&raw, "")
        .ok_or_else(|| ApiError::invalid_argument("Invalid RFC822 message"))?;
    let thread_id = body.message.as_ref().and_then(|m| m.thread_id.clone());
    let out = fake.with_mailbox(&caller.email, |mb| {
        let thread = resolve_thread(mb, thread_id.as_deref(), &info)?;
        let message_id = mb
            .insert(raw, &["DRAFT"], thread, Some(now_ms()))
            .map(|m| m.id.clone())
            .ok_or_else(|| ApiError::invalid_argument("Invalid RFC822 message"))?;
        let id = mb.new_draft_id();
        mb.drafts.push(super::store::Draft {
            id: id.clone(),
            message_id,
        });
        Ok::<_, ApiError>(draft_json(mb, &id, None).expect("created draft"))
    })?;
    Ok(ok_json(&out))
}

/// `GET …/drafts`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.drafts.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("maxResults", 100, 500)?;
    let body = fake.with_mailbox(&caller.email, |mb| {
        let mut drafts: Vec<Value> = mb
            .drafts
            .iter()
            .filter_map(|d| {
                let m = mb.message(&d.message_id)?;
                Some((
                    m.internal_date,
                    json!({ "id": d.id, "message": { "id": m.id, "threadId": m.thread_id } }),
                ))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(|(_, v)| v)
            .collect();
        drafts.shrink_to_fit();
        let total = drafts.len();
        let (items, next) = page(drafts, params.get("pageToken"), max)?;
        Ok::<_, ApiError>(super::list_body(total, "drafts", items, next))
    })?;
    Ok(ok_json(&body))
}

/// `GET …/drafts/{id}`
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.drafts.get")?;
    let params = Params::parse(query.as_deref());
    let format = Format::parse(params.get("format"), &caller)?;
    let body = fake.with_mailbox(&caller.email, |mb| draft_json(mb, &id, Some(format)));
    body.map(|b| ok_json(&b)).ok_or_else(draft_not_found)
}

/// `DELETE …/drafts/{id}`
pub(crate) async fn delete(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.drafts.delete")?;
    let found = fake.with_mailbox(&caller.email, |mb| {
        let message_id = mb.drafts.iter().find(|d| d.id == id)?.message_id.clone();
        mb.drafts.retain(|d| d.id != id);
        mb.messages.retain(|m| m.id != message_id);
        Some(())
    });
    found.map(|_| no_content()).ok_or_else(draft_not_found)
}

/// `POST …/drafts/send` with `{"id"}` (and optionally a replacement `message`)
pub(crate) async fn send(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.drafts.send")?;
    let body: DraftBody = json_body(&body)?;
    let Some(id) = body.id.clone().filter(|i| !i.is_empty()) else {
        return Err(ApiError::invalid_argument("Draft id is required"));
    };
    let stored = fake.with_mailbox(&caller.email, |mb| {
        let draft = mb.drafts.iter().find(|d| d.id == id)?;
        let m = mb.message(&draft.message_id)?;
        Some((m.raw.to_vec(), m.thread_id.clone()))
    });
    let Some((stored_raw, stored_thread)) = stored else {
        return Err(draft_not_found());
    };
    let (raw, thread) = match &body.message {
        Some(m) if m.raw.is_some() => (raw_of(&body)?, m.thread_id.clone()),
        _ => (stored_raw, Some(stored_thread)),
    };
    let out = deliver(&fake, &caller, raw, thread.as_deref(), Some(&id))?;
    Ok(ok_json(&out))
}
