//! Markdown turned into Docs API `batchUpdate` requests: one `insertText`,
//! then paragraph styles (headings), bullets (bulleted and numbered lists)
//! and text styles (bold, italic, strikethrough, links), all addressed in
//! UTF-16 code units as the Docs API counts them.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value, json};

/// Length in UTF-16 code units, the unit of every Docs index.
pub fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub link: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Bullet,
    Numbered,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Para {
    /// 1–6 for a heading.
    pub heading: Option<u8>,
    pub list: Option<ListKind>,
    pub spans: Vec<Span>,
}

impl Para {
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

#[derive(Default)]
struct Builder {
    paras: Vec<Para>,
    current: Option<Para>,
    bold: usize,
    italic: usize,
    strike: usize,
    links: Vec<String>,
    lists: Vec<ListKind>,
    heading: Option<u8>,
    /// Inside an item whose first paragraph was already started.
    item_open: bool,
    /// Cells of the table row being read.
    row: Option<Vec<String>>,
    cell: Option<String>,
}

impl Builder {
    fn start(&mut self) {
        self.finish();
        let list = if self.item_open {
            None
        } else {
            self.lists.last().copied()
        };
        self.item_open = self.item_open || list.is_some();
        self.current = Some(Para {
            heading: self.heading,
            list,
            spans: Vec::new(),
        });
    }

    fn finish(&mut self) {
        if let Some(p) = self.current.take()
            && (!p.text().trim().is_empty() || p.list.is_some())
        {
            self.paras.push(p);
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(cell) = &mut self.cell {
            cell.push_str(text);
            return;
        }
        if self.current.is_none() {
            self.start();
        }
        let span = Span {
            text: text.replace(['\n', '\r'], " "),
            bold: self.bold > 0,
            italic: self.italic > 0,
            strike: self.strike > 0,
            link: self.links.last().cloned(),
        };
        let p = self.current.as_mut().expect("started");
        match p.spans.last_mut() {
            Some(last)
                if (last.bold, last.italic, last.strike, &last.link)
                    == (span.bold, span.italic, span.strike, &span.link) =>
            {
                last.text.push_str(&span.text);
            }
            _ => p.spans.push(span),
        }
    }
}

/// The paragraphs a Markdown text makes. Nested list items become items of
/// their list's level; code blocks, quotes and table rows become plain paragraphs.
pub fn parse(markdown: &str) -> Vec<Para> {
    let mut b = Builder::default();
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                b.heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                });
                b.start();
            }
            Event::End(TagEnd::Heading(_)) => {
                b.finish();
                b.heading = None;
            }
            // An item's first paragraph is the item itself.
            Event::Start(Tag::Paragraph)
                if b.item_open && b.current.as_ref().is_some_and(|p| p.spans.is_empty()) => {}
            Event::Start(Tag::Paragraph) => b.start(),
            Event::End(TagEnd::Paragraph) => b.finish(),
            Event::Start(Tag::List(first)) => {
                b.finish();
                b.item_open = false;
                b.lists.push(if first.is_some() {
                    ListKind::Numbered
                } else {
                    ListKind::Bullet
                });
            }
            Event::End(TagEnd::List(_)) => {
                b.finish();
                b.lists.pop();
                b.item_open = false;
            }
            Event::Start(Tag::Item) => {
                b.item_open = false;
                b.start();
            }
            Event::End(TagEnd::Item) => {
                b.finish();
                b.item_open = false;
            }
            Event::Start(Tag::CodeBlock(_)) => b.finish(),
            Event::End(TagEnd::CodeBlock) => b.finish(),
            Event::Start(Tag::Emphasis) => b.italic += 1,
            Event::End(TagEnd::Emphasis) => b.italic = b.italic.saturating_sub(1),
            Event::Start(Tag::Strong) => b.bold += 1,
            Event::End(TagEnd::Strong) => b.bold = b.bold.saturating_sub(1),
            Event::Start(Tag::Strikethrough) => b.strike += 1,
            Event::End(TagEnd::Strikethrough) => b.strike = b.strike.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => b.links.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                b.links.pop();
            }
            Event::Start(Tag::TableRow) | Event::Start(Tag::TableHead) => {
                b.finish();
                b.row = Some(Vec::new());
            }
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => {
                if let Some(row) = b.row.take() {
                    b.start();
                    b.text(&row.join(" | "));
                    b.finish();
                }
            }
            Event::Start(Tag::TableCell) => b.cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(cell), Some(row)) = (b.cell.take(), b.row.as_mut()) {
                    row.push(cell.trim().to_owned());
                }
            }
            Event::Text(t) => {
                // A code block's lines are paragraphs of their own.
                let mut lines = t.split('\n').peekable();
                let multi = t.trim_end_matches('\n').contains('\n') || t.ends_with('\n');
                if multi && b.cell.is_none() {
                    while let Some(line) = lines.next() {
                        if line.is_empty() && lines.peek().is_none() {
                            break;
                        }
                        b.start();
                        b.text(line);
                        b.finish();
                    }
                } else {
                    b.text(&t);
                }
            }
            Event::Code(t) => b.text(&t),
            Event::SoftBreak => b.text(" "),
            Event::HardBreak => {
                // A line break ends the paragraph; the rest continues the
                // heading, or follows a list item as a plain paragraph.
                let heading = b.current.as_ref().and_then(|p| p.heading);
                b.finish();
                b.current = Some(Para {
                    heading,
                    list: None,
                    spans: Vec::new(),
                });
            }
            Event::Rule => {
                b.finish();
            }
            _ => {}
        }
    }
    b.finish();
    b.paras
}

/// Text and requests inserting `paras` at `index` of a tab.
pub struct Insertion {
    pub text: String,
    pub requests: Vec<Value>,
}

fn range(start: usize, end: usize, tab: Option<&str>) -> Value {
    let mut r = json!({ "startIndex": start, "endIndex": end });
    if let Some(t) = tab {
        r["tabId"] = json!(t);
    }
    r
}

/// Requests inserting `paras` at `index` (UTF-16). `lead` puts a newline
/// before them (when inserting at the end of a non-empty paragraph), `trail`
/// after them (when inserting at the start of an existing paragraph).
pub fn insertion(
    paras: &[Para],
    index: usize,
    tab: Option<&str>,
    lead: bool,
    trail: bool,
) -> Insertion {
    let mut text = String::new();
    if lead {
        text.push('\n');
    }
    // (start, end) of each paragraph's text; its newline is at `end`.
    let mut spans_at = Vec::new();
    let mut at = index + utf16(&text);
    for (i, p) in paras.iter().enumerate() {
        let t = p.text();
        let start = at;
        at += utf16(&t);
        spans_at.push((start, at));
        text.push_str(&t);
        if i + 1 < paras.len() || trail {
            text.push('\n');
        }
        at += 1;
    }
    if paras.is_empty() {
        return Insertion {
            text: String::new(),
            requests: Vec::new(),
        };
    }
    let mut location = json!({ "index": index });
    if let Some(t) = tab {
        location["tabId"] = json!(t);
    }
    let mut requests = vec![json!({ "insertText": { "location": location, "text": text } })];
    let first = spans_at[0].0;
    let last_end = spans_at[spans_at.len() - 1].1;
    requests.push(json!({ "updateParagraphStyle": {
        "range": range(first, last_end + 1, tab),
        "paragraphStyle": { "namedStyleType": "NORMAL_TEXT" },
        "fields": "namedStyleType",
    }}));
    requests
        .push(json!({ "deleteParagraphBullets": { "range": range(first, last_end + 1, tab) } }));
    if last_end > first {
        requests.push(json!({ "updateTextStyle": {
            "range": range(first, last_end, tab),
            "textStyle": {},
            "fields": "bold,italic,strikethrough,link",
        }}));
    }
    for (p, &(start, end)) in paras.iter().zip(&spans_at) {
        if let Some(level) = p.heading {
            requests.push(json!({ "updateParagraphStyle": {
                "range": range(start, end + 1, tab),
                "paragraphStyle": { "namedStyleType": format!("HEADING_{level}") },
                "fields": "namedStyleType",
            }}));
        }
    }
    // One list per run of consecutive items of one kind.
    let mut i = 0;
    while i < paras.len() {
        let Some(kind) = paras[i].list else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j + 1 < paras.len() && paras[j + 1].list == Some(kind) {
            j += 1;
        }
        let preset = match kind {
            ListKind::Bullet => "BULLET_DISC_CIRCLE_SQUARE",
            ListKind::Numbered => "NUMBERED_DECIMAL_ALPHA_ROMAN",
        };
        requests.push(json!({ "createParagraphBullets": {
            "range": range(spans_at[i].0, spans_at[j].1 + 1, tab),
            "bulletPreset": preset,
        }}));
        i = j + 1;
    }
    for (p, &(start, _)) in paras.iter().zip(&spans_at) {
        let mut at = start;
        for s in &p.spans {
            let len = utf16(&s.text);
            if len > 0 && (s.bold || s.italic || s.strike || s.link.is_some()) {
                let mut style = Map::new();
                let mut fields = Vec::new();
                for (on, name) in [
                    (s.bold, "bold"),
                    (s.italic, "italic"),
                    (s.strike, "strikethrough"),
                ] {
                    if on {
                        style.insert(name.into(), json!(true));
                        fields.push(name);
                    }
                }
                if let Some(url) = &s.link {
                    style.insert("link".into(), json!({ "url": url }));
                    fields.push("link");
                }
                requests.push(json!({ "updateTextStyle": {
                    "range": range(at, at + len, tab),
                    "textStyle": style,
                    "fields": fields.join(","),
                }}));
            }
            at += len;
        }
    }
    Insertion { text, requests }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_structure_is_read() {
        let paras = parse(
            "# Title\n\nSome **bold** and *it* with [a link](https://e.x).\n\n- one\n- two\n\n1. first\n2. second\n\n```\ncode line\nsecond line\n```\n",
        );
        let summary: Vec<(Option<u8>, Option<ListKind>, String)> = paras
            .iter()
            .map(|p| (p.heading, p.list, p.text()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Some(1), None, "Title".into()),
                (None, None, "Some bold and it with a link.".into()),
                (None, Some(ListKind::Bullet), "one".into()),
                (None, Some(ListKind::Bullet), "two".into()),
                (None, Some(ListKind::Numbered), "first".into()),
                (None, Some(ListKind::Numbered), "second".into()),
                (None, None, "code line".into()),
                (None, None, "second line".into()),
            ]
        );
        let spans = &paras[1].spans;
        assert!(spans.iter().any(|s| s.bold && s.text == "bold"));
        assert!(spans.iter().any(|s| s.italic && s.text == "it"));
        assert!(
            spans
                .iter()
                .any(|s| s.link.as_deref() == Some("https://e.x") && s.text == "a link")
        );
    }

    #[test]
    fn indexes_count_utf16_units() {
        // 😀 is two UTF-16 units; é is one.
        let paras = parse("😀 **é**\n\nnext");
        let ins = insertion(&paras, 1, Some("t.0"), false, false);
        assert_eq!(ins.text, "😀 é\nnext");
        let bold = ins
            .requests
            .iter()
            .find(|r| r["updateTextStyle"]["textStyle"]["bold"] == true)
            .expect("a bold request");
        assert_eq!(bold["updateTextStyle"]["range"]["startIndex"], 4);
        assert_eq!(bold["updateTextStyle"]["range"]["endIndex"], 5);
        assert_eq!(bold["updateTextStyle"]["range"]["tabId"], "t.0");
    }

    #[test]
    fn lead_and_trail_newlines_shift_ranges() {
        let paras = parse("## H");
        let ins = insertion(&paras, 10, None, true, true);
        assert_eq!(ins.text, "\nH\n");
        let heading = ins
            .requests
            .iter()
            .find(|r| r["updateParagraphStyle"]["paragraphStyle"]["namedStyleType"] == "HEADING_2")
            .unwrap();
        assert_eq!(heading["updateParagraphStyle"]["range"]["startIndex"], 11);
        assert_eq!(heading["updateParagraphStyle"]["range"]["endIndex"], 13);
    }

    #[test]
    fn nothing_to_insert_makes_no_requests() {
        assert!(
            insertion(&parse("  \n\n"), 1, None, false, false)
                .requests
                .is_empty()
        );
    }
}
