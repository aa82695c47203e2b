//! Google Chat tools (Chat API with the user's own credentials): the spaces
//! and direct messages they are in, a space's messages, and messages sent
//! to a space, to a person by email (their direct message, set up when
//! there is none) or as a reply in a thread. Sending never posts twice:
//! each message carries a client-assigned `requestId` and `messageId`.

mod read;
mod send;

use chrono::DateTime;
use rmcp::schemars;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::{
    google::api::{ApiError, GoogleApi, api_url, api_url_segments},
    tools::{ToolError, ToolResult, adapter::Route},
};

pub use read::{ListSpacesArgs, MessagePage, ReadMessagesArgs, SpaceKind, SpacePage};
pub use send::{ReplyArgs, SendArgs, SentMessage};

/// Google Chat's limit on a message's text.
pub const TEXT_MAX: usize = 4096;

/// `/v1/<segments…>` under the Chat base URL, each segment encoded.
pub(crate) fn chat_url(api: &GoogleApi, segments: &[&str]) -> Url {
    api_url_segments(&api.bases.chat, "/v1", segments)
}

/// `/v1/spaces:<method>` (`findDirectMessage`, `setup`).
pub(crate) fn spaces_method_url(api: &GoogleApi, method: &str) -> Url {
    api_url(&api.bases.chat, &format!("/v1/spaces:{method}"))
}

/// A space argument: `spaces/ID` or the bare `ID`, as `ID`.
pub(crate) fn space_arg(raw: &str) -> ToolResult<String> {
    let raw = raw.trim();
    let id = raw.strip_prefix("spaces/").unwrap_or(raw);
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(ToolError::invalid(
            "space",
            "must be a space name like spaces/AAAAxyz from chat_list_spaces",
        ));
    }
    Ok(id.to_owned())
}

/// A message argument `spaces/S/messages/M`, as `(S, M)`.
pub(crate) fn message_arg(raw: &str) -> ToolResult<(String, String)> {
    let bad = || {
        ToolError::invalid(
            "message",
            "must be a message name like spaces/S/messages/M from chat_read_messages",
        )
    };
    let rest = raw.trim().strip_prefix("spaces/").ok_or_else(bad)?;
    let (space, message) = rest.split_once("/messages/").ok_or_else(bad)?;
    let space = space_arg(space).map_err(|_| bad())?;
    let ok = !message.is_empty()
        && message.len() <= 200
        && message
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        return Err(bad());
    }
    Ok((space, message.to_owned()))
}

pub(crate) fn space_not_found(space: &str) -> ToolError {
    ToolError::Refused(format!(
        "space spaces/{space} not found; use chat_list_spaces to see the user's spaces."
    ))
}

/// A 404 on a space's path is the space missing (or not the user's).
pub(crate) fn space_error(e: ApiError, space: &str) -> ToolError {
    match e {
        ApiError::NotFound(_) => space_not_found(space),
        e => e.into(),
    }
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `2026-03-04 10:05` (UTC) of an RFC 3339 time; the raw text otherwise.
pub(crate) fn short_time(raw: &str) -> String {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.to_utc().format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| raw.to_owned())
}

/// One Chat message.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MessageRow {
    /// `spaces/S/messages/M`: the `message` for chat_reply.
    pub name: String,
    /// Sender's display name (their user id when Google gives none).
    pub sender: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_email: Option<String>,
    /// RFC 3339.
    pub time: String,
    pub text: String,
    /// `spaces/S/threads/T`: the thread the message is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// Whether it replies in a thread.
    pub reply: bool,
}

impl MessageRow {
    pub fn from_google(m: &Value) -> Self {
        let sender = &m["sender"];
        MessageRow {
            name: str_of(m, "name").unwrap_or_default(),
            sender: str_of(sender, "displayName")
                .or_else(|| str_of(sender, "name"))
                .unwrap_or_else(|| "(unknown)".to_owned()),
            sender_email: str_of(sender, "email"),
            time: str_of(m, "createTime").unwrap_or_default(),
            text: str_of(m, "text").unwrap_or_default(),
            thread: str_of(&m["thread"], "name"),
            reply: m["threadReply"] == true,
        }
    }

    /// `[2026-03-04 10:05] Priya Shah: text — spaces/S/messages/M`, a reply indented.
    pub fn line(&self) -> String {
        format!(
            "{}[{}] {}: {} — {}\n",
            if self.reply { "    ↳ " } else { "" },
            short_time(&self.time),
            self.sender,
            self.text.replace('\n', "\n    "),
            self.name
        )
    }
}

/// The Chat tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "chat_list_spaces",
            "List Chat spaces",
            "List the Google Chat spaces and direct messages the user is in, most recently active first: name (a `space` for the other chat tools), title, kind, member count.",
            read::list_spaces,
        ),
        Route::new(
            "chat_read_messages",
            "Read Chat messages",
            "Read a Google Chat space's latest messages, oldest first: sender, time, text, message name (for chat_reply). `page_token` goes further back; `thread` keeps one thread.",
            read::read_messages,
        ),
        Route::new(
            "chat_send",
            "Send a Chat message",
            "Post a Google Chat message to a space, or to a person by email (in their direct message, started if needed). Never posts twice when Google's answer is lost. To answer in a thread use chat_reply.",
            send::send,
        ),
        Route::new(
            "chat_reply",
            "Reply in a Chat thread",
            "Reply to a Google Chat message in its thread (the `message` name from chat_read_messages). Never posts twice when Google's answer is lost.",
            send::reply,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn space_and_message_names_are_checked() {
        assert_eq!(space_arg(" spaces/AAAA-b_1 ").unwrap(), "AAAA-b_1");
        assert_eq!(space_arg("AAAA").unwrap(), "AAAA");
        for bad in ["", "spaces/", "spaces/a/b", "a b", "spaces/x?y"] {
            assert!(space_arg(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            message_arg("spaces/S1/messages/M1.M1").unwrap(),
            ("S1".to_owned(), "M1.M1".to_owned())
        );
        for bad in [
            "S1/messages/M",
            "spaces/S1/messages/",
            "spaces/S1/threads/T",
        ] {
            assert!(message_arg(bad).is_err(), "{bad:?}");
        }
        let e = space_error(ApiError::NotFound("x".into()), "ZZ").to_string();
        assert!(
            e.starts_with("space spaces/ZZ not found; use chat_list_spaces"),
            "{e}"
        );
    }

    #[test]
    fn messages_render_compactly() {
        let m = json!({"name": "spaces/S/messages/M", "createTime": "2026-03-04T10:05:09.123456Z",
            "text": "Hi\nthere", "sender": {"name": "users/1", "displayName": "Priya Shah",
            "email": "priya@example.com"}, "thread": {"name": "spaces/S/threads/T"},
            "threadReply": true});
        let row = MessageRow::from_google(&m);
        assert_eq!(row.sender_email.as_deref(), Some("priya@example.com"));
        assert_eq!(
            row.line(),
            "    ↳ [2026-03-04 10:05] Priya Shah: Hi\n    there — spaces/S/messages/M\n"
        );
        let bare = MessageRow::from_google(&json!({"name": "spaces/S/messages/N",
            "sender": {"name": "users/7"}, "createTime": "x"}));
        assert_eq!(bare.line(), "[x] users/7:  — spaces/S/messages/N\n");
    }
}
