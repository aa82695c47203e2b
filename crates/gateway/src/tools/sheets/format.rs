//! `sheets_format`, `sheets_freeze`, `sheets_add_chart` and
//! `sheets_add_conditional_format`: one `spreadsheets.batchUpdate` each
//! (`repeatCell`, `updateSheetProperties`, `addChart`,
//! `addConditionalFormatRule`) on a range checked against the spreadsheet's
//! own sheets first.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChartType {
    Column,
    Bar,
    Line,
    Pie,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddChartArgs {
    pub spreadsheet_id: String,
    /// The data with a header row: first column labels, each other column a series (pie: one).
    pub range: String,
    /// column, bar, line or pie.
    pub chart_type: ChartType,
    #[serde(default)]
    pub title: Option<String>,
    /// Top-left cell of the chart, e.g. `F2` (default beside the data).
    #[serde(default)]
    pub anchor_cell: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    NumberGreater,
    NumberGreaterOrEqual,
    NumberLess,
    NumberLessOrEqual,
    NumberEqual,
    NumberBetween,
    TextContains,
    TextNotContains,
    TextEqual,
    Blank,
    NotBlank,
    CustomFormula,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionalFormatArgs {
    pub spreadsheet_id: String,
    pub range: String,
    /// A rule: number_greater, number_greater_or_equal, number_less, number_less_or_equal, number_equal, number_between, text_contains, text_not_contains, text_equal, blank, not_blank, custom_formula. Or leave out for a color scale.
    #[serde(default)]
    pub condition: Option<Condition>,
    /// The rule's values (two for number_between, none for blank/not_blank; a formula like `=B2>C2`).
    #[serde(default)]
    pub values: Vec<String>,
    /// `#RRGGBB` of cells that match.
    #[serde(default)]
    pub background_color: Option<String>,
    #[serde(default)]
    pub text_color: Option<String>,
    #[serde(default)]
    pub bold: Option<bool>,
    /// Color scale (no condition): `#RRGGBB` of the lowest and highest values, optional midpoint.
    #[serde(default)]
    pub min_color: Option<String>,
    #[serde(default)]
    pub max_color: Option<String>,
    #[serde(default)]
    pub mid_color: Option<String>,
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
pub(crate) fn add_chart_request(
    args: &AddChartArgs,
    chart_id: i64,
    data: &Value,
    anchor: Value,
) -> ToolResult<Value> {
    let (Some(c0), Some(c1)) = (
        data["startColumnIndex"].as_u64(),
        data["endColumnIndex"].as_u64(),
    ) else {
        return Err(ToolError::invalid(
            "range",
            "give the data's columns, e.g. A1:C10 (labels in the first column)",
        ));
    };
    if c1 - c0 < 2 {
        return Err(ToolError::invalid(
            "range",
            "a chart needs two columns at least: labels, then values",
        ));
    }
    let column = |c: u64| {
        let mut r = data.clone();
        r["startColumnIndex"] = json!(c);
        r["endColumnIndex"] = json!(c + 1);
        json!({ "sourceRange": { "sources": [r] } })
    };
    let title = args.title.as_deref().map(str::trim).unwrap_or_default();
    if title.chars().count() > 200 {
        return Err(ToolError::invalid("title", "at most 200 characters"));
    }
    let spec = match args.chart_type {
        ChartType::Pie => json!({ "pieChart": {
            "legendPosition": "RIGHT_LEGEND",
            "domain": column(c0),
            "series": column(c0 + 1),
        }}),
        t => {
            let kind = match t {
                ChartType::Bar => "BAR",
                ChartType::Line => "LINE",
                _ => "COLUMN",
            };
            let series: Vec<Value> = (c0 + 1..c1)
                .map(|c| json!({ "series": column(c), "targetAxis": if kind == "BAR" { "BOTTOM_AXIS" } else { "LEFT_AXIS" } }))
                .collect();
            json!({ "basicChart": {
                "chartType": kind,
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 1,
                "domains": [{ "domain": column(c0) }],
                "series": series,
            }})
        }
    };
    let mut spec = spec;
    if !title.is_empty() {
        spec["title"] = json!(title);
    }
    Ok(json!({ "addChart": { "chart": {
        "chartId": chart_id,
        "spec": spec,
        "position": { "overlayPosition": { "anchorCell": anchor } },
    }}}))
}

/// The `addConditionalFormatRule` request for `args` on `range`.
pub(crate) fn conditional_rule(
    args: &ConditionalFormatArgs,
    range: Value,
) -> ToolResult<(Value, String)> {
    let rule = match args.condition {
        Some(c) => {
            let (kind, needed) = match c {
                Condition::NumberGreater => ("NUMBER_GREATER", 1),
                Condition::NumberGreaterOrEqual => ("NUMBER_GREATER_THAN_EQ", 1),
                Condition::NumberLess => ("NUMBER_LESS", 1),
                Condition::NumberLessOrEqual => ("NUMBER_LESS_THAN_EQ", 1),
                Condition::NumberEqual => ("NUMBER_EQ", 1),
                Condition::NumberBetween => ("NUMBER_BETWEEN", 2),
                Condition::TextContains => ("TEXT_CONTAINS", 1),
                Condition::TextNotContains => ("TEXT_NOT_CONTAINS", 1),
                Condition::TextEqual => ("TEXT_EQ", 1),
                Condition::Blank => ("BLANK", 0),
                Condition::NotBlank => ("NOT_BLANK", 0),
                Condition::CustomFormula => ("CUSTOM_FORMULA", 1),
            };
            if args.values.len() != needed {
                return Err(ToolError::invalid(
                    "values",
                    format!("{kind} needs {needed} value(s), got {}", args.values.len()),
                ));
            }
            if kind.starts_with("NUMBER")
                && let Some(v) = args
                    .values
                    .iter()
                    .find(|v| v.trim().parse::<f64>().is_err())
            {
                return Err(ToolError::invalid(
                    "values",
                    format!("{v:?} is not a number"),
                ));
            }
            if kind == "CUSTOM_FORMULA" && !args.values[0].trim_start().starts_with('=') {
                return Err(ToolError::invalid(
                    "values",
                    "a formula starts with =, e.g. =B2>C2",
                ));
            }
            let mut format = json!({});
            if let Some(bg) = &args.background_color {
                format["backgroundColor"] = color("background_color", bg)?;
            }
            if let Some(t) = &args.text_color {
                format["textFormat"]["foregroundColor"] = color("text_color", t)?;
            }
            if let Some(b) = args.bold {
                format["textFormat"]["bold"] = json!(b);
            }
            if format.as_object().is_none_or(|o| o.is_empty()) {
                return Err(ToolError::invalid(
                    "background_color",
                    "say how matching cells look: background_color, text_color or bold",
                ));
            }
            let values: Vec<Value> = args
                .values
                .iter()
                .map(|v| json!({ "userEnteredValue": v.trim() }))
                .collect();
            let mut condition = json!({ "type": kind });
            if !values.is_empty() {
                condition["values"] = json!(values);
            }
            let what = format!(
                "{} {}",
                kind.to_ascii_lowercase(),
                args.values.join(" and ")
            );
            (
                json!({ "booleanRule": { "condition": condition, "format": format } }),
                what,
            )
        }
        None => {
            let (Some(min), Some(max)) = (&args.min_color, &args.max_color) else {
                return Err(ToolError::invalid(
                    "condition",
                    "give a condition with a format, or min_color and max_color for a color scale",
                ));
            };
            let mut g = json!({
                "minpoint": { "color": color("min_color", min)?, "type": "MIN" },
                "maxpoint": { "color": color("max_color", max)?, "type": "MAX" },
            });
            if let Some(mid) = &args.mid_color {
                g["midpoint"] = json!({ "color": color("mid_color", mid)?, "type": "PERCENTILE", "value": "50" });
            }
            (
                json!({ "gradientRule": g }),
                format!("color scale {min} to {max}"),
            )
        }
    };
    let (mut rule, what) = rule;
    rule["ranges"] = json!([range]);
    Ok((
        json!({ "addConditionalFormatRule": { "rule": rule, "index": 0 } }),
        what,
    ))
}

async fn batch(
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
fn refused(e: ApiError, id: &str) -> ToolError {
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

/// Whether the spreadsheet holds a chart with `chart_id`.
async fn has_chart(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    chart_id: i64,
) -> Result<bool, ApiError> {
    let mut url = sheets_url(api, &[id]);
    url.query_pairs_mut()
        .append_pair("fields", "sheets(charts(chartId))");
    let book = api.get(&ctx.user, url).await?;
    Ok(book["sheets"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["charts"].as_array().cloned().unwrap_or_default())
        .any(|c| c["chartId"] == chart_id))
}

pub async fn add_chart(ctx: ToolCtx, args: AddChartArgs) -> ToolResult<Formatted> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    let range = a1::parse(&args.range)?;
    let api = &*ctx.api;
    let book = metadata(&ctx, api, &id).await?;
    let (sheet_id, data) = grid_range(&book, &range)?;
    let anchor = match args
        .anchor_cell
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(cell) => {
            let a = a1::parse(cell)?;
            let (sid, g) = grid_range(&book, &a).map_err(|_| {
                ToolError::invalid(
                    "anchor_cell",
                    format!("{cell:?} is not a cell of this spreadsheet"),
                )
            })?;
            json!({ "sheetId": sid, "rowIndex": g["startRowIndex"].as_u64().unwrap_or(0), "columnIndex": g["startColumnIndex"].as_u64().unwrap_or(0) })
        }
        None => json!({
            "sheetId": sheet_id,
            "rowIndex": data["startRowIndex"].as_u64().unwrap_or(0),
            "columnIndex": data["endColumnIndex"].as_u64().unwrap_or(0) + 1,
        }),
    };
    // Our own id: a lost answer is settled by looking for it.
    let chart_id = i64::from(rand::random::<u32>() >> 1).max(1);
    let request = add_chart_request(&args, chart_id, &data, anchor)?;
    let kind = format!("{:?}", args.chart_type).to_ascii_lowercase();
    let mut note = None;
    match batch(&ctx, api, &id, request, Retry::RejectedOnly).await {
        Ok(_) => {}
        Err(cause @ ApiError::Unavailable(_)) => match has_chart(&ctx, api, &id, chart_id).await {
            Ok(true) => {
                note = Some(
                    "Google's answer was lost, but the chart is there: it was added once."
                        .to_owned(),
                );
            }
            Ok(false) => {
                return Err(ToolError::Refused(format!(
                    "Google did not confirm the chart ({cause}); it is not in the spreadsheet, so it was not added. It is safe to add it again."
                )));
            }
            Err(_) => {
                return Err(ToolError::Refused(format!(
                    "Google did not confirm the chart ({cause}) and the spreadsheet could not be checked; look at it before adding the chart again."
                )));
            }
        },
        Err(e) => return Err(refused(e, &id)),
    }
    Ok(Formatted {
        spreadsheet_id: id,
        target: format!("Chart of {}", range.text),
        changes: vec![format!("{kind} chart added")],
        chart_id: Some(chart_id),
        note,
    })
}

pub async fn add_conditional_format(
    ctx: ToolCtx,
    args: ConditionalFormatArgs,
) -> ToolResult<Formatted> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    let range = a1::parse(&args.range)?;
    let api = &*ctx.api;
    let book = metadata(&ctx, api, &id).await?;
    let (_, grid) = grid_range(&book, &range)?;
    let (request, what) = conditional_rule(&args, grid)?;
    batch(&ctx, api, &id, request, Retry::RejectedOnly)
        .await
        .map_err(|e| match e {
            ApiError::Unavailable(cause) => ToolError::Refused(format!(
                "Google did not confirm the rule ({cause}); it may have been added. Check the sheet's conditional formatting before adding it again."
            )),
            e => refused(e, &id),
        })?;
    Ok(Formatted {
        spreadsheet_id: id,
        target: format!("Conditional format on {}", range.text),
        changes: vec![what],
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

    #[test]
    fn charts_read_labels_then_series() {
        let data = json!({ "sheetId": 0, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 0, "endColumnIndex": 3 });
        let args = AddChartArgs {
            spreadsheet_id: "x".into(),
            range: "A1:C5".into(),
            chart_type: ChartType::Column,
            title: Some("Costs".into()),
            anchor_cell: None,
        };
        let r = add_chart_request(&args, 42, &data, json!({ "sheetId": 0 })).unwrap();
        let spec = &r["addChart"]["chart"]["spec"];
        assert_eq!(spec["title"], "Costs");
        let basic = &spec["basicChart"];
        assert_eq!(basic["chartType"], "COLUMN");
        assert_eq!(
            basic["domains"][0]["domain"]["sourceRange"]["sources"][0]["endColumnIndex"],
            1
        );
        assert_eq!(basic["series"].as_array().unwrap().len(), 2);
        assert_eq!(
            basic["series"][1]["series"]["sourceRange"]["sources"][0]["startColumnIndex"],
            2
        );
        let pie = AddChartArgs {
            chart_type: ChartType::Pie,
            ..args
        };
        let r = add_chart_request(&pie, 42, &data, json!({})).unwrap();
        assert_eq!(
            r["addChart"]["chart"]["spec"]["pieChart"]["series"]["sourceRange"]["sources"][0]["startColumnIndex"],
            1
        );
        let narrow = json!({ "sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1 });
        assert!(add_chart_request(&pie, 1, &narrow, json!({})).is_err());
    }

    #[test]
    fn conditional_rules_check_their_values() {
        let args = ConditionalFormatArgs {
            condition: Some(Condition::NumberGreater),
            values: vec!["1000".into()],
            background_color: Some("#F4CCCC".into()),
            ..ConditionalFormatArgs::default()
        };
        let (r, _) = conditional_rule(&args, json!({ "sheetId": 0 })).unwrap();
        let rule = &r["addConditionalFormatRule"]["rule"];
        assert_eq!(
            rule["booleanRule"]["condition"],
            json!({ "type": "NUMBER_GREATER", "values": [{ "userEnteredValue": "1000" }] })
        );
        assert_eq!(rule["ranges"], json!([{ "sheetId": 0 }]));
        let words = ConditionalFormatArgs {
            values: vec!["lots".into()],
            ..args
        };
        assert!(conditional_rule(&words, json!({})).is_err());
        let scale = ConditionalFormatArgs {
            min_color: Some("#FFFFFF".into()),
            max_color: Some("#57BB8A".into()),
            ..ConditionalFormatArgs::default()
        };
        let (r, _) = conditional_rule(&scale, json!({})).unwrap();
        assert_eq!(
            r["addConditionalFormatRule"]["rule"]["gradientRule"]["maxpoint"]["type"],
            "MAX"
        );
        assert!(conditional_rule(&ConditionalFormatArgs::default(), json!({})).is_err());
    }
}
