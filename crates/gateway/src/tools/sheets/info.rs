//! `sheets_get_info`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    SheetInfo,
    a1::{Resolved, column_letters, quote_sheet},
    metadata, sheets_of, spreadsheet_id,
};
use crate::{
    google::api::GoogleApi,
    tools::{ToolCtx, ToolResult, adapter::ToolOutput, line},
};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetInfoArgs {
    /// Id (docs.google.com/spreadsheets/d/<id>) or link.
    pub spreadsheet_id: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NamedRangeInfo {
    pub name: String,
    /// The range it names, in A1 notation.
    pub range: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SpreadsheetInfo {
    pub spreadsheet_id: String,
    pub title: String,
    pub locale: Option<String>,
    /// IANA time zone of the spreadsheet (used by date formulas such as NOW()).
    pub time_zone: Option<String>,
    /// Link to open it in Google Sheets.
    pub link: Option<String>,
    pub sheets: Vec<SheetInfo>,
    pub named_ranges: Vec<NamedRangeInfo>,
}

/// A `GridRange` in A1 notation; missing indexes run to the grid's edge.
fn grid_a1(range: &Value, sheets: &[SheetInfo]) -> String {
    let sheet_id = range["sheetId"].as_i64().unwrap_or_default();
    let title = sheets
        .iter()
        .find(|s| s.sheet_id == sheet_id)
        .map(|s| s.title.clone())
        .unwrap_or_else(|| format!("sheet {sheet_id}"));
    let index = |k: &str| range[k].as_u64().map(|n| n as u32);
    match (
        index("startRowIndex"),
        index("endRowIndex"),
        index("startColumnIndex"),
        index("endColumnIndex"),
    ) {
        (r0, Some(r1), c0, Some(c1)) => Resolved {
            sheet: title,
            first_row: r0.unwrap_or(0) + 1,
            first_col: c0.unwrap_or(0) + 1,
            last_row: r1,
            last_col: c1,
        }
        .a1(),
        (None, None, c0, Some(c1)) => format!(
            "{}!{}:{}",
            quote_sheet(&title),
            column_letters(c0.unwrap_or(0) + 1),
            column_letters(c1)
        ),
        (r0, Some(r1), None, None) => {
            format!("{}!{}:{r1}", quote_sheet(&title), r0.unwrap_or(0) + 1)
        }
        _ => quote_sheet(&title),
    }
}

fn from_google(id: String, book: &Value) -> SpreadsheetInfo {
    let sheets = sheets_of(book);
    let named_ranges = book["namedRanges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| NamedRangeInfo {
            name: n["name"].as_str().unwrap_or_default().to_owned(),
            range: grid_a1(&n["range"], &sheets),
        })
        .collect();
    let text = |v: &Value| v.as_str().map(str::to_owned);
    SpreadsheetInfo {
        spreadsheet_id: text(&book["spreadsheetId"]).unwrap_or(id),
        title: text(&book["properties"]["title"]).unwrap_or_default(),
        locale: text(&book["properties"]["locale"]),
        time_zone: text(&book["properties"]["timeZone"]),
        link: text(&book["spreadsheetUrl"]),
        sheets,
        named_ranges,
    }
}

async fn fetch(ctx: &ToolCtx, api: &GoogleApi, args: &GetInfoArgs) -> ToolResult<SpreadsheetInfo> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    let book = metadata(ctx, api, &id).await?;
    Ok(from_google(id, &book))
}

impl ToolOutput for SpreadsheetInfo {
    fn text(&self) -> String {
        let mut out = format!("{} (id {})\n", self.title, self.spreadsheet_id);
        line(&mut out, "Link", self.link.as_deref().unwrap_or_default());
        line(
            &mut out,
            "Locale",
            self.locale.as_deref().unwrap_or_default(),
        );
        line(
            &mut out,
            "Time zone",
            self.time_zone.as_deref().unwrap_or_default(),
        );
        out.push_str(&format!("{} sheets:\n", self.sheets.len()));
        for s in &self.sheets {
            out.push_str(&format!("{}. {}\n", s.index + 1, s.line()));
        }
        if !self.named_ranges.is_empty() {
            out.push_str("Named ranges:\n");
            for n in &self.named_ranges {
                out.push_str(&format!("{} = {}\n", n.name, n.range));
            }
        }
        out
    }
}

pub async fn get(ctx: ToolCtx, args: GetInfoArgs) -> ToolResult<SpreadsheetInfo> {
    fetch(&ctx, &ctx.api, &args).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn grid_ranges_read_as_a1() {
        let sheets = sheets_of(&json!({"sheets": [
            {"properties": {"sheetId": 0, "title": "Summary"}},
            {"properties": {"sheetId": 7, "title": "It's Q4"}},
        ]}));
        let a1 = |r| grid_a1(&r, &sheets);
        assert_eq!(
            a1(
                json!({"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4, "startColumnIndex": 0, "endColumnIndex": 3})
            ),
            "Summary!A1:C4"
        );
        assert_eq!(
            a1(json!({"sheetId": 7, "startColumnIndex": 1, "endColumnIndex": 3})),
            "'It''s Q4'!B:C"
        );
        assert_eq!(
            a1(json!({"sheetId": 7, "startRowIndex": 1, "endRowIndex": 5})),
            "'It''s Q4'!2:5"
        );
        assert_eq!(a1(json!({"sheetId": 0})), "Summary");
    }
}
