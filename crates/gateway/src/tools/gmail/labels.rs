//! `gmail_list_labels`.

use std::fmt::Write as _;

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::gmail_path;
use crate::{
    google::api::{GoogleApi, api_url},
    tools::{ToolCtx, ToolResult, adapter::ToolOutput},
};

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListLabelsArgs {
    /// Include message counts per label (one extra request per label; default false).
    #[serde(default)]
    pub with_counts: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Label {
    /// Label id (use with gmail_modify_labels).
    pub id: String,
    /// Display name (use with `label:` in gmail_search).
    pub name: String,
    /// `system` or `user`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages_total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages_unread: Option<u64>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LabelList {
    pub labels: Vec<Label>,
}

fn count(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// `users.labels.list`, only the fields the tool shows.
#[derive(Deserialize)]
struct LabelsAnswer {
    #[serde(default)]
    labels: Vec<LabelEntry>,
}

#[derive(Deserialize)]
struct LabelEntry {
    #[serde(default)]
    id: String,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

async fn fetch(ctx: &ToolCtx, api: &GoogleApi, args: &ListLabelsArgs) -> ToolResult<LabelList> {
    let url = api_url(&api.bases.gmail, &gmail_path("/labels"));
    let answer: LabelsAnswer = api.get_as(&ctx.user, url).await?;
    let mut labels = Vec::new();
    for l in answer.labels {
        let mut label = Label {
            name: l.name.unwrap_or_else(|| l.id.clone()),
            kind: l.kind.as_deref().unwrap_or("user").to_ascii_lowercase(),
            id: l.id,
            messages_total: None,
            messages_unread: None,
        };
        if args.with_counts {
            let url = api_url(
                &api.bases.gmail,
                &gmail_path(&format!("/labels/{}", label.id)),
            );
            let detail = api.get(&ctx.user, url).await?;
            label.messages_total = count(&detail["messagesTotal"]);
            label.messages_unread = count(&detail["messagesUnread"]);
        }
        labels.push(label);
    }
    labels.sort_by(|a, b| (a.kind != "system", &a.name).cmp(&(b.kind != "system", &b.name)));
    Ok(LabelList { labels })
}

pub async fn list(ctx: ToolCtx, args: ListLabelsArgs) -> ToolResult<LabelList> {
    fetch(&ctx, &ctx.api, &args).await
}

impl ToolOutput for LabelList {
    fn text(&self) -> String {
        let list = self;
        let mut text = format!("{} labels\n", list.labels.len());
        for l in &list.labels {
            let _ = write!(text, "{} ({}, {})", l.name, l.id, l.kind);
            if let (Some(t), Some(u)) = (l.messages_total, l.messages_unread) {
                let _ = write!(text, ": {t} messages, {u} unread");
            }
            text.push('\n');
        }
        text
    }
}

/// `(id, name)` of every label of the mailbox.
pub(crate) async fn all(ctx: &ToolCtx, api: &GoogleApi) -> ToolResult<Vec<(String, String)>> {
    let url = api_url(&api.bases.gmail, &gmail_path("/labels"));
    let body = api.get(&ctx.user, url).await?;
    Ok(body["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let id = l["id"].as_str()?.to_owned();
            let name = l["name"].as_str().unwrap_or(&id).to_owned();
            Some((id, name))
        })
        .collect())
}

/// Label ids for `wanted` (ids or names, names case-insensitive); an unknown
/// label is an invalid `field`.
pub(crate) fn resolve(
    labels: &[(String, String)],
    wanted: &[String],
    field: &str,
) -> ToolResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for w in wanted {
        let w = w.trim();
        let found = labels
            .iter()
            .find(|(id, _)| id == w)
            .or_else(|| labels.iter().find(|(_, name)| name.eq_ignore_ascii_case(w)))
            .or_else(|| labels.iter().find(|(id, _)| id.eq_ignore_ascii_case(w)));
        match found {
            Some((id, _)) if !out.contains(id) => out.push(id.clone()),
            Some(_) => {}
            None => {
                return Err(crate::tools::ToolError::invalid(
                    field,
                    format!("no label {w:?} in this mailbox; gmail_list_labels lists the labels"),
                ));
            }
        }
    }
    Ok(out)
}

/// A system label a flag stands for: `(set, label, added)`, e.g.
/// `(archive, "INBOX", false)`.
pub(crate) type Flag<'a> = (bool, &'a str, bool);

/// `add` and `remove` with the labels of the flags that are set; `nothing`
/// is the error when both end up empty, and a label both added and removed
/// is an invalid `remove_labels`.
pub(crate) fn with_flags(
    mut add: Vec<String>,
    mut remove: Vec<String>,
    flags: &[Flag<'_>],
    nothing: &str,
) -> ToolResult<(Vec<String>, Vec<String>)> {
    for &(on, label, adds) in flags {
        let list = if adds { &mut add } else { &mut remove };
        if on && !list.iter().any(|l| l == label) {
            list.push(label.to_owned());
        }
    }
    if add.is_empty() && remove.is_empty() {
        return Err(crate::tools::ToolError::invalid("add_labels", nothing));
    }
    if let Some(both) = add.iter().find(|l| remove.contains(l)) {
        return Err(crate::tools::ToolError::invalid(
            "remove_labels",
            format!("{both} is both added and removed"),
        ));
    }
    Ok((add, remove))
}

/// Replaces user label ids (`Label_…`) by their names; system ids stay.
pub(crate) async fn name_labels(
    ctx: &ToolCtx,
    api: &GoogleApi,
    lists: &mut [&mut Vec<String>],
) -> ToolResult<()> {
    if !lists
        .iter()
        .any(|l| l.iter().any(|x| x.starts_with("Label_")))
    {
        return Ok(());
    }
    let known = all(ctx, api).await?;
    for list in lists.iter_mut() {
        for l in list.iter_mut() {
            if let Some((_, name)) = known.iter().find(|(id, _)| id == l) {
                *l = name.clone();
            }
        }
    }
    Ok(())
}
