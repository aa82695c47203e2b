//! Google Docs tools: read a document as Markdown (every tab), create one
//! from Markdown, insert text at the end, the start or around a heading, and
//! find and replace. Docs indexes are UTF-16 code units throughout.

pub mod from_md;
pub mod markdown;
pub(crate) mod read;
pub(crate) mod write;

use serde_json::Value;
use url::Url;

use crate::{
    google::api::{ApiError, GoogleApi, api_url_segments},
    tools::adapter::Route,
    tools::{ToolCtx, ToolError, ToolResult},
};

pub use read::{DocumentText, ReadDocumentArgs, TabInfo};
pub use write::{
    CreateDocumentArgs, CreatedDocument, FindReplaceArgs, InsertAt, InsertTextArgs, Inserted,
    Replaced, Replacement, TextFormat,
};

/// `/v1/documents/<id>[suffix]` under the Docs base URL.
pub(crate) fn document_url(api: &GoogleApi, id: &str, suffix: &str) -> Url {
    api_url_segments(
        &api.bases.docs,
        "/v1/documents",
        &[&format!("{id}{suffix}")],
    )
}

pub(crate) fn document_link(id: &str) -> String {
    format!("https://docs.google.com/document/d/{id}/edit")
}

/// The document with every tab's content.
pub(crate) async fn fetch(ctx: &ToolCtx, api: &GoogleApi, id: &str) -> ToolResult<Value> {
    let mut url = document_url(api, id, "");
    url.query_pairs_mut()
        .append_pair("includeTabsContent", "true");
    api.get(&ctx.user, url).await.map_err(|e| not_found(e, id))
}

/// A Docs 404 phrased for the model.
pub(crate) fn not_found(e: ApiError, id: &str) -> ToolError {
    match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "Document {id} was not found, is not a Google Doc, or is not shared with this user; find documents with drive_search (type `document`)."
        )),
        e => e.into(),
    }
}

/// The tab whose id or title (case-insensitive) is `wanted`, among `tabs`.
pub(crate) fn pick_tab<'a>(
    tabs: &'a [markdown::TabText],
    wanted: &str,
) -> ToolResult<&'a markdown::TabText> {
    let w = wanted.trim();
    tabs.iter()
        .find(|t| t.id == w)
        .or_else(|| tabs.iter().find(|t| t.title.eq_ignore_ascii_case(w)))
        .ok_or_else(|| {
            let names: Vec<String> = tabs
                .iter()
                .map(|t| format!("{:?} (id {})", t.title, t.id))
                .collect();
            ToolError::invalid(
                "tab",
                format!("no tab {w:?}; the tabs are {}", names.join(", ")),
            )
        })
}

/// The docs tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "docs_read_document",
            "Read a Google Doc",
            "Read a Google Doc as Markdown (headings, lists, tables, links, bold, italic), every tab or one; with several, each begins with a `<!-- tab: … -->` line.",
            read::read,
        ),
        Route::new(
            "docs_create_document",
            "Create a Google Doc",
            "Create a Google Doc in My Drive, optionally with content: Markdown headings, lists, bold, italic, strikethrough and links become Docs formatting (tables and code blocks plain paragraphs). Returns its id and link; each call creates a new document.",
            write::create,
        ),
        Route::new(
            "docs_insert_text",
            "Insert text into a Google Doc",
            "Add Markdown or plain text to a Google Doc without changing existing text. If the document changes meanwhile, the call fails rather than write in the wrong place: read it and retry.",
            write::insert,
        ),
        Route::new(
            "docs_find_replace",
            "Find and replace in a Google Doc",
            "Find and replace text in a Google Doc, keeping its formatting. The replacements apply in order, all or none. Returns each one's count of occurrences (0: not found).",
            write::find_replace,
        )
        .destructive(),
    ]
}
