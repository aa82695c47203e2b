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
            "Read a Google Doc as Markdown: every tab (each introduced by a `<!-- tab: … -->` line when there are several), headings, bulleted and numbered lists, tables, links, bold and italic kept. `document_id` is an id from drive_search or a docs.google.com link. `tab` (title or id) reads one tab only. Long documents are cut at the output limit with a note. For Sheets use sheets_read_range; for other files drive_read_file.",
            read::read,
        ),
        Route::new(
            "docs_create_document",
            "Create a Google Doc",
            "Create a new Google Doc in the user's My Drive, optionally with content written in Markdown: headings (#…######), paragraphs, bulleted and numbered lists, **bold**, *italic*, ~~strikethrough~~ and [links](https://…) become real Docs formatting (nested list items become items of the same list; tables and code blocks become plain paragraphs). Returns the id and link. Each call creates a new document. To put it in a folder afterwards use drive_move.",
            write::create,
        ),
        Route::new(
            "docs_insert_text",
            "Insert text into a Google Doc",
            "Add text to an existing Google Doc, written in Markdown by default (headings, lists, bold, italic, links become Docs formatting) or as plain text (`format: plain`). `position`: `end` (default, after the last paragraph), `start`, `after_heading` (directly below the heading named in `heading`), or `end_of_section` (at the end of that heading's section, before the next heading of the same or a higher level). Headings match case-insensitively; an unknown heading lists the document's headings. `tab` (title or id) picks a tab; default the first. Existing text is never changed. If someone edits the document at the same moment, the call fails rather than writing in the wrong place: read and retry.",
            write::insert,
        ),
        Route::new(
            "docs_find_replace",
            "Find and replace in a Google Doc",
            "Find and replace text across a Google Doc (every tab, or one `tab`), keeping the surrounding formatting. Up to 50 `replacements` applied in order, all or none; each matches case-sensitively unless `match_case` is false. Returns how many occurrences each replaced (0 means the text was not found). An empty `replace` deletes the text.",
            write::find_replace,
        )
        .destructive(),
    ]
}
