//! `gmail_modify_labels` (one batchModify) and `gmail_trash` (per message).

use std::fmt::Write as _;

use futures::{StreamExt, stream};
use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{gmail_path, labels, search::CONCURRENCY};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url},
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
    },
};

pub const MAX_IDS: usize = 100;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModifyLabelsArgs {
    /// 1 to 100 ids from gmail_search.
    pub message_ids: Vec<String>,
    /// Label names or ids, e.g. Receipts, STARRED, IMPORTANT.
    #[serde(default)]
    pub add_labels: Vec<String>,
    #[serde(default)]
    pub remove_labels: Vec<String>,
    /// Remove from the inbox.
    #[serde(default)]
    pub archive: bool,
    #[serde(default)]
    pub mark_read: bool,
    #[serde(default)]
    pub mark_unread: bool,
    #[serde(default)]
    pub star: bool,
    #[serde(default)]
    pub unstar: bool,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrashArgs {
    /// 1 to 100 ids from gmail_search.
    pub message_ids: Vec<String>,
    /// Only once the person approved.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LabelChange {
    /// Messages changed.
    pub changed: Vec<String>,
    /// Ids with no message in this mailbox (left alone).
    pub not_found: Vec<String>,
    /// Label ids added.
    pub added: Vec<String>,
    /// Label ids removed.
    pub removed: Vec<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TrashOutcome {
    pub id: String,
    /// Whether the message is now in Trash.
    pub trashed: bool,
    /// Why not, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TrashResult {
    pub results: Vec<TrashOutcome>,
}

fn check_ids(ids: &[String]) -> ToolResult<Vec<String>> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(ToolError::invalid(
            "message_ids",
            format!("give 1 to {MAX_IDS} message ids, got {}", ids.len()),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        if id.is_empty() || id.len() > 200 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ToolError::invalid(
                "message_ids",
                format!("{id:?} is not a Gmail message id"),
            ));
        }
        if !out.iter().any(|x| x == id) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

/// Whether message `id` exists (`format=minimal`).
async fn exists(ctx: &ToolCtx, api: &GoogleApi, id: &str) -> Result<bool, ApiError> {
    let mut url = api_url(&api.bases.gmail, &gmail_path(&format!("/messages/{id}")));
    url.query_pairs_mut().append_pair("format", "minimal");
    match api.get(&ctx.user, url).await {
        Ok(_) => Ok(true),
        Err(ApiError::NotFound(_)) => Ok(false),
        Err(ApiError::BadRequest(m)) if m.to_ascii_lowercase().contains("invalid id") => Ok(false),
        Err(e) => Err(e),
    }
}

async fn modify(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ModifyLabelsArgs,
) -> ToolResult<LabelChange> {
    let ids = check_ids(&args.message_ids)?;
    if args.mark_read && args.mark_unread {
        return Err(ToolError::invalid(
            "mark_read",
            "mark_read and mark_unread cannot both be set",
        ));
    }
    if args.star && args.unstar {
        return Err(ToolError::invalid(
            "star",
            "star and unstar cannot both be set",
        ));
    }
    let mut add = Vec::new();
    let mut remove = Vec::new();
    if !args.add_labels.is_empty() || !args.remove_labels.is_empty() {
        let known = labels::all(ctx, api).await?;
        add = labels::resolve(&known, &args.add_labels, "add_labels")?;
        remove = labels::resolve(&known, &args.remove_labels, "remove_labels")?;
    }
    let (add, remove) = labels::with_flags(
        add,
        remove,
        &[
            (args.archive, "INBOX", false),
            (args.mark_read, "UNREAD", false),
            (args.mark_unread, "UNREAD", true),
            (args.star, "STARRED", true),
            (args.unstar, "STARRED", false),
        ],
        "nothing to change: give add_labels, remove_labels or a flag (archive, mark_read, mark_unread, star, unstar)",
    )?;
    let found: Vec<Result<bool, ApiError>> = stream::iter(ids.clone())
        .map(|id| async move { exists(ctx, api, &id).await })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut changed = Vec::new();
    let mut not_found = Vec::new();
    for (id, f) in ids.into_iter().zip(found) {
        if f? {
            changed.push(id);
        } else {
            not_found.push(id);
        }
    }
    if !changed.is_empty() {
        let url = api_url(&api.bases.gmail, &gmail_path("/messages/batchModify"));
        let body = json!({ "ids": changed, "addLabelIds": add, "removeLabelIds": remove });
        api.call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await?;
    }
    Ok(LabelChange {
        changed,
        not_found,
        added: add,
        removed: remove,
    })
}

pub async fn modify_labels(ctx: ToolCtx, args: ModifyLabelsArgs) -> ToolResult<LabelChange> {
    modify(&ctx, &ctx.api, &args).await
}

impl ToolOutput for LabelChange {
    fn text(&self) -> String {
        let c = self;
        let mut text = format!("Changed {} message(s)", c.changed.len());
        if !c.added.is_empty() {
            let _ = write!(text, "; added {}", c.added.join(", "));
        }
        if !c.removed.is_empty() {
            let _ = write!(text, "; removed {}", c.removed.join(", "));
        }
        text.push('\n');
        crate::tools::line(&mut text, "Changed", &c.changed.join(", "));
        crate::tools::line(&mut text, "Not found", &c.not_found.join(", "));
        text
    }
}

async fn trash_one(ctx: &ToolCtx, api: &GoogleApi, id: String) -> TrashOutcome {
    let url = api_url(
        &api.bases.gmail,
        &gmail_path(&format!("/messages/{id}/trash")),
    );
    match api
        .call(&ctx.user, Method::POST, url, None, Retry::Safe)
        .await
    {
        Ok(_) => TrashOutcome {
            id,
            trashed: true,
            error: None,
        },
        Err(e) => TrashOutcome {
            error: Some(super::message::not_found(e, "no message", &id).to_string()),
            id,
            trashed: false,
        },
    }
}

/// Trashing more than this many messages at once asks the person first.
const CONFIRM_ABOVE: usize = 10;

pub async fn trash(ctx: ToolCtx, args: TrashArgs) -> ToolResult<Rendered<TrashResult>> {
    let ids = check_ids(&args.message_ids)?;
    let confirmed = if ids.len() > CONFIRM_ABOVE {
        ctx.confirm_action(
            &format!("Move {} messages to the trash?", ids.len()),
            args.confirm,
        )?
    } else {
        crate::tools::confirm::Confirmed::ByModel
    };
    let (ctx, api) = (&ctx, &*ctx.api);
    let results: Vec<TrashOutcome> = stream::iter(ids)
        .map(|id| trash_one(ctx, api, id))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let ok = results.iter().filter(|r| r.trashed).count();
    let mut text = format!("Moved {ok} of {} message(s) to Trash.\n", results.len());
    for r in results.iter().filter(|r| !r.trashed) {
        let _ = writeln!(
            text,
            "- {}: {}",
            r.id,
            r.error.as_deref().unwrap_or("failed")
        );
    }
    if ok == 0 {
        // Nothing happened: a failure, so the model notices.
        return Err(ToolError::Refused(text.trim_end().to_owned()));
    }
    if let Some(n) = confirmed.note() {
        let _ = writeln!(text, "{n}");
    }
    Ok(Rendered::new(TrashResult { results }, text))
}
