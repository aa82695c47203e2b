//! `documents.batchUpdate` requests: `insertText`, `deleteContentRange`,
//! `replaceAllText`, `updateTextStyle`, `createParagraphBullets`,
//! `deleteParagraphBullets`, `updateParagraphStyle`; all or nothing, with
//! Google's validation messages.

use serde_json::{Value, json};

use super::flat::{Ch, Place, all_texts, char_index, segment, to_blocks, to_parts, width};
use super::model::Document;
use super::render::body_end;
use crate::api::ApiError;

struct Ctx<'a> {
    i: usize,
    kind: &'a str,
}

impl Ctx<'_> {
    fn err(&self, message: impl std::fmt::Display) -> ApiError {
        ApiError::invalid_argument(format!(
            "Invalid requests[{}].{}: {message}",
            self.i, self.kind
        ))
    }
}

fn tab_index(doc: &Document, tab_id: Option<&str>, ctx: &Ctx) -> Result<usize, ApiError> {
    match tab_id {
        None => Ok(0),
        Some(id) => doc
            .tabs
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| ctx.err(format!("The tab with ID {id} could not be found."))),
    }
}

fn index_of(value: &Value, name: &str, ctx: &Ctx) -> Result<usize, ApiError> {
    match &value[name] {
        Value::Null => Ok(0),
        v => v
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| ctx.err(format!("Invalid {name}."))),
    }
}

fn check_end(doc: &Document, tab: usize, index: usize, ctx: &Ctx) -> Result<(), ApiError> {
    let end = body_end(&doc.tabs[tab]);
    if index >= end {
        return Err(ctx.err(format!(
            "Index {index} must be less than the end index of the referenced segment, {end}."
        )));
    }
    Ok(())
}

/// Applies one request; answers its reply.
fn apply(doc: &mut Document, request: &Value, i: usize) -> Result<Value, ApiError> {
    let Some((kind, body)) = request.as_object().and_then(|o| o.iter().next()) else {
        return Err(ApiError::invalid_argument(format!(
            "Invalid requests[{i}]: empty request"
        )));
    };
    let ctx = Ctx { i, kind };
    match kind.as_str() {
        "insertText" => insert_text(doc, body, &ctx).map(|_| json!({})),
        "deleteContentRange" => delete_range(doc, body, &ctx).map(|_| json!({})),
        "replaceAllText" => replace_all(doc, body, &ctx),
        "updateTextStyle"
        | "createParagraphBullets"
        | "deleteParagraphBullets"
        | "updateParagraphStyle" => style_range(doc, body, &ctx).map(|_| json!({})),
        other => Err(ApiError::invalid_argument(format!(
            "Invalid requests[{i}]: the request kind {other} is not supported by this server."
        ))),
    }
}

fn insert_text(doc: &mut Document, body: &Value, ctx: &Ctx) -> Result<(), ApiError> {
    let text = body["text"].as_str().unwrap_or_default();
    let (tab, index) = if let Some(location) = body.get("location") {
        let tab = tab_index(doc, location["tabId"].as_str(), ctx)?;
        (tab, index_of(location, "index", ctx)?)
    } else if let Some(end) = body.get("endOfSegmentLocation") {
        let tab = tab_index(doc, end["tabId"].as_str(), ctx)?;
        (tab, body_end(&doc.tabs[tab]) - 1)
    } else {
        return Err(ctx.err("Must specify either location or endOfSegmentLocation."));
    };
    check_end(doc, tab, index, ctx)?;
    let mut parts = to_parts(&doc.tabs[tab]);
    let outside = || {
        ctx.err("The insertion index must be inside the bounds of an existing paragraph. You can still create new paragraphs by inserting newlines.")
    };
    if index == 0 {
        return Err(outside());
    }
    let seg = segment(&mut parts, index, index).map_err(|_| outside())?;
    let at = char_index(seg.text, index - seg.base)
        .ok_or_else(|| ctx.err("The insertion index cannot be inside a surrogate pair."))?;
    let before = at
        .checked_sub(1)
        .map(|b| seg.text[b].clone())
        .filter(|c| c.c != '\n');
    let para = seg.text[at..]
        .iter()
        .find(|c| c.c == '\n')
        .and_then(|c| c.para.clone());
    let chars: Vec<Ch> = text
        .replace("\r\n", "\n")
        .chars()
        .map(|c| Ch {
            c,
            bold: before.as_ref().is_some_and(|b| b.bold) && c != '\n',
            italic: before.as_ref().is_some_and(|b| b.italic) && c != '\n',
            link: before
                .as_ref()
                .and_then(|b| b.link.clone())
                .filter(|_| c != '\n'),
            para: (c == '\n').then(|| para.clone().unwrap_or(("NORMAL_TEXT".into(), None))),
        })
        .collect();
    seg.text.splice(at..at, chars);
    doc.tabs[tab].blocks = to_blocks(&parts);
    Ok(())
}

/// `(tab, start, end)` of a request's `range`, validated.
fn range(
    doc: &Document,
    body: &Value,
    ctx: &Ctx,
    allow_empty: bool,
) -> Result<(usize, usize, usize), ApiError> {
    let range = &body["range"];
    if !range.is_object() {
        return Err(ctx.err("Must specify a range."));
    }
    let tab = tab_index(doc, range["tabId"].as_str(), ctx)?;
    let start = index_of(range, "startIndex", ctx)?;
    let end = index_of(range, "endIndex", ctx)?;
    if end < start || (end == start && !allow_empty) {
        return Err(ctx.err(format!(
            "The range should not be empty. The start index {start} must be less than the end index {end}."
        )));
    }
    if start < 1 {
        return Err(ctx.err("The start index must be greater than or equal to 1."));
    }
    check_end(doc, tab, end.saturating_sub(1).max(start), ctx)?;
    if end > body_end(&doc.tabs[tab]) {
        return Err(ctx.err(format!(
            "Index {end} must be less than the end index of the referenced segment, {}.",
            body_end(&doc.tabs[tab])
        )));
    }
    Ok((tab, start, end))
}

fn place_error(place: Place, ctx: &Ctx) -> ApiError {
    match place {
        Place::Structure => {
            ctx.err("The range cannot include a table's structure; edit the cells' content.")
        }
        Place::Crossing => ctx.err("The range cannot cross from a table cell or into a table."),
    }
}

fn delete_range(doc: &mut Document, body: &Value, ctx: &Ctx) -> Result<(), ApiError> {
    let (tab, start, end) = range(doc, body, ctx, false)?;
    let mut parts = to_parts(&doc.tabs[tab]);
    let seg = segment(&mut parts, start, end).map_err(|p| place_error(p, ctx))?;
    if end - seg.base >= width(seg.text) {
        return Err(
            ctx.err("The range cannot include the newline character at the end of the segment.")
        );
    }
    let split = || ctx.err("The range cannot split a surrogate pair.");
    let a = char_index(seg.text, start - seg.base).ok_or_else(split)?;
    let b = char_index(seg.text, end - seg.base).ok_or_else(split)?;
    // The paragraph whose newline survives keeps its properties (as in Docs).
    seg.text.drain(a..b);
    doc.tabs[tab].blocks = to_blocks(&parts);
    Ok(())
}

fn replace_all(doc: &mut Document, body: &Value, ctx: &Ctx) -> Result<Value, ApiError> {
    let find = body["containsText"]["text"].as_str().unwrap_or_default();
    if find.is_empty() {
        return Err(ctx.err("The text to search for must not be empty."));
    }
    let case = body["containsText"]["matchCase"].as_bool().unwrap_or(false);
    let replace: Vec<char> = body["replaceText"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .collect();
    let only: Option<Vec<&str>> = body["tabsCriteria"]["tabIds"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_str).collect());
    let norm = |c: char| {
        if case {
            c
        } else {
            c.to_lowercase().next().unwrap_or(c)
        }
    };
    let needle: Vec<char> = find.chars().map(norm).collect();
    let mut count = 0;
    for tab in doc.tabs.iter_mut() {
        if only
            .as_ref()
            .is_some_and(|ids| !ids.contains(&tab.id.as_str()))
        {
            continue;
        }
        let mut parts = to_parts(tab);
        for text in all_texts(&mut parts) {
            let mut i = 0;
            while i + needle.len() <= text.len() {
                if text[i..i + needle.len()]
                    .iter()
                    .map(|c| norm(c.c))
                    .eq(needle.iter().copied())
                {
                    let style = text[i].clone();
                    let new: Vec<Ch> = replace
                        .iter()
                        .map(|&c| Ch {
                            c,
                            para: None,
                            ..style.clone()
                        })
                        .collect();
                    text.splice(i..i + needle.len(), new);
                    i += replace.len();
                    count += 1;
                } else {
                    i += 1;
                }
            }
        }
        tab.blocks = to_blocks(&parts);
    }
    Ok(json!({ "replaceAllText": { "occurrencesChanged": count } }))
}

fn style_range(doc: &mut Document, body: &Value, ctx: &Ctx) -> Result<(), ApiError> {
    let fields: Vec<&str> = body["fields"]
        .as_str()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let needs_fields = matches!(ctx.kind, "updateTextStyle" | "updateParagraphStyle");
    if needs_fields && fields.is_empty() {
        return Err(ctx.err(
            "At least one field must be listed in 'fields'. (Use '*' to indicate all fields.)",
        ));
    }
    let (tab, start, end) = range(doc, body, ctx, false)?;
    let mut parts = to_parts(&doc.tabs[tab]);
    let seg = segment(&mut parts, start, end).map_err(|p| place_error(p, ctx))?;
    let split = || ctx.err("The range cannot split a surrogate pair.");
    let a = char_index(seg.text, start - seg.base).ok_or_else(split)?;
    let b = char_index(seg.text, (end - seg.base).min(width(seg.text))).ok_or_else(split)?;
    let mut numbered = None;
    let all = fields.contains(&"*");
    let has = |f: &str| all || fields.contains(&f);
    match ctx.kind {
        "updateTextStyle" => {
            let style = &body["textStyle"];
            for ch in seg.text[a..b].iter_mut().filter(|c| c.c != '\n') {
                if has("bold") {
                    ch.bold = style["bold"].as_bool().unwrap_or(false);
                }
                if has("italic") {
                    ch.italic = style["italic"].as_bool().unwrap_or(false);
                }
                if has("link") {
                    ch.link = style["link"]["url"].as_str().map(str::to_string);
                }
            }
        }
        kind => {
            // Every paragraph the range touches: up to the newline ending the last one.
            let first = seg.text[..a]
                .iter()
                .rposition(|c| c.c == '\n')
                .map_or(0, |p| p + 1);
            let last = seg.text[b.saturating_sub(1).max(a)..]
                .iter()
                .position(|c| c.c == '\n')
                .map(|p| p + b.saturating_sub(1).max(a))
                .unwrap_or(seg.text.len() - 1);
            let list = format!(
                "kix.{:x}",
                crate::seed::hash(&doc.id, &format!("list{start}{end}")) % 0xffff_ffff
            );
            let named = body["paragraphStyle"]["namedStyleType"]
                .as_str()
                .map(str::to_string);
            if kind == "updateParagraphStyle" && has("namedStyleType") {
                let Some(named) = &named else {
                    return Err(ctx.err("namedStyleType must be set when listed in fields."));
                };
                const STYLES: &[&str] = &[
                    "NORMAL_TEXT",
                    "TITLE",
                    "SUBTITLE",
                    "HEADING_1",
                    "HEADING_2",
                    "HEADING_3",
                    "HEADING_4",
                    "HEADING_5",
                    "HEADING_6",
                ];
                if !STYLES.contains(&named.as_str()) {
                    return Err(ctx.err(format!("Invalid namedStyleType: {named}")));
                }
            }
            if kind == "createParagraphBullets"
                && body["bulletPreset"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("NUMBERED"))
            {
                numbered = Some(list.clone());
            }
            for ch in seg.text[first..=last].iter_mut().filter(|c| c.c == '\n') {
                let para = ch.para.get_or_insert(("NORMAL_TEXT".into(), None));
                match kind {
                    "createParagraphBullets" => para.1 = Some(list.clone()),
                    "deleteParagraphBullets" => para.1 = None,
                    _ => {
                        if let Some(named) = &named
                            && has("namedStyleType")
                        {
                            para.0 = named.clone();
                        }
                    }
                }
            }
        }
    }
    doc.tabs[tab].blocks = to_blocks(&parts);
    if let Some(list) = numbered {
        doc.numbered.insert(list);
    }
    Ok(())
}

/// Applies every request or none; answers the replies.
pub fn batch_update(doc: &mut Document, requests: &[Value]) -> Result<Vec<Value>, ApiError> {
    let original = doc.clone();
    let mut replies = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        match apply(doc, request, i) {
            Ok(reply) => replies.push(reply),
            Err(e) => {
                *doc = original;
                return Err(e);
            }
        }
    }
    doc.revision += 1;
    Ok(replies)
}
