//! `users.labels.list`, `get`, `create`.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::authorize;
use super::store::{Label, Mailbox, hidden_system_label};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, json_body, json_with, ok_json};

fn label_json(label: &Label) -> Value {
    let mut out = json!({
        "id": label.id,
        "name": label.name,
        "type": if label.system { "system" } else { "user" },
    });
    if !label.system {
        out["messageListVisibility"] = json!("show");
        out["labelListVisibility"] = json!("labelShow");
    } else if hidden_system_label(&label.id) {
        out["messageListVisibility"] = json!("hide");
        out["labelListVisibility"] = json!("labelHide");
    }
    if let Some((text, background)) = &label.color {
        out["color"] = json!({ "textColor": text, "backgroundColor": background });
    }
    out
}

/// The label with its message and thread counts, as `labels.get` answers.
fn label_with_counts(mb: &Mailbox, label: &Label) -> Value {
    let mut out = label_json(label);
    let tagged: Vec<_> = mb.messages.iter().filter(|m| m.has(&label.id)).collect();
    let unread: Vec<_> = tagged.iter().filter(|m| m.has("UNREAD")).collect();
    let threads: BTreeSet<&str> = tagged.iter().map(|m| m.thread_id.as_str()).collect();
    let unread_threads: BTreeSet<&str> = unread.iter().map(|m| m.thread_id.as_str()).collect();
    out["messagesTotal"] = json!(tagged.len());
    out["messagesUnread"] = json!(unread.len());
    out["threadsTotal"] = json!(threads.len());
    out["threadsUnread"] = json!(unread_threads.len());
    out
}

/// `GET …/labels`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.labels.list")?;
    let labels: Vec<Value> = fake.with_mailbox(&caller.email, |mb| {
        mb.labels.iter().map(label_json).collect()
    });
    Ok(ok_json(&json!({ "labels": labels })))
}

/// `GET …/labels/{id}`
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.labels.get")?;
    let body = fake.with_mailbox(&caller.email, |mb| {
        mb.label(&id).map(|l| label_with_counts(mb, l))
    });
    body.map(|b| ok_json(&b))
        .ok_or_else(|| ApiError::not_found("Requested entity was not found."))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CreateBody {
    name: String,
    color: Option<ColorBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ColorBody {
    text_color: String,
    background_color: String,
}

/// `POST …/labels`
pub(crate) async fn create(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.labels.create")?;
    let body: CreateBody = json_body(&body)?;
    let name = body.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::invalid_argument("Invalid label name"));
    }
    let out = fake.with_mailbox(&caller.email, |mb| {
        if mb.labels.iter().any(|l| l.name.eq_ignore_ascii_case(&name)) {
            return Err(ApiError::conflict(
                "alreadyExists",
                "Label name exists or conflicts",
            ));
        }
        let color = body.color.map(|c| (c.text_color, c.background_color));
        let id = mb.add_user_label(&name, color);
        Ok(label_json(mb.label(&id).expect("created label")))
    })?;
    Ok(json_with(StatusCode::OK, &out))
}
