//! `gmail_read_message` and `gmail_read_thread`.

use std::fmt::Write as _;

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    gmail_path, labels,
    message::{
        AttachmentInfo, PartData, TextPart, cut, decode_base64, header, html_to_text,
        internal_date, label_ids, not_found, parts, str_field, to_string, without_quotes,
    },
};
use crate::{
    google::api::{GoogleApi, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput, human_size},
};

pub const MESSAGE_BODY_CHARS: u32 = 20_000;
pub const THREAD_BODY_CHARS: u32 = 4_000;
const MIN_BODY_CHARS: u32 = 200;
const MAX_BODY_CHARS: u32 = 100_000;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMessageArgs {
    /// From gmail_search or gmail_read_thread.
    pub message_id: String,
    /// Cut the body at this many characters: 200 to 100000 (default 20000).
    #[serde(default)]
    pub max_body_chars: Option<u32>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadThreadArgs {
    /// `thread_id` from gmail_search.
    pub thread_id: String,
    /// Cut each body at this many characters: 200 to 100000 (default 4000).
    #[serde(default)]
    pub max_body_chars: Option<u32>,
}

/// One message, readable.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MessageView {
    pub id: String,
    pub thread_id: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cc: String,
    /// When Gmail received the message (RFC 3339, UTC).
    pub date: String,
    pub subject: String,
    /// The Message-ID header.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message_id_header: String,
    /// Label names (system labels by id).
    pub labels: Vec<String>,
    /// The body as plain text (HTML-only messages converted, links kept as references).
    pub body: String,
    /// `text/plain`, `text/html` (converted), or `none`.
    pub body_source: String,
    /// Whether the body was cut to the length limit.
    pub body_truncated: bool,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ThreadView {
    pub thread_id: String,
    /// Subject of the first message.
    pub subject: String,
    /// The messages, oldest first.
    pub messages: Vec<MessageView>,
}

pub(super) fn body_limit(value: Option<u32>, default: u32) -> ToolResult<usize> {
    let v = value.unwrap_or(default);
    if !(MIN_BODY_CHARS..=MAX_BODY_CHARS).contains(&v) {
        return Err(ToolError::invalid(
            "max_body_chars",
            format!("must be between {MIN_BODY_CHARS} and {MAX_BODY_CHARS}, got {v}"),
        ));
    }
    Ok(v as usize)
}

pub(super) fn check_id(field: &str, id: &str) -> ToolResult<()> {
    if id.is_empty() || id.len() > 200 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ToolError::invalid(
            field,
            format!(
                "{id:?} is not a Gmail id (ids are letters and digits, as gmail_search returns them)"
            ),
        ));
    }
    Ok(())
}

async fn part_text(
    ctx: &ToolCtx,
    api: &GoogleApi,
    message_id: &str,
    part: &TextPart,
) -> ToolResult<String> {
    let bytes = match &part.data {
        PartData::Inline(b) => b.clone(),
        PartData::Attachment(aid) => {
            let url = api_url(
                &api.bases.gmail,
                &gmail_path(&format!("/messages/{message_id}/attachments/{aid}")),
            );
            let v = api.get(&ctx.user, url).await?;
            decode_base64(v["data"].as_str().unwrap_or_default()).unwrap_or_default()
        }
    };
    Ok(to_string(&bytes, part.charset.as_deref()))
}

/// A `format=full` message resource as a [`MessageView`].
pub(super) async fn view(
    ctx: &ToolCtx,
    api: &GoogleApi,
    m: &Value,
    limit: usize,
    compact: bool,
) -> ToolResult<MessageView> {
    let id = str_field(m, "id");
    let payload = &m["payload"];
    let p = parts(payload);
    let (mut body, source) = if let Some(plain) = &p.plain {
        (part_text(ctx, api, &id, plain).await?, "text/plain")
    } else if let Some(html) = &p.html {
        let html = part_text(ctx, api, &id, html).await?;
        (html_to_text(&html), "text/html")
    } else {
        (String::new(), "none")
    };
    if compact {
        body = without_quotes(&body);
    }
    body = body.replace("\r\n", "\n").trim().to_owned();
    let body_truncated = cut(&mut body, limit);
    Ok(MessageView {
        thread_id: str_field(m, "threadId"),
        from: header(payload, "From"),
        to: header(payload, "To"),
        cc: header(payload, "Cc"),
        date: internal_date(m),
        subject: header(payload, "Subject"),
        message_id_header: header(payload, "Message-ID"),
        labels: label_ids(m),
        body,
        body_source: source.to_owned(),
        body_truncated,
        attachments: p.attachments,
        id,
    })
}

pub(super) fn render_view(text: &mut String, v: &MessageView, compact: bool) {
    let _ = writeln!(text, "From: {}", v.from);
    if !compact || !v.to.is_empty() {
        let _ = writeln!(text, "To: {}", v.to);
    }
    crate::tools::line(text, "Cc", &v.cc);
    let _ = writeln!(text, "Date: {}", v.date);
    if !compact {
        let _ = writeln!(text, "Subject: {}", v.subject);
        crate::tools::line(text, "Message-ID", &v.message_id_header);
    }
    let _ = writeln!(text, "Id: {}  Thread: {}", v.id, v.thread_id);
    crate::tools::line(text, "Labels", &v.labels.join(", "));
    if v.body_source == "text/html" {
        text.push_str("(HTML message shown as text)\n");
    }
    text.push('\n');
    text.push_str(if v.body.is_empty() {
        "(no text body)"
    } else {
        &v.body
    });
    text.push('\n');
    if !v.attachments.is_empty() {
        text.push_str("\nAttachments (gmail_get_attachment):\n");
        for a in &v.attachments {
            let _ = writeln!(
                text,
                "- {} ({}, {}) attachment_id: {}",
                a.filename,
                a.mime_type,
                human_size(a.size),
                a.attachment_id
            );
        }
    }
}

async fn fetch_message(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ReadMessageArgs,
) -> ToolResult<MessageView> {
    check_id("message_id", &args.message_id)?;
    let limit = body_limit(args.max_body_chars, MESSAGE_BODY_CHARS)?;
    let mut url = api_url(
        &api.bases.gmail,
        &gmail_path(&format!("/messages/{}", args.message_id)),
    );
    url.query_pairs_mut().append_pair("format", "full");
    let m = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| not_found(e, "no message", &args.message_id))?;
    let mut v = view(ctx, api, &m, limit, false).await?;
    labels::name_labels(ctx, api, &mut [&mut v.labels]).await?;
    Ok(v)
}

pub async fn read_message(ctx: ToolCtx, args: ReadMessageArgs) -> ToolResult<MessageView> {
    fetch_message(&ctx, &ctx.api, &args).await
}

impl ToolOutput for MessageView {
    fn text(&self) -> String {
        let v = self;
        let mut text = String::new();
        render_view(&mut text, v, false);
        text
    }
}

async fn fetch_thread(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ReadThreadArgs,
) -> ToolResult<ThreadView> {
    check_id("thread_id", &args.thread_id)?;
    let limit = body_limit(args.max_body_chars, THREAD_BODY_CHARS)?;
    let mut url = api_url(
        &api.bases.gmail,
        &gmail_path(&format!("/threads/{}", args.thread_id)),
    );
    url.query_pairs_mut().append_pair("format", "full");
    let t = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| not_found(e, "no thread", &args.thread_id))?;
    let mut raw: Vec<&Value> = t["messages"].as_array().into_iter().flatten().collect();
    raw.sort_by_key(|m| {
        m["internalDate"]
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let mut messages = Vec::with_capacity(raw.len());
    for m in raw {
        messages.push(view(ctx, api, m, limit, true).await?);
    }
    let mut lists: Vec<&mut Vec<String>> = messages.iter_mut().map(|m| &mut m.labels).collect();
    labels::name_labels(ctx, api, &mut lists).await?;
    Ok(ThreadView {
        thread_id: args.thread_id.clone(),
        subject: messages
            .first()
            .map(|m| m.subject.clone())
            .unwrap_or_default(),
        messages,
    })
}

pub async fn read_thread(ctx: ToolCtx, args: ReadThreadArgs) -> ToolResult<ThreadView> {
    fetch_thread(&ctx, &ctx.api, &args).await
}

impl ToolOutput for ThreadView {
    fn text(&self) -> String {
        let t = self;
        let mut text = format!(
            "Thread {}: {} ({} messages, oldest first)\n",
            t.thread_id,
            t.subject,
            t.messages.len()
        );
        for (i, m) in t.messages.iter().enumerate() {
            let _ = writeln!(text, "\n--- {} of {} ---", i + 1, t.messages.len());
            render_view(&mut text, m, true);
        }
        text
    }
}
