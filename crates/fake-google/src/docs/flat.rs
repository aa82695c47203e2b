//! The editing model: a tab as parts, each a run of characters where every
//! paragraph's properties sit on its closing newline (as in Google Docs), and
//! tables whose cells are such runs. Indexes are UTF-16 code units.

use super::model::{Block, Paragraph, Run, Tab};

#[derive(Debug, Clone, PartialEq)]
pub struct Ch {
    pub c: char,
    pub bold: bool,
    pub italic: bool,
    pub link: Option<String>,
    /// On a newline: the paragraph's named style and list.
    pub para: Option<(String, Option<String>)>,
}

pub type Text = Vec<Ch>;

#[derive(Debug, Clone)]
pub enum Part {
    Text(Text),
    Table(Vec<Vec<Text>>),
}

fn paragraph_chars(p: &Paragraph, out: &mut Text) {
    for run in &p.runs {
        for c in run.text.chars() {
            out.push(Ch {
                c,
                bold: run.bold,
                italic: run.italic,
                link: run.link.clone(),
                para: None,
            });
        }
    }
    out.push(Ch {
        c: '\n',
        bold: false,
        italic: false,
        link: None,
        para: Some((p.style.clone(), p.bullet.clone())),
    });
}

pub fn to_parts(tab: &Tab) -> Vec<Part> {
    let mut parts = Vec::new();
    for block in &tab.blocks {
        match block {
            Block::Paragraph(p) => {
                if !matches!(parts.last(), Some(Part::Text(_))) {
                    parts.push(Part::Text(Vec::new()));
                }
                if let Some(Part::Text(text)) = parts.last_mut() {
                    paragraph_chars(p, text);
                }
            }
            Block::Table(rows) => parts.push(Part::Table(
                rows.iter()
                    .map(|row| {
                        row.iter()
                            .map(|cell| {
                                let mut text = Vec::new();
                                paragraph_chars(cell, &mut text);
                                text
                            })
                            .collect()
                    })
                    .collect(),
            )),
        }
    }
    parts
}

/// Splits a run of characters back into paragraphs.
pub fn paragraphs(text: &Text) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    for ch in text {
        if ch.c == '\n' {
            let (style, bullet) = ch.para.clone().unwrap_or(("NORMAL_TEXT".into(), None));
            out.push(Paragraph {
                style,
                bullet,
                runs: std::mem::take(&mut runs),
            });
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.bold == ch.bold && r.italic == ch.italic && r.link == ch.link => {
                r.text.push(ch.c);
            }
            _ => runs.push(Run {
                text: ch.c.to_string(),
                bold: ch.bold,
                italic: ch.italic,
                link: ch.link.clone(),
            }),
        }
    }
    out
}

pub fn to_blocks(parts: &[Part]) -> Vec<Block> {
    let mut blocks = Vec::new();
    for part in parts {
        match part {
            Part::Text(text) => blocks.extend(paragraphs(text).into_iter().map(Block::Paragraph)),
            Part::Table(rows) => blocks.push(Block::Table(
                rows.iter()
                    .map(|row| {
                        row.iter()
                            .map(|cell| {
                                paragraphs(cell)
                                    .into_iter()
                                    .next()
                                    .unwrap_or_else(|| Paragraph::new("NORMAL_TEXT", vec![]))
                            })
                            .collect()
                    })
                    .collect(),
            )),
        }
    }
    blocks
}

pub fn width(text: &Text) -> usize {
    text.iter().map(|c| c.c.len_utf16()).sum()
}

/// A segment an edit applies to: a text part or one table cell, and its first index.
pub struct Segment<'a> {
    pub text: &'a mut Text,
    pub base: usize,
}

/// Why a range could not be placed in one segment.
pub enum Place {
    /// Inside a table's structure (markers), not in a paragraph.
    Structure,
    /// Crossing from one segment into another.
    Crossing,
}

/// The segment holding `[start, end]` (an insertion when equal).
pub fn segment(parts: &mut [Part], start: usize, end: usize) -> Result<Segment<'_>, Place> {
    let mut at = 1;
    for part in parts.iter_mut() {
        match part {
            Part::Text(text) => {
                let w = width(text);
                if start >= at && start < at + w {
                    if end > at + w {
                        return Err(Place::Crossing);
                    }
                    return Ok(Segment { text, base: at });
                }
                at += w;
            }
            Part::Table(rows) => {
                let w = table_width(rows);
                if start >= at && start < at + w {
                    let mut cell_at = at + 1;
                    for row in rows.iter_mut() {
                        cell_at += 1;
                        for cell in row.iter_mut() {
                            let content = cell_at + 1;
                            let cw = width(cell);
                            if start >= content && start < content + cw {
                                if end > content + cw {
                                    return Err(Place::Crossing);
                                }
                                return Ok(Segment {
                                    text: cell,
                                    base: content,
                                });
                            }
                            cell_at = content + cw;
                        }
                    }
                    return Err(Place::Structure);
                }
                at += w;
            }
        }
    }
    Err(Place::Crossing)
}

/// The character index of a UTF-16 offset, or `None` inside a surrogate pair.
pub fn char_index(text: &Text, offset: usize) -> Option<usize> {
    let mut at = 0;
    for (i, ch) in text.iter().enumerate() {
        if at == offset {
            return Some(i);
        }
        if at > offset {
            return None;
        }
        at += ch.c.len_utf16();
    }
    (at == offset).then_some(text.len())
}

/// Every text part and table cell of the tab, for whole-document edits.
pub fn all_texts(parts: &mut [Part]) -> Vec<&mut Text> {
    let mut out = Vec::new();
    for part in parts.iter_mut() {
        match part {
            Part::Text(text) => out.push(text),
            Part::Table(rows) => out.extend(rows.iter_mut().flat_map(|r| r.iter_mut())),
        }
    }
    out
}

fn table_width(rows: &[Vec<Text>]) -> usize {
    2 + rows
        .iter()
        .map(|row| 1 + row.iter().map(|c| 1 + width(c)).sum::<usize>())
        .sum::<usize>()
}
