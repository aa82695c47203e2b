//! Google Sheets tools. Ranges are A1 notation, checked in the gateway
//! ([`a1`]) before Google sees them; Google's terse range errors are turned
//! into actionable ones (the sheet names, the grid size) from the
//! spreadsheet's own metadata.

pub mod a1;
mod book;
mod format;
mod info;
mod read;
mod rules;
mod write;

use reqwest::Method;
use rmcp::schemars;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url_segments},
    tools::adapter::Route,
    tools::{ToolCtx, ToolError, ToolResult},
};
use a1::{A1, Target, quote_sheet};

pub use book::{AddSheetArgs, AddedSheet, CreateArgs, Created};
pub use format::{Align, FormatArgs, Formatted, FreezeArgs};
pub use info::{GetInfoArgs, NamedRangeInfo, SpreadsheetInfo};
pub use read::{RangeValues, ReadRangeArgs, ValueRender};
pub use rules::{AddChartArgs, ChartType, Condition, ConditionalFormatArgs};
pub use write::{
    AppendRowsArgs, Appended, ClearRangeArgs, Cleared, ValueInput, WriteRangeArgs, Written,
};

/// `/v4/spreadsheets/<segments…>` with each segment percent-encoded.
pub(crate) fn sheets_url(api: &GoogleApi, segments: &[&str]) -> Url {
    api_url_segments(&api.bases.sheets, "/v4/spreadsheets", segments)
}

/// `/v4/spreadsheets/{id}/values/{range}{suffix}` (`suffix`: `""`, `:append`, `:clear`).
pub(crate) fn values_url(api: &GoogleApi, id: &str, range: &A1, suffix: &str) -> Url {
    sheets_url(api, &[id, "values", &format!("{}{suffix}", range.text)])
}

/// The spreadsheet id from an id or a link (`…/spreadsheets/d/<id>/edit`).
pub(crate) fn spreadsheet_id(arg: &str) -> ToolResult<String> {
    crate::tools::google_id("spreadsheet_id", arg)
}

pub(crate) fn not_found(id: &str) -> ToolError {
    ToolError::Refused(format!(
        "Spreadsheet {id:?} was not found, or is not shared with this user. Check the id (the part after /d/ in the spreadsheet's link)."
    ))
}

/// A failed call on a whole spreadsheet.
pub(crate) fn book_error(e: ApiError, id: &str) -> ToolError {
    match e {
        ApiError::NotFound(_) => not_found(id),
        ApiError::PermissionDenied(why) => ToolError::Refused(format!(
            "The user may not change spreadsheet {id:?} (Google: {why}); it is probably shared with them read-only. Ask its owner for edit access."
        )),
        e => e.into(),
    }
}

/// One sheet (tab) of a spreadsheet.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SheetInfo {
    /// The sheet's numeric id (`gid` in links).
    pub sheet_id: i64,
    pub title: String,
    /// How to name the sheet in a range (quoted when needed): `'It''s Q4'!A1`.
    pub in_ranges: String,
    /// Position, from 0.
    pub index: u64,
    /// Rows of the grid (not only those holding data).
    pub rows: u64,
    /// Columns of the grid.
    pub columns: u64,
    /// Rows frozen at the top.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen_rows: Option<u64>,
}

impl SheetInfo {
    /// From Google's `SheetProperties`.
    pub(crate) fn from_google(p: &Value) -> Self {
        let title = p["title"].as_str().unwrap_or_default().to_owned();
        let grid = &p["gridProperties"];
        Self {
            sheet_id: p["sheetId"].as_i64().unwrap_or_default(),
            in_ranges: quote_sheet(&title),
            title,
            index: p["index"].as_u64().unwrap_or_default(),
            rows: grid["rowCount"].as_u64().unwrap_or_default(),
            columns: grid["columnCount"].as_u64().unwrap_or_default(),
            frozen_rows: grid["frozenRowCount"].as_u64().filter(|n| *n > 0),
        }
    }

    /// `Summary (in ranges: Summary) — id 0, 1000 rows × 26 columns`.
    pub(crate) fn line(&self) -> String {
        let frozen = self
            .frozen_rows
            .map(|n| format!(", {n} frozen"))
            .unwrap_or_default();
        format!(
            "{} (in ranges: {}) — id {}, {} rows × {} columns{frozen}",
            self.title, self.in_ranges, self.sheet_id, self.rows, self.columns
        )
    }
}

/// The sheets of a `Spreadsheet` resource.
pub(crate) fn sheets_of(book: &Value) -> Vec<SheetInfo> {
    book["sheets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| SheetInfo::from_google(&s["properties"]))
        .collect()
}

pub(crate) fn sheet_list(sheets: &[SheetInfo]) -> String {
    sheets
        .iter()
        .map(|s| s.in_ranges.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `spreadsheets.get` without cell data.
pub(crate) async fn metadata(ctx: &ToolCtx, api: &GoogleApi, id: &str) -> ToolResult<Value> {
    let mut url = sheets_url(api, &[id]);
    url.query_pairs_mut()
        .append_pair("includeGridData", "false")
        .append_pair(
            "fields",
            "spreadsheetId,spreadsheetUrl,properties(title,locale,timeZone),sheets(properties(sheetId,title,index,sheetType,gridProperties)),namedRanges",
        );
    api.get(&ctx.user, url).await.map_err(|e| book_error(e, id))
}

/// Turns Google's refusal of a range into an actionable error: an unknown
/// sheet lists the sheets, a range outside the grid gives the grid size.
pub(crate) async fn range_error(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    range: &A1,
    e: ApiError,
) -> ToolError {
    let ApiError::BadRequest(message) = &e else {
        return book_error(e, id);
    };
    if message.contains("Requested writing within range") {
        return ToolError::invalid("values", format!("they do not fit the range: {message}"));
    }
    let Ok(book) = metadata(ctx, api, id).await else {
        return e.into();
    };
    let sheets = sheets_of(&book);
    let names = sheet_list(&sheets);
    match &range.target {
        Target::Name(name) => {
            let named: Vec<&str> = book["namedRanges"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["name"].as_str())
                .collect();
            if !sheets.iter().any(|s| s.title == *name) && !named.contains(&name.as_str()) {
                let named = if named.is_empty() {
                    "none".to_owned()
                } else {
                    named.join(", ")
                };
                return ToolError::invalid(
                    "range",
                    format!(
                        "{name:?} is neither a sheet nor a named range of this spreadsheet. Sheets: {names}. Named ranges: {named}."
                    ),
                );
            }
        }
        Target::Cells { sheet, cells } => {
            let found = match sheet {
                Some(title) => sheets.iter().find(|s| s.title == *title),
                None => sheets.first(),
            };
            let Some(found) = found else {
                return ToolError::invalid(
                    "range",
                    format!(
                        "there is no sheet named {:?}. Sheets: {names} (quote names with spaces or apostrophes, doubling apostrophes: 'It''s Q4'!A1:C10).",
                        sheet.as_deref().unwrap_or_default()
                    ),
                );
            };
            let end = cells.end.unwrap_or(cells.start);
            let last_row = cells.start.row.max(end.row).unwrap_or(0);
            let last_col = cells.start.col.max(end.col).unwrap_or(0);
            if u64::from(last_row) > found.rows || u64::from(last_col) > found.columns {
                return ToolError::invalid(
                    "range",
                    format!(
                        "{} is outside the grid of sheet {}, which has {} rows × {} columns (A1:{}{}).",
                        range.text,
                        found.in_ranges,
                        found.rows,
                        found.columns,
                        a1::column_letters(found.columns as u32),
                        found.rows
                    ),
                );
            }
        }
    }
    e.into()
}

/// Calls Google about a range, explaining a refused range.
pub(crate) async fn range_call(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
    range: &A1,
    request: (Method, Url, Option<Body>, Retry),
) -> ToolResult<Value> {
    let (method, url, body, retry) = request;
    match api.call(&ctx.user, method, url, body, retry).await {
        Ok((v, _)) => Ok(v),
        Err(e) => Err(range_error(ctx, api, id, range, e).await),
    }
}

/// Checks the spreadsheet and range arguments every range tool takes.
pub(crate) fn checked(spreadsheet: &str, range: &str) -> ToolResult<(String, A1)> {
    Ok((spreadsheet_id(spreadsheet)?, a1::parse(range)?))
}

/// The sheets tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "sheets_get_info",
            "Describe a spreadsheet",
            "Describe a spreadsheet: title, locale, time zone, link, each sheet (tab) with its id, grid size and how to name it in a range, and named ranges. Use it first to learn the sheet names.",
            info::get,
        ),
        Route::new(
            "sheets_read_range",
            "Read a spreadsheet range",
            "Read a spreadsheet range as a table with row numbers and column letters; trailing empty rows and columns are left out. At most 10,000 cells per call: a cut answer gives `next_range` for the rest.",
            read::read,
        ),
        Route::new(
            "sheets_write_range",
            "Write a spreadsheet range",
            "Write values into a spreadsheet range, replacing the values there and keeping the formatting. Returns the range written. To add rows under a table use sheets_append_rows.",
            write::write,
        )
        .idempotent()
        .destructive(),
        Route::new(
            "sheets_append_rows",
            "Append rows to a sheet",
            "Append rows below the table in `range`, never overwriting. Every call appends again: do not repeat one that succeeded; when Google's answer is lost, check with sheets_read_range first. Returns the range written.",
            write::append,
        ),
        Route::new(
            "sheets_clear_range",
            "Clear a spreadsheet range",
            "Clear the values and formulas of a spreadsheet range, keeping the formatting. Cannot be undone here: confirm with the user first.",
            write::clear,
        )
        .idempotent()
        .destructive(),
        Route::new(
            "sheets_create",
            "Create a spreadsheet",
            "Create a spreadsheet in My Drive with optional sheet (tab) names and a frozen header row. Returns its id, link and sheets. Each call creates another: do not repeat one that succeeded.",
            book::create,
        ),
        Route::new(
            "sheets_add_sheet",
            "Add a sheet to a spreadsheet",
            "Add a sheet (tab) to a spreadsheet, with an optional grid size and position. The title must differ from every sheet's (in any case). Returns the new sheet and the spreadsheet's sheets.",
            book::add_sheet,
        ),
        Route::new(
            "sheets_format",
            "Format cells",
            "Format a range of cells: bold, italic, a number format pattern, background and text color, horizontal alignment. Only the properties given change.",
            format::format,
        )
        .idempotent(),
        Route::new(
            "sheets_freeze",
            "Freeze rows or columns",
            "Freeze header rows at the top and/or columns at the left of a sheet (0 unfreezes).",
            format::freeze,
        )
        .idempotent(),
        Route::new(
            "sheets_add_chart",
            "Add a chart",
            "Add a column, bar, line or pie chart of a range (labels in the first column, a header row) to the spreadsheet, beside the data or at a cell. Each call adds a chart; a lost answer is looked up, never added twice.",
            rules::add_chart,
        ),
        Route::new(
            "sheets_add_conditional_format",
            "Add conditional formatting",
            "Highlight cells of a range that meet a condition (number greater/less/between, text contains, blank, a custom formula) with a background, text color or bold; or color them on a scale from min_color to max_color. The new rule takes precedence over older ones.",
            rules::add_conditional_format,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_ids_come_from_ids_or_links() {
        assert_eq!(spreadsheet_id(" abc_DEF-123 ").unwrap(), "abc_DEF-123");
        assert_eq!(
            spreadsheet_id("https://docs.google.com/spreadsheets/d/abc123/edit#gid=0").unwrap(),
            "abc123"
        );
        for bad in ["", "a b", "../x", "https://example.com/d/"] {
            let e = spreadsheet_id(bad).unwrap_err().to_string();
            assert!(e.contains("`spreadsheet_id`"), "{bad:?}: {e}");
        }
    }
}
