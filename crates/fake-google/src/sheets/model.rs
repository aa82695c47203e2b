//! A Google Sheet as the fake keeps it: sheets of cells, named ranges.

use serde_json::Value;

/// One cell: its effective value (string, number or boolean) and the formula
/// that produced it, if any.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    pub value: Value,
    pub formula: Option<String>,
}

impl Cell {
    pub fn text(s: &str) -> Self {
        Cell {
            value: Value::String(s.to_string()),
            formula: None,
        }
    }

    /// The formatted value as the UI (and CSV export) shows it.
    pub fn formatted(&self) -> String {
        match &self.value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                _ => n.to_string(),
            },
            other => other.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub sheet_id: i64,
    pub title: String,
    pub row_count: usize,
    pub column_count: usize,
    /// Rows of cells; rows may be shorter than `column_count`.
    pub rows: Vec<Vec<Cell>>,
    pub frozen_rows: usize,
    pub frozen_columns: usize,
    /// `repeatCell` formats applied, in order: `(GridRange, CellFormat, fields)`.
    pub formats: Vec<(Value, Value, String)>,
    /// `EmbeddedChart` resources.
    pub charts: Vec<Value>,
    /// `ConditionalFormatRule` resources, in priority order.
    pub conditional_formats: Vec<Value>,
}

impl Sheet {
    pub fn new(sheet_id: i64, title: &str) -> Self {
        Sheet {
            sheet_id,
            title: title.to_string(),
            row_count: 1000,
            column_count: 26,
            rows: Vec::new(),
            frozen_rows: 0,
            frozen_columns: 0,
            formats: Vec::new(),
            charts: Vec::new(),
            conditional_formats: Vec::new(),
        }
    }

    pub fn with_rows(mut self, rows: &[&[&str]]) -> Self {
        self.rows = rows
            .iter()
            .map(|r| r.iter().map(|s| parse_literal(s)).collect())
            .collect();
        self
    }

    pub fn set(&mut self, row: usize, col: usize, cell: Cell) {
        if self.rows.len() <= row {
            self.rows.resize(row + 1, Vec::new());
        }
        let r = &mut self.rows[row];
        if r.len() <= col {
            r.resize(col + 1, Cell::default());
        }
        r[col] = cell;
        self.row_count = self.row_count.max(row + 1);
        self.column_count = self.column_count.max(col + 1);
    }

    /// Rows of formatted values with trailing empty cells and rows dropped.
    pub fn values(&self) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let mut row: Vec<String> = r.iter().map(Cell::formatted).collect();
                while row.last().is_some_and(String::is_empty) {
                    row.pop();
                }
                row
            })
            .collect();
        while out.last().is_some_and(Vec::is_empty) {
            out.pop();
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NamedRange {
    pub id: String,
    pub name: String,
    pub sheet_id: i64,
    /// Zero-based, end-exclusive `(start_row, end_row, start_col, end_col)`.
    pub grid: (usize, usize, usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spreadsheet {
    pub id: String,
    pub title: String,
    pub locale: String,
    pub time_zone: String,
    pub sheets: Vec<Sheet>,
    pub named_ranges: Vec<NamedRange>,
}

impl Spreadsheet {
    pub fn new(id: &str, title: &str, sheets: Vec<Sheet>) -> Self {
        Spreadsheet {
            id: id.to_string(),
            title: title.to_string(),
            locale: "en_US".into(),
            time_zone: "Etc/GMT".into(),
            sheets,
            named_ranges: Vec::new(),
        }
    }

    pub fn sheet(&self, title: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.title == title)
    }

    /// CSV of the first sheet (as Drive's export does).
    pub fn first_sheet_csv(&self) -> String {
        let Some(sheet) = self.sheets.first() else {
            return String::new();
        };
        let width = sheet.values().iter().map(Vec::len).max().unwrap_or(0);
        let mut out = String::new();
        for (i, row) in sheet.values().iter().enumerate() {
            if i > 0 {
                out.push_str("\r\n");
            }
            let cells: Vec<String> = (0..width)
                .map(|c| csv_field(row.get(c).map(String::as_str).unwrap_or("")))
                .collect();
            out.push_str(&cells.join(","));
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A value as `USER_ENTERED` parses it: numbers, `TRUE`/`FALSE`, text.
pub fn parse_literal(s: &str) -> Cell {
    let trimmed = s.trim();
    if trimmed.eq_ignore_ascii_case("true") || trimmed.eq_ignore_ascii_case("false") {
        return Cell {
            value: Value::Bool(trimmed.eq_ignore_ascii_case("true")),
            formula: None,
        };
    }
    let numeric = trimmed.replace(',', "");
    if !trimmed.is_empty()
        && let Ok(n) = numeric.parse::<f64>()
        && n.is_finite()
        && let Some(num) = serde_json::Number::from_f64(n)
    {
        return Cell {
            value: Value::Number(num),
            formula: None,
        };
    }
    Cell::text(s)
}
