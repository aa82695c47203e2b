//! `sheets_write_range`, `sheets_append_rows` and `sheets_clear_range`.

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{checked, range_call, values_url};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

/// Most cells one write or append sends.
pub const MAX_WRITE_CELLS: usize = 50_000;
/// Google's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 50_000;

/// How Google reads written values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueInput {
    #[default]
    UserEntered,
    Raw,
}

impl ValueInput {
    fn google(self) -> &'static str {
        match self {
            ValueInput::UserEntered => "USER_ENTERED",
            ValueInput::Raw => "RAW",
        }
    }
}

/// A cell to write: text, a number or a boolean.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "describes the schema only (schemars(with)); never built"
)]
enum CellIn {
    Text(String),
    Number(f64),
    Boolean(bool),
}

/// Rows of cells to write (the schema of `values` and `rows`).
type RowsIn = Vec<Vec<Option<CellIn>>>;

/// Checks rows of cells: `(rows, widest row, cells)`.
fn check_rows(field: &str, rows: &[Vec<Value>]) -> ToolResult<(usize, usize, usize)> {
    if rows.is_empty() || rows.iter().all(Vec::is_empty) {
        return Err(ToolError::invalid(
            field,
            "give at least one row with a cell",
        ));
    }
    let cells: usize = rows.iter().map(Vec::len).sum();
    if cells > MAX_WRITE_CELLS {
        return Err(ToolError::invalid(
            field,
            format!("{cells} cells is more than {MAX_WRITE_CELLS} in one call; send them in parts"),
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            match v {
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
                Value::String(s) if s.chars().count() <= MAX_CELL_CHARS => {}
                Value::String(_) => {
                    return Err(ToolError::invalid(
                        field,
                        format!(
                            "{field}[{i}][{j}] is longer than {MAX_CELL_CHARS} characters, the most a cell holds"
                        ),
                    ));
                }
                _ => {
                    return Err(ToolError::invalid(
                        field,
                        format!(
                            "{field}[{i}][{j}] must be text, a number, a boolean or null, not a list or object"
                        ),
                    ));
                }
            }
        }
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    Ok((rows.len(), width, cells))
}

/// What Google reports about written cells (`UpdateValuesResponse`).
fn counts(v: &Value) -> (String, u64, u64, u64) {
    (
        v["updatedRange"].as_str().unwrap_or_default().to_owned(),
        v["updatedRows"].as_u64().unwrap_or_default(),
        v["updatedColumns"].as_u64().unwrap_or_default(),
        v["updatedCells"].as_u64().unwrap_or_default(),
    )
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteRangeArgs {
    /// Id (docs.google.com/spreadsheets/d/<id>) or link.
    pub spreadsheet_id: String,
    /// A1: a top-left cell (Sheet1!B2) to extend from, or a range (Sheet1!A1:C3) they must fit.
    pub range: String,
    /// Rows of cells; null leaves a cell unchanged.
    #[schemars(with = "RowsIn")]
    pub values: Vec<Vec<Value>>,
    /// USER_ENTERED (default: parsed as if typed, e.g. formulas, dates) or RAW (kept as given).
    #[serde(default)]
    pub value_input: ValueInput,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Written {
    pub spreadsheet_id: String,
    /// The range written, as Google reports it.
    pub updated_range: String,
    pub rows: u64,
    pub columns: u64,
    /// Cells written (nulls excluded).
    pub cells: u64,
}

async fn put(ctx: &ToolCtx, api: &GoogleApi, args: &WriteRangeArgs) -> ToolResult<Written> {
    let (id, range) = checked(&args.spreadsheet_id, &args.range)?;
    let (rows, width, _) = check_rows("values", &args.values)?;
    if let Some(cells) = range.cells() {
        let (fit_rows, fit_cols) = cells.shape();
        let too_big = |what: &str, n: usize, room: Option<u32>| match room {
            Some(room) if n > room as usize => Err(ToolError::invalid(
                "values",
                format!(
                    "{n} {what} do not fit {}, which spans {room} {what}; give a bigger range, or only its top-left cell to let the values extend",
                    range.text
                ),
            )),
            _ => Ok(()),
        };
        too_big("rows", rows, fit_rows)?;
        too_big("columns", width, fit_cols)?;
    }
    let mut url = values_url(api, &id, &range, "");
    url.query_pairs_mut()
        .append_pair("valueInputOption", args.value_input.google());
    let body = json!({ "range": range.text, "majorDimension": "ROWS", "values": args.values });
    // Writing the same values twice leaves the same cells.
    let answer = range_call(
        ctx,
        api,
        &id,
        &range,
        (Method::PUT, url, Some(Body::Json(body)), Retry::Safe),
    )
    .await?;
    let (updated_range, rows, columns, cells) = counts(&answer);
    Ok(Written {
        spreadsheet_id: id,
        updated_range,
        rows,
        columns,
        cells,
    })
}

pub async fn write(ctx: ToolCtx, args: WriteRangeArgs) -> ToolResult<Written> {
    put(&ctx, &ctx.api, &args).await
}

impl ToolOutput for Written {
    fn text(&self) -> String {
        let w = self;
        format!(
            "Wrote {} cells ({} rows × {} columns) to {}.",
            w.cells, w.rows, w.columns, w.updated_range
        )
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppendRowsArgs {
    /// Id (docs.google.com/spreadsheets/d/<id>) or link.
    pub spreadsheet_id: String,
    /// The table's sheet (Sheet1) or columns (Sheet1!A:D), in A1.
    pub range: String,
    /// Rows of cells; null for empty.
    #[schemars(with = "RowsIn")]
    pub rows: Vec<Vec<Value>>,
    /// USER_ENTERED (default: parsed as if typed, e.g. formulas, dates) or RAW (kept as given).
    #[serde(default)]
    pub value_input: ValueInput,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Appended {
    pub spreadsheet_id: String,
    /// The table the rows were appended to (absent when the range was empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_range: Option<String>,
    /// Where the new rows are.
    pub updated_range: String,
    pub rows: u64,
    pub columns: u64,
    pub cells: u64,
}

async fn post_append(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &AppendRowsArgs,
) -> ToolResult<Appended> {
    let (id, range) = checked(&args.spreadsheet_id, &args.range)?;
    check_rows("rows", &args.rows)?;
    let mut url = values_url(api, &id, &range, ":append");
    url.query_pairs_mut()
        .append_pair("valueInputOption", args.value_input.google())
        .append_pair("insertDataOption", "INSERT_ROWS");
    let body = json!({ "majorDimension": "ROWS", "values": args.rows });
    // Each append adds rows again: never resent unless Google refused it outright.
    let request = (
        Method::POST,
        url,
        Some(Body::Json(body)),
        Retry::RejectedOnly,
    );
    let answer = range_call(ctx, api, &id, &range, request)
        .await
        .map_err(|e| match e {
            ToolError::Api(ApiError::Unavailable(why)) => ToolError::Refused(format!(
                "Google did not confirm the append ({why}): the rows may or may not have been added. Read the end of the table with sheets_read_range before trying again, so they are not added twice."
            )),
            e => e,
        })?;
    let (updated_range, rows, columns, cells) = counts(&answer["updates"]);
    Ok(Appended {
        spreadsheet_id: id,
        table_range: answer["tableRange"].as_str().map(str::to_owned),
        updated_range,
        rows,
        columns,
        cells,
    })
}

pub async fn append(ctx: ToolCtx, args: AppendRowsArgs) -> ToolResult<Appended> {
    post_append(&ctx, &ctx.api, &args).await
}

impl ToolOutput for Appended {
    fn text(&self) -> String {
        let a = self;
        let after = a
            .table_range
            .as_deref()
            .map(|t| format!(" below the table {t}"))
            .unwrap_or_default();
        format!(
            "Appended {} rows ({} cells){after}: now in {}.",
            a.rows, a.cells, a.updated_range
        )
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearRangeArgs {
    /// Id (docs.google.com/spreadsheets/d/<id>) or link.
    pub spreadsheet_id: String,
    /// A1, as in sheets_read_range; a sheet name clears the whole sheet.
    pub range: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Cleared {
    pub spreadsheet_id: String,
    /// The range cleared, as Google reports it.
    pub cleared_range: String,
}

async fn post_clear(ctx: &ToolCtx, api: &GoogleApi, args: &ClearRangeArgs) -> ToolResult<Cleared> {
    let (id, range) = checked(&args.spreadsheet_id, &args.range)?;
    let url = values_url(api, &id, &range, ":clear");
    let request = (Method::POST, url, Some(Body::Json(json!({}))), Retry::Safe);
    let answer = range_call(ctx, api, &id, &range, request).await?;
    Ok(Cleared {
        spreadsheet_id: id,
        cleared_range: answer["clearedRange"]
            .as_str()
            .unwrap_or(&range.text)
            .to_owned(),
    })
}

pub async fn clear(ctx: ToolCtx, args: ClearRangeArgs) -> ToolResult<Cleared> {
    post_clear(&ctx, &ctx.api, &args).await
}

impl ToolOutput for Cleared {
    fn text(&self) -> String {
        let c = self;
        format!("Cleared the values of {}.", c.cleared_range)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_must_hold_plain_cells() {
        let rows = |v: Value| serde_json::from_value::<Vec<Vec<Value>>>(v).unwrap();
        assert_eq!(
            check_rows("values", &rows(json!([["a", 1, true, null], ["b"]]))).unwrap(),
            (2, 4, 5)
        );
        let e = check_rows("values", &rows(json!([["a"], [{"x": 1}]])))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`values`") && e.contains("values[1][0]"), "{e}");
        let e = check_rows("rows", &rows(json!([[]])))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`rows`"), "{e}");
        let big = vec![vec![json!(1); 1000]; 51];
        assert!(check_rows("values", &big).is_err());
    }
}
