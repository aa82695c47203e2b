//! `spreadsheets.values.get`, `batchGet`, `update`, `append`, `clear`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::a1::{self, Range};
use super::input::{Input, render, to_cell};
use super::model::{Cell, Spreadsheet};
use super::{book, invalid};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, ok_json};

/// The `ValueRange` of `range`: trailing empty rows and columns dropped,
/// no `values` at all when nothing is there.
fn value_range(book: &Spreadsheet, range: &Range, params: &Params) -> Value {
    let render_option = params.get("valueRenderOption").unwrap_or("FORMATTED_VALUE");
    let columns = params.get("majorDimension") == Some("COLUMNS");
    let (r0, r1, c0, c1) = range.bounds(book);
    let sheet = &book.sheets[range.sheet];
    let empty = Cell::default();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for r in r0..r1.min(sheet.rows.len()) {
        let row = &sheet.rows[r];
        let mut out: Vec<Value> = (c0..c1.min(row.len()))
            .map(|c| render(row.get(c).unwrap_or(&empty), render_option))
            .collect();
        while out.last().is_some_and(|v| *v == "") {
            out.pop();
        }
        rows.push(out);
    }
    while rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    if columns {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        rows = (0..width)
            .map(|c| {
                let mut col: Vec<Value> = rows
                    .iter()
                    .map(|r| r.get(c).cloned().unwrap_or(json!("")))
                    .collect();
                while col.last().is_some_and(|v| *v == "") {
                    col.pop();
                }
                col
            })
            .collect();
    }
    let mut out = json!({
        "range": range.a1(book),
        "majorDimension": if columns { "COLUMNS" } else { "ROWS" },
    });
    if !rows.is_empty() {
        out["values"] = json!(rows);
    }
    out
}

/// `GET /v4/spreadsheets/{id}/values/{range}`
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((id, range)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("sheets.spreadsheets.values.get")?;
    let params = Params::parse(raw.as_deref());
    check_dimension(&params)?;
    fake.with_workspace(&caller.email, |ws| {
        let book = book(ws, &id, false)?;
        let parsed = within_grid(book, &range)?;
        Ok(ok_json(&value_range(book, &parsed, &params)))
    })
}

/// A range to read: Google refuses one reaching past the sheet's grid.
fn within_grid(book: &Spreadsheet, range: &str) -> Result<Range, ApiError> {
    let parsed = a1::parse(book, range)?;
    let sheet = &book.sheets[parsed.sheet];
    let rows = parsed.end_row.unwrap_or(parsed.start_row + 1);
    let cols = parsed.end_col.unwrap_or(parsed.start_col + 1);
    if rows > sheet.row_count || cols > sheet.column_count {
        return Err(invalid(format!(
            "Range ({}) exceeds grid limits. Max rows: {}, max columns: {}",
            parsed.a1(book),
            sheet.row_count,
            sheet.column_count
        )));
    }
    Ok(parsed)
}

fn check_dimension(params: &Params) -> Result<(), ApiError> {
    match params.get("majorDimension") {
        None | Some("ROWS" | "COLUMNS") => Ok(()),
        Some(other) => Err(ApiError::invalid_argument(format!(
            "Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), \"{other}\""
        ))),
    }
}

/// `GET /v4/spreadsheets/{id}/values:batchGet?ranges=…`
pub(crate) async fn batch_get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    if action != "values:batchGet" {
        return Err(ApiError::not_found("Not Found"));
    }
    caller.require("sheets.spreadsheets.values.batchGet")?;
    let params = Params::parse(raw.as_deref());
    check_dimension(&params)?;
    let ranges: Vec<String> = params
        .0
        .iter()
        .filter(|(k, _)| k == "ranges")
        .map(|(_, v)| v.clone())
        .collect();
    fake.with_workspace(&caller.email, |ws| {
        let book = book(ws, &id, false)?;
        let mut out = Vec::new();
        for range in &ranges {
            let parsed = within_grid(book, range)?;
            out.push(value_range(book, &parsed, &params));
        }
        Ok(ok_json(&json!({ "spreadsheetId": id, "valueRanges": out })))
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ValueRangeIn {
    range: Option<String>,
    major_dimension: Option<String>,
    #[serde(default)]
    values: Vec<Vec<Value>>,
}

fn input_option(params: &Params) -> Result<Input, ApiError> {
    match params.get("valueInputOption") {
        Some("RAW") => Ok(Input::Raw),
        Some("USER_ENTERED") => Ok(Input::UserEntered),
        None => Err(ApiError::invalid_argument(
            "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED",
        )),
        Some(other) => Err(ApiError::invalid_argument(format!(
            "Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), \"{other}\""
        ))),
    }
}

/// Writes `body` at `start` of `range`; answers an `UpdateValuesResponse`.
fn write(
    book: &mut Spreadsheet,
    id: &str,
    range: &Range,
    body: &ValueRangeIn,
    input: Input,
    params: &Params,
) -> Result<Value, ApiError> {
    let mut rows = body.values.clone();
    if body.major_dimension.as_deref() == Some("COLUMNS") {
        let height = rows.iter().map(Vec::len).max().unwrap_or(0);
        rows = (0..height)
            .map(|r| {
                rows.iter()
                    .map(|c| c.get(r).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
    }
    let height = rows.len();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if let Some(end) = range.end_row
        && range.start_row + height > end
    {
        return Err(invalid(format!(
            "Requested writing within range [{}], but tried writing to row [{}]",
            range.a1(book),
            range.start_row + height
        )));
    }
    if let Some(end) = range.end_col
        && range.start_col + width > end
    {
        return Err(invalid(format!(
            "Requested writing within range [{}], but tried writing to column [{}]",
            range.a1(book),
            a1::column_name(range.start_col + width - 1)
        )));
    }
    let sheet_index = range.sheet;
    for (i, row) in rows.iter().enumerate() {
        for (j, value) in row.iter().enumerate() {
            if value.is_null() {
                continue;
            }
            let cell = to_cell(value, input, &book.sheets[sheet_index]);
            book.sheets[sheet_index].set(range.start_row + i, range.start_col + j, cell);
        }
    }
    let written = Range {
        sheet: sheet_index,
        start_row: range.start_row,
        end_row: Some(range.start_row + height.max(1)),
        start_col: range.start_col,
        end_col: Some(range.start_col + width.max(1)),
    };
    let cells: usize = rows
        .iter()
        .map(|r| r.iter().filter(|v| !v.is_null()).count())
        .sum();
    let mut out = json!({
        "spreadsheetId": id,
        "updatedRange": written.a1(book),
        "updatedRows": height,
        "updatedColumns": width,
        "updatedCells": cells,
    });
    if params.flag("includeValuesInResponse")? {
        out["updatedData"] = value_range(book, &written, params);
    }
    Ok(out)
}

/// `PUT /v4/spreadsheets/{id}/values/{range}?valueInputOption=…`
pub(crate) async fn update(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((id, range)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("sheets.spreadsheets.values.update")?;
    let params = Params::parse(raw.as_deref());
    let input = input_option(&params)?;
    let body: ValueRangeIn = json_body(&body)?;
    fake.with_workspace(&caller.email, |ws| {
        let book = book(ws, &id, true)?;
        let mut parsed = a1::parse(book, &range)?;
        if let Some(in_body) = &body.range
            && a1::parse(book, in_body)? != parsed
        {
            return Err(invalid(format!(
                "Requested update range [{range}] does not match value's range [{in_body}]"
            )));
        }
        if !range.contains(':') {
            parsed = parsed.open_if_single();
        }
        Ok(ok_json(&write(book, &id, &parsed, &body, input, &params)?))
    })
}

/// `POST /v4/spreadsheets/{id}/values/{range}:append` or `…:clear`.
pub(crate) async fn append_or_clear(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((id, range)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    if let Some(range) = range.strip_suffix(":clear") {
        caller.require("sheets.spreadsheets.values.clear")?;
        return fake.with_workspace(&caller.email, |ws| {
            let book = book(ws, &id, true)?;
            let parsed = a1::parse(book, range)?;
            let (r0, r1, c0, c1) = parsed.bounds(book);
            let sheet = &mut book.sheets[parsed.sheet];
            for row in sheet.rows.iter_mut().take(r1).skip(r0) {
                for cell in row.iter_mut().take(c1).skip(c0) {
                    *cell = Cell::default();
                }
            }
            Ok(ok_json(
                &json!({ "spreadsheetId": id, "clearedRange": parsed.a1(book) }),
            ))
        });
    }
    let Some(range) = range.strip_suffix(":append") else {
        return Err(ApiError::not_found("Not Found"));
    };
    caller.require("sheets.spreadsheets.values.append")?;
    let input = input_option(&params)?;
    let body: ValueRangeIn = json_body(&body)?;
    fake.with_workspace(&caller.email, |ws| {
        let book = book(ws, &id, true)?;
        let parsed = a1::parse(book, range)?;
        let (r0, _, c0, c1) = parsed.bounds(book);
        let sheet = &book.sheets[parsed.sheet];
        // The table is the run of rows from the range's start with content in its columns.
        let mut last = None;
        for (r, row) in sheet.rows.iter().enumerate().skip(r0) {
            if row
                .iter()
                .take(c1)
                .skip(c0)
                .any(|c| !c.formatted().is_empty())
            {
                last = Some(r);
            }
        }
        let table = last.map(|end| Range {
            sheet: parsed.sheet,
            start_row: r0,
            end_row: Some(end + 1),
            start_col: c0,
            end_col: Some(
                c1.min(sheet.values().iter().map(Vec::len).max().unwrap_or(c0 + 1))
                    .max(c0 + 1),
            ),
        });
        let at = Range {
            sheet: parsed.sheet,
            start_row: last.map_or(r0, |l| l + 1),
            end_row: None,
            start_col: c0,
            end_col: None,
        };
        let updates = write(book, &id, &at, &body, input, &params)?;
        let mut out = json!({ "spreadsheetId": id, "updates": updates });
        if let Some(table) = table {
            out["tableRange"] = json!(table.a1(book));
        }
        Ok(ok_json(&out))
    })
}
