//! A document as the Docs API answers it: structural elements with UTF-16
//! `startIndex`/`endIndex`, paragraphs with text runs, tables, lists.

use serde_json::{Map, Value, json};

use super::model::{Block, Document, Paragraph, Run, Tab};

/// Length in UTF-16 code units, the unit of every Docs index.
pub fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Width of a paragraph (its text and the closing newline).
pub fn paragraph_len(p: &Paragraph) -> usize {
    p.runs.iter().map(|r| utf16(&r.text)).sum::<usize>() + 1
}

/// Width of a table: start marker, rows (marker, cells (marker, content)), end marker.
pub fn table_len(rows: &[Vec<Paragraph>]) -> usize {
    2 + rows
        .iter()
        .map(|row| 1 + row.iter().map(|c| 1 + paragraph_len(c)).sum::<usize>())
        .sum::<usize>()
}

pub fn block_len(block: &Block) -> usize {
    match block {
        Block::Paragraph(p) => paragraph_len(p),
        Block::Table(rows) => table_len(rows),
    }
}

/// The end index of a tab's body (its last valid index is one less).
pub fn body_end(tab: &Tab) -> usize {
    1 + tab.blocks.iter().map(block_len).sum::<usize>()
}

fn text_style(run: &Run) -> Value {
    let mut style = Map::new();
    if run.bold {
        style.insert("bold".into(), json!(true));
    }
    if run.italic {
        style.insert("italic".into(), json!(true));
    }
    if let Some(url) = &run.link {
        style.insert("link".into(), json!({ "url": url }));
        style.insert("underline".into(), json!(true));
        style.insert(
            "foregroundColor".into(),
            json!({ "color": { "rgbColor": { "red": 0.06666667, "green": 0.33333334, "blue": 0.8 } } }),
        );
    }
    Value::Object(style)
}

fn paragraph(p: &Paragraph, start: usize) -> Value {
    let mut elements = Vec::new();
    let mut at = start;
    let last = p.runs.len().saturating_sub(1);
    for (i, run) in p.runs.iter().enumerate() {
        let content = if i == last {
            format!("{}\n", run.text)
        } else {
            run.text.clone()
        };
        let end = at + utf16(&content);
        elements.push(json!({
            "startIndex": at, "endIndex": end,
            "textRun": { "content": content, "textStyle": text_style(run) },
        }));
        at = end;
    }
    if p.runs.is_empty() {
        elements.push(json!({
            "startIndex": at, "endIndex": at + 1,
            "textRun": { "content": "\n", "textStyle": {} },
        }));
    }
    let mut style = json!({ "namedStyleType": p.style, "direction": "LEFT_TO_RIGHT" });
    if p.style.starts_with("HEADING_") || p.style == "TITLE" {
        style["headingId"] = json!(format!(
            "h.{:x}",
            crate::seed::hash(&p.text(), &p.style) % 0xffff_ffff
        ));
    }
    let mut out = json!({ "elements": elements, "paragraphStyle": style });
    if let Some(list) = &p.bullet {
        out["bullet"] = json!({ "listId": list, "textStyle": {} });
    }
    out
}

fn content(blocks: &[Block]) -> Vec<Value> {
    let mut out = vec![json!({
        "endIndex": 1,
        "sectionBreak": { "sectionStyle": { "columnSeparatorStyle": "NONE", "contentDirection": "LEFT_TO_RIGHT", "sectionType": "CONTINUOUS" } },
    })];
    let mut at = 1;
    for block in blocks {
        let len = block_len(block);
        match block {
            Block::Paragraph(p) => out.push(json!({
                "startIndex": at, "endIndex": at + len, "paragraph": paragraph(p, at),
            })),
            Block::Table(rows) => {
                let mut row_at = at + 1;
                let table_rows: Vec<Value> = rows
                    .iter()
                    .map(|row| {
                        let row_start = row_at;
                        let mut cell_at = row_at + 1;
                        let cells: Vec<Value> = row
                            .iter()
                            .map(|cell| {
                                let cell_start = cell_at;
                                let p_len = paragraph_len(cell);
                                cell_at += 1 + p_len;
                                json!({
                                    "startIndex": cell_start, "endIndex": cell_at,
                                    "content": [{ "startIndex": cell_start + 1, "endIndex": cell_at, "paragraph": paragraph(cell, cell_start + 1) }],
                                    "tableCellStyle": { "rowSpan": 1, "columnSpan": 1 },
                                })
                            })
                            .collect();
                        row_at = cell_at;
                        json!({ "startIndex": row_start, "endIndex": row_at, "tableCells": cells })
                    })
                    .collect();
                out.push(json!({
                    "startIndex": at, "endIndex": at + len,
                    "table": { "rows": rows.len(), "columns": rows.first().map_or(0, Vec::len), "tableRows": table_rows },
                }));
            }
        }
        at += len;
    }
    out
}

fn lists(tab: &Tab, numbered: &std::collections::BTreeSet<String>) -> Value {
    let mut out = Map::new();
    for block in &tab.blocks {
        if let Block::Paragraph(Paragraph {
            bullet: Some(id), ..
        }) = block
        {
            let mut level = json!({
                "bulletAlignment": "START", "glyphSymbol": "●", "glyphFormat": "%0",
                "indentFirstLine": { "magnitude": 18, "unit": "PT" }, "indentStart": { "magnitude": 36, "unit": "PT" },
                "startNumber": 1,
            });
            if numbered.contains(id) {
                level["glyphType"] = json!("DECIMAL");
                level["glyphFormat"] = json!("%0.");
                level.as_object_mut().map(|o| o.remove("glyphSymbol"));
            }
            out.insert(
                id.clone(),
                json!({ "listProperties": { "nestingLevels": [level] } }),
            );
        }
    }
    Value::Object(out)
}

fn document_style() -> Value {
    json!({
        "pageSize": { "height": { "magnitude": 792, "unit": "PT" }, "width": { "magnitude": 612, "unit": "PT" } },
        "marginTop": { "magnitude": 72, "unit": "PT" }, "marginBottom": { "magnitude": 72, "unit": "PT" },
        "marginLeft": { "magnitude": 72, "unit": "PT" }, "marginRight": { "magnitude": 72, "unit": "PT" },
    })
}

/// The `Document` resource; with `tabs`, every tab under `tabs[]` and no top-level body.
pub fn document(doc: &Document, tabs: bool) -> Value {
    let mut out = json!({
        "documentId": doc.id,
        "title": doc.title,
        "revisionId": revision_id(doc),
        "suggestionsViewMode": "SUGGESTIONS_INLINE",
    });
    if tabs {
        out["tabs"] = json!(
            doc.tabs
                .iter()
                .enumerate()
                .map(|(i, tab)| json!({
                    "tabProperties": { "tabId": tab.id, "title": tab.title, "index": i },
                    "documentTab": {
                        "body": { "content": content(&tab.blocks) },
                        "documentStyle": document_style(),
                        "lists": lists(tab, &doc.numbered),
                    },
                }))
                .collect::<Vec<_>>()
        );
    } else if let Some(tab) = doc.tabs.first() {
        out["body"] = json!({ "content": content(&tab.blocks) });
        out["documentStyle"] = document_style();
        out["lists"] = lists(tab, &doc.numbered);
    }
    out
}

pub fn revision_id(doc: &Document) -> String {
    format!(
        "ALm37B{:x}_{}",
        crate::seed::hash(&doc.id, "rev") % 0xffff_ffff,
        doc.revision
    )
}
