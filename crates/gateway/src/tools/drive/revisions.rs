//! `drive_list_revisions` and `drive_read_revision`: a file's earlier
//! versions, and one of them as text. A Google Doc's revision is read
//! through the export links Drive gives it (Markdown when offered, else its
//! HTML converted); other files' revisions are downloaded when they are text.

use std::fmt::Write as _;

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{DOC, file_error, files_url, get_file, is_text, kind, read::MAX_DOWNLOAD, size_of};
use crate::{
    google::api::{ApiError, GoogleApi},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput, docs, google_id, human_size},
};

/// Most revisions listed (newest kept).
pub const MAX_REVISIONS: usize = 100;

/// Where a Doc revision's export links may point (they carry the user's token).
const EXPORT_HOSTS: [&str; 1] = ["docs.google.com"];

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListRevisionsArgs {
    /// Id from drive_search, or a Google link.
    pub file_id: String,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRevisionArgs {
    pub file_id: String,
    /// From drive_list_revisions.
    pub revision_id: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RevisionRow {
    pub id: String,
    /// RFC 3339.
    pub modified: String,
    /// Who saved it.
    pub author: String,
    /// Bytes (files with binary content only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The file as it is now.
    pub current: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RevisionList {
    pub file_id: String,
    pub name: String,
    /// Newest first.
    pub revisions: Vec<RevisionRow>,
    /// Older revisions left out (more than 100).
    pub older_left_out: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RevisionContent {
    pub file_id: String,
    pub name: String,
    pub revision: RevisionRow,
    /// markdown (Docs), text (Docs exported as HTML or text, and text files).
    pub format: String,
    /// The content (cut at the output limit when `truncated`).
    pub text: String,
    pub characters: usize,
    pub truncated: bool,
}

fn row(v: &Value, current: bool) -> RevisionRow {
    let u = &v["lastModifyingUser"];
    let name = u["displayName"].as_str().unwrap_or_default();
    RevisionRow {
        id: v["id"].as_str().unwrap_or_default().to_owned(),
        modified: v["modifiedTime"].as_str().unwrap_or_default().to_owned(),
        author: match u["emailAddress"].as_str() {
            Some(e) if !name.is_empty() => format!("{name} <{e}>"),
            Some(e) => e.to_owned(),
            None => name.to_owned(),
        },
        size: size_of(v),
        current,
    }
}

fn revision_id(raw: &str) -> ToolResult<String> {
    super::item_id("revision_id", raw, "drive_list_revisions")
}

const ROW_FIELDS: &str =
    "id,modifiedTime,size,mimeType,lastModifyingUser(displayName,emailAddress)";

async fn all_revisions(ctx: &ToolCtx, api: &GoogleApi, file: &str) -> ToolResult<Vec<Value>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..20 {
        let mut url = files_url(api, &[file, "revisions"]);
        url.query_pairs_mut()
            .append_pair("fields", &format!("nextPageToken,revisions({ROW_FIELDS})"))
            .append_pair("pageSize", "200");
        if let Some(t) = &token {
            url.query_pairs_mut().append_pair("pageToken", t);
        }
        let body = api.get(&ctx.user, url).await.map_err(|e| match e {
            ApiError::PermissionDenied(m) if m.contains("revisions") => ToolError::Refused(
                format!("File {file} keeps no revisions (folders and shortcuts have none)."),
            ),
            e => file_error(e, file),
        })?;
        out.extend(body["revisions"].as_array().cloned().unwrap_or_default());
        token = body["nextPageToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

pub async fn list_revisions(ctx: ToolCtx, args: ListRevisionsArgs) -> ToolResult<RevisionList> {
    let file = google_id("file_id", &args.file_id)?;
    let api = &*ctx.api;
    let meta = get_file(&ctx, api, &file, "id,name,mimeType").await?;
    let all = all_revisions(&ctx, api, &file).await?;
    let n = all.len();
    let revisions: Vec<RevisionRow> = all
        .iter()
        .enumerate()
        .rev()
        .take(MAX_REVISIONS)
        .map(|(i, v)| row(v, i + 1 == n))
        .collect();
    Ok(RevisionList {
        older_left_out: n.saturating_sub(MAX_REVISIONS),
        file_id: file,
        name: meta["name"].as_str().unwrap_or_default().to_owned(),
        revisions,
    })
}

impl ToolOutput for RevisionList {
    fn text(&self) -> String {
        let mut text = format!(
            "{} revision(s) of {:?} ({}), newest first:\n",
            self.revisions.len(),
            self.name,
            self.file_id
        );
        for r in &self.revisions {
            let _ = write!(text, "- {}: {} by {}", r.id, r.modified, r.author);
            if let Some(s) = r.size {
                let _ = write!(text, ", {}", human_size(s));
            }
            text.push_str(if r.current { " (current)\n" } else { "\n" });
        }
        if self.older_left_out > 0 {
            let _ = writeln!(text, "({} older revisions left out)", self.older_left_out);
        }
        text
    }
}

/// Whether an export link may be fetched with the user's token: Google's
/// export host, or the origin Drive itself is reached at (the fake Google).
pub(crate) fn trusted_link(link: &Url, drive: &Url) -> bool {
    let same_origin = link.origin() == drive.origin();
    let google =
        link.scheme() == "https" && link.host_str().is_some_and(|h| EXPORT_HOSTS.contains(&h));
    same_origin || google
}

/// The export link to read a Doc revision by, and whether it is Markdown.
pub(crate) fn pick_export(links: &Value) -> Option<(&str, &'static str)> {
    [
        ("text/markdown", "markdown"),
        ("text/html", "html"),
        ("text/plain", "text"),
    ]
    .into_iter()
    .find_map(|(mime, format)| links[mime].as_str().map(|l| (l, format)))
}

async fn doc_revision(
    ctx: &ToolCtx,
    api: &GoogleApi,
    file: &str,
    rev: &Value,
) -> ToolResult<(String, &'static str)> {
    let Some((link, format)) = pick_export(&rev["exportLinks"]) else {
        return Err(ToolError::Refused(format!(
            "Google offers no export of revision {} of this Doc; open the version history in Docs.",
            rev["id"].as_str().unwrap_or_default()
        )));
    };
    let url = Url::parse(link)
        .ok()
        .filter(|u| trusted_link(u, &api.bases.drive))
        .ok_or_else(|| {
            ToolError::Refused(
                "Google gave an export link to an unexpected host; not followed.".into(),
            )
        })?;
    let (bytes, _) = api
        .get_bytes(&ctx.user, url)
        .await
        .map_err(|e| file_error(e, file))?;
    let raw = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .to_owned();
    Ok(match format {
        "markdown" => (raw, "markdown"),
        "html" => (html_markdown(&raw), "text"),
        _ => (raw.replace("\r\n", "\n"), "text"),
    })
}

/// A Doc's HTML export as readable text (headings, lists and emphasis marked).
fn html_markdown(html: &str) -> String {
    html2text::config::plain()
        .string_from_read(html.as_bytes(), 10_000)
        .unwrap_or_else(|_| html.to_owned())
}

pub async fn read_revision(ctx: ToolCtx, args: ReadRevisionArgs) -> ToolResult<RevisionContent> {
    let file = google_id("file_id", &args.file_id)?;
    let rid = revision_id(&args.revision_id)?;
    let api = &*ctx.api;
    let meta = get_file(&ctx, api, &file, "id,name,mimeType").await?;
    let mime = meta["mimeType"].as_str().unwrap_or_default();
    let mut url = files_url(api, &[&file, "revisions", &rid]);
    url.query_pairs_mut()
        .append_pair("fields", &format!("{ROW_FIELDS},exportLinks"));
    let rev = api.get(&ctx.user, url).await.map_err(|e| match e {
        ApiError::NotFound(m) if m.contains("Revision") => ToolError::Refused(format!(
            "No revision {rid} of file {file}; drive_list_revisions lists them."
        )),
        e => file_error(e, &file),
    })?;
    let (text, format) = if mime == DOC {
        doc_revision(&ctx, api, &file, &rev).await?
    } else if is_text(mime) {
        let size = size_of(&rev).unwrap_or(0);
        if size > MAX_DOWNLOAD {
            return Err(ToolError::Refused(format!(
                "Revision {rid} is {}, over the {} the gateway reads.",
                human_size(size),
                human_size(MAX_DOWNLOAD)
            )));
        }
        let mut url = files_url(api, &[&file, "revisions", &rid]);
        url.query_pairs_mut().append_pair("alt", "media");
        let (bytes, _) = api
            .get_bytes(&ctx.user, url)
            .await
            .map_err(|e| file_error(e, &file))?;
        (String::from_utf8_lossy(&bytes).into_owned(), "text")
    } else {
        return Err(ToolError::Refused(format!(
            "{:?} is a {}; only revisions of Google Docs and text files can be read as text.",
            meta["name"].as_str().unwrap_or_default(),
            kind(mime)
        )));
    };
    let characters = text.chars().count();
    let (text, truncated) = docs::read::cut(text, ctx.output_limit);
    Ok(RevisionContent {
        name: meta["name"].as_str().unwrap_or_default().to_owned(),
        revision: row(&rev, false),
        file_id: file,
        format: format.to_owned(),
        text,
        characters,
        truncated,
    })
}

impl ToolOutput for RevisionContent {
    fn text(&self) -> String {
        format!(
            "{:?} ({}) as of revision {}, {} by {} ({} characters)\n\n{}",
            self.name,
            self.file_id,
            self.revision.id,
            self.revision.modified,
            self.revision.author,
            self.characters,
            self.text
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn export_links_prefer_markdown_and_stay_on_google() {
        let links = json!({ "text/html": "h", "text/markdown": "m", "text/plain": "t" });
        assert_eq!(pick_export(&links), Some(("m", "markdown")));
        assert_eq!(
            pick_export(&json!({ "text/html": "h" })),
            Some(("h", "html"))
        );
        assert_eq!(pick_export(&json!({})), None);
        let drive = Url::parse("https://www.googleapis.com").unwrap();
        let ok = |s: &str| trusted_link(&Url::parse(s).unwrap(), &drive);
        assert!(ok(
            "https://docs.google.com/feeds/download/documents/export/Export?id=1"
        ));
        assert!(ok("https://www.googleapis.com/x"));
        assert!(!ok("http://docs.google.com/x"));
        assert!(!ok("https://docs.google.com.evil.example/x"));
        assert!(!ok("https://evil.example/x"));
    }
}
