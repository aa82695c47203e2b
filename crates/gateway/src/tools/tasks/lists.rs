//! `tasks_lists`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::{ListRef, tasks_url};
use crate::tools::{ToolCtx, ToolResult, adapter::ToolOutput};

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListListsArgs {
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TaskLists {
    /// On the first page, the first is the user's default list.
    pub lists: Vec<ListRef>,
    /// Pass as `page_token` to get more.
    pub next_page_token: Option<String>,
    #[serde(skip)]
    first_page: bool,
}

pub async fn lists(ctx: ToolCtx, args: ListListsArgs) -> ToolResult<TaskLists> {
    let api = &ctx.api;
    let mut url = tasks_url(api, &["users", "@me", "lists"]);
    url.query_pairs_mut().append_pair("maxResults", "100");
    if let Some(t) = args.page_token.as_deref().filter(|t| !t.is_empty()) {
        url.query_pairs_mut().append_pair("pageToken", t);
    }
    let body = api.get(&ctx.user, url).await?;
    let lists = body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| ListRef {
            id: l["id"].as_str().unwrap_or_default().to_owned(),
            title: l["title"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    Ok(TaskLists {
        lists,
        next_page_token: body["nextPageToken"].as_str().map(str::to_owned),
        first_page: args.page_token.is_none_or(|t| t.is_empty()),
    })
}

impl ToolOutput for TaskLists {
    fn text(&self) -> String {
        let mut text = format!("{} task lists\n", self.lists.len());
        for (i, l) in self.lists.iter().enumerate() {
            let default = if i == 0 && self.first_page {
                " (default)"
            } else {
                ""
            };
            text.push_str(&format!("{}{default} — id {}\n", l.title, l.id));
        }
        if let Some(t) = &self.next_page_token {
            text.push_str(&format!("more: page_token={t}\n"));
        }
        text
    }
}
