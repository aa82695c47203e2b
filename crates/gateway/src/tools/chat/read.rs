//! `chat_list_spaces` and `chat_read_messages`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{MessageRow, chat_url, short_time, space_arg, space_error, str_of};
use crate::tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput};

pub const DEFAULT_SPACES: u32 = 50;
pub const DEFAULT_MESSAGES: u32 = 25;
pub const MAX_RESULTS: u32 = 100;

fn check_max(max: Option<u32>, default: u32) -> ToolResult<u32> {
    let max = max.unwrap_or(default);
    if !(1..=MAX_RESULTS).contains(&max) {
        return Err(ToolError::invalid(
            "max_results",
            format!("must be 1 to {MAX_RESULTS}"),
        ));
    }
    Ok(max)
}

fn check_page_token(token: &Option<String>) -> ToolResult<Option<&str>> {
    match token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if t.len() > 1000 => Err(ToolError::invalid(
            "page_token",
            "must be a next_page_token from a previous call",
        )),
        t => Ok(t),
    }
}

/// Which spaces to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Space,
    DirectMessage,
    GroupChat,
}

impl SpaceKind {
    fn google(self) -> &'static str {
        match self {
            SpaceKind::Space => "SPACE",
            SpaceKind::DirectMessage => "DIRECT_MESSAGE",
            SpaceKind::GroupChat => "GROUP_CHAT",
        }
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSpacesArgs {
    /// space, direct_message or group_chat; default all.
    #[serde(default)]
    pub kind: Option<SpaceKind>,
    /// 1-100, default 50.
    #[serde(default)]
    pub max_results: Option<u32>,
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

/// A Chat space as the tools name it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SpaceRow {
    /// `spaces/ID`: the `space` for the other chat tools.
    pub name: String,
    /// The space's title; empty for a direct message.
    pub title: String,
    /// space, direct_message or group_chat.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<u64>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active: Option<String>,
    /// The space in Google Chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl SpaceRow {
    fn from_google(s: &Value) -> Self {
        SpaceRow {
            name: str_of(s, "name").unwrap_or_default(),
            title: str_of(s, "displayName").unwrap_or_default(),
            kind: str_of(s, "spaceType")
                .unwrap_or_default()
                .to_ascii_lowercase(),
            members: s["membershipCount"]["joinedDirectHumanUserCount"].as_u64(),
            last_active: str_of(s, "lastActiveTime"),
            link: str_of(s, "spaceUri"),
        }
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SpacePage {
    pub spaces: Vec<SpaceRow>,
    /// Pass as `page_token` to get more.
    pub next_page_token: Option<String>,
}

pub async fn list_spaces(ctx: ToolCtx, args: ListSpacesArgs) -> ToolResult<SpacePage> {
    let api = &ctx.api;
    let max = check_max(args.max_results, DEFAULT_SPACES)?;
    let mut url = chat_url(api, &["spaces"]);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("pageSize", &max.to_string());
        if let Some(kind) = args.kind {
            q.append_pair("filter", &format!("spaceType = \"{}\"", kind.google()));
        }
        if let Some(t) = check_page_token(&args.page_token)? {
            q.append_pair("pageToken", t);
        }
    }
    let body = api.get(&ctx.user, url).await?;
    Ok(SpacePage {
        spaces: body["spaces"]
            .as_array()
            .into_iter()
            .flatten()
            .map(SpaceRow::from_google)
            .collect(),
        next_page_token: str_of(&body, "nextPageToken"),
    })
}

impl ToolOutput for SpacePage {
    fn text(&self) -> String {
        if self.spaces.is_empty() {
            return "No Chat spaces.".to_owned();
        }
        let mut out = String::new();
        for s in &self.spaces {
            let title = if s.title.is_empty() {
                "(direct message)"
            } else {
                &s.title
            };
            out.push_str(&format!("- {title} — {} — {}", s.kind, s.name));
            if let Some(n) = s.members {
                out.push_str(&format!(" — {n} members"));
            }
            if let Some(at) = &s.last_active {
                out.push_str(&format!(" — active {}", short_time(at)));
            }
            out.push('\n');
        }
        if let Some(t) = &self.next_page_token {
            out.push_str(&format!("More: page_token {t}\n"));
        }
        out
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMessagesArgs {
    /// `spaces/ID` from chat_list_spaces.
    pub space: String,
    /// Only this thread (`spaces/S/threads/T` from a message).
    #[serde(default)]
    pub thread: Option<String>,
    /// 1-100, default 25: the latest ones.
    #[serde(default)]
    pub max_results: Option<u32>,
    /// `next_page_token` of a previous call: older messages.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MessagePage {
    /// `spaces/ID`.
    pub space: String,
    /// Oldest first; the last is the newest.
    pub messages: Vec<MessageRow>,
    /// Pass as `page_token` for older messages.
    pub next_page_token: Option<String>,
}

pub async fn read_messages(ctx: ToolCtx, args: ReadMessagesArgs) -> ToolResult<MessagePage> {
    let api = &ctx.api;
    let space = space_arg(&args.space)?;
    let max = check_max(args.max_results, DEFAULT_MESSAGES)?;
    let thread = match args.thread.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => {
            let ok = t
                .strip_prefix(&format!("spaces/{space}/threads/"))
                .is_some_and(|id| {
                    !id.is_empty()
                        && id
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                });
            if !ok {
                return Err(ToolError::invalid(
                    "thread",
                    format!("must be a thread of this space: spaces/{space}/threads/T"),
                ));
            }
            Some(t.to_owned())
        }
    };
    let mut url = chat_url(api, &["spaces", &space, "messages"]);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("pageSize", &max.to_string())
            .append_pair("orderBy", "createTime desc");
        if let Some(t) = &thread {
            q.append_pair("filter", &format!("thread.name = {t}"));
        }
        if let Some(t) = check_page_token(&args.page_token)? {
            q.append_pair("pageToken", t);
        }
    }
    let body = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| space_error(e, &space))?;
    let mut messages: Vec<MessageRow> = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(MessageRow::from_google)
        .collect();
    messages.reverse();
    Ok(MessagePage {
        space: format!("spaces/{space}"),
        messages,
        next_page_token: str_of(&body, "nextPageToken"),
    })
}

impl ToolOutput for MessagePage {
    fn text(&self) -> String {
        if self.messages.is_empty() {
            return format!("No messages in {}.", self.space);
        }
        let mut out = format!("Messages in {}, oldest first:\n", self.space);
        for m in &self.messages {
            out.push_str(&m.line());
        }
        if let Some(t) = &self.next_page_token {
            out.push_str(&format!("Older messages: page_token {t}\n"));
        }
        out
    }
}
