//! A1 notation, checked in the gateway before Google sees it: sheet names
//! (quoted when they hold spaces, apostrophes or look like cells), column
//! letters up to `ZZZ`, cells, rectangles, whole columns (`A:C`) and rows
//! (`2:5`), open ranges (`A2:C`), a sheet alone, or a named range.

use crate::tools::{ToolError, ToolResult};

/// The last column letters Google accepts (`ZZZ`).
pub const MAX_COLUMN: u32 = 18_278;
/// Google's limit of rows in a sheet (10 million cells, at least one column).
pub const MAX_ROW: u32 = 10_000_000;

/// Column letters for a one-based column number (`1` → `A`, `27` → `AA`).
pub fn column_letters(mut n: u32) -> String {
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii letters")
}

/// The one-based number of column letters (`A` → 1, `ZZZ` → 18278).
pub fn column_number(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    Some(
        letters
            .to_ascii_uppercase()
            .bytes()
            .fold(0, |n, c| n * 26 + u32::from(c - b'A' + 1)),
    )
}

/// A sheet name as it must appear in a range: bare when plain, otherwise in
/// single quotes with apostrophes doubled.
pub fn quote_sheet(title: &str) -> String {
    let plain = !title.is_empty()
        && title.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !title.starts_with(|c: char| c.is_ascii_digit())
        && !cell(title).is_some_and(|c| c.col.is_some() && c.row.is_some());
    if plain {
        title.to_owned()
    } else {
        format!("'{}'", title.replace('\'', "''"))
    }
}

/// One end of a range: a column, a row, or both (one-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub col: Option<u32>,
    pub row: Option<u32>,
}

/// `B3`, `$B$3`, `B` or `3`; `None` when it is none of these.
fn cell(part: &str) -> Option<Cell> {
    let part = part.replace('$', "");
    let split = part
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(part.len());
    let (letters, digits) = part.split_at(split);
    if letters.is_empty() && digits.is_empty() {
        return None;
    }
    let col = match letters {
        "" => None,
        l => Some(column_number(l)?),
    };
    let row = match digits {
        "" => None,
        d if d.chars().all(|c| c.is_ascii_digit()) => match d.parse::<u32>().ok()? {
            0 => return None,
            n if n > MAX_ROW => return None,
            n => Some(n),
        },
        _ => return None,
    };
    Some(Cell { col, row })
}

/// The cells part of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cells {
    pub start: Cell,
    /// `None` for a single cell (`B3`); a whole column (`B`) or row (`3`) has
    /// the same `start` and `end`.
    pub end: Option<Cell>,
}

impl Cells {
    /// Rows and columns the range spans when it has an end in that direction
    /// (a single cell names only where a write starts).
    pub fn shape(&self) -> (Option<u32>, Option<u32>) {
        let Some(end) = self.end else {
            return (None, None);
        };
        let span = |a: Option<u32>, b: Option<u32>| match (a, b) {
            (Some(a), Some(b)) => Some(a.abs_diff(b) + 1),
            (None, Some(b)) => Some(b),
            _ => None,
        };
        (span(self.start.row, end.row), span(self.start.col, end.col))
    }
}

/// What a range argument names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Cells, on a named sheet or (without one) on the first sheet.
    Cells { sheet: Option<String>, cells: Cells },
    /// A bare name: a whole sheet or a named range.
    Name(String),
}

/// A checked range argument, with the text to send to Google.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct A1 {
    pub target: Target,
    /// The range as sent to Google (trimmed).
    pub text: String,
}

impl A1 {
    /// The sheet a range names explicitly.
    pub fn sheet(&self) -> Option<&str> {
        match &self.target {
            Target::Cells { sheet, .. } => sheet.as_deref(),
            Target::Name(_) => None,
        }
    }

    pub fn cells(&self) -> Option<Cells> {
        match &self.target {
            Target::Cells { cells, .. } => Some(*cells),
            Target::Name(_) => None,
        }
    }
}

const HINT: &str = "use A1 notation such as Sheet1!A1:C10, 'Sheet name with spaces'!B2, A:C (whole columns), 2:5 (whole rows), a sheet name alone, or a named range";

fn bad(message: impl Into<String>) -> ToolError {
    ToolError::invalid("range", format!("{}; {HINT}", message.into()))
}

fn parse_cells(text: &str, whole: &str) -> ToolResult<Cells> {
    let (from, to) = match text.split_once(':') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let not_cell = |p: &str| {
        bad(format!(
            "{p:?} in {whole:?} is not a cell, column (A to ZZZ) or row number"
        ))
    };
    let start = cell(from.trim()).ok_or_else(|| not_cell(from))?;
    let end = match to {
        None if start.col.is_none() || start.row.is_none() => {
            return Err(bad(format!(
                "{whole:?} names a whole column or row without the other end: write {text}:{text}"
            )));
        }
        None => None,
        Some(to) => {
            let end = cell(to.trim()).ok_or_else(|| not_cell(to))?;
            if start.col.is_none() && end.col.is_some() || start.row.is_none() && end.row.is_some()
            {
                return Err(bad(format!(
                    "{whole:?} mixes a row range and a column range"
                )));
            }
            Some(end)
        }
    };
    Ok(Cells { start, end })
}

/// Reads a quoted sheet name: `'It''s Q4'` followed by the rest.
fn quoted(text: &str) -> ToolResult<(String, &str)> {
    let mut name = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|(_, c)| *c == '\'') {
                name.push('\'');
                chars.next();
                continue;
            }
            return Ok((name, &text[i + 1..]));
        }
        name.push(c);
    }
    Err(bad(format!(
        "{text:?} opens a quoted sheet name that is never closed (double an apostrophe inside a name: 'It''s Q4')"
    )))
}

/// Checks a range argument.
pub fn parse(range: &str) -> ToolResult<A1> {
    let text = range.trim();
    if text.is_empty() {
        return Err(bad("must not be empty"));
    }
    if text.chars().count() > 500 {
        return Err(bad("is longer than 500 characters"));
    }
    let target = if text.starts_with('\'') {
        let (name, rest) = quoted(text)?;
        if name.is_empty() {
            return Err(bad("the sheet name between the quotes is empty"));
        }
        match rest.strip_prefix('!') {
            Some(cells) => Target::Cells {
                sheet: Some(name),
                cells: parse_cells(cells, text)?,
            },
            None if rest.is_empty() => Target::Name(name),
            None => {
                return Err(bad(format!(
                    "expected ! after the quoted sheet name in {text:?}"
                )));
            }
        }
    } else if let Some((sheet, cells)) = text.rsplit_once('!') {
        if sheet.is_empty() {
            return Err(bad(format!("{text:?} has nothing before the !")));
        }
        if sheet.contains(['\'', '!']) {
            return Err(bad(format!(
                "the sheet name in {text:?} must be quoted, with apostrophes doubled: {}!{cells}",
                quote_sheet(sheet.trim_matches('\''))
            )));
        }
        Target::Cells {
            sheet: Some(sheet.to_owned()),
            cells: parse_cells(cells, text)?,
        }
    } else if text.contains(':') {
        Target::Cells {
            sheet: None,
            cells: parse_cells(text, text)?,
        }
    } else {
        match cell(text) {
            Some(c) if c.col.is_some() && c.row.is_some() => Target::Cells {
                sheet: None,
                cells: Cells {
                    start: c,
                    end: None,
                },
            },
            _ if text.contains('\'') => {
                return Err(bad(format!(
                    "a sheet name with an apostrophe must be quoted, with the apostrophe doubled: {}",
                    quote_sheet(text)
                )));
            }
            _ => Target::Name(text.to_owned()),
        }
    };
    Ok(A1 {
        target,
        text: text.to_owned(),
    })
}

/// A range as Google resolved it (`'It''s Q4'!A1:D5`): sheet title and
/// one-based, inclusive bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub sheet: String,
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

impl Resolved {
    /// Reads Google's answer; `None` when it is not a full rectangle.
    pub fn parse(range: &str) -> Option<Resolved> {
        let a1 = parse(range).ok()?;
        let (sheet, cells) = match a1.target {
            Target::Cells {
                sheet: Some(sheet),
                cells,
            } => (sheet, cells),
            _ => return None,
        };
        let end = cells.end.unwrap_or(cells.start);
        Some(Resolved {
            sheet,
            first_row: cells.start.row?,
            first_col: cells.start.col?,
            last_row: end.row?,
            last_col: end.col?,
        })
    }

    /// `Sheet!A1:C3` (a single cell as `Sheet!A1`).
    pub fn a1(&self) -> String {
        let start = format!("{}{}", column_letters(self.first_col), self.first_row);
        let end = format!("{}{}", column_letters(self.last_col), self.last_row);
        if start == end {
            format!("{}!{start}", quote_sheet(&self.sheet))
        } else {
            format!("{}!{start}:{end}", quote_sheet(&self.sheet))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_and_numbers_round_trip_up_to_zzz() {
        for (n, l) in [
            (1, "A"),
            (26, "Z"),
            (27, "AA"),
            (52, "AZ"),
            (53, "BA"),
            (702, "ZZ"),
            (703, "AAA"),
            (18_278, "ZZZ"),
        ] {
            assert_eq!(column_letters(n), l);
            assert_eq!(column_number(l), Some(n));
        }
        for n in 1..=MAX_COLUMN {
            assert_eq!(column_number(&column_letters(n)), Some(n));
        }
        assert_eq!(column_number("aa"), Some(27));
        assert_eq!(column_number("AAAA"), None);
        assert_eq!(column_number(""), None);
        assert_eq!(column_number("A1"), None);
    }

    #[test]
    fn sheet_names_are_quoted_when_needed() {
        assert_eq!(quote_sheet("Summary"), "Summary");
        assert_eq!(quote_sheet("Sheet_2"), "Sheet_2");
        assert_eq!(quote_sheet("Raw data"), "'Raw data'");
        assert_eq!(quote_sheet("It's Q4"), "'It''s Q4'");
        assert_eq!(quote_sheet("A1"), "'A1'");
        assert_eq!(quote_sheet("Log"), "Log");
        assert_eq!(quote_sheet("ab12"), "'ab12'");
        assert_eq!(quote_sheet("2024"), "'2024'");
        assert_eq!(quote_sheet("Café"), "'Café'");
        for name in ["It's Q4", "Raw data", "a'b''c", "x!y", "A1"] {
            let a1 = parse(&format!("{}!B2", quote_sheet(name))).unwrap();
            assert_eq!(a1.sheet(), Some(name));
        }
    }

    fn cells(range: &str) -> (Option<String>, Cells) {
        match parse(range).unwrap().target {
            Target::Cells { sheet, cells } => (sheet, cells),
            other => panic!("{range}: {other:?}"),
        }
    }

    #[test]
    fn ranges_parse_with_their_shape() {
        let (sheet, c) = cells("'It''s Q4'!A1:C10");
        assert_eq!(sheet.as_deref(), Some("It's Q4"));
        assert_eq!(c.shape(), (Some(10), Some(3)));
        let (sheet, c) = cells("Raw data!B2:D");
        assert_eq!(sheet.as_deref(), Some("Raw data"));
        assert_eq!(c.shape(), (None, Some(3)));
        assert_eq!(cells("A:C").1.shape(), (None, Some(3)));
        assert_eq!(cells("2:5").1.shape(), (Some(4), None));
        assert_eq!(cells("B3").1.shape(), (None, None));
        assert_eq!(cells("$A$1:$B$2").1.shape(), (Some(2), Some(2)));
        assert_eq!(cells("C3:A1").1.shape(), (Some(3), Some(3)));
        assert_eq!(cells("a1:zzz2").1.shape(), (Some(2), Some(18_278)));
        assert_eq!(
            parse("Summary").unwrap().target,
            Target::Name("Summary".into())
        );
        assert_eq!(
            parse("'It''s Q4'").unwrap().target,
            Target::Name("It's Q4".into())
        );
        assert_eq!(
            parse(" BudgetTable ").unwrap().target,
            Target::Name("BudgetTable".into())
        );
    }

    #[test]
    fn invalid_ranges_name_the_field() {
        for bad in [
            "",
            "   ",
            "Sheet1!",
            "Sheet1!A0:B2",
            "Sheet1!AAAA1",
            "Sheet1!A1:B2:C3",
            "'It''s Q4!A1",
            "It's Q4!A1",
            "It's Q4",
            "'x'A1",
            "''!A1",
            "Sheet1!5",
            "!A1",
            "A1:B-2",
        ] {
            let err = parse(bad)
                .map(|a| format!("{a:?}"))
                .expect_err(&format!("{bad:?} parsed"));
            let text = err.to_string();
            assert!(text.contains("`range`"), "{bad:?}: {text}");
        }
        let err = parse("It's Q4!A1").unwrap_err().to_string();
        assert!(err.contains("'It''s Q4'!A1"), "{err}");
        let err = parse("Sheet1!A1:ZZZZ2").unwrap_err().to_string();
        assert!(err.contains("\"ZZZZ2\""), "{err}");
    }

    #[test]
    fn resolved_ranges_read_back() {
        let r = Resolved::parse("'It''s Q4'!A1:D5").unwrap();
        assert_eq!(
            (r.first_row, r.first_col, r.last_row, r.last_col),
            (1, 1, 5, 4)
        );
        assert_eq!(r.sheet, "It's Q4");
        assert_eq!(r.a1(), "'It''s Q4'!A1:D5");
        assert_eq!(Resolved::parse("Summary!B2").unwrap().a1(), "Summary!B2");
        assert_eq!(Resolved::parse("A1:B2"), None);
        assert_eq!(Resolved::parse("Summary!A:B"), None);
    }
}
