//! `gmail_search`: messages.list, then each message's metadata (a few at once).

use std::fmt::Write as _;

use futures::{StreamExt, stream};
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    gmail_path, labels,
    message::{header, internal_date, label_ids, str_field},
};
use crate::{
    google::api::{ApiError, GoogleApi, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

pub const DEFAULT_RESULTS: u32 = 20;
pub const MAX_RESULTS: u32 = 50;
/// Metadata requests in flight at once per search.
pub const CONCURRENCY: usize = 8;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Gmail search syntax, e.g. `from:alice subject:(budget) is:unread has:attachment
    /// label:Receipts newer_than:7d after:2025/01/31 "exact phrase" -word a OR b`. Empty: all
    /// mail but Spam and Trash.
    #[serde(default)]
    pub query: Option<String>,
    /// Only messages with all these labels (ids or names, e.g. INBOX, UNREAD, Receipts).
    #[serde(default)]
    pub label_ids: Option<Vec<String>>,
    /// 1 to 50 (default 20).
    #[serde(default)]
    pub max_results: Option<u32>,
    /// `next_page_token` of the previous page.
    #[serde(default)]
    pub page_token: Option<String>,
}

/// One message of a search result.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MessageRow {
    /// Message id (for gmail_read_message, gmail_modify_labels, gmail_trash).
    pub id: String,
    /// Thread id (for gmail_read_thread).
    pub thread_id: String,
    pub from: String,
    pub subject: String,
    /// When Gmail received the message (RFC 3339, UTC).
    pub date: String,
    /// The start of the body, as Gmail shows it in the list.
    pub snippet: String,
    /// Label names (system labels by id: INBOX, UNREAD, STARRED, ...).
    pub labels: Vec<String>,
    /// Whether the message carries attachments (a multipart/mixed message).
    pub has_attachments: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SearchResult {
    pub messages: Vec<MessageRow>,
    /// Pass as `page_token` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// Gmail's estimate of all matches.
    pub result_size_estimate: u64,
}

fn check(args: &SearchArgs) -> ToolResult<u32> {
    let max = args.max_results.unwrap_or(DEFAULT_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max) {
        return Err(ToolError::invalid(
            "max_results",
            format!("must be between 1 and {MAX_RESULTS}, got {max}"),
        ));
    }
    if args.query.as_deref().is_some_and(|q| q.len() > 2000) {
        return Err(ToolError::invalid("query", "longer than 2000 characters"));
    }
    Ok(max)
}

/// Unescapes the few HTML entities Gmail puts in snippets.
fn unescape(s: &str) -> String {
    s.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn row(m: &Value) -> MessageRow {
    let payload = &m["payload"];
    MessageRow {
        id: str_field(m, "id"),
        thread_id: str_field(m, "threadId"),
        from: header(payload, "From"),
        subject: header(payload, "Subject"),
        date: internal_date(m),
        snippet: unescape(m["snippet"].as_str().unwrap_or_default()),
        labels: label_ids(m),
        has_attachments: payload["mimeType"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("multipart/mixed")),
    }
}

async fn metadata(ctx: &ToolCtx, api: &GoogleApi, id: &str) -> Result<Option<Value>, ApiError> {
    let mut url = api_url(&api.bases.gmail, &gmail_path(&format!("/messages/{id}")));
    url.query_pairs_mut()
        .append_pair("format", "metadata")
        .append_pair("metadataHeaders", "From")
        .append_pair("metadataHeaders", "Subject")
        .append_pair("metadataHeaders", "Date");
    match api.get(&ctx.user, url).await {
        Ok(v) => Ok(Some(v)),
        // Deleted between the list and now.
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// messages.list under the Gmail base URL for the checked arguments (the
/// labels are added once resolved).
pub(crate) fn list_url(base: &url::Url, args: &SearchArgs) -> ToolResult<url::Url> {
    let max = check(args)?;
    let mut url = api_url(base, &gmail_path("/messages"));
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("maxResults", &max.to_string());
        if let Some(query) = args.query.as_deref().filter(|q| !q.trim().is_empty()) {
            q.append_pair("q", query);
        }
        if let Some(token) = args.page_token.as_deref().filter(|t| !t.is_empty()) {
            q.append_pair("pageToken", token);
        }
    }
    Ok(url)
}

async fn fetch(ctx: &ToolCtx, api: &GoogleApi, args: &SearchArgs) -> ToolResult<SearchResult> {
    let mut url = list_url(&api.bases.gmail, args)?;
    if let Some(wanted) = args.label_ids.as_ref().filter(|l| !l.is_empty()) {
        let known = labels::all(ctx, api).await?;
        let ids = labels::resolve(&known, wanted, "label_ids")?;
        for id in ids {
            url.query_pairs_mut().append_pair("labelIds", &id);
        }
    }
    let list = api.get(&ctx.user, url).await.map_err(|e| match e {
        ApiError::BadRequest(m) if m.contains("token") => ApiError::BadRequest(format!(
            "{m} (page_token must be the next_page_token of the same search)"
        )),
        other => other,
    })?;
    let ids: Vec<String> = list["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect();
    let fetched: Vec<Result<Option<Value>, ApiError>> = stream::iter(ids)
        .map(|id| async move { metadata(ctx, api, &id).await })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut messages = Vec::with_capacity(fetched.len());
    for m in fetched {
        if let Some(m) = m? {
            messages.push(row(&m));
        }
    }
    let mut lists: Vec<&mut Vec<String>> = messages.iter_mut().map(|m| &mut m.labels).collect();
    labels::name_labels(ctx, api, &mut lists).await?;
    Ok(SearchResult {
        messages,
        next_page_token: list["nextPageToken"].as_str().map(str::to_owned),
        result_size_estimate: list["resultSizeEstimate"].as_u64().unwrap_or(0),
    })
}

fn render(r: &SearchResult) -> String {
    let mut text = match r.messages.len() {
        0 => "No messages match.\n".to_owned(),
        1 => "1 message\n".to_owned(),
        n => format!("{n} messages\n"),
    };
    for m in &r.messages {
        let clip = if m.has_attachments {
            " [attachments]"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "\n{} | {} | {}{clip}\n  {}\n  id: {}  thread: {}  labels: {}",
            m.date,
            m.from,
            m.subject,
            m.snippet_line(),
            m.id,
            m.thread_id,
            m.labels.join(", ")
        );
    }
    if let Some(t) = &r.next_page_token {
        let _ = writeln!(text, "\nMore results: page_token={t}");
    }
    text
}

impl MessageRow {
    fn snippet_line(&self) -> String {
        let s: String = self.snippet.chars().take(140).collect();
        if s.is_empty() { "-".into() } else { s }
    }
}

pub async fn search(ctx: ToolCtx, args: SearchArgs) -> ToolResult<SearchResult> {
    fetch(&ctx, &ctx.api, &args).await
}

impl ToolOutput for SearchResult {
    fn text(&self) -> String {
        render(self)
    }
}
