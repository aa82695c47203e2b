//! `docs_create_document`, `docs_insert_text`, `docs_find_replace`.

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::from_md::{self, Para, Span};
use super::{document_link, document_url, fetch, not_found};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput, google_id},
};

/// Longest text inserted in one call (characters).
pub const MAX_INSERT_CHARS: usize = 200_000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    #[default]
    Markdown,
    Plain,
}

fn paragraphs(text: &str, format: TextFormat) -> Vec<Para> {
    match format {
        TextFormat::Markdown => from_md::parse(text),
        TextFormat::Plain => text
            .replace("\r\n", "\n")
            .split('\n')
            .map(|line| Para {
                spans: vec![Span {
                    text: line.to_owned(),
                    ..Span::default()
                }],
                ..Para::default()
            })
            .collect(),
    }
}

fn check_text(field: &str, text: &str) -> ToolResult<()> {
    if text.chars().count() > MAX_INSERT_CHARS {
        return Err(ToolError::invalid(
            field,
            format!("longer than {MAX_INSERT_CHARS} characters; split it over several calls"),
        ));
    }
    Ok(())
}

/// `documents.batchUpdate`, guarded by the revision the indexes were computed on.
async fn batch_update(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    requests: Vec<Value>,
    revision: Option<&str>,
) -> ToolResult<Value> {
    let mut body = json!({ "requests": requests });
    if let Some(r) = revision {
        body["writeControl"] = json!({ "requiredRevisionId": r });
    }
    let url = document_url(api, id, ":batchUpdate");
    let (reply, _) = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await
        .map_err(|e| match e {
            ApiError::BadRequest(m) if m.contains("required revision") => ToolError::Api(
                ApiError::Conflict("the document was edited at the same moment".into()),
            ),
            ApiError::PermissionDenied(_) => ToolError::Refused(format!(
                "This user can only view document {id}, not edit it; ask its owner for edit access."
            )),
            e => not_found(e, id),
        })?;
    Ok(reply)
}

// ---- create -----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocumentArgs {
    /// 1 to 500 characters.
    pub title: String,
    #[serde(default)]
    pub content: Option<String>,
    /// Default markdown; plain: one paragraph per line.
    #[serde(default)]
    pub format: TextFormat,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CreatedDocument {
    pub document_id: String,
    pub title: String,
    pub link: String,
    /// Paragraphs of content written.
    pub paragraphs: usize,
}

async fn create_run(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: CreateDocumentArgs,
) -> ToolResult<CreatedDocument> {
    let title = args.title.trim();
    if title.is_empty() || title.chars().count() > 500 {
        return Err(ToolError::invalid("title", "must be 1 to 500 characters"));
    }
    let content = args.content.unwrap_or_default();
    check_text("content", &content)?;
    let paras = paragraphs(&content, args.format);
    create_with(ctx, api, title, &paras).await
}

/// Creates a document titled `title` holding `paras`.
pub(crate) async fn create_with(
    ctx: &ToolCtx,
    api: &GoogleApi,
    title: &str,
    paras: &[Para],
) -> ToolResult<CreatedDocument> {
    let (created, _) = api
        .call(
            &ctx.user,
            Method::POST,
            api_url(&api.bases.docs, "/v1/documents"),
            Some(Body::Json(json!({ "title": title }))),
            Retry::RejectedOnly,
        )
        .await?;
    let id = created["documentId"]
        .as_str()
        .ok_or_else(|| ApiError::Unavailable("Google sent no document id".into()))?
        .to_owned();
    let insertion = from_md::insertion(paras, 1, None, false, false);
    if !insertion.requests.is_empty() {
        let revision = created["revisionId"].as_str();
        batch_update(ctx, api, &id, insertion.requests, revision)
            .await
            .map_err(|e| {
                ToolError::Refused(format!(
                    "The document was created (id {id}, {}) but writing its content failed: {e}. Add the content with docs_insert_text rather than creating it again.",
                    document_link(&id)
                ))
            })?;
    }
    Ok(CreatedDocument {
        link: document_link(&id),
        document_id: id,
        title: created["title"].as_str().unwrap_or(title).to_owned(),
        paragraphs: paras.len(),
    })
}

pub async fn create(ctx: ToolCtx, args: CreateDocumentArgs) -> ToolResult<CreatedDocument> {
    create_run(&ctx, &ctx.api, args).await
}

impl ToolOutput for CreatedDocument {
    fn text(&self) -> String {
        let d = self;
        format!(
            "Created document \"{}\" (id {}) with {} paragraphs: {}",
            d.title, d.document_id, d.paragraphs, d.link
        )
    }
}

// ---- insert -----------------------------------------------------------------------

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InsertAt {
    /// After the last paragraph.
    #[default]
    End,
    /// Before the first paragraph.
    Start,
    /// Directly below the heading named in `heading`.
    AfterHeading,
    /// At the end of that heading's section (before the next heading of the same or a higher level).
    EndOfSection,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InsertTextArgs {
    /// Id from drive_search, or a link.
    pub document_id: String,
    pub text: String,
    /// Default markdown; plain: one paragraph per line.
    #[serde(default)]
    pub format: TextFormat,
    /// `end` (default), `start`, `after_heading` (just below `heading`) or `end_of_section` (the end of `heading`'s section).
    #[serde(default)]
    pub position: InsertAt,
    /// A heading's text (any case).
    #[serde(default)]
    pub heading: Option<String>,
    /// Title or id; default the first tab.
    #[serde(default)]
    pub tab: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Inserted {
    pub document_id: String,
    pub tab_id: Option<String>,
    /// The Docs index (UTF-16 code units) where the text went.
    pub index: usize,
    pub paragraphs: usize,
    /// Length of the inserted text in UTF-16 code units.
    pub length: usize,
    pub link: String,
}

/// A top-level paragraph of a tab's body.
struct Block {
    start: usize,
    end: usize,
    /// 0 for a title, 1–6 for headings, none for others.
    heading: Option<usize>,
    text: String,
}

fn blocks(body: &Value) -> Vec<Block> {
    body["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|el| el.get("sectionBreak").is_none())
        .map(|el| {
            let p = &el["paragraph"];
            let style = p["paragraphStyle"]["namedStyleType"].as_str().unwrap_or("");
            let heading = if style == "TITLE" {
                Some(0)
            } else {
                style
                    .strip_prefix("HEADING_")
                    .and_then(|n| n.parse::<usize>().ok())
            };
            let text: String = p["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["textRun"]["content"].as_str())
                .collect();
            Block {
                start: el["startIndex"].as_u64().unwrap_or(0) as usize,
                end: el["endIndex"].as_u64().unwrap_or(0) as usize,
                heading: if p.is_object() { heading } else { None },
                text: text.trim_end_matches('\n').to_owned(),
            }
        })
        .collect()
}

/// Where to insert: (index, newline before, newline after).
fn place(blocks: &[Block], args: &InsertTextArgs) -> ToolResult<(usize, bool, bool)> {
    let last = blocks
        .last()
        .ok_or_else(|| ToolError::Refused("The document has no body to write in.".into()))?;
    let at_end = (last.end.saturating_sub(1), !last.text.is_empty(), false);
    match args.position {
        InsertAt::End => Ok(at_end),
        InsertAt::Start => Ok((blocks[0].start.max(1), false, true)),
        InsertAt::AfterHeading | InsertAt::EndOfSection => {
            let wanted = args
                .heading
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .ok_or_else(|| ToolError::invalid("heading", "is required with this `position`"))?;
            let norm = |s: &str| s.trim().trim_end_matches(':').to_lowercase();
            let headings: Vec<usize> = (0..blocks.len())
                .filter(|&i| blocks[i].heading.is_some())
                .collect();
            let found = headings
                .iter()
                .find(|&&i| norm(&blocks[i].text) == norm(wanted))
                .copied()
                .ok_or_else(|| {
                    let names: Vec<String> = headings
                        .iter()
                        .take(40)
                        .map(|&i| format!("{:?}", blocks[i].text))
                        .collect();
                    ToolError::invalid(
                        "heading",
                        if names.is_empty() {
                            "the document has no headings; use position end or start".to_owned()
                        } else {
                            format!(
                                "no heading {wanted:?}; the headings are {}",
                                names.join(", ")
                            )
                        },
                    )
                })?;
            let next = if args.position == InsertAt::AfterHeading {
                found + 1
            } else {
                let level = blocks[found].heading.unwrap_or(0);
                (found + 1..blocks.len())
                    .find(|&i| blocks[i].heading.is_some_and(|l| l <= level))
                    .unwrap_or(blocks.len())
            };
            match blocks.get(next) {
                Some(b) => Ok((b.start, false, true)),
                None => Ok(at_end),
            }
        }
    }
}

async fn insert_run(ctx: &ToolCtx, api: &GoogleApi, args: InsertTextArgs) -> ToolResult<Inserted> {
    let id = google_id("document_id", &args.document_id)?;
    check_text("text", &args.text)?;
    let paras = paragraphs(&args.text, args.format);
    if paras.is_empty() {
        return Err(ToolError::invalid("text", "is empty"));
    }
    let doc = fetch(ctx, api, &id).await?;
    let tabs = super::markdown::tabs(&doc);
    let tab_id = match &args.tab {
        Some(w) => Some(super::pick_tab(&tabs, w)?.id.clone()),
        None => tabs.first().map(|t| t.id.clone()).filter(|t| !t.is_empty()),
    };
    let body = find_body(&doc, tab_id.as_deref());
    let (index, lead, trail) = place(&blocks(body), &args)?;
    let insertion = from_md::insertion(&paras, index, tab_id.as_deref(), lead, trail);
    let length = from_md::utf16(&insertion.text);
    batch_update(
        ctx,
        api,
        &id,
        insertion.requests,
        doc["revisionId"].as_str(),
    )
    .await?;
    Ok(Inserted {
        link: document_link(&id),
        document_id: id,
        tab_id,
        index,
        paragraphs: paras.len(),
        length,
    })
}

/// The body of the tab `tab_id` (searched through child tabs), or the document's own.
fn find_body<'a>(doc: &'a Value, tab_id: Option<&str>) -> &'a Value {
    fn walk<'a>(tabs: &'a Value, id: &str) -> Option<&'a Value> {
        for t in tabs.as_array()? {
            if t["tabProperties"]["tabId"] == id {
                return Some(&t["documentTab"]["body"]);
            }
            if let Some(b) = walk(&t["childTabs"], id) {
                return Some(b);
            }
        }
        None
    }
    tab_id
        .and_then(|id| walk(&doc["tabs"], id))
        .unwrap_or(&doc["body"])
}

pub async fn insert(ctx: ToolCtx, args: InsertTextArgs) -> ToolResult<Inserted> {
    insert_run(&ctx, &ctx.api, args).await
}

impl ToolOutput for Inserted {
    fn text(&self) -> String {
        let d = self;
        format!(
            "Inserted {} paragraphs ({} UTF-16 units) at index {} of document {}{}: {}",
            d.paragraphs,
            d.length,
            d.index,
            d.document_id,
            d.tab_id
                .as_deref()
                .map(|t| format!(", tab {t}"))
                .unwrap_or_default(),
            d.link
        )
    }
}

// ---- find and replace --------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    /// Not empty.
    pub find: String,
    /// Empty deletes.
    #[serde(default)]
    pub replace: String,
    /// Default true.
    #[serde(default)]
    pub match_case: Option<bool>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindReplaceArgs {
    /// Id from drive_search, or a link.
    pub document_id: String,
    #[schemars(length(min = 1, max = 50))]
    pub replacements: Vec<Replacement>,
    /// Only this tab (title or id).
    #[serde(default)]
    pub tab: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ReplaceCount {
    pub find: String,
    pub replace: String,
    pub occurrences: u64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Replaced {
    pub document_id: String,
    pub replacements: Vec<ReplaceCount>,
    pub total: u64,
    pub link: String,
}

async fn replace_run(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: FindReplaceArgs,
) -> ToolResult<Replaced> {
    let id = google_id("document_id", &args.document_id)?;
    if args.replacements.is_empty() || args.replacements.len() > 50 {
        return Err(ToolError::invalid(
            "replacements",
            "give 1 to 50 replacements",
        ));
    }
    for (i, r) in args.replacements.iter().enumerate() {
        if r.find.is_empty() {
            return Err(ToolError::invalid(
                &format!("replacements[{i}].find"),
                "must not be empty",
            ));
        }
        check_text(&format!("replacements[{i}].replace"), &r.replace)?;
    }
    let tab_ids = match &args.tab {
        Some(w) => {
            let doc = fetch(ctx, api, &id).await?;
            let tabs = super::markdown::tabs(&doc);
            Some(vec![super::pick_tab(&tabs, w)?.id.clone()])
        }
        None => None,
    };
    let requests: Vec<Value> = args
        .replacements
        .iter()
        .map(|r| {
            let mut req = json!({
                "containsText": { "text": r.find, "matchCase": r.match_case.unwrap_or(true) },
                "replaceText": r.replace,
            });
            if let Some(ids) = &tab_ids {
                req["tabsCriteria"] = json!({ "tabIds": ids });
            }
            json!({ "replaceAllText": req })
        })
        .collect();
    let reply = batch_update(ctx, api, &id, requests, None).await?;
    let replies = reply["replies"].as_array().cloned().unwrap_or_default();
    let replacements: Vec<ReplaceCount> = args
        .replacements
        .into_iter()
        .enumerate()
        .map(|(i, r)| ReplaceCount {
            occurrences: replies
                .get(i)
                .and_then(|x| x["replaceAllText"]["occurrencesChanged"].as_u64())
                .unwrap_or(0),
            find: r.find,
            replace: r.replace,
        })
        .collect();
    Ok(Replaced {
        total: replacements.iter().map(|r| r.occurrences).sum(),
        link: document_link(&id),
        document_id: id,
        replacements,
    })
}

pub async fn find_replace(ctx: ToolCtx, args: FindReplaceArgs) -> ToolResult<Replaced> {
    replace_run(&ctx, &ctx.api, args).await
}

impl ToolOutput for Replaced {
    fn text(&self) -> String {
        let d = self;
        let mut text = format!("{} replacements in document {}\n", d.total, d.document_id);
        for r in &d.replacements {
            text.push_str(&format!(
                "{:?} → {:?} ({} occurrences)\n",
                r.find, r.replace, r.occurrences
            ));
        }
        text
    }
}
