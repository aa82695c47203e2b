//! `gmail_send` (never twice: an unknown outcome is settled by looking for
//! the message's own Message-ID in Sent) and `gmail_create_draft`.

use std::{fmt::Write as _, time::Duration};

use base64::Engine;
use reqwest::Method;
use rmcp::schemars;
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    compose::{ComposeArgs, Composed, compose, parse_address},
    gmail_path,
    message::str_field,
};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url},
    limits::daily::Action,
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

/// Waits before looking in Sent again after an unconfirmed send.
const CONFIRM_DELAYS: [Duration; 2] = [Duration::ZERO, Duration::from_secs(2)];

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SentMessage {
    /// Id of the sent message.
    pub id: String,
    /// Its thread (for gmail_read_thread).
    pub thread_id: String,
    /// The Message-ID header the gateway gave the message.
    pub message_id_header: String,
    pub subject: String,
    /// Every recipient (To, Cc, Bcc).
    pub recipients: Vec<String>,
    /// Set when Gmail's answer was lost and the message was found in Sent instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CreatedDraft {
    /// Draft id.
    pub draft_id: String,
    /// Id of the draft's message.
    pub message_id: String,
    pub thread_id: String,
    pub subject: String,
    pub recipients: Vec<String>,
}

fn raw_body(c: &Composed) -> Value {
    let mut m = json!({ "raw": base64::engine::general_purpose::URL_SAFE.encode(&c.raw) });
    if let Some(t) = &c.thread_id {
        m["threadId"] = json!(t);
    }
    m
}

/// The sent message with Message-ID `message_id`, if Sent holds it.
async fn find_sent(
    ctx: &ToolCtx,
    api: &GoogleApi,
    message_id: &str,
) -> Result<Option<(String, String)>, ApiError> {
    let mut url = api_url(&api.bases.gmail, &gmail_path("/messages"));
    url.query_pairs_mut()
        .append_pair("q", &format!("rfc822msgid:{message_id}"))
        .append_pair("labelIds", "SENT")
        .append_pair("maxResults", "5");
    let list = api.get(&ctx.user, url).await?;
    Ok(list["messages"]
        .as_array()
        .and_then(|a| a.first())
        .map(|m| (str_field(m, "id"), str_field(m, "threadId"))))
}

/// After a send whose outcome is unknown: the sent message, or an error that
/// says whether it was sent.
async fn settle(
    ctx: &ToolCtx,
    api: &GoogleApi,
    c: &Composed,
    cause: ApiError,
) -> ToolResult<(String, String)> {
    let mut lookup_failed = false;
    for delay in CONFIRM_DELAYS {
        tokio::time::sleep(delay).await;
        match find_sent(ctx, api, &c.message_id).await {
            Ok(Some(found)) => return Ok(found),
            Ok(None) => lookup_failed = false,
            Err(_) => lookup_failed = true,
        }
    }
    let what = if lookup_failed {
        format!(
            "Gmail did not confirm the send ({cause}) and the Sent folder could not be checked, so the message may or may not have gone out. Before sending again, check with gmail_search query `rfc822msgid:{}`.",
            c.message_id
        )
    } else {
        format!(
            "Gmail did not confirm the send ({cause}); the message is not in Sent, so it was not sent. It is safe to send it again (if in doubt, gmail_search `rfc822msgid:{}` finds it).",
            c.message_id
        )
    };
    Err(ToolError::Refused(what))
}

/// The user's send-as addresses Gmail lets them send from (the primary one
/// and verified aliases), as `(display name, address)`.
async fn send_as(ctx: &ToolCtx, api: &GoogleApi) -> ToolResult<Vec<(String, String)>> {
    let url = api_url(&api.bases.gmail, &gmail_path("/settings/sendAs"));
    let list = api.get(&ctx.user, url).await?;
    Ok(list["sendAs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["isPrimary"] == true || a["verificationStatus"] == "accepted")
        .map(|a| (str_field(a, "displayName"), str_field(a, "sendAsEmail")))
        .collect())
}

/// `args` with `from` as one of the user's send-as addresses (with its
/// display name), and the address the message is sent from.
async fn with_sender(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ComposeArgs,
    sender: Option<&str>,
) -> ToolResult<(ComposeArgs, Option<String>)> {
    let Some(from) = args
        .from
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    else {
        let mut args = args.clone();
        args.from = None;
        return Ok((args, sender.map(str::to_owned)));
    };
    let wanted = parse_address(from)
        .map(|(_, a)| a)
        .ok_or_else(|| ToolError::invalid("from", format!("{from:?} is not an email address")))?;
    let allowed = send_as(ctx, api).await?;
    let Some((name, address)) = allowed
        .iter()
        .find(|(_, a)| a.eq_ignore_ascii_case(&wanted))
    else {
        let list: Vec<&str> = allowed.iter().map(|(_, a)| a.as_str()).collect();
        return Err(ToolError::invalid(
            "from",
            format!(
                "{wanted} is not one of your verified send-as addresses: {}",
                list.join(", ")
            ),
        ));
    };
    let mut args = args.clone();
    args.from = Some(if name.is_empty() {
        address.clone()
    } else {
        format!("\"{}\" <{address}>", name.replace(['"', '\\'], ""))
    });
    Ok((args, Some(address.clone())))
}

async fn do_send(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ComposeArgs,
    sender: Option<&str>,
) -> ToolResult<SentMessage> {
    let (args, sender) = with_sender(ctx, api, args, sender).await?;
    let args = &args;
    let c = compose(ctx, api, args, sender.as_deref()).await?;
    // What no confirmation lifts is refused before the person is asked.
    ctx.policy
        .check_mail(&c.recipients, c.attachment_bytes, true)?;
    let question = format!(
        "Send \"{}\" to {}?",
        c.subject,
        crate::policy::rules::shown(&c.recipients)
    );
    let confirmed = ctx.confirm_action(&question, args.confirm)?;
    ctx.policy
        .check_mail(&c.recipients, c.attachment_bytes, confirmed.yes())?;
    let counted = ctx.take_daily(Action::MailSent).await?;
    let url = api_url(&api.bases.gmail, &gmail_path("/messages/send"));
    let sent = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(raw_body(&c))),
            Retry::RejectedOnly,
        )
        .await;
    let (id, thread_id, lost) = match sent {
        Ok((v, _)) => (str_field(&v, "id"), str_field(&v, "threadId"), None),
        Err(e @ ApiError::Unavailable(_)) => {
            let (id, thread) = settle(ctx, api, &c, e).await?;
            let note = "Gmail's answer was lost, but the message is in Sent: it was sent once.";
            (id, thread, Some(note.to_owned()))
        }
        Err(e) => {
            // Refused by Gmail: not sent. (An unconfirmed send keeps its
            // count: it may have gone out.)
            ctx.give_back(Action::MailSent, counted).await;
            return Err(e.into());
        }
    };
    let note = match (lost, confirmed.note()) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    };
    Ok(SentMessage {
        id,
        thread_id,
        message_id_header: format!("<{}>", c.message_id),
        subject: c.subject,
        recipients: c.recipients,
        note,
    })
}

pub async fn send(ctx: ToolCtx, args: ComposeArgs) -> ToolResult<SentMessage> {
    do_send(&ctx, &ctx.api, &args, Some(&ctx.email)).await
}

impl ToolOutput for SentMessage {
    fn text(&self) -> String {
        let mut text = format!(
            "Sent \"{}\" to {}.\nid: {}  thread: {}\n",
            self.subject,
            self.recipients.join(", "),
            self.id,
            self.thread_id
        );
        if let Some(n) = &self.note {
            let _ = writeln!(text, "{n}");
        }
        text
    }
}

async fn do_draft(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ComposeArgs,
    sender: Option<&str>,
) -> ToolResult<CreatedDraft> {
    let (args, sender) = with_sender(ctx, api, args, sender).await?;
    let c = compose(ctx, api, &args, sender.as_deref()).await?;
    let url = api_url(&api.bases.gmail, &gmail_path("/drafts"));
    let (v, _) = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(json!({ "message": raw_body(&c) }))),
            Retry::RejectedOnly,
        )
        .await?;
    Ok(CreatedDraft {
        draft_id: str_field(&v, "id"),
        message_id: str_field(&v["message"], "id"),
        thread_id: str_field(&v["message"], "threadId"),
        subject: c.subject,
        recipients: c.recipients,
    })
}

pub async fn create_draft(ctx: ToolCtx, args: ComposeArgs) -> ToolResult<CreatedDraft> {
    do_draft(&ctx, &ctx.api, &args, Some(&ctx.email)).await
}

impl ToolOutput for CreatedDraft {
    fn text(&self) -> String {
        format!(
            "Draft \"{}\" to {} saved (not sent).\ndraft id: {}  message id: {}  thread: {}\n",
            self.subject,
            self.recipients.join(", "),
            self.draft_id,
            self.message_id,
            self.thread_id
        )
    }
}
