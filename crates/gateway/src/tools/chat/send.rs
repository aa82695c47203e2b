//! `chat_send` and `chat_reply`.
//!
//! Each message gets a client-assigned `requestId` and `messageId`
//! (`client-…`) before it is sent: Google answers a repeated `requestId`
//! with the message it already created, so the create is retried like a
//! read. When no answer comes at all, the message is looked up by its
//! `messageId`: found, it was sent once; not found, it was not sent and the
//! model is told it may send it again.

use std::time::Duration;

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    MessageRow, TEXT_MAX, chat_url, message_arg, space_arg, space_error, spaces_method_url,
};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Rendered},
};

/// Waits before looking for a message whose creation Google did not confirm.
const CONFIRM_DELAYS: [Duration; 2] = [Duration::ZERO, Duration::from_secs(2)];

fn check_text(text: &str) -> ToolResult<&str> {
    if text.trim().is_empty() {
        return Err(ToolError::invalid("text", "must not be empty"));
    }
    if text.chars().count() > TEXT_MAX {
        return Err(ToolError::invalid(
            "text",
            format!("at most {TEXT_MAX} characters (Google Chat's limit)"),
        ));
    }
    Ok(text)
}

/// A fresh client-assigned id: `client-` and 24 hex digits.
fn client_id() -> String {
    format!(
        "client-{:016x}{:08x}",
        rand::random::<u64>(),
        rand::random::<u32>()
    )
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendArgs {
    /// The message (Chat formatting: *bold*, _italic_, `code`); at most 4096 characters.
    pub text: String,
    /// `spaces/ID` from chat_list_spaces. Give this or `to`.
    #[serde(default)]
    pub space: Option<String>,
    /// A person's email: sent in your direct message with them.
    #[serde(default)]
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyArgs {
    /// The message to answer: `spaces/S/messages/M` from chat_read_messages.
    pub message: String,
    /// At most 4096 characters.
    pub text: String,
}

/// A message a tool posted.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SentMessage {
    /// `spaces/ID`.
    pub space: String,
    /// The person's email, when sent to a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub message: MessageRow,
    /// Set when Google's answer was lost and the message was found instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SentMessage {
    fn render(self, head: &str) -> Rendered<SentMessage> {
        let whom = match &self.to {
            Some(to) => format!("{} (direct message with {to})", self.space),
            None => self.space.clone(),
        };
        let mut text = format!("{head} in {whom}:\n{}", self.message.line());
        if let Some(t) = &self.message.thread {
            text.push_str(&format!("thread {t}\n"));
        }
        if let Some(n) = &self.note {
            text.push_str(n);
            text.push('\n');
        }
        Rendered::new(self, text)
    }
}

/// The user's direct message with `email`: found, or set up (Google
/// answers a repeated setup with the same space).
async fn direct_message(ctx: &ToolCtx, api: &GoogleApi, email: &str) -> ToolResult<String> {
    let user = format!("users/{email}");
    let mut find = spaces_method_url(api, "findDirectMessage");
    find.query_pairs_mut().append_pair("name", &user);
    let space = match api.get(&ctx.user, find).await {
        Ok(space) => space,
        Err(ApiError::NotFound(_)) => {
            let body = json!({
                "space": { "spaceType": "DIRECT_MESSAGE" },
                "memberships": [{ "member": { "name": user, "type": "HUMAN" } }],
                "requestId": client_id(),
            });
            let setup = api
                .call(
                    &ctx.user,
                    Method::POST,
                    spaces_method_url(api, "setup"),
                    Some(Body::Json(body)),
                    Retry::Safe,
                )
                .await;
            match setup {
                Ok((space, _)) => space,
                Err(ApiError::BadRequest(m) | ApiError::NotFound(m)) => {
                    return Err(ToolError::Refused(format!(
                        "Cannot message {email} in Google Chat (Google: {m}). Check the address, or send to a space from chat_list_spaces."
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    let name = space["name"].as_str().unwrap_or_default();
    space_arg(name).map_err(|_| ToolError::Refused("Google sent no direct message space.".into()))
}

/// The message a create whose answer was lost made, looked up by its client id.
async fn settle(
    ctx: &ToolCtx,
    api: &GoogleApi,
    space: &str,
    client: &str,
    cause: ApiError,
) -> ToolResult<Value> {
    let mut lookup_failed = false;
    for delay in CONFIRM_DELAYS {
        tokio::time::sleep(delay).await;
        let url = chat_url(api, &["spaces", space, "messages", client]);
        match api.get(&ctx.user, url).await {
            Ok(m) => return Ok(m),
            Err(ApiError::NotFound(_)) => lookup_failed = false,
            Err(_) => lookup_failed = true,
        }
    }
    Err(ToolError::Refused(if lookup_failed {
        format!(
            "Google did not confirm the message ({cause}) and the space could not be checked, so it may or may not have been sent. Check with chat_read_messages before sending it again."
        )
    } else {
        format!(
            "Google did not confirm the message ({cause}); it is not in the space, so it was not sent. It is safe to send it again."
        )
    }))
}

/// Posts `text` to `space` (in `thread` when replying), once.
async fn post(
    ctx: &ToolCtx,
    api: &GoogleApi,
    space: &str,
    text: &str,
    thread: Option<&str>,
) -> ToolResult<(Value, Option<String>)> {
    let client = client_id();
    let mut url = chat_url(api, &["spaces", space, "messages"]);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("requestId", &client)
            .append_pair("messageId", &client);
        if thread.is_some() {
            q.append_pair("messageReplyOption", "REPLY_MESSAGE_OR_FAIL");
        }
    }
    let mut body = json!({ "text": text });
    if let Some(t) = thread {
        body["thread"] = json!({ "name": t });
    }
    let sent = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await;
    match sent {
        Ok((message, _)) => Ok((message, None)),
        // A conflict on a fresh client id: an earlier attempt of this call landed.
        Err(e @ (ApiError::Unavailable(_) | ApiError::Conflict(_))) => {
            let message = settle(ctx, api, space, &client, e).await?;
            let note =
                "Google's answer was lost, but the message is in the space: it was sent once.";
            Ok((message, Some(note.to_owned())))
        }
        Err(e) => Err(space_error(e, space)),
    }
}

/// An email argument: one address, no display name.
fn check_email(raw: &str) -> ToolResult<String> {
    let email = raw.trim();
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'));
    if !ok {
        return Err(ToolError::invalid("to", "must be one email address"));
    }
    Ok(email.to_ascii_lowercase())
}

pub async fn send(ctx: ToolCtx, args: SendArgs) -> ToolResult<Rendered<SentMessage>> {
    let api = &ctx.api;
    let text = check_text(&args.text)?;
    let (space, to) = match (args.space.as_deref(), args.to.as_deref()) {
        (Some(s), None) => (space_arg(s)?, None),
        (None, Some(to)) => {
            let to = check_email(to)?;
            if to.eq_ignore_ascii_case(&ctx.email) {
                return Err(ToolError::invalid("to", "is the user themselves"));
            }
            (direct_message(&ctx, api, &to).await?, Some(to))
        }
        _ => {
            return Err(ToolError::Refused(
                "Give exactly one of `space` (from chat_list_spaces) or `to` (an email).".into(),
            ));
        }
    };
    let (message, note) = post(&ctx, api, &space, text, None).await?;
    Ok(SentMessage {
        space: format!("spaces/{space}"),
        to,
        message: MessageRow::from_google(&message),
        note,
    }
    .render("Sent"))
}

pub async fn reply(ctx: ToolCtx, args: ReplyArgs) -> ToolResult<Rendered<SentMessage>> {
    let api = &ctx.api;
    let text = check_text(&args.text)?;
    let (space, id) = message_arg(&args.message)?;
    let url = chat_url(api, &["spaces", &space, "messages", &id]);
    let parent = api.get(&ctx.user, url).await.map_err(|e| match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "message spaces/{space}/messages/{id} not found; use chat_read_messages to find it (or chat_list_spaces for the space)."
        )),
        e => e.into(),
    })?;
    let thread = parent["thread"]["name"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ToolError::Refused("That message has no thread to reply in.".into()))?;
    let (message, note) = post(&ctx, api, &space, text, Some(thread)).await?;
    Ok(SentMessage {
        space: format!("spaces/{space}"),
        to: None,
        message: MessageRow::from_google(&message),
        note,
    }
    .render("Replied"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_emails_and_client_ids_are_checked() {
        assert!(check_text(" ").is_err());
        assert!(check_text(&"x".repeat(TEXT_MAX + 1)).is_err());
        assert!(check_text(&"é".repeat(TEXT_MAX)).is_ok());
        assert_eq!(
            check_email(" Dana@Example.com ").unwrap(),
            "dana@example.com"
        );
        for bad in [
            "dana",
            "a b@example.com",
            "Dana <d@example.com>",
            "d@localhost",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        let (a, b) = (client_id(), client_id());
        assert_ne!(a, b);
        assert!(a.len() <= 63 && a.starts_with("client-"));
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        );
    }
}
