//! The formatting requests of `spreadsheets.batchUpdate`: `repeatCell`,
//! `updateSheetProperties` (frozen rows and columns, title),
//! `addChart` (basic and pie charts) and `addConditionalFormatRule`, with
//! Google's checks of ranges, field masks and chart sources.

use serde_json::{Value, json};

use super::invalid;
use super::model::{Sheet, Spreadsheet};
use crate::api::ApiError;

fn bad(i: usize, kind: &str, message: impl std::fmt::Display) -> ApiError {
    invalid(format!("Invalid requests[{i}].{kind}: {message}"))
}

/// The sheet a `GridRange` is on, after checking its bounds.
fn sheet_of<'a>(
    book: &'a mut Spreadsheet,
    range: &Value,
    i: usize,
    kind: &str,
) -> Result<&'a mut Sheet, ApiError> {
    let id = range["sheetId"].as_i64().unwrap_or(0);
    let sheet = book
        .sheets
        .iter_mut()
        .find(|s| s.sheet_id == id)
        .ok_or_else(|| bad(i, kind, format!("No grid with id: {id}")))?;
    for (start, end, limit) in [
        ("startRowIndex", "endRowIndex", sheet.row_count),
        ("startColumnIndex", "endColumnIndex", sheet.column_count),
    ] {
        let s = range[start].as_i64();
        let e = range[end].as_i64();
        if s.is_some_and(|s| s < 0) || e.is_some_and(|e| e as usize > limit) {
            return Err(bad(i, kind, "Range is out of the grid"));
        }
        if let (Some(s), Some(e)) = (s, e)
            && s >= e
        {
            return Err(bad(i, kind, format!("{start} must be less than {end}")));
        }
    }
    Ok(sheet)
}

/// `repeatCell`: `cell.userEnteredFormat` on a range, `fields` required.
pub(crate) fn repeat_cell(book: &mut Spreadsheet, r: &Value, i: usize) -> Result<Value, ApiError> {
    let fields = r["fields"].as_str().unwrap_or_default();
    if fields.is_empty() {
        return Err(bad(
            i,
            "repeatCell",
            "At least one field must be specified in 'fields'.",
        ));
    }
    let format = r["cell"]["userEnteredFormat"].clone();
    if !format.is_object() {
        return Err(bad(i, "repeatCell", "cell.userEnteredFormat is required."));
    }
    for path in fields.split(',') {
        let path = path.trim();
        if !path.starts_with("userEnteredFormat") {
            return Err(bad(i, "repeatCell", format!("Invalid field mask: {path}")));
        }
    }
    if let Some(pattern) = format["numberFormat"]["pattern"].as_str()
        && format["numberFormat"]["type"].as_str().is_none()
    {
        return Err(bad(
            i,
            "repeatCell",
            format!("numberFormat.type is required with pattern {pattern}"),
        ));
    }
    let range = r["range"].clone();
    let sheet = sheet_of(book, &range, i, "repeatCell")?;
    sheet.formats.push((range, format, fields.to_owned()));
    Ok(json!({}))
}

/// `updateSheetProperties`: frozen rows and columns and the title, as `fields` says.
pub(crate) fn update_sheet_properties(
    book: &mut Spreadsheet,
    r: &Value,
    i: usize,
) -> Result<Value, ApiError> {
    const KIND: &str = "updateSheetProperties";
    let fields = r["fields"].as_str().unwrap_or_default();
    if fields.is_empty() {
        return Err(bad(
            i,
            KIND,
            "At least one field must be specified in 'fields'.",
        ));
    }
    let props = &r["properties"];
    let id = props["sheetId"].as_i64().unwrap_or(0);
    let taken: Vec<String> = book
        .sheets
        .iter()
        .filter(|s| s.sheet_id != id)
        .map(|s| s.title.clone())
        .collect();
    let sheet = book
        .sheets
        .iter_mut()
        .find(|s| s.sheet_id == id)
        .ok_or_else(|| bad(i, KIND, format!("No grid with id: {id}")))?;
    for field in fields.split(',').map(str::trim) {
        match field {
            "gridProperties.frozenRowCount" => {
                let n = props["gridProperties"]["frozenRowCount"]
                    .as_u64()
                    .unwrap_or(0) as usize;
                if n >= sheet.row_count {
                    return Err(bad(
                        i,
                        KIND,
                        "You can't freeze all visible rows on the sheet.",
                    ));
                }
                sheet.frozen_rows = n;
            }
            "gridProperties.frozenColumnCount" => {
                let n = props["gridProperties"]["frozenColumnCount"]
                    .as_u64()
                    .unwrap_or(0) as usize;
                if n >= sheet.column_count {
                    return Err(bad(
                        i,
                        KIND,
                        "You can't freeze all visible columns on the sheet.",
                    ));
                }
                sheet.frozen_columns = n;
            }
            "title" => {
                let title = props["title"].as_str().unwrap_or_default();
                if taken.iter().any(|t| t == title) {
                    return Err(bad(
                        i,
                        KIND,
                        format!("A sheet with the name \"{title}\" already exists."),
                    ));
                }
                sheet.title = title.to_owned();
            }
            other => return Err(bad(i, KIND, format!("Invalid field mask: {other}"))),
        }
    }
    Ok(json!({}))
}

/// The source ranges a chart spec reads.
fn chart_sources(spec: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut add = |v: &Value| {
        out.extend(
            v["sourceRange"]["sources"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    };
    if let Some(basic) = spec.get("basicChart") {
        for d in basic["domains"].as_array().into_iter().flatten() {
            add(&d["domain"]);
        }
        for s in basic["series"].as_array().into_iter().flatten() {
            add(&s["series"]);
        }
    }
    if let Some(pie) = spec.get("pieChart") {
        add(&pie["domain"]);
        add(&pie["series"]);
    }
    out
}

const BASIC_TYPES: [&str; 7] = [
    "BAR",
    "LINE",
    "AREA",
    "COLUMN",
    "SCATTER",
    "COMBO",
    "STEPPED_AREA",
];

/// `addChart`: a basic or pie chart whose sources exist, placed on a sheet.
pub(crate) fn add_chart(book: &mut Spreadsheet, r: &Value, i: usize) -> Result<Value, ApiError> {
    const KIND: &str = "addChart";
    let mut chart = r["chart"].clone();
    let spec = &chart["spec"];
    match (spec.get("basicChart"), spec.get("pieChart")) {
        (Some(basic), None) => {
            let t = basic["chartType"].as_str().unwrap_or_default();
            if !BASIC_TYPES.contains(&t) {
                return Err(bad(i, KIND, format!("Invalid chartType: {t}")));
            }
            if basic["series"].as_array().is_none_or(|s| s.is_empty()) {
                return Err(bad(i, KIND, "A chart needs at least one series."));
            }
        }
        (None, Some(_)) => {}
        _ => {
            return Err(bad(
                i,
                KIND,
                "Exactly one chart type must be specified in spec.",
            ));
        }
    }
    let sources = chart_sources(spec);
    if sources.is_empty() {
        return Err(bad(i, KIND, "The chart has no data."));
    }
    for s in &sources {
        sheet_of(book, s, i, KIND)?;
    }
    let id = match chart["chartId"].as_i64() {
        Some(id)
            if book
                .sheets
                .iter()
                .any(|s| s.charts.iter().any(|c| c["chartId"] == id)) =>
        {
            return Err(bad(i, KIND, format!("Chart with id {id} already exists.")));
        }
        Some(id) => id,
        None => {
            (crate::seed::hash(
                &book.id,
                &format!(
                    "chart{}",
                    book.sheets.iter().map(|s| s.charts.len()).sum::<usize>()
                ),
            ) % 2_000_000_000) as i64
        }
    };
    chart["chartId"] = json!(id);
    let anchor = chart["position"]["overlayPosition"]["anchorCell"].clone();
    let home = if anchor.is_object() {
        anchor["sheetId"].as_i64().unwrap_or(0)
    } else if let Some(sheet) = chart["position"]["sheetId"].as_i64() {
        sheet
    } else {
        sources[0]["sheetId"].as_i64().unwrap_or(0)
    };
    let sheet = book
        .sheets
        .iter_mut()
        .find(|s| s.sheet_id == home)
        .ok_or_else(|| bad(i, KIND, format!("No grid with id: {home}")))?;
    sheet.charts.push(chart.clone());
    Ok(json!({ "addChart": { "chart": chart } }))
}

const CONDITIONS: [&str; 14] = [
    "NUMBER_GREATER",
    "NUMBER_GREATER_THAN_EQ",
    "NUMBER_LESS",
    "NUMBER_LESS_THAN_EQ",
    "NUMBER_EQ",
    "NUMBER_NOT_EQ",
    "NUMBER_BETWEEN",
    "TEXT_CONTAINS",
    "TEXT_NOT_CONTAINS",
    "TEXT_EQ",
    "BLANK",
    "NOT_BLANK",
    "CUSTOM_FORMULA",
    "TEXT_STARTS_WITH",
];

/// `addConditionalFormatRule`: a boolean or gradient rule on ranges of one sheet.
pub(crate) fn add_conditional_format(
    book: &mut Spreadsheet,
    r: &Value,
    i: usize,
) -> Result<Value, ApiError> {
    const KIND: &str = "addConditionalFormatRule";
    let rule = r["rule"].clone();
    let ranges = rule["ranges"].as_array().cloned().unwrap_or_default();
    if ranges.is_empty() {
        return Err(bad(i, KIND, "At least one range must be specified."));
    }
    match (rule.get("booleanRule"), rule.get("gradientRule")) {
        (Some(b), None) => {
            let t = b["condition"]["type"].as_str().unwrap_or_default();
            if !CONDITIONS.contains(&t) {
                return Err(bad(i, KIND, format!("Invalid ConditionType: {t}")));
            }
            let n = b["condition"]["values"].as_array().map_or(0, Vec::len);
            let needed = match t {
                "BLANK" | "NOT_BLANK" => 0,
                "NUMBER_BETWEEN" => 2,
                _ => 1,
            };
            if n != needed {
                return Err(bad(
                    i,
                    KIND,
                    format!("{t} needs {needed} value(s), got {n}."),
                ));
            }
        }
        (None, Some(g)) => {
            if !g["minpoint"].is_object() || !g["maxpoint"].is_object() {
                return Err(bad(
                    i,
                    KIND,
                    "A gradient rule needs a minpoint and a maxpoint.",
                ));
            }
        }
        _ => {
            return Err(bad(
                i,
                KIND,
                "Exactly one of booleanRule or gradientRule must be set.",
            ));
        }
    }
    let home = ranges[0]["sheetId"].as_i64().unwrap_or(0);
    for range in &ranges {
        if range["sheetId"].as_i64().unwrap_or(0) != home {
            return Err(bad(i, KIND, "All ranges must be on the same sheet."));
        }
        sheet_of(book, range, i, KIND)?;
    }
    let sheet = sheet_of(book, &ranges[0], i, KIND)?;
    let index = r["index"]
        .as_u64()
        .map_or(0, |n| n as usize)
        .min(sheet.conditional_formats.len());
    sheet.conditional_formats.insert(index, rule);
    Ok(json!({}))
}
