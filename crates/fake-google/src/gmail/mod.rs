//! Gmail API v1 (`/gmail/v1/users/{userId}/…`), served per user from a seeded mailbox.

mod drafts;
mod labels;
mod messages;
pub(crate) mod mime;
pub(crate) mod query;
mod send;
pub(crate) mod settings;
pub(crate) mod store;
mod threads;

use axum::Router;
use axum::routing::{get, post};

use crate::FakeGoogle;
use crate::api::{ApiError, Caller};

/// Gmail's routes (relative to the origin).
pub(crate) fn routes() -> Router<FakeGoogle> {
    const U: &str = "/gmail/v1/users/{user_id}";
    Router::new()
        .route(&format!("{U}/profile"), get(messages::profile))
        .route(&format!("{U}/messages"), get(messages::list))
        .route(&format!("{U}/messages/send"), post(send::send))
        .route(
            "/upload/gmail/v1/users/{user_id}/messages/send",
            post(send::send_upload),
        )
        .route(
            &format!("{U}/messages/batchModify"),
            post(messages::batch_modify),
        )
        .route(&format!("{U}/messages/{{id}}"), get(messages::get))
        .route(
            &format!("{U}/messages/{{id}}/modify"),
            post(messages::modify),
        )
        .route(&format!("{U}/messages/{{id}}/trash"), post(messages::trash))
        .route(
            &format!("{U}/messages/{{id}}/untrash"),
            post(messages::untrash),
        )
        .route(
            &format!("{U}/messages/{{message_id}}/attachments/{{id}}"),
            get(messages::attachment),
        )
        .route(&format!("{U}/threads"), get(threads::list))
        .route(&format!("{U}/threads/{{id}}"), get(threads::get))
        .route(&format!("{U}/threads/{{id}}/modify"), post(threads::modify))
        .route(&format!("{U}/threads/{{id}}/trash"), post(threads::trash))
        .route(
            &format!("{U}/threads/{{id}}/untrash"),
            post(threads::untrash),
        )
        .route(
            &format!("{U}/labels"),
            get(labels::list).post(labels::create),
        )
        .route(&format!("{U}/labels/{{id}}"), get(labels::get))
        .route(
            &format!("{U}/drafts"),
            get(drafts::list).post(drafts::create),
        )
        .route(&format!("{U}/drafts/send"), post(drafts::send))
        .route(
            &format!("{U}/settings/filters"),
            get(settings::filters_list).post(settings::filters_create),
        )
        .route(
            &format!("{U}/settings/filters/{{id}}"),
            get(settings::filters_get).delete(settings::filters_delete),
        )
        .route(
            &format!("{U}/settings/vacation"),
            get(settings::vacation_get).put(settings::vacation_update),
        )
        .route(&format!("{U}/settings/sendAs"), get(settings::send_as_list))
        .route(
            &format!("{U}/drafts/{{id}}"),
            get(drafts::get).delete(drafts::delete),
        )
}

/// Checks the method's scopes and that `user_id` is the caller (`me` or their address).
pub(crate) fn authorize(caller: &Caller, user_id: &str, method: &str) -> Result<(), ApiError> {
    caller.require(method)?;
    if caller.is_self(user_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "Delegation denied for {}",
            caller.email
        )))
    }
}

/// A Gmail list answer: `resultSizeEstimate`, the page's items under `key`
/// (left out when there are none, as Gmail does) and `nextPageToken`.
pub(crate) fn list_body(
    total: usize,
    key: &str,
    items: Vec<serde_json::Value>,
    next: Option<String>,
) -> serde_json::Value {
    let mut body = serde_json::json!({ "resultSizeEstimate": total });
    if !items.is_empty() {
        body[key] = serde_json::Value::Array(items);
    }
    if let Some(next) = next {
        body["nextPageToken"] = serde_json::json!(next);
    }
    body
}

pub(crate) fn message_not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

/// The requested `format` (default `full`), refused under the metadata-only scope where Google refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Minimal,
    Metadata,
    Full,
    Raw,
}

impl Format {
    pub(crate) fn parse(value: Option<&str>, caller: &Caller) -> Result<Format, ApiError> {
        let format = match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("full") => Format::Full,
            Some("metadata") => Format::Metadata,
            Some("minimal") => Format::Minimal,
            Some("raw") => Format::Raw,
            Some(other) => {
                return Err(ApiError::invalid_argument(format!(
                    "Invalid value at 'format' (type.googleapis.com/caribou.api.proto.MessageFormat), \"{other}\""
                )));
            }
        };
        if matches!(format, Format::Full | Format::Raw) && metadata_only(caller) {
            let name = if format == Format::Full {
                "FULL"
            } else {
                "RAW"
            };
            return Err(ApiError::forbidden(format!(
                "Metadata scope doesn't allow format {name}"
            )));
        }
        Ok(format)
    }
}

/// Whether the token reads Gmail only through `gmail.metadata`.
pub(crate) fn metadata_only(caller: &Caller) -> bool {
    const FULL_READ: [&str; 4] = [
        "https://mail.google.com/",
        "https://www.googleapis.com/auth/gmail.readonly",
        "https://www.googleapis.com/auth/gmail.modify",
        "https://www.googleapis.com/auth/gmail.compose",
    ];
    caller.has_scope("https://www.googleapis.com/auth/gmail.metadata")
        && !FULL_READ.iter().any(|s| caller.has_scope(s))
}
