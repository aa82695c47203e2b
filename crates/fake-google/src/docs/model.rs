//! A Google Doc as the fake keeps it: tabs of paragraphs and tables, with
//! text runs carrying bold, italic and links.

/// A text run (never containing the paragraph's final newline).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub link: Option<String>,
}

impl Run {
    pub fn plain(text: &str) -> Self {
        Run {
            text: text.to_string(),
            ..Run::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// `NORMAL_TEXT`, `TITLE`, `HEADING_1` … `HEADING_6`.
    pub style: String,
    /// The list the paragraph is a bullet of.
    pub bullet: Option<String>,
    pub runs: Vec<Run>,
}

impl Paragraph {
    pub fn new(style: &str, runs: Vec<Run>) -> Self {
        Paragraph {
            style: style.to_string(),
            bullet: None,
            runs,
        }
    }

    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(Paragraph),
    /// Rows of cells, each cell holding one paragraph.
    Table(Vec<Vec<Paragraph>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tab {
    pub id: String,
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub title: String,
    pub tabs: Vec<Tab>,
    pub revision: u64,
    /// Lists made with a numbered bullet preset.
    pub numbered: std::collections::BTreeSet<String>,
}

impl Document {
    /// A document with one empty tab.
    pub fn empty(id: &str, title: &str) -> Self {
        Document {
            id: id.to_string(),
            title: title.to_string(),
            tabs: vec![Tab {
                id: "t.0".into(),
                title: "Tab 1".into(),
                blocks: vec![Block::Paragraph(Paragraph::new("NORMAL_TEXT", vec![]))],
            }],
            revision: 1,
            numbered: Default::default(),
        }
    }

    /// Builds a document from Markdown or plain text (headings `#`, bullets `-`/`*`).
    pub fn from_text(id: &str, title: &str, text: &str, markdown: bool) -> Self {
        let mut doc = Document::empty(id, title);
        let mut blocks = Vec::new();
        for line in text.lines() {
            let mut paragraph = Paragraph::new("NORMAL_TEXT", vec![]);
            let mut body = line;
            if markdown {
                let hashes = line.chars().take_while(|c| *c == '#').count();
                if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
                    paragraph.style = format!("HEADING_{hashes}");
                    body = &line[hashes + 1..];
                } else if let Some(rest) = line.strip_prefix("- ").or(line.strip_prefix("* ")) {
                    paragraph.bullet = Some("kix.list1".into());
                    body = rest;
                }
            }
            if !body.is_empty() {
                paragraph.runs.push(Run::plain(body));
            }
            blocks.push(Block::Paragraph(paragraph));
        }
        if !blocks.is_empty() {
            doc.tabs[0].blocks = blocks;
        }
        doc
    }

    /// The plain text of every tab.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for tab in &self.tabs {
            for block in &tab.blocks {
                match block {
                    Block::Paragraph(p) => {
                        out.push_str(&p.text());
                        out.push('\n');
                    }
                    Block::Table(rows) => {
                        for row in rows {
                            let cells: Vec<String> = row.iter().map(Paragraph::text).collect();
                            out.push_str(&cells.join("\t"));
                            out.push('\n');
                        }
                    }
                }
            }
        }
        out
    }
}
