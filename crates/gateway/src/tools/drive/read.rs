//! `drive_read_file`: any Drive file as text a model can read.

use std::fmt::Write as _;

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    DOC, EXPORT_LIMIT, FILE_FIELDS, FOLDER, FileRow, SHEET, SHORTCUT, SLIDES, file_error,
    files_url, get_file, is_text, kind,
};
use crate::{
    google::api::{GoogleApi, api_url, api_url_segments},
    tools::sheets::a1::quote_sheet,
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput, docs, google_id, human_size},
};

/// Largest file downloaded to read (text files and PDFs).
pub const MAX_DOWNLOAD: u64 = 10 * 1024 * 1024;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadFileArgs {
    /// Id from drive_search, or a Google link.
    pub file_id: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FileContent {
    pub file: FileRow,
    /// markdown (Docs), csv (Sheets), slides (Slides), pdf_text (PDFs) or text.
    pub format: String,
    /// Tabs, sheets, slides or pages, in order.
    pub sections: Vec<String>,
    /// The content (cut at the output limit when `truncated`).
    pub text: String,
    /// Characters of the whole content.
    pub characters: usize,
    pub truncated: bool,
}

/// A CSV field, quoted when needed.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Every sheet as CSV, each under a `## Sheet: …` heading.
async fn sheets_csv(ctx: &ToolCtx, api: &GoogleApi, id: &str) -> ToolResult<(String, Vec<String>)> {
    let base = format!("/v4/spreadsheets/{id}");
    let mut url = api_url(&api.bases.sheets, &base);
    url.query_pairs_mut()
        .append_pair("fields", "sheets(properties(title,sheetId))");
    let book = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| file_error(e, id))?;
    let titles: Vec<String> = book["sheets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["properties"]["title"].as_str().map(str::to_owned))
        .collect();
    if titles.is_empty() {
        return Ok((String::new(), titles));
    }
    let mut url = api_url(&api.bases.sheets, &format!("{base}/values:batchGet"));
    {
        let mut q = url.query_pairs_mut();
        for t in &titles {
            q.append_pair("ranges", &quote_sheet(t));
        }
        q.append_pair("valueRenderOption", "FORMATTED_VALUE");
    }
    let values = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| file_error(e, id))?;
    let mut text = String::new();
    for (i, title) in titles.iter().enumerate() {
        let rows = values["valueRanges"][i]["values"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let _ = writeln!(text, "## Sheet: {title} ({} rows)\n", rows.len());
        for row in &rows {
            let cells: Vec<String> = row
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| csv_field(&cell_text(v)))
                .collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        text.push('\n');
    }
    Ok((text, titles))
}

/// The text of a Slides page element (shapes, tables, groups).
fn element_text(el: &Value, out: &mut Vec<String>) {
    let runs = |text: &Value| -> String {
        text["textElements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["textRun"]["content"].as_str())
            .collect::<String>()
            .trim()
            .to_owned()
    };
    if let Some(shape) = el.get("shape") {
        let t = runs(&shape["text"]);
        if !t.is_empty() {
            out.push(t);
        }
    } else if let Some(table) = el.get("table") {
        for row in table["tableRows"].as_array().into_iter().flatten() {
            let cells: Vec<String> = row["tableCells"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| runs(&c["text"]).replace('\n', " "))
                .collect();
            out.push(format!("| {} |", cells.join(" | ")));
        }
    } else if let Some(group) = el.get("elementGroup") {
        for child in group["children"].as_array().into_iter().flatten() {
            element_text(child, out);
        }
    }
}

/// Each slide's text and speaker notes, under `## Slide N` headings.
async fn slides_text(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
) -> ToolResult<(String, Vec<String>)> {
    let url = api_url_segments(&api.bases.slides, "/v1/presentations", &[id]);
    let deck = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| file_error(e, id))?;
    let mut text = String::new();
    let mut sections = Vec::new();
    for (i, slide) in deck["slides"].as_array().into_iter().flatten().enumerate() {
        let mut parts = Vec::new();
        for el in slide["pageElements"].as_array().into_iter().flatten() {
            element_text(el, &mut parts);
        }
        let mut notes = Vec::new();
        let notes_page = &slide["slideProperties"]["notesPage"];
        for el in notes_page["pageElements"].as_array().into_iter().flatten() {
            if el["shape"]["placeholder"]["type"] == "BODY" {
                element_text(el, &mut notes);
            }
        }
        let title = parts.first().cloned().unwrap_or_default();
        sections.push(format!(
            "Slide {}: {}",
            i + 1,
            title.lines().next().unwrap_or("")
        ));
        let _ = writeln!(text, "## Slide {}\n", i + 1);
        for p in &parts {
            let _ = writeln!(text, "{p}");
        }
        if !notes.is_empty() {
            let _ = writeln!(text, "\nSpeaker notes: {}", notes.join(" "));
        }
        text.push('\n');
    }
    Ok((text, sections))
}

fn too_large(f: &FileRow, size: u64, limit: u64, why: &str) -> ToolError {
    let hint = if f.mime_type == SHEET {
        " Read a part of it with sheets_read_range instead,"
    } else {
        ""
    };
    ToolError::Refused(format!(
        "{:?} is {}, over the {} limit {why}.{hint} open it in Drive: {}",
        f.name,
        human_size(size),
        human_size(limit),
        f.link.as_deref().unwrap_or("(no link)")
    ))
}

async fn run(ctx: &ToolCtx, api: &GoogleApi, args: ReadFileArgs) -> ToolResult<FileContent> {
    let id = google_id("file_id", &args.file_id)?;
    let mut meta = get_file(ctx, api, &id, FILE_FIELDS).await?;
    if meta["mimeType"] == SHORTCUT
        && let Some(target) = meta["shortcutDetails"]["targetId"].as_str()
    {
        let target = target.to_owned();
        meta = get_file(ctx, api, &target, FILE_FIELDS).await?;
    }
    let file = FileRow::from_json(&meta);
    ctx.report(1, 2, format!("reading {} ({})", file.name, file.kind))
        .await;
    let size = file.size.unwrap_or(0);
    let native = [DOC, SHEET, SLIDES].contains(&file.mime_type.as_str());
    if native && size > EXPORT_LIMIT {
        return Err(too_large(
            &file,
            size,
            EXPORT_LIMIT,
            "Google sets on exporting Docs, Sheets and Slides",
        ));
    }
    let (format, text, sections) = match file.mime_type.as_str() {
        FOLDER => {
            return Err(ToolError::Refused(format!(
                "{:?} is a folder; list what it holds with drive_list_folder.",
                file.name
            )));
        }
        DOC => {
            let (_, _, tabs) = docs::read::document(ctx, api, &file.id).await?;
            let sections = tabs.iter().map(|t| t.title.clone()).collect();
            ("markdown", docs::markdown::join(&tabs), sections)
        }
        SHEET => {
            let (text, sections) = sheets_csv(ctx, api, &file.id).await?;
            ("csv", text, sections)
        }
        SLIDES => {
            let (text, sections) = slides_text(ctx, api, &file.id).await?;
            ("slides", text, sections)
        }
        m if m == "application/pdf" || is_text(m) => {
            if size > MAX_DOWNLOAD {
                return Err(too_large(
                    &file,
                    size,
                    MAX_DOWNLOAD,
                    "of what the gateway downloads to read",
                ));
            }
            let mut url = files_url(api, &[&file.id]);
            url.query_pairs_mut().append_pair("alt", "media");
            let (bytes, _) = api
                .get_bytes(&ctx.user, url)
                .await
                .map_err(|e| file_error(e, &file.id))?;
            if m == "application/pdf" {
                let pages = tokio::task::spawn_blocking(move || super::pdf::text(&bytes))
                    .await
                    .map_err(|_| ToolError::Refused("Reading the PDF failed.".into()))?
                    .map_err(|why| {
                        ToolError::Refused(format!(
                            "{:?} cannot be read as text: {why}.",
                            file.name
                        ))
                    })?;
                let mut text = String::new();
                for (i, p) in pages.iter().enumerate() {
                    let _ = writeln!(text, "## Page {}\n\n{p}\n", i + 1);
                }
                if pages.iter().all(|p| p.is_empty()) {
                    text.push_str("(The PDF holds no extractable text; it may be a scan.)\n");
                }
                let sections = (1..=pages.len()).map(|i| format!("Page {i}")).collect();
                ("pdf_text", text, sections)
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                (
                    "text",
                    text.trim_start_matches('\u{feff}').to_owned(),
                    Vec::new(),
                )
            }
        }
        m => {
            return Err(ToolError::Refused(format!(
                "{:?} is {} ({m}{}); its content cannot be read as text. drive_get_file shows its details and link.",
                file.name,
                match kind(m) {
                    "file" => "a binary file".to_owned(),
                    k => format!("a {k}"),
                },
                file.size
                    .map(|s| format!(", {}", human_size(s)))
                    .unwrap_or_default(),
            )));
        }
    };
    let characters = text.chars().count();
    ctx.report(2, 2, format!("read {characters} characters"))
        .await;
    let (text, truncated) = docs::read::cut(text, ctx.output_limit);
    Ok(FileContent {
        file,
        format: format.to_owned(),
        sections,
        text,
        characters,
        truncated,
    })
}

pub async fn read(ctx: ToolCtx, args: ReadFileArgs) -> ToolResult<FileContent> {
    run(&ctx, &ctx.api, args).await
}

impl ToolOutput for FileContent {
    fn text(&self) -> String {
        let c = self;
        format!(
            "{} [{}] id {} ({} characters)\n\n{}",
            c.file.name, c.file.kind, c.file.id, c.characters, c.text
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote_sheet("It's Q4"), "'It''s Q4'");
    }
}
