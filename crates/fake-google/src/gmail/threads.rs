//! `users.threads.*`

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::messages::{ModifyBody, check_labels, render, search};
use super::store::Mailbox;
use super::{Format, authorize, message_not_found};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, ok_json, page};

/// `GET …/threads`: threads with at least one matching message, latest activity first.
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.threads.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("maxResults", 100, 500)?;
    let body = fake.with_mailbox(&caller.email, |mb| {
        let found = search(mb, &params, &caller)?;
        let mut thread_ids: Vec<&str> = Vec::new();
        for m in &found {
            if !thread_ids.contains(&m.thread_id.as_str()) {
                thread_ids.push(&m.thread_id);
            }
        }
        let total = thread_ids.len();
        let (items, next) = page(thread_ids, params.get("pageToken"), max)?;
        let threads: Vec<Value> = items
            .iter()
            .map(|id| {
                let messages = mb.thread(id);
                let last = messages.last().expect("thread has messages");
                json!({
                    "id": id,
                    "snippet": last.info.snippet,
                    "historyId": thread_history(mb, id).to_string(),
                })
            })
            .collect();
        Ok::<_, ApiError>(super::list_body(total, "threads", threads, next))
    })?;
    Ok(ok_json(&body))
}

fn thread_history(mb: &Mailbox, id: &str) -> u64 {
    mb.thread(id)
        .iter()
        .map(|m| m.history_id)
        .max()
        .unwrap_or_default()
}

fn thread_json(mb: &Mailbox, id: &str, format: Format, headers: &[&str]) -> Option<Value> {
    let messages = mb.thread(id);
    if messages.is_empty() {
        return None;
    }
    Some(json!({
        "id": id,
        "historyId": thread_history(mb, id).to_string(),
        "messages": messages.iter().map(|m| render(m, format, headers)).collect::<Vec<_>>(),
    }))
}

/// `GET …/threads/{id}` (`format` full, metadata or minimal; raw is not offered for threads)
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.threads.get")?;
    let params = Params::parse(query.as_deref());
    let format = Format::parse(params.get("format"), &caller)?;
    if format == Format::Raw {
        return Err(ApiError::invalid_argument(
            "Invalid value at 'format' (type.googleapis.com/caribou.api.proto.ThreadFormat), \"raw\"",
        ));
    }
    let headers = params.all("metadataHeaders");
    let body = fake.with_mailbox(&caller.email, |mb| thread_json(mb, &id, format, &headers));
    body.map(|b| ok_json(&b)).ok_or_else(message_not_found)
}

fn each_in_thread(
    fake: &FakeGoogle,
    email: &str,
    id: &str,
    apply: impl Fn(&mut Mailbox, &str) -> Result<(), ApiError>,
) -> ApiResult {
    let body = fake.with_mailbox(email, |mb| {
        let ids: Vec<String> = mb.thread(id).iter().map(|m| m.id.clone()).collect();
        if ids.is_empty() {
            return Err(message_not_found());
        }
        for message_id in &ids {
            apply(mb, message_id)?;
        }
        Ok(thread_json(mb, id, Format::Minimal, &[]).expect("thread exists"))
    })?;
    Ok(ok_json(&body))
}

/// `POST …/threads/{id}/modify`
pub(crate) async fn modify(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.threads.modify")?;
    let body: ModifyBody = json_body(&body)?;
    each_in_thread(&fake, &caller.email, &id, |mb, message_id| {
        check_labels(mb, &body)?;
        mb.modify(message_id, &body.add_label_ids, &body.remove_label_ids);
        Ok(())
    })
}

/// `POST …/threads/{id}/trash`
pub(crate) async fn trash(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.threads.trash")?;
    each_in_thread(&fake, &caller.email, &id, |mb, message_id| {
        mb.trash(message_id);
        Ok(())
    })
}

/// `POST …/threads/{id}/untrash`
pub(crate) async fn untrash(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.threads.untrash")?;
    each_in_thread(&fake, &caller.email, &id, |mb, message_id| {
        mb.untrash(message_id);
        Ok(())
    })
}
