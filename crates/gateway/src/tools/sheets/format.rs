//! `sheets_format` and `sheets_freeze`: one `spreadsheets.batchUpdate` each
//! (`repeatCell`, `updateSheetProperties`) on a range checked against the
//! spreadsheet's own sheets first; and what the chart and conditional
//! format tools (`rules.rs`) share with them: colors, grid ranges, the call.

use std::fmt::Write as _;

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    a1::{self, A1, Target, column_letters},
    book_error, metadata, sheet_list, sheets_of, sheets_url, spreadsheet_id,
};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormatArgs {
    /// Id (docs.google.com/spreadsheets/d/<id>) or link.
    pub spreadsheet_id: String,
    /// A1 range, e.g. `Costs!A1:D1` or `B:B`.
    pub range: String,
    #[serde(default)]
    pub bold: Option<bool>,
    #[serde(default)]
    pub italic: Option<bool>,
    /// Sheets pattern: `#,##0.00`, `0%`, `yyyy-mm-dd`, `[$€]#,##0`.
    #[serde(default)]
    pub number_format: Option<String>,
    /// `#RRGGBB`.
    #[serde(default)]
    pub background_color: Option<String>,
    /// `#RRGGBB`.
    #[serde(default)]
    pub text_color: Option<String>,
    /// left, center or right.
    #[serde(default)]
    pub align: Option<Align>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeArgs {
    pub spreadsheet_id: String,
    /// Sheet title (default the first sheet).
    #[serde(default)]
    pub sheet: Option<String>,
    /// Rows frozen at the top (0 unfreezes).
    #[serde(default)]
    pub rows: Option<u32>,
    /// Columns frozen at the left (0 unfreezes).
    #[serde(default)]
    pub columns: Option<u32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Formatted {
    pub spreadsheet_id: String,
    /// The range changed (or the sheet, for freezing).
    pub target: String,
    /// What changed, in words.
    pub changes: Vec<String>,
    /// The new chart's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ToolOutput for Formatted {
    fn text(&self) -> String {
        let mut text = format!(
            "{} in spreadsheet {}: {}.\n",
            self.target,
            self.spreadsheet_id,
            self.changes.join("; ")
        );
        if let Some(id) = self.chart_id {
            let _ = writeln!(text, "Chart id: {id}");
        }
        if let Some(n) = &self.note {
            let _ = writeln!(text, "{n}");
        }
        text
    }
}

/// `#RRGGBB` (or `RRGGBB`) as a Sheets `Color`.
pub(crate) fn color(field: &str, hex: &str) -> ToolResult<Value> {
    let h = hex.trim().trim_start_matches('#');
    let ok = h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(ToolError::invalid(
            field,
            format!("{hex:?} is not a color: use #RRGGBB, e.g. #FFF2CC"),
        ));
    }
    let part = |i: usize| {
        let v = u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0);
        (f64::from(v) / 255.0 * 1000.0).round() / 1000.0
    };
    Ok(json!({ "red": part(0), "green": part(2), "blue": part(4) }))
}

/// The `NumberFormat` type a pattern belongs to.
pub(crate) fn number_format_type(pattern: &str) -> &'static str {
    let p = pattern.to_ascii_lowercase();
    let date = p.contains('y') || p.contains("dd") || p.contains("mmm");
    let time = p.contains("hh") || p.contains("ss") || p.contains("am/pm");
    match (date, time) {
        (true, true) => "DATE_TIME",
        (true, false) => "DATE",
        (false, true) => "TIME",
        _ if p.contains('%') => "PERCENT",
        _ if p.contains("[$") || p.contains('$') || p.contains('€') || p.contains('£') => {
            "CURRENCY"
        }
        _ if p.contains('e') && p.contains('0') => "SCIENTIFIC",
        _ if p.chars().any(|c| c == '0' || c == '#') => "NUMBER",
        _ => "TEXT",
    }
}

/// The sheet id and `GridRange` an A1 range names in the spreadsheet
/// `book` (metadata with sheets and named ranges).
pub(crate) fn grid_range(book: &Value, range: &A1) -> ToolResult<(i64, Value)> {
    let sheets = sheets_of(book);
    let Some(first) = sheets.first() else {
        return Err(ToolError::Refused("The spreadsheet has no sheets.".into()));
    };
    let find = |title: &str| {
        sheets
            .iter()
            .find(|s| s.title == title)
            .or_else(|| sheets.iter().find(|s| s.title.eq_ignore_ascii_case(title)))
    };
    match &range.target {
        Target::Name(name) => {
            if let Some(s) = find(name) {
                return Ok((s.sheet_id, json!({ "sheetId": s.sheet_id })));
            }
            let named = book["namedRanges"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|n| {
                    n["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                });
            match named {
                Some(n) => Ok((
                    n["range"]["sheetId"].as_i64().unwrap_or(0),
                    n["range"].clone(),
                )),
                None => Err(ToolError::invalid(
                    "range",
                    format!(
                        "{name:?} is neither a sheet nor a named range; the sheets are {}",
                        sheet_list(&sheets)
                    ),
                )),
            }
        }
        Target::Cells { sheet, cells } => {
            let s = match sheet {
                None => first,
                Some(t) => find(t).ok_or_else(|| {
                    ToolError::invalid(
                        "range",
                        format!("no sheet {t:?}; the sheets are {}", sheet_list(&sheets)),
                    )
                })?,
            };
            let end = cells.end.unwrap_or(cells.start);
            let mut g = json!({ "sheetId": s.sheet_id });
            let span = |a: Option<u32>, b: Option<u32>| match (a, b) {
                (Some(a), Some(b)) => Some((a.min(b) - 1, a.max(b))),
                (Some(a), None) | (None, Some(a)) => Some((a - 1, a)),
                (None, None) => None,
            };
            if let Some((lo, hi)) = span(cells.start.row, end.row) {
                if u64::from(hi) > s.rows {
                    return Err(ToolError::invalid(
                        "range",
                        format!(
                            "{} has {} rows; the range ends at row {hi}",
                            s.in_ranges, s.rows
                        ),
                    ));
                }
                g["startRowIndex"] = json!(lo);
                g["endRowIndex"] = json!(hi);
            }
            if let Some((lo, hi)) = span(cells.start.col, end.col) {
                if u64::from(hi) > s.columns {
                    return Err(ToolError::invalid(
                        "range",
                        format!(
                            "{} has {} columns (to {}); the range ends at column {}",
                            s.in_ranges,
                            s.columns,
                            column_letters(s.columns as u32),
                            column_letters(hi)
                        ),
                    ));
                }
                g["startColumnIndex"] = json!(lo);
                g["endColumnIndex"] = json!(hi);
            }
            Ok((s.sheet_id, g))
        }
    }
}

/// The `repeatCell` request for `args` on `range`, and what it changes.
pub(crate) fn repeat_cell(args: &FormatArgs, range: Value) -> ToolResult<(Value, Vec<String>)> {
    let mut format = json!({});
    let mut fields = Vec::new();
    let mut changes = Vec::new();
    if let Some(b) = args.bold {
        format["textFormat"]["bold"] = json!(b);
        fields.push("userEnteredFormat.textFormat.bold");
        changes.push(if b { "bold" } else { "not bold" }.to_owned());
    }
    if let Some(i) = args.italic {
        format["textFormat"]["italic"] = json!(i);
        fields.push("userEnteredFormat.textFormat.italic");
        changes.push(if i { "italic" } else { "not italic" }.to_owned());
    }
    if let Some(c) = &args.text_color {
        format["textFormat"]["foregroundColor"] = color("text_color", c)?;
        fields.push("userEnteredFormat.textFormat.foregroundColor");
        changes.push(format!("text color {c}"));
    }
    if let Some(c) = &args.background_color {
        format["backgroundColor"] = color("background_color", c)?;
        fields.push("userEnteredFormat.backgroundColor");
        changes.push(format!("background {c}"));
    }
    if let Some(p) = &args.number_format {
        let p = p.trim();
        if p.is_empty() || p.len() > 200 || p.chars().any(char::is_control) {
            return Err(ToolError::invalid(
                "number_format",
                "a Sheets pattern such as #,##0.00, 0% or yyyy-mm-dd",
            ));
        }
        format["numberFormat"] = json!({ "type": number_format_type(p), "pattern": p });
        fields.push("userEnteredFormat.numberFormat");
        changes.push(format!("number format {p}"));
    }
    if let Some(a) = args.align {
        let a = match a {
            Align::Left => "LEFT",
            Align::Center => "CENTER",
            Align::Right => "RIGHT",
        };
        format["horizontalAlignment"] = json!(a);
        fields.push("userEnteredFormat.horizontalAlignment");
        changes.push(format!("aligned {}", a.to_ascii_lowercase()));
    }
    if fields.is_empty() {
        return Err(ToolError::invalid(
            "bold",
            "nothing to format: give bold, italic, number_format, background_color, text_color or align",
        ));
    }
    let request = json!({ "repeatCell": {
        "range": range,
        "cell": { "userEnteredFormat": format },
        "fields": fields.join(","),
    }});
    Ok((request, changes))
}

/// The `addChart` request: the first column of `data` as labels, the other
/// columns as series (a pie reads only the first of them), one header row.
pub(super) async fn batch(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    request: Value,
    retry: Retry,
) -> Result<Value, ApiError> {
    let url = sheets_url(api, &[&format!("{id}:batchUpdate")]);
    let body = json!({ "requests": [request] });
    api.call(&ctx.user, Method::POST, url, Some(Body::Json(body)), retry)
        .await
        .map(|(v, _)| v)
}

/// A refusal of a batchUpdate: Google's reason about the request, or the book's error.
pub(super) fn refused(e: ApiError, id: &str) -> ToolError {
    match e {
        ApiError::BadRequest(m) => ToolError::Refused(format!("Google refused the change: {m}")),
        e => book_error(e, id),
    }
}

pub async fn format(ctx: ToolCtx, args: FormatArgs) -> ToolResult<Formatted> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    let range = a1::parse(&args.range)?;
    let api = &*ctx.api;
    let book = metadata(&ctx, api, &id).await?;
    let (_, grid) = grid_range(&book, &range)?;
    let (request, changes) = repeat_cell(&args, grid)?;
    batch(&ctx, api, &id, request, Retry::Safe)
        .await
        .map_err(|e| refused(e, &id))?;
    Ok(Formatted {
        spreadsheet_id: id,
        target: format!("Formatted {}", range.text),
        changes,
        chart_id: None,
        note: None,
    })
}

pub async fn freeze(ctx: ToolCtx, args: FreezeArgs) -> ToolResult<Formatted> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    if args.rows.is_none() && args.columns.is_none() {
        return Err(ToolError::invalid(
            "rows",
            "give rows, columns or both (0 unfreezes)",
        ));
    }
    let api = &*ctx.api;
    let book = metadata(&ctx, api, &id).await?;
    let sheets = sheets_of(&book);
    let sheet = match args
        .sheet
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => sheets.first(),
        Some(t) => sheets
            .iter()
            .find(|s| s.title == t)
            .or_else(|| sheets.iter().find(|s| s.title.eq_ignore_ascii_case(t))),
    }
    .ok_or_else(|| {
        ToolError::invalid(
            "sheet",
            format!("no such sheet; the sheets are {}", sheet_list(&sheets)),
        )
    })?;
    let mut grid = json!({});
    let mut fields = Vec::new();
    let mut changes = Vec::new();
    for (n, limit, key, field, what) in [
        (args.rows, sheet.rows, "frozenRowCount", "rows", "row"),
        (
            args.columns,
            sheet.columns,
            "frozenColumnCount",
            "columns",
            "column",
        ),
    ] {
        if let Some(n) = n {
            if u64::from(n) >= limit {
                return Err(ToolError::invalid(
                    field,
                    format!(
                        "{} has {limit} {what}s; freeze fewer than that",
                        sheet.in_ranges
                    ),
                ));
            }
            grid[key] = json!(n);
            fields.push(format!("gridProperties.{key}"));
            changes.push(if n == 0 {
                format!("no {what}s frozen")
            } else {
                format!("{n} {what}(s) frozen")
            });
        }
    }
    let request = json!({ "updateSheetProperties": {
        "properties": { "sheetId": sheet.sheet_id, "gridProperties": grid },
        "fields": fields.join(","),
    }});
    batch(&ctx, api, &id, request, Retry::Safe)
        .await
        .map_err(|e| refused(e, &id))?;
    Ok(Formatted {
        spreadsheet_id: id,
        target: format!("Sheet {}", sheet.in_ranges),
        changes,
        chart_id: None,
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> Value {
        json!({ "sheets": [
            { "properties": { "sheetId": 0, "title": "Costs", "index": 0, "gridProperties": { "rowCount": 100, "columnCount": 5 } } },
            { "properties": { "sheetId": 7, "title": "It's Q4", "index": 1, "gridProperties": { "rowCount": 10, "columnCount": 3 } } },
        ], "namedRanges": [ { "name": "Totals", "range": { "sheetId": 7, "startRowIndex": 1, "endRowIndex": 3 } } ] })
    }

    fn grid(range: &str) -> ToolResult<(i64, Value)> {
        grid_range(&book(), &a1::parse(range).unwrap())
    }

    #[test]
    fn ranges_become_grid_ranges_on_the_right_sheet() {
        assert_eq!(
            grid("B2:C4").unwrap(),
            (
                0,
                json!({ "sheetId": 0, "startRowIndex": 1, "endRowIndex": 4, "startColumnIndex": 1, "endColumnIndex": 3 })
            )
        );
        assert_eq!(
            grid("'It''s Q4'!C:A").unwrap(),
            (
                7,
                json!({ "sheetId": 7, "startColumnIndex": 0, "endColumnIndex": 3 })
            )
        );
        assert_eq!(grid("D5").unwrap().1["endRowIndex"], 5);
        assert_eq!(grid("costs").unwrap(), (0, json!({ "sheetId": 0 })));
        assert_eq!(grid("Totals").unwrap().0, 7);
        assert!(grid("Nope!A1").is_err());
        assert!(grid("A1:F1").unwrap_err().to_string().contains("5 columns"));
        assert!(grid("'It''s Q4'!A11").is_err());
    }

    #[test]
    fn formats_send_only_the_fields_given() {
        let args = FormatArgs {
            bold: Some(true),
            number_format: Some("#,##0.00".into()),
            background_color: Some("#FF0000".into()),
            align: Some(Align::Center),
            ..FormatArgs::default()
        };
        let (r, changes) = repeat_cell(&args, json!({ "sheetId": 0 })).unwrap();
        let r = &r["repeatCell"];
        assert_eq!(
            r["fields"],
            "userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor,userEnteredFormat.numberFormat,userEnteredFormat.horizontalAlignment"
        );
        let f = &r["cell"]["userEnteredFormat"];
        assert_eq!(
            f["backgroundColor"],
            json!({ "red": 1.0, "green": 0.0, "blue": 0.0 })
        );
        assert_eq!(
            f["numberFormat"],
            json!({ "type": "NUMBER", "pattern": "#,##0.00" })
        );
        assert_eq!(changes.len(), 4);
        assert!(repeat_cell(&FormatArgs::default(), json!({})).is_err());
        let bad = FormatArgs {
            text_color: Some("red".into()),
            ..FormatArgs::default()
        };
        assert!(repeat_cell(&bad, json!({})).is_err());
        assert_eq!(number_format_type("0.0%"), "PERCENT");
        assert_eq!(number_format_type("yyyy-mm-dd"), "DATE");
        assert_eq!(number_format_type("[$€]#,##0"), "CURRENCY");
    }
}
