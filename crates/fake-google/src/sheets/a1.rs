//! A1 notation: `Sheet1!A1:B2`, quoted names (`'It''s Q4'!A1`), whole
//! columns (`A:C`) and rows (`2:5`), open ranges (`A2:C`), a sheet alone, or
//! a named range; a range without a sheet means the first sheet.

use super::model::Spreadsheet;
use crate::api::ApiError;

/// A resolved range: sheet index and zero-based, end-exclusive bounds
/// (`None` ends run to the edge of the grid).
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub sheet: usize,
    pub start_row: usize,
    pub end_row: Option<usize>,
    pub start_col: usize,
    pub end_col: Option<usize>,
}

pub fn unable(range: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "badRequest",
        format!("Unable to parse range: {range}"),
    )
}

/// Column letters for a zero-based index (`0` → `A`, `26` → `AA`).
pub fn column_name(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

/// A sheet name as it must appear in a range: quoted unless plain.
pub fn quote(title: &str) -> String {
    if !title.is_empty()
        && title.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !looks_like_cell(title)
    {
        title.to_string()
    } else {
        format!("'{}'", title.replace('\'', "''"))
    }
}

fn looks_like_cell(s: &str) -> bool {
    let letters = s.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    // Columns run to ZZZ, so only one to three letters and digits read as a cell.
    (1..=3).contains(&letters)
        && letters < s.len()
        && s[letters..].chars().all(|c| c.is_ascii_digit())
}

/// `(col, row)` of a reference part; either may be absent (`A` or `5`).
fn cell(part: &str) -> Option<(Option<usize>, Option<usize>)> {
    let part = part.replace('$', "");
    let letters: String = part
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits = &part[letters.len()..];
    // Columns run to ZZZ: a longer word is a name, not a column.
    if letters.is_empty() && digits.is_empty() || letters.len() > 3 {
        return None;
    }
    let col = if letters.is_empty() {
        None
    } else {
        let mut n = 0usize;
        for c in letters.to_ascii_uppercase().bytes() {
            n = n.checked_mul(26)?.checked_add((c - b'A' + 1) as usize)?;
        }
        Some(n - 1)
    };
    let row = if digits.is_empty() {
        None
    } else {
        let n: usize = digits.parse().ok()?;
        if n == 0 {
            return None;
        }
        Some(n - 1)
    };
    Some((col, row))
}

/// Splits `Sheet!A1:B2` into the (unquoted) sheet name and the cells part.
fn split_sheet(range: &str) -> Option<(Option<String>, &str)> {
    if let Some(rest) = range.strip_prefix('\'') {
        let mut name = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, c)| *c) == Some('\'') {
                    name.push('\'');
                    chars.next();
                    continue;
                }
                let after = &rest[i + 1..];
                return match after.strip_prefix('!') {
                    Some(cells) => Some((Some(name), cells)),
                    None if after.is_empty() => Some((Some(name), "")),
                    None => None,
                };
            }
            name.push(c);
        }
        return None;
    }
    match range.rsplit_once('!') {
        Some((sheet, _)) if sheet.contains('\'') => None,
        Some((sheet, cells)) => Some((Some(sheet.to_string()), cells)),
        None => Some((None, range)),
    }
}

pub fn parse(book: &Spreadsheet, range: &str) -> Result<Range, ApiError> {
    let (sheet_name, cells) = split_sheet(range.trim()).ok_or_else(|| unable(range))?;
    let whole = |sheet| Range {
        sheet,
        start_row: 0,
        end_row: None,
        start_col: 0,
        end_col: None,
    };
    let sheet = match &sheet_name {
        Some(name) => book
            .sheets
            .iter()
            .position(|s| s.title == *name)
            .ok_or_else(|| unable(range))?,
        None => {
            if let Some(named) = book.named_ranges.iter().find(|n| n.name == cells) {
                let sheet = book
                    .sheets
                    .iter()
                    .position(|s| s.sheet_id == named.sheet_id)
                    .ok_or_else(|| unable(range))?;
                let (r0, r1, c0, c1) = named.grid;
                return Ok(Range {
                    sheet,
                    start_row: r0,
                    end_row: Some(r1),
                    start_col: c0,
                    end_col: Some(c1),
                });
            }
            if let Some(i) = book.sheets.iter().position(|s| s.title == cells) {
                return Ok(whole(i));
            }
            0
        }
    };
    if book.sheets.is_empty() {
        return Err(unable(range));
    }
    if cells.is_empty() {
        return Ok(whole(sheet));
    }
    let (from, to) = match cells.split_once(':') {
        Some((a, b)) => (a, Some(b)),
        None => (cells, None),
    };
    let (c0, r0) = cell(from).ok_or_else(|| unable(range))?;
    let mut out = Range {
        sheet,
        start_row: r0.unwrap_or(0),
        end_row: None,
        start_col: c0.unwrap_or(0),
        end_col: None,
    };
    match to {
        None => {
            // A single cell, or a whole column or row.
            out.end_row = r0.map(|r| r + 1);
            out.end_col = c0.map(|c| c + 1);
        }
        Some(to) => {
            let (c1, r1) = cell(to).ok_or_else(|| unable(range))?;
            // `A1:B` runs down to the last row, `A1:5` across to the last column.
            out.end_row = r1.map(|r| r + 1);
            out.end_col = c1.map(|c| c + 1);
            if (r0.is_none() && r1.is_some()) || (c0.is_none() && c1.is_some()) {
                out.start_row = r0.unwrap_or(0);
                out.start_col = c0.unwrap_or(0);
            }
            if out.end_row.is_some_and(|e| e <= out.start_row) {
                let end = out.end_row.unwrap();
                out.end_row = Some(out.start_row + 1);
                out.start_row = end - 1;
            }
            if out.end_col.is_some_and(|e| e <= out.start_col) {
                let end = out.end_col.unwrap();
                out.end_col = Some(out.start_col + 1);
                out.start_col = end - 1;
            }
        }
    }
    Ok(out)
}

impl Range {
    /// A single cell names where a write starts; the values may extend from it.
    pub fn open_if_single(mut self) -> Self {
        if self.end_row == Some(self.start_row + 1) && self.end_col == Some(self.start_col + 1) {
            self.end_row = None;
            self.end_col = None;
        }
        self
    }

    /// Bounds clamped to the sheet's grid: `(r0, r1, c0, c1)`, end-exclusive.
    pub fn bounds(&self, book: &Spreadsheet) -> (usize, usize, usize, usize) {
        let sheet = &book.sheets[self.sheet];
        let r1 = self
            .end_row
            .unwrap_or(sheet.row_count.max(self.start_row + 1));
        let c1 = self
            .end_col
            .unwrap_or(sheet.column_count.max(self.start_col + 1));
        (self.start_row, r1, self.start_col, c1)
    }

    /// The range in A1 notation as Google answers it (`Sheet1!A1:C1000`).
    pub fn a1(&self, book: &Spreadsheet) -> String {
        let (r0, r1, c0, c1) = self.bounds(book);
        let name = quote(&book.sheets[self.sheet].title);
        let start = format!("{}{}", column_name(c0), r0 + 1);
        let end = format!("{}{}", column_name(c1 - 1), r1);
        if start == end {
            format!("{name}!{start}")
        } else {
            format!("{name}!{start}:{end}")
        }
    }
}
