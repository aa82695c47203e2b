//! A Docs API `Document` rendered as Markdown: every tab (child tabs too),
//! headings, bulleted and numbered lists with nesting, tables, links, bold,
//! italic and strikethrough.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

/// One tab of a document, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabText {
    pub id: String,
    pub title: String,
    /// Nesting depth (0 for a top-level tab).
    pub depth: usize,
    pub markdown: String,
}

/// Every tab of a document fetched with `includeTabsContent=true`, in order
/// (a document fetched without tabs answers as one untitled tab).
pub fn tabs(doc: &Value) -> Vec<TabText> {
    let mut out = Vec::new();
    match doc["tabs"].as_array() {
        Some(tabs) => collect(tabs, 0, &mut out),
        None => out.push(TabText {
            id: String::new(),
            title: String::new(),
            depth: 0,
            markdown: body(&doc["body"], &doc["lists"]),
        }),
    }
    out
}

fn collect(tabs: &[Value], depth: usize, out: &mut Vec<TabText>) {
    for tab in tabs {
        let props = &tab["tabProperties"];
        let dt = &tab["documentTab"];
        out.push(TabText {
            id: props["tabId"].as_str().unwrap_or_default().to_owned(),
            title: props["title"].as_str().unwrap_or_default().to_owned(),
            depth,
            markdown: body(&dt["body"], &dt["lists"]),
        });
        if let Some(children) = tab["childTabs"].as_array() {
            collect(children, depth + 1, out);
        }
    }
}

/// Escapes the characters Markdown would read as formatting.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        match c {
            '\\' | '*' | '`' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            // An underscore inside a word (snake_case) is not emphasis.
            '_' if !(word(i.checked_sub(1)) && word(Some(i + 1))) => out.push_str("\\_"),
            _ => out.push(c),
        }
    }
    out
}

/// A plain paragraph that would read as a heading, list item or quote gets
/// its first character escaped.
fn escape_block_start(text: String) -> String {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let numbered = digits > 0 && text[digits..].starts_with(['.', ')']);
    if text.starts_with(['#', '>', '-', '+']) || numbered {
        let at = if numbered { digits } else { 0 };
        format!("{}\\{}", &text[..at], &text[at..])
    } else {
        text
    }
}

#[derive(Default, Clone, PartialEq, Eq)]
struct Style {
    bold: bool,
    italic: bool,
    strike: bool,
    link: Option<String>,
}

fn style_of(text_style: &Value) -> Style {
    Style {
        bold: text_style["bold"].as_bool().unwrap_or(false),
        italic: text_style["italic"].as_bool().unwrap_or(false),
        strike: text_style["strikethrough"].as_bool().unwrap_or(false),
        link: text_style["link"]["url"]
            .as_str()
            .or(text_style["link"]["headingId"].as_str().map(|_| "#"))
            .map(str::to_owned),
    }
}

/// Wraps `text` in the style's markers, keeping surrounding spaces outside them.
fn styled(text: &str, style: &Style) -> String {
    let core = text.trim();
    if core.is_empty() {
        return text.to_owned();
    }
    let lead = &text[..text.len() - text.trim_start().len()];
    let trail = &text[text.trim_end().len()..];
    let mut inner = escape(core);
    if style.strike {
        inner = format!("~~{inner}~~");
    }
    match (style.bold, style.italic) {
        (true, true) => inner = format!("***{inner}***"),
        (true, false) => inner = format!("**{inner}**"),
        (false, true) => inner = format!("*{inner}*"),
        _ => {}
    }
    if let Some(url) = &style.link {
        inner = format!("[{inner}]({url})");
    }
    format!("{lead}{inner}{trail}")
}

/// The inline text of a paragraph, with formatting, without its closing newline.
fn inline(paragraph: &Value) -> String {
    let mut runs: Vec<(String, Style)> = Vec::new();
    for el in paragraph["elements"].as_array().into_iter().flatten() {
        let (text, style) = if let Some(run) = el.get("textRun") {
            let content = run["content"].as_str().unwrap_or_default();
            // Vertical tab: a line break inside the paragraph.
            let content = content.replace('\n', "").replace('\u{000b}', "  \n");
            (content, style_of(&run["textStyle"]))
        } else if let Some(p) = el.get("person") {
            let props = &p["personProperties"];
            let name = props["name"]
                .as_str()
                .or(props["email"].as_str())
                .unwrap_or("someone");
            let link = props["email"].as_str().map(|e| format!("mailto:{e}"));
            (
                name.to_owned(),
                Style {
                    link,
                    ..Style::default()
                },
            )
        } else if let Some(r) = el.get("richLink") {
            let props = &r["richLinkProperties"];
            (
                props["title"].as_str().unwrap_or("link").to_owned(),
                Style {
                    link: props["uri"].as_str().map(str::to_owned),
                    ..Style::default()
                },
            )
        } else if el.get("inlineObjectElement").is_some() {
            ("[image]".to_owned(), Style::default())
        } else if el.get("footnoteReference").is_some() {
            let n = el["footnoteReference"]["footnoteNumber"]
                .as_str()
                .unwrap_or("*");
            (format!("[^{n}]"), Style::default())
        } else if el.get("horizontalRule").is_some() {
            ("---".to_owned(), Style::default())
        } else {
            continue;
        };
        match runs.last_mut() {
            Some((t, s)) if *s == style => t.push_str(&text),
            _ => runs.push((text, style)),
        }
    }
    let mut out = String::new();
    for (text, style) in &runs {
        if text.contains("  \n") {
            let pieces: Vec<String> = text.split("  \n").map(|p| styled(p, style)).collect();
            out.push_str(&pieces.join("  \n"));
        } else {
            out.push_str(&styled(text, style));
        }
    }
    out.trim_end().to_owned()
}

/// Whether a list level numbers its items (a glyph type) or bullets them (a symbol).
fn ordered(lists: &Value, list_id: &str, level: usize) -> bool {
    let nesting = &lists[list_id]["listProperties"]["nestingLevels"][level];
    match nesting["glyphType"].as_str() {
        Some(t) => !matches!(t, "GLYPH_TYPE_UNSPECIFIED" | "NONE"),
        None => false,
    }
}

struct Blocks<'a> {
    lists: &'a Value,
    out: Vec<String>,
    /// Counters of numbered lists: (list id, level) → next number.
    counters: HashMap<(String, usize), usize>,
    /// The list of the previous block, when it was a list item (items of
    /// one list stay on consecutive lines).
    in_list: Option<String>,
}

impl Blocks<'_> {
    fn paragraph(&mut self, p: &Value) {
        let text = inline(p);
        let style = p["paragraphStyle"]["namedStyleType"]
            .as_str()
            .unwrap_or("NORMAL_TEXT");
        if let Some(bullet) = p.get("bullet") {
            let list = bullet["listId"].as_str().unwrap_or_default().to_owned();
            let level = bullet["nestingLevel"].as_u64().unwrap_or(0) as usize;
            let marker = if ordered(self.lists, &list, level) {
                let n = self.counters.entry((list.clone(), level)).or_insert(1);
                let m = format!("{n}.");
                *n += 1;
                // A deeper level restarts when its parent moves on.
                self.counters
                    .retain(|(l, lv), _| *l != list || *lv <= level);
                m
            } else {
                "-".to_owned()
            };
            let line = format!("{}{marker} {text}", "    ".repeat(level));
            match self.out.last_mut() {
                Some(prev) if self.in_list.as_deref() == Some(list.as_str()) => {
                    prev.push('\n');
                    prev.push_str(&line);
                }
                _ => self.out.push(line),
            }
            self.in_list = Some(list);
            return;
        }
        self.in_list = None;
        self.counters.clear();
        if text.is_empty() {
            return;
        }
        let line = match style {
            "TITLE" => format!("# {text}"),
            "SUBTITLE" => format!("*{}*", text.trim_matches('*')),
            s => match s
                .strip_prefix("HEADING_")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) => format!("{} {text}", "#".repeat(n.clamp(1, 6))),
                None => escape_block_start(text),
            },
        };
        self.out.push(line);
    }

    fn table(&mut self, table: &Value) {
        self.in_list = None;
        let mut rows: Vec<Vec<String>> = Vec::new();
        for row in table["tableRows"].as_array().into_iter().flatten() {
            let cells = row["tableCells"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|cell| {
                    let parts: Vec<String> = cell["content"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c.get("paragraph").map(inline))
                        .filter(|t| !t.is_empty())
                        .collect();
                    parts.join("<br>").replace('|', "\\|")
                })
                .collect();
            rows.push(cells);
        }
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        if width == 0 {
            return;
        }
        let mut text = String::new();
        for (i, row) in rows.iter().enumerate() {
            let mut cells = row.clone();
            cells.resize(width, String::new());
            let _ = writeln!(text, "| {} |", cells.join(" | "));
            if i == 0 {
                let _ = writeln!(text, "|{}", " --- |".repeat(width));
            }
        }
        self.out.push(text.trim_end().to_owned());
    }

    fn content(&mut self, content: &Value) {
        for el in content.as_array().into_iter().flatten() {
            if let Some(p) = el.get("paragraph") {
                self.paragraph(p);
            } else if let Some(t) = el.get("table") {
                self.table(t);
            } else if el.get("tableOfContents").is_some() {
                self.in_list = None;
            }
        }
    }
}

/// A body's structural elements as Markdown (blocks separated by blank lines).
pub fn body(body: &Value, lists: &Value) -> String {
    let mut b = Blocks {
        lists,
        out: Vec::new(),
        counters: HashMap::new(),
        in_list: None,
    };
    b.content(&body["content"]);
    let mut text = b.out.join("\n\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// The document as one Markdown text; with several tabs, each starts with a
/// `<!-- tab: … -->` marker line.
pub fn join(tabs: &[TabText]) -> String {
    if tabs.len() == 1 {
        return tabs[0].markdown.clone();
    }
    let mut out = String::new();
    for t in tabs {
        let _ = writeln!(out, "<!-- tab: {} (id {}) -->\n", t.title, t.id);
        out.push_str(&t.markdown);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn para(style: &str, runs: Value) -> Value {
        json!({"paragraph": {"elements": runs, "paragraphStyle": {"namedStyleType": style}}})
    }

    fn run(text: &str, style: Value) -> Value {
        json!({"textRun": {"content": text, "textStyle": style}})
    }

    #[test]
    fn headings_runs_links_and_escapes() {
        let body = json!({"content": [
            {"sectionBreak": {}},
            para("HEADING_2", json!([run("Plan\n", json!({}))])),
            para("NORMAL_TEXT", json!([
                run("Ship ", json!({})),
                run("now ", json!({"bold": true})),
                run("see docs", json!({"italic": true, "link": {"url": "https://e.x/a"}})),
                run(" a*b snake_case _x\n", json!({})),
            ])),
        ]});
        assert_eq!(
            super::body(&body, &json!({})),
            "## Plan\n\nShip **now** [*see docs*](https://e.x/a) a\\*b snake_case \\_x\n"
        );
    }

    #[test]
    fn lists_number_and_nest() {
        let lists = json!({
            "n": {"listProperties": {"nestingLevels": [{"glyphType": "DECIMAL"}, {"glyphType": "ALPHA"}]}},
            "b": {"listProperties": {"nestingLevels": [{"glyphSymbol": "●"}]}},
        });
        let item = |list: &str, level: u64, text: &str| json!({"paragraph": {"elements": [run(text, json!({}))], "bullet": {"listId": list, "nestingLevel": level}, "paragraphStyle": {"namedStyleType": "NORMAL_TEXT"}}});
        let body = json!({"content": [
            item("n", 0, "one\n"), item("n", 1, "sub\n"), item("n", 0, "two\n"),
            para("NORMAL_TEXT", json!([run("\n", json!({}))])),
            item("b", 0, "dot\n"),
        ]});
        assert_eq!(
            super::body(&body, &lists),
            "1. one\n    1. sub\n2. two\n\n- dot\n"
        );
    }

    #[test]
    fn tables_become_pipe_tables() {
        let cell = |t: &str| json!({"content": [para("NORMAL_TEXT", json!([run(t, json!({}))]))]});
        let body = json!({"content": [{"table": {"tableRows": [
            {"tableCells": [cell("Name\n"), cell("Role\n")]},
            {"tableCells": [cell("Ann|B\n"), cell("Lead\n")]},
        ]}}]});
        assert_eq!(
            super::body(&body, &json!({})),
            "| Name | Role |\n| --- | --- |\n| Ann\\|B | Lead |\n"
        );
    }

    #[test]
    fn child_tabs_are_listed_in_order() {
        let doc = json!({"tabs": [
            {"tabProperties": {"tabId": "t.0", "title": "One"}, "documentTab": {"body": {"content": [para("NORMAL_TEXT", json!([run("a\n", json!({}))]))]}},
             "childTabs": [{"tabProperties": {"tabId": "t.1", "title": "Child"}, "documentTab": {"body": {"content": []}}}]},
        ]});
        let t = tabs(&doc);
        assert_eq!(t.len(), 2);
        assert_eq!((t[1].title.as_str(), t[1].depth), ("Child", 1));
        assert!(join(&t).contains("<!-- tab: Child (id t.1) -->"));
    }
}
