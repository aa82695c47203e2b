//! `drive_list_comments`, `drive_add_comment`, `drive_reply_comment` and
//! `drive_resolve_comment`: Drive comments on any file (Docs, Sheets,
//! Slides, PDFs…). A comment or reply whose answer was lost is looked up
//! among the file's comments before anything is reported: never posted twice.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use super::{file_error, files_url};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
        google_id,
    },
};

/// Longest comment or reply.
pub const MAX_CONTENT_CHARS: usize = 4_000;
/// Most comments in one page.
pub const MAX_COMMENTS: u32 = 100;

const AUTHOR: &str = "author(displayName,emailAddress,me)";
const REPLY_FIELDS: &str =
    "id,content,action,createdTime,deleted,author(displayName,emailAddress,me)";

fn comment_fields() -> String {
    format!(
        "id,content,createdTime,modifiedTime,resolved,deleted,quotedFileContent(value),{AUTHOR},replies({REPLY_FIELDS})"
    )
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCommentsArgs {
    /// Id from drive_search, or a Google link.
    pub file_id: String,
    /// Also resolved comments (default only open ones).
    #[serde(default)]
    pub include_resolved: bool,
    /// 1 to 100 (default 20).
    #[serde(default)]
    pub max_results: Option<u32>,
    /// `next_page_token` of the previous page.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCommentArgs {
    /// Id from drive_search, or a Google link.
    pub file_id: String,
    /// The comment (plain text, at most 4000 characters).
    pub content: String,
    /// The passage the comment is about, as it reads in the file.
    #[serde(default)]
    pub quoted_text: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyCommentArgs {
    pub file_id: String,
    /// From drive_list_comments.
    pub comment_id: String,
    /// At most 4000 characters.
    pub content: String,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveCommentArgs {
    pub file_id: String,
    /// From drive_list_comments.
    pub comment_id: String,
    /// An optional closing note.
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Reply {
    pub id: String,
    pub author: String,
    pub content: String,
    /// RFC 3339.
    pub created: String,
    /// `resolve` or `reopen` when the reply changed the comment's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Comment {
    pub id: String,
    pub author: String,
    pub content: String,
    /// The passage of the file it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted: Option<String>,
    /// RFC 3339.
    pub created: String,
    pub resolved: bool,
    pub replies: Vec<Reply>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CommentList {
    pub file_id: String,
    pub comments: Vec<Comment>,
    /// Resolved comments left out (see include_resolved).
    pub resolved_hidden: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CommentPosted {
    pub file_id: String,
    pub comment: Comment,
    /// Set when Google's answer was lost and the comment was found instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ReplyPosted {
    pub file_id: String,
    pub comment_id: String,
    pub reply: Reply,
    /// Whether the comment is now resolved.
    pub resolved: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn author(v: &Value) -> String {
    let name = v["displayName"].as_str().unwrap_or_default();
    match v["emailAddress"].as_str() {
        Some(e) if !name.is_empty() => format!("{name} <{e}>"),
        Some(e) => e.to_owned(),
        None => name.to_owned(),
    }
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}

pub(crate) fn reply_of(v: &Value) -> Reply {
    Reply {
        id: s(v, "id"),
        author: author(&v["author"]),
        content: s(v, "content"),
        created: s(v, "createdTime"),
        action: v["action"].as_str().map(str::to_owned),
    }
}

pub(crate) fn comment_of(v: &Value) -> Comment {
    Comment {
        id: s(v, "id"),
        author: author(&v["author"]),
        content: s(v, "content"),
        quoted: v["quotedFileContent"]["value"]
            .as_str()
            .filter(|q| !q.is_empty())
            .map(str::to_owned),
        created: s(v, "createdTime"),
        resolved: v["resolved"] == true,
        replies: v["replies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["deleted"] != true)
            .map(reply_of)
            .collect(),
    }
}

fn render(text: &mut String, c: &Comment) {
    let state = if c.resolved { " [resolved]" } else { "" };
    let _ = writeln!(
        text,
        "- {} by {}, {}{state}",
        c.id,
        c.author,
        day(&c.created)
    );
    if let Some(q) = &c.quoted {
        let _ = writeln!(text, "  on: \"{q}\"");
    }
    let _ = writeln!(text, "  {}", c.content.replace('\n', "\n  "));
    for r in &c.replies {
        let what = match r.action.as_deref() {
            Some("resolve") => " (resolved)",
            Some("reopen") => " (reopened)",
            _ => "",
        };
        let body = if r.content.is_empty() {
            String::new()
        } else {
            format!(": {}", r.content.replace('\n', "\n    "))
        };
        let _ = writeln!(text, "    ↳ {}{what}{body}", r.author);
    }
}

fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

fn content(field: &str, text: &str, required: bool) -> ToolResult<String> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(ToolError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > MAX_CONTENT_CHARS {
        return Err(ToolError::invalid(
            field,
            format!("longer than {MAX_CONTENT_CHARS} characters"),
        ));
    }
    Ok(t.to_owned())
}

fn comment_id(raw: &str) -> ToolResult<String> {
    super::item_id("comment_id", raw, "drive_list_comments")
}

fn with_fields(mut u: Url, fields: &str) -> Url {
    u.query_pairs_mut().append_pair("fields", fields);
    u
}

/// A 404 naming the comment (when the file is there) or the file.
fn comment_error(e: ApiError, file: &str, comment: &str) -> ToolError {
    match e {
        ApiError::NotFound(m) if m.contains("Comment") => ToolError::Refused(format!(
            "No comment {comment} on file {file}; drive_list_comments lists them."
        )),
        e => file_error(e, file),
    }
}

pub async fn list_comments(ctx: ToolCtx, args: ListCommentsArgs) -> ToolResult<CommentList> {
    let file = google_id("file_id", &args.file_id)?;
    let max = args.max_results.unwrap_or(20);
    if !(1..=MAX_COMMENTS).contains(&max) {
        return Err(ToolError::invalid(
            "max_results",
            format!("must be between 1 and {MAX_COMMENTS}, got {max}"),
        ));
    }
    let api = &*ctx.api;
    let mut url = with_fields(
        files_url(api, &[&file, "comments"]),
        &format!("nextPageToken,comments({})", comment_fields()),
    );
    url.query_pairs_mut()
        .append_pair("pageSize", &max.to_string());
    if let Some(t) = args.page_token.as_deref().filter(|t| !t.is_empty()) {
        url.query_pairs_mut().append_pair("pageToken", t);
    }
    let body = api.get(&ctx.user, url).await.map_err(|e| match e {
        ApiError::BadRequest(m) if m.contains("pageToken") => ToolError::invalid(
            "page_token",
            "not a page token of this listing; start again without it",
        ),
        e => file_error(e, &file),
    })?;
    let all: Vec<Comment> = body["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["deleted"] != true)
        .map(comment_of)
        .collect();
    let total = all.len();
    let comments: Vec<Comment> = all
        .into_iter()
        .filter(|c| args.include_resolved || !c.resolved)
        .collect();
    Ok(CommentList {
        resolved_hidden: total - comments.len(),
        file_id: file,
        comments,
        next_page_token: body["nextPageToken"].as_str().map(str::to_owned),
    })
}

impl ToolOutput for CommentList {
    fn text(&self) -> String {
        let mut text = if self.comments.is_empty() {
            format!("No open comments on file {}.\n", self.file_id)
        } else {
            format!(
                "{} comment(s) on file {}:\n",
                self.comments.len(),
                self.file_id
            )
        };
        for c in &self.comments {
            render(&mut text, c);
        }
        if self.resolved_hidden > 0 {
            let _ = writeln!(
                text,
                "({} resolved comment(s) left out; include_resolved shows them)",
                self.resolved_hidden
            );
        }
        if let Some(t) = &self.next_page_token {
            let _ = writeln!(text, "More: page_token {t}");
        }
        text
    }
}

/// The caller's comment with `content` made since `since`, if the file has one.
async fn find_comment(
    ctx: &ToolCtx,
    api: &GoogleApi,
    file: &str,
    content: &str,
    since: DateTime<Utc>,
) -> Result<Option<Value>, ApiError> {
    let mut url = with_fields(
        files_url(api, &[file, "comments"]),
        &format!("nextPageToken,comments({})", comment_fields()),
    );
    url.query_pairs_mut().append_pair("pageSize", "100");
    let mut token: Option<String> = None;
    for _ in 0..20 {
        let mut u = url.clone();
        if let Some(t) = &token {
            u.query_pairs_mut().append_pair("pageToken", t);
        }
        let body = api.get(&ctx.user, u).await?;
        let found = body["comments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| mine_since(c, content, since));
        if let Some(c) = found {
            return Ok(Some(c.clone()));
        }
        token = body["nextPageToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(None)
}

/// Whether `v` (a comment or reply) is the caller's, with `content`, made since `since`.
fn mine_since(v: &Value, content: &str, since: DateTime<Utc>) -> bool {
    v["author"]["me"] == true
        && v["deleted"] != true
        && v["content"].as_str().map(str::trim) == Some(content)
        && v["createdTime"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| t >= since)
}

/// A minute of slack between our clock and Google's.
fn started() -> DateTime<Utc> {
    Utc::now() - Duration::minutes(1)
}

pub async fn add_comment(ctx: ToolCtx, args: AddCommentArgs) -> ToolResult<CommentPosted> {
    let file = google_id("file_id", &args.file_id)?;
    let text = content("content", &args.content, true)?;
    let mut body = json!({ "content": text });
    if let Some(q) = args
        .quoted_text
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        body["quotedFileContent"] =
            json!({ "mimeType": "text/plain", "value": content("quoted_text", q, false)? });
    }
    let api = &*ctx.api;
    let since = started();
    let url = with_fields(files_url(api, &[&file, "comments"]), &comment_fields());
    let answer = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await;
    let (v, note) = match answer {
        Ok((v, _)) => (v, None),
        Err(cause @ ApiError::Unavailable(_)) => match find_comment(&ctx, api, &file, &text, since)
            .await
        {
            Ok(Some(v)) => (
                v,
                Some(
                    "Google's answer was lost, but the comment is on the file: it was posted once."
                        .to_owned(),
                ),
            ),
            Ok(None) => {
                return Err(ToolError::Refused(format!(
                    "Google did not confirm the comment ({cause}); it is not on the file, so it was not posted. It is safe to add it again."
                )));
            }
            Err(_) => {
                return Err(ToolError::Refused(format!(
                    "Google did not confirm the comment ({cause}) and the file's comments could not be checked; look with drive_list_comments before adding it again."
                )));
            }
        },
        Err(e) => return Err(file_error(e, &file)),
    };
    Ok(CommentPosted {
        file_id: file,
        comment: comment_of(&v),
        note,
    })
}

impl ToolOutput for CommentPosted {
    fn text(&self) -> String {
        let mut text = format!("Comment added to file {}:\n", self.file_id);
        render(&mut text, &self.comment);
        if let Some(n) = &self.note {
            let _ = writeln!(text, "{n}");
        }
        text
    }
}

async fn get_comment(
    ctx: &ToolCtx,
    api: &GoogleApi,
    file: &str,
    comment: &str,
) -> ToolResult<Value> {
    let url = with_fields(
        files_url(api, &[file, "comments", comment]),
        &comment_fields(),
    );
    api.get(&ctx.user, url)
        .await
        .map_err(|e| comment_error(e, file, comment))
}

/// Posts a reply (`action` resolve or none); a lost answer is settled by
/// looking for the reply on the comment.
async fn post_reply(
    ctx: &ToolCtx,
    file: &str,
    comment: &str,
    text: &str,
    action: Option<&str>,
) -> ToolResult<(Value, Option<String>)> {
    let api = &*ctx.api;
    let mut body = json!({ "content": text });
    if let Some(a) = action {
        body["action"] = json!(a);
    }
    let since = started();
    let url = with_fields(
        files_url(api, &[file, "comments", comment, "replies"]),
        REPLY_FIELDS,
    );
    match api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await
    {
        Ok((v, _)) => Ok((v, None)),
        Err(cause @ ApiError::Unavailable(_)) => {
            let found = get_comment(ctx, api, file, comment)
                .await
                .ok()
                .and_then(|c| {
                    c["replies"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|r| mine_since(r, text, since) && r["action"].as_str() == action)
                        .cloned()
                });
            match found {
                Some(r) => Ok((r, Some("Google's answer was lost, but the reply is on the comment: it was posted once.".to_owned()))),
                None => Err(ToolError::Refused(format!(
                    "Google did not confirm the reply ({cause}); check the comment with drive_list_comments before replying again."
                ))),
            }
        }
        Err(e) => Err(comment_error(e, file, comment)),
    }
}

pub async fn reply_comment(ctx: ToolCtx, args: ReplyCommentArgs) -> ToolResult<ReplyPosted> {
    let file = google_id("file_id", &args.file_id)?;
    let comment = comment_id(&args.comment_id)?;
    let text = content("content", &args.content, true)?;
    let (v, note) = post_reply(&ctx, &file, &comment, &text, None).await?;
    let current = get_comment(&ctx, &ctx.api, &file, &comment).await;
    Ok(ReplyPosted {
        resolved: current.is_ok_and(|c| c["resolved"] == true),
        file_id: file,
        comment_id: comment,
        reply: reply_of(&v),
        note,
    })
}

impl ToolOutput for ReplyPosted {
    fn text(&self) -> String {
        let what = if self.reply.action.as_deref() == Some("resolve") {
            "Resolved"
        } else {
            "Replied to"
        };
        let mut text = format!(
            "{what} comment {} on file {}{}.\n",
            self.comment_id,
            self.file_id,
            if self.resolved && what != "Resolved" {
                " (it is resolved)"
            } else {
                ""
            }
        );
        if !self.reply.content.is_empty() {
            let _ = writeln!(text, "Reply {}: {}", self.reply.id, self.reply.content);
        }
        if let Some(n) = &self.note {
            let _ = writeln!(text, "{n}");
        }
        text
    }
}

pub async fn resolve_comment(
    ctx: ToolCtx,
    args: ResolveCommentArgs,
) -> ToolResult<Rendered<ReplyPosted>> {
    let file = google_id("file_id", &args.file_id)?;
    let comment = comment_id(&args.comment_id)?;
    let text = content(
        "content",
        args.content.as_deref().unwrap_or_default(),
        false,
    )?;
    let current = get_comment(&ctx, &ctx.api, &file, &comment).await?;
    if current["resolved"] == true {
        // Already resolved: nothing to post (a second call changes nothing).
        let last = current["replies"]
            .as_array()
            .and_then(|r| r.iter().rev().find(|r| r["action"] == "resolve"))
            .map(reply_of);
        let posted = ReplyPosted {
            file_id: file,
            comment_id: comment.clone(),
            reply: last.unwrap_or(Reply {
                id: String::new(),
                author: String::new(),
                content: String::new(),
                created: String::new(),
                action: Some("resolve".into()),
            }),
            resolved: true,
            note: Some("The comment was already resolved; nothing was posted.".into()),
        };
        let text = format!("Comment {comment} was already resolved; nothing was posted.\n");
        return Ok(Rendered::new(posted, text));
    }
    let (v, note) = post_reply(&ctx, &file, &comment, &text, Some("resolve")).await?;
    let posted = ReplyPosted {
        file_id: file,
        comment_id: comment,
        reply: reply_of(&v),
        resolved: true,
        note,
    };
    let text = posted.text();
    Ok(Rendered::new(posted, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_read_with_their_replies_and_state() {
        let c = comment_of(&json!({
            "id": "c1", "content": "Why?", "createdTime": "2026-01-02T03:04:05Z", "resolved": true,
            "author": { "displayName": "Ann", "emailAddress": "ann@x.example", "me": true },
            "quotedFileContent": { "value": "the plan" },
            "replies": [
                { "id": "r1", "content": "", "action": "resolve", "author": { "displayName": "Bo" } },
                { "id": "r2", "content": "gone", "deleted": true, "author": {} },
            ],
        }));
        assert_eq!(c.author, "Ann <ann@x.example>");
        assert_eq!(c.replies.len(), 1);
        let mut text = String::new();
        render(&mut text, &c);
        assert!(
            text.contains("c1 by Ann <ann@x.example>, 2026-01-02 [resolved]"),
            "{text}"
        );
        assert!(
            text.contains("on: \"the plan\"") && text.contains("↳ Bo (resolved)"),
            "{text}"
        );
    }

    #[test]
    fn only_the_callers_recent_comment_with_that_text_counts_as_posted() {
        let since = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = |me: bool, content: &str, at: &str| {
            json!({
                "author": { "me": me }, "content": content, "createdTime": at,
            })
        };
        assert!(mine_since(
            &c(true, "Hi ", "2026-01-01T00:00:01Z"),
            "Hi",
            since
        ));
        assert!(!mine_since(
            &c(false, "Hi", "2026-01-01T00:00:01Z"),
            "Hi",
            since
        ));
        assert!(!mine_since(
            &c(true, "Hi", "2025-12-31T23:59:59Z"),
            "Hi",
            since
        ));
        assert!(!mine_since(
            &c(true, "Hello", "2026-01-01T00:00:01Z"),
            "Hi",
            since
        ));
    }
}
