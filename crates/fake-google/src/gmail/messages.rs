//! `users.messages.*` (except send) and `users.getProfile`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Value, json};

use super::query::Query;
use super::store::{Mailbox, StoredMessage};
use super::{Format, authorize, message_not_found, metadata_only, mime};
use crate::FakeGoogle;
use crate::api::{
    ApiError, ApiResult, Caller, Params, json_body, no_content, now_ms, ok_json, page,
};

/// A message resource in the requested format.
pub(crate) fn render(m: &StoredMessage, format: Format, headers: &[&str]) -> Value {
    let mut out = json!({
        "id": m.id,
        "threadId": m.thread_id,
        "labelIds": m.labels,
        "snippet": m.info.snippet,
        "sizeEstimate": m.raw.len(),
        "historyId": m.history_id.to_string(),
        "internalDate": m.internal_date.to_string(),
    });
    match format {
        Format::Minimal => {}
        Format::Metadata => out["payload"] = mime::metadata_payload(&m.raw, headers),
        Format::Full => out["payload"] = mime::full_payload(&m.raw, &m.id),
        Format::Raw => out["raw"] = json!(URL_SAFE.encode(m.raw.as_slice())),
    }
    out
}

/// `{id, threadId, labelIds}` as modify, trash and send answer.
pub(crate) fn brief(m: &StoredMessage) -> Value {
    json!({ "id": m.id, "threadId": m.thread_id, "labelIds": m.labels })
}

/// `GET …/profile`
pub(crate) async fn profile(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.getProfile")?;
    let body = fake.with_mailbox(&caller.email, |mb| {
        let threads: std::collections::BTreeSet<&str> =
            mb.messages.iter().map(|m| m.thread_id.as_str()).collect();
        json!({
            "emailAddress": caller.email,
            "messagesTotal": mb.messages.len(),
            "threadsTotal": threads.len(),
            "historyId": mb.history.to_string(),
        })
    });
    Ok(ok_json(&body))
}

/// The messages matching `q`, `labelIds` and `includeSpamTrash`, newest first.
pub(crate) fn search<'a>(
    mb: &'a Mailbox,
    params: &Params,
    caller: &Caller,
) -> Result<Vec<&'a StoredMessage>, ApiError> {
    let q = params.get("q");
    if q.is_some() && metadata_only(caller) {
        return Err(ApiError::forbidden(
            "Metadata scope does not support 'q' parameter",
        ));
    }
    let query = Query::parse(q.unwrap_or_default());
    let label_ids = params.all("labelIds");
    for label in &label_ids {
        if mb.label(label).is_none() {
            return Err(ApiError::invalid_argument(format!(
                "Invalid label: {label}"
            )));
        }
    }
    let spam_trash = params.flag("includeSpamTrash")?
        || query.searches_spam_or_trash()
        || label_ids.iter().any(|l| *l == "TRASH" || *l == "SPAM");
    let now = now_ms();
    let mut found: Vec<&StoredMessage> = mb
        .messages
        .iter()
        .filter(|m| spam_trash || !m.is_spam_or_trash())
        .filter(|m| {
            !m.has("DRAFT")
                || label_ids.contains(&"DRAFT")
                || q.is_some_and(|q| q.contains("draft"))
        })
        .filter(|m| label_ids.iter().all(|l| m.has(l)))
        .filter(|m| query.matches(mb, m, now))
        .collect();
    found.sort_by(|a, b| (b.internal_date, &b.id).cmp(&(a.internal_date, &a.id)));
    Ok(found)
}

/// `GET …/messages`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("maxResults", 100, 500)?;
    let body = fake.with_mailbox(&caller.email, |mb| {
        let found = search(mb, &params, &caller)?;
        let total = found.len();
        let (items, next) = page(found, params.get("pageToken"), max)?;
        let items = items
            .iter()
            .map(|m| json!({ "id": m.id, "threadId": m.thread_id }))
            .collect();
        Ok::<_, ApiError>(super::list_body(total, "messages", items, next))
    })?;
    Ok(ok_json(&body))
}

/// `GET …/messages/{id}`
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.get")?;
    let params = Params::parse(query.as_deref());
    let format = Format::parse(params.get("format"), &caller)?;
    let headers = params.all("metadataHeaders");
    let body = fake.with_mailbox(&caller.email, |mb| {
        mb.message(&id).map(|m| render(m, format, &headers))
    });
    body.map(|b| ok_json(&b)).ok_or_else(message_not_found)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ModifyBody {
    pub ids: Vec<String>,
    pub add_label_ids: Vec<String>,
    pub remove_label_ids: Vec<String>,
}

/// Refuses label ids the mailbox does not have and labels Gmail does not let clients set.
pub(crate) fn check_labels(mb: &Mailbox, body: &ModifyBody) -> Result<(), ApiError> {
    for label in body.add_label_ids.iter().chain(&body.remove_label_ids) {
        if mb.label(label).is_none() {
            return Err(ApiError::invalid_argument(format!(
                "Invalid label: {label}"
            )));
        }
    }
    for label in &body.add_label_ids {
        if matches!(label.as_str(), "DRAFT" | "SENT" | "CHAT") {
            return Err(ApiError::invalid_argument(format!(
                "Invalid label: {label}"
            )));
        }
    }
    Ok(())
}

/// `POST …/messages/{id}/modify`
pub(crate) async fn modify(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.modify")?;
    let body: ModifyBody = json_body(&body)?;
    let out = fake.with_mailbox(&caller.email, |mb| {
        check_labels(mb, &body)?;
        if !mb.modify(&id, &body.add_label_ids, &body.remove_label_ids) {
            return Err(message_not_found());
        }
        Ok(brief(mb.message(&id).expect("modified message")))
    })?;
    Ok(ok_json(&out))
}

/// `POST …/messages/batchModify` (204; unknown ids are skipped, as Gmail does)
pub(crate) async fn batch_modify(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.batchModify")?;
    let body: ModifyBody = json_body(&body)?;
    if body.ids.is_empty() {
        return Err(ApiError::invalid_argument("No message ids specified."));
    }
    if body.ids.len() > 1000 {
        return Err(ApiError::invalid_argument(
            "Too many messages. The maximum is 1000.",
        ));
    }
    fake.with_mailbox(&caller.email, |mb| {
        check_labels(mb, &body)?;
        for id in &body.ids {
            mb.modify(id, &body.add_label_ids, &body.remove_label_ids);
        }
        Ok::<_, ApiError>(())
    })?;
    Ok(no_content())
}

/// `POST …/messages/{id}/trash`
pub(crate) async fn trash(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.trash")?;
    let out = fake.with_mailbox(&caller.email, |mb| {
        mb.trash(&id)
            .then(|| render(mb.message(&id).expect("trashed"), Format::Minimal, &[]))
    });
    out.map(|b| ok_json(&b)).ok_or_else(message_not_found)
}

/// `POST …/messages/{id}/untrash`
pub(crate) async fn untrash(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.untrash")?;
    let out = fake.with_mailbox(&caller.email, |mb| {
        mb.untrash(&id)
            .then(|| render(mb.message(&id).expect("untrashed"), Format::Minimal, &[]))
    });
    out.map(|b| ok_json(&b)).ok_or_else(message_not_found)
}

/// `GET …/messages/{messageId}/attachments/{id}`: `data` is unpadded base64url, as Gmail often sends it.
pub(crate) async fn attachment(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, message_id, id)): Path<(String, String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.attachments.get")?;
    let bytes = fake.with_mailbox(&caller.email, |mb| {
        let m = mb.message(&message_id).ok_or_else(message_not_found)?;
        let part = m
            .info
            .attachments
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ApiError::invalid_argument("Invalid attachment token"))?;
        mime::part_bytes(&m.raw, &part.part_id).ok_or_else(message_not_found)
    })?;
    Ok(ok_json(&json!({
        "size": bytes.len(),
        "data": URL_SAFE_NO_PAD.encode(&bytes),
    })))
}
