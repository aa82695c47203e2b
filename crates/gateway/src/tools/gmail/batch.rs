//! `gmail_read_messages`: up to 25 messages in one call, fetched
//! concurrently (at most [`CONCURRENCY`] at a time); a missing message is
//! reported beside the others instead of failing the call.

use std::fmt::Write as _;

use futures::{StreamExt, stream};
use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::{
    gmail_path, labels,
    message::not_found,
    read::{MessageView, THREAD_BODY_CHARS, body_limit, check_id, render_view, view},
    search::CONCURRENCY,
};
use crate::{
    google::api::{ApiError, GoogleApi, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

/// Most messages one call reads.
pub const MAX_MESSAGES: usize = 25;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMessagesArgs {
    /// 1 to 25 ids from gmail_search.
    pub message_ids: Vec<String>,
    /// Cut each body at this many characters: 200 to 100000 (default 4000).
    #[serde(default)]
    pub max_body_chars: Option<u32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MessageBatch {
    /// The messages read, in the order asked for.
    pub messages: Vec<MessageView>,
    /// Ids with no message in this mailbox.
    pub not_found: Vec<String>,
}

/// The ids, trimmed, checked and without repeats.
fn ids(given: &[String]) -> ToolResult<Vec<String>> {
    if given.is_empty() || given.len() > MAX_MESSAGES {
        return Err(ToolError::invalid(
            "message_ids",
            format!(
                "give 1 to {MAX_MESSAGES} message ids, got {} (read more in several calls)",
                given.len()
            ),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(given.len());
    for id in given {
        let id = id.trim();
        check_id("message_ids", id)?;
        if !out.iter().any(|x| x == id) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

/// One message, `None` when the mailbox has none with that id.
async fn one(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    limit: usize,
) -> ToolResult<Option<MessageView>> {
    let mut url = api_url(&api.bases.gmail, &gmail_path(&format!("/messages/{id}")));
    url.query_pairs_mut().append_pair("format", "full");
    match api.get(&ctx.user, url).await {
        Ok(m) => Ok(Some(view(ctx, api, &m, limit, false).await?)),
        Err(e) => match not_found(e, "no message", id) {
            ApiError::NotFound(_) => Ok(None),
            other => Err(other.into()),
        },
    }
}

async fn read_all(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ReadMessagesArgs,
) -> ToolResult<MessageBatch> {
    let ids = ids(&args.message_ids)?;
    let limit = body_limit(args.max_body_chars, THREAD_BODY_CHARS)?;
    let found: Vec<ToolResult<Option<MessageView>>> = stream::iter(ids.clone())
        .map(|id| async move { one(ctx, api, &id, limit).await })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut messages = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for (id, f) in ids.into_iter().zip(found) {
        match f? {
            Some(m) => messages.push(m),
            None => missing.push(id),
        }
    }
    if messages.is_empty() {
        return Err(ToolError::Api(ApiError::NotFound(format!(
            "no message with these ids in this mailbox ({}); gmail_search finds the ids",
            missing.join(", ")
        ))));
    }
    let mut lists: Vec<&mut Vec<String>> = messages.iter_mut().map(|m| &mut m.labels).collect();
    labels::name_labels(ctx, api, &mut lists).await?;
    Ok(MessageBatch {
        messages,
        not_found: missing,
    })
}

pub async fn read_messages(ctx: ToolCtx, args: ReadMessagesArgs) -> ToolResult<MessageBatch> {
    read_all(&ctx, &ctx.api, &args).await
}

impl ToolOutput for MessageBatch {
    fn text(&self) -> String {
        let n = self.messages.len();
        let mut text = format!("{n} message(s)\n");
        for (i, m) in self.messages.iter().enumerate() {
            let _ = writeln!(text, "\n--- {} of {n}: {} ---", i + 1, m.subject);
            render_view(&mut text, m, false);
        }
        if !self.not_found.is_empty() {
            let _ = writeln!(text, "\nNot found: {}", self.not_found.join(", "));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bounded_checked_and_deduplicated() {
        let many: Vec<String> = (0..26).map(|i| format!("m{i}")).collect();
        assert!(ids(&many).is_err());
        assert!(ids(&[]).is_err());
        assert!(ids(&["a/b".into()]).is_err());
        assert_eq!(
            ids(&["a1".into(), " a1 ".into(), "b2".into()]).unwrap(),
            ["a1", "b2"]
        );
        assert_eq!(ids(&many[..25]).unwrap().len(), 25);
    }
}
