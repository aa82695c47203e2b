//! `files.export` renderings of native files: Docs as Markdown, plain text or
//! HTML, Sheets as CSV of the first sheet, Slides as plain text.

use crate::docs::model::{Block, Document, Paragraph, Run};
use crate::pages::escape;

fn md_run(run: &Run) -> String {
    let mut text = run.text.clone();
    if text.trim().is_empty() {
        return text;
    }
    if run.bold && run.italic {
        text = format!("***{text}***");
    } else if run.bold {
        text = format!("**{text}**");
    } else if run.italic {
        text = format!("*{text}*");
    }
    match &run.link {
        Some(url) => format!("[{text}]({url})"),
        None => text,
    }
}

fn md_paragraph(p: &Paragraph) -> String {
    let text: String = p.runs.iter().map(md_run).collect();
    if let Some(level) = p.style.strip_prefix("HEADING_") {
        let n: usize = level.parse().unwrap_or(1);
        return format!("{} {text}", "#".repeat(n));
    }
    if p.style == "TITLE" {
        return format!("# {text}");
    }
    if p.bullet.is_some() {
        return format!("* {text}");
    }
    text
}

/// Google's Markdown export: one block per paragraph, tables as pipe tables.
pub fn markdown(doc: &Document) -> String {
    let mut out = Vec::new();
    for tab in &doc.tabs {
        let mut last_bullet = false;
        for block in &tab.blocks {
            match block {
                Block::Paragraph(p) => {
                    let line = md_paragraph(p);
                    if p.bullet.is_some() && last_bullet {
                        if let Some(prev) = out.last_mut() {
                            *prev = format!("{prev}\n{line}");
                        }
                    } else if !line.is_empty() {
                        out.push(line);
                    }
                    last_bullet = p.bullet.is_some();
                }
                Block::Table(rows) => {
                    last_bullet = false;
                    let mut table = Vec::new();
                    for (i, row) in rows.iter().enumerate() {
                        let cells: Vec<String> = row.iter().map(md_paragraph).collect();
                        table.push(format!("| {} |", cells.join(" | ")));
                        if i == 0 {
                            table.push(format!("| {} |", vec![":---"; row.len()].join(" | ")));
                        }
                    }
                    out.push(table.join("\n"));
                }
            }
        }
    }
    let mut text = out.join("\n\n");
    text.push('\n');
    text
}

/// Plain text with a byte-order mark, as Google sends it.
pub fn plain(doc: &Document) -> String {
    format!("\u{feff}{}", doc.plain_text().replace('\n', "\r\n"))
}

fn html_runs(p: &Paragraph) -> String {
    p.runs
        .iter()
        .map(|r| {
            let mut text = escape(&r.text);
            if r.bold {
                text = format!("<b>{text}</b>");
            }
            if r.italic {
                text = format!("<i>{text}</i>");
            }
            match &r.link {
                Some(url) => format!("<a href=\"{}\">{text}</a>", escape(url)),
                None => text,
            }
        })
        .collect()
}

pub fn html(doc: &Document) -> String {
    let mut body = String::new();
    for tab in &doc.tabs {
        for block in &tab.blocks {
            match block {
                Block::Paragraph(p) => {
                    let tag = match p.style.strip_prefix("HEADING_") {
                        Some(n) => format!("h{n}"),
                        None if p.bullet.is_some() => "li".into(),
                        None => "p".into(),
                    };
                    body.push_str(&format!("<{tag}>{}</{tag}>", html_runs(p)));
                }
                Block::Table(rows) => {
                    body.push_str("<table>");
                    for row in rows {
                        body.push_str("<tr>");
                        for cell in row {
                            body.push_str(&format!("<td>{}</td>", html_runs(cell)));
                        }
                        body.push_str("</tr>");
                    }
                    body.push_str("</table>");
                }
            }
        }
    }
    format!(
        "<html><head><meta content=\"text/html; charset=UTF-8\" http-equiv=\"content-type\"><title>{}</title></head><body>{body}</body></html>",
        escape(&doc.title)
    )
}
