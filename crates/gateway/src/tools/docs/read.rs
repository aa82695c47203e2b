//! `docs_read_document`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::{document_link, fetch, markdown, pick_tab};
use crate::{
    google::api::GoogleApi,
    tools::{ToolCtx, ToolResult, adapter::ToolOutput, google_id},
};

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadDocumentArgs {
    /// Id from drive_search, or a link.
    pub document_id: String,
    /// Only this tab (title or id).
    #[serde(default)]
    pub tab: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TabInfo {
    pub id: String,
    pub title: String,
    /// 0 for a top-level tab, 1 for its child tabs, and so on.
    pub depth: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentText {
    pub document_id: String,
    pub title: String,
    pub link: String,
    pub revision_id: Option<String>,
    /// Every tab of the document (also those not read).
    pub tabs: Vec<TabInfo>,
    /// The tabs read, as Markdown (cut at the output limit when `truncated`).
    pub markdown: String,
    pub truncated: bool,
}

/// The document's title, revision and tabs as Markdown.
pub(crate) async fn document(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
) -> ToolResult<(String, Option<String>, Vec<markdown::TabText>)> {
    let doc = fetch(ctx, api, id).await?;
    Ok((
        doc["title"].as_str().unwrap_or_default().to_owned(),
        doc["revisionId"].as_str().map(str::to_owned),
        markdown::tabs(&doc),
    ))
}

/// `text` cut to `limit` characters; whether it was cut.
pub(crate) fn cut(text: String, limit: usize) -> (String, bool) {
    if text.chars().count() <= limit {
        return (text, false);
    }
    (text.chars().take(limit).collect(), true)
}

async fn run(ctx: &ToolCtx, api: &GoogleApi, args: ReadDocumentArgs) -> ToolResult<DocumentText> {
    let id = google_id("document_id", &args.document_id)?;
    let (title, revision_id, tabs) = document(ctx, api, &id).await?;
    ctx.report(1, 2, format!("read \"{title}\" ({} tabs)", tabs.len()))
        .await;
    let text = match &args.tab {
        Some(wanted) => pick_tab(&tabs, wanted)?.markdown.clone(),
        None => markdown::join(&tabs),
    };
    let (markdown, truncated) = cut(text, ctx.output_limit);
    ctx.report(2, 2, "converted to Markdown").await;
    Ok(DocumentText {
        link: document_link(&id),
        document_id: id,
        title,
        revision_id,
        tabs: tabs
            .iter()
            .map(|t| TabInfo {
                id: t.id.clone(),
                title: t.title.clone(),
                depth: t.depth,
            })
            .collect(),
        markdown,
        truncated,
    })
}

pub async fn read(ctx: ToolCtx, args: ReadDocumentArgs) -> ToolResult<DocumentText> {
    run(&ctx, &ctx.api, args).await
}

impl ToolOutput for DocumentText {
    fn text(&self) -> String {
        let d = self;
        let tabs = if d.tabs.len() > 1 {
            format!(", {} tabs", d.tabs.len())
        } else {
            String::new()
        };
        format!(
            "Document \"{}\" (id {}{tabs}) {}\n\n{}",
            d.title, d.document_id, d.link, d.markdown
        )
    }
}
