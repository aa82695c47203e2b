//! `sheets_create` and `sheets_add_sheet`.

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    SheetInfo, a1, book_error, metadata, sheet_list, sheets_of, sheets_url, spreadsheet_id,
    values_url,
};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput, line},
};

/// Google's limits on a sheet title and a spreadsheet's cells.
const MAX_SHEET_TITLE: usize = 100;
const MAX_CELLS: u64 = 10_000_000;
const DEFAULT_ROWS: u32 = 1000;
const DEFAULT_COLUMNS: u32 = 26;

fn check_sheet_title(field: &str, title: &str) -> ToolResult<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(ToolError::invalid(field, "sheet names must not be empty"));
    }
    if t.chars().count() > MAX_SHEET_TITLE {
        return Err(ToolError::invalid(
            field,
            format!("sheet names have at most {MAX_SHEET_TITLE} characters"),
        ));
    }
    Ok(t.to_owned())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    #[schemars(length(min = 1, max = 500))]
    pub title: String,
    /// Sheet (tab) names, unique; default one, Sheet1.
    #[serde(default)]
    #[schemars(length(max = 50))]
    pub sheets: Vec<String>,
    /// Row 1 of the first sheet, as given; then frozen.
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub header: Vec<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Created {
    pub spreadsheet_id: String,
    pub title: String,
    /// Link to open it in Google Sheets.
    pub link: Option<String>,
    pub sheets: Vec<SheetInfo>,
    /// Where the header row was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_range: Option<String>,
}

fn create_body(args: &CreateArgs) -> ToolResult<(String, Vec<String>, Value)> {
    let title = args.title.trim();
    if title.is_empty() || title.chars().count() > 500 {
        return Err(ToolError::invalid(
            "title",
            "must be 1 to 500 characters, not only spaces",
        ));
    }
    if args.sheets.len() > 50 {
        return Err(ToolError::invalid("sheets", "at most 50 sheets"));
    }
    let mut names: Vec<String> = Vec::new();
    for s in &args.sheets {
        let name = check_sheet_title("sheets", s)?;
        if names
            .iter()
            .any(|n| n.to_lowercase() == name.to_lowercase())
        {
            return Err(ToolError::invalid(
                "sheets",
                format!("{name:?} appears twice; sheet names must be unique (case-insensitive)"),
            ));
        }
        names.push(name);
    }
    if args.header.len() > 200 {
        return Err(ToolError::invalid("header", "at most 200 columns"));
    }
    if names.is_empty() && !args.header.is_empty() {
        names.push("Sheet1".into());
    }
    let columns = DEFAULT_COLUMNS.max(args.header.len() as u32);
    let sheets: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut grid = json!({ "rowCount": DEFAULT_ROWS, "columnCount": DEFAULT_COLUMNS });
            if i == 0 && !args.header.is_empty() {
                grid["columnCount"] = json!(columns);
                grid["frozenRowCount"] = json!(1);
            }
            json!({ "properties": { "title": name, "index": i, "gridProperties": grid } })
        })
        .collect();
    let mut body = json!({ "properties": { "title": title } });
    if !sheets.is_empty() {
        body["sheets"] = json!(sheets);
    }
    Ok((title.to_owned(), names, body))
}

async fn create_book(ctx: &ToolCtx, api: &GoogleApi, args: &CreateArgs) -> ToolResult<Created> {
    let (title, _, body) = create_body(args)?;
    // Each create makes another spreadsheet: never resent unless Google refused it outright.
    let (book, _) = api
        .call(
            &ctx.user,
            Method::POST,
            sheets_url(api, &[]),
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await
        .map_err(|e| match e {
            ApiError::Unavailable(why) => ToolError::Refused(format!(
                "Google did not confirm the creation ({why}): a spreadsheet titled {title:?} may exist anyway. Look for it in the user's Drive before creating it again."
            )),
            e => e.into(),
        })?;
    let id = book["spreadsheetId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut created = Created {
        spreadsheet_id: id.clone(),
        title: book["properties"]["title"]
            .as_str()
            .unwrap_or(&title)
            .to_owned(),
        link: book["spreadsheetUrl"].as_str().map(str::to_owned),
        sheets: sheets_of(&book),
        header_range: None,
    };
    if !args.header.is_empty() {
        let first = created.sheets.first().map(|s| s.in_ranges.clone());
        let range = a1::parse(&format!("{}!A1", first.unwrap_or_else(|| "Sheet1".into())))?;
        let mut url = values_url(api, &id, &range, "");
        url.query_pairs_mut().append_pair("valueInputOption", "RAW");
        let body = json!({ "majorDimension": "ROWS", "values": [args.header] });
        let (written, _) = api
            .call(&ctx.user, Method::PUT, url, Some(Body::Json(body)), Retry::Safe)
            .await
            .map_err(|e| {
                ToolError::Refused(format!(
                    "Created spreadsheet {title:?} (id {id}), but writing its header failed: {e}. Write it with sheets_write_range at {}.",
                    range.text
                ))
            })?;
        created.header_range = written["updatedRange"].as_str().map(str::to_owned);
    }
    Ok(created)
}

pub async fn create(ctx: ToolCtx, args: CreateArgs) -> ToolResult<Created> {
    create_book(&ctx, &ctx.api, &args).await
}

impl ToolOutput for Created {
    fn text(&self) -> String {
        let c = self;
        let mut text = format!(
            "Created spreadsheet {} (id {})\n",
            c.title, c.spreadsheet_id
        );
        line(&mut text, "Link", c.link.as_deref().unwrap_or_default());
        line(
            &mut text,
            "Header",
            c.header_range.as_deref().unwrap_or_default(),
        );
        for s in &c.sheets {
            text.push_str(&format!("{}. {}\n", s.index + 1, s.line()));
        }
        text
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSheetArgs {
    /// Id (docs.google.com/spreadsheets/d/<id>) or link.
    pub spreadsheet_id: String,
    /// At most 100 characters.
    pub title: String,
    /// Default 1000.
    #[serde(default)]
    #[schemars(range(min = 1, max = 10_000_000))]
    pub rows: Option<u32>,
    /// Default 26.
    #[serde(default)]
    #[schemars(range(min = 1, max = 18_278))]
    pub columns: Option<u32>,
    /// Position from 0; default last.
    #[serde(default)]
    pub index: Option<u32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AddedSheet {
    pub spreadsheet_id: String,
    /// The new sheet.
    pub sheet: SheetInfo,
    /// Every sheet of the spreadsheet now, in order, as named in ranges.
    pub sheets: Vec<String>,
}

fn add_request(args: &AddSheetArgs) -> ToolResult<(String, Value)> {
    let title = check_sheet_title("title", &args.title)?;
    let rows = args.rows.unwrap_or(DEFAULT_ROWS);
    let columns = args.columns.unwrap_or(DEFAULT_COLUMNS);
    if rows == 0 || rows > a1::MAX_ROW {
        return Err(ToolError::invalid("rows", "must be 1 to 10000000"));
    }
    if columns == 0 || columns > a1::MAX_COLUMN {
        return Err(ToolError::invalid("columns", "must be 1 to 18278 (ZZZ)"));
    }
    if u64::from(rows) * u64::from(columns) > MAX_CELLS {
        return Err(ToolError::invalid(
            "rows",
            "rows × columns must stay within Google's 10 million cells",
        ));
    }
    let mut props = json!({
        "title": title,
        "gridProperties": { "rowCount": rows, "columnCount": columns },
    });
    if let Some(i) = args.index {
        props["index"] = json!(i);
    }
    Ok((
        title,
        json!({ "requests": [{ "addSheet": { "properties": props } }] }),
    ))
}

fn same_title(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

async fn add(ctx: &ToolCtx, api: &GoogleApi, args: &AddSheetArgs) -> ToolResult<AddedSheet> {
    let id = spreadsheet_id(&args.spreadsheet_id)?;
    let (title, body) = add_request(args)?;
    let before = sheets_of(&metadata(ctx, api, &id).await?);
    let exists = |sheets: &[SheetInfo]| {
        ToolError::Refused(format!(
            "A sheet named {title:?} already exists in this spreadsheet (sheets: {}); choose another title.",
            sheet_list(sheets)
        ))
    };
    if before.iter().any(|s| same_title(&s.title, &title)) {
        return Err(exists(&before));
    }
    let url = sheets_url(api, &[&format!("{id}:batchUpdate")]);
    // Not resent blindly; a lost answer is settled from the sheets now there.
    let sent = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await;
    let sheet = match sent {
        Ok((reply, _)) => SheetInfo::from_google(&reply["replies"][0]["addSheet"]["properties"]),
        Err(ApiError::Unavailable(why)) => {
            let now = sheets_of(&metadata(ctx, api, &id).await?);
            match now.into_iter().find(|s| s.title == title) {
                Some(s) => s,
                None => {
                    return Err(ToolError::Refused(format!(
                        "Google is unavailable ({why}) and the sheet {title:?} was not added; try again shortly."
                    )));
                }
            }
        }
        Err(ApiError::BadRequest(m)) if m.contains("already exists") => {
            return Err(exists(&before));
        }
        Err(e) => return Err(book_error(e, &id)),
    };
    let mut sheets: Vec<String> = before.into_iter().map(|s| s.in_ranges).collect();
    sheets.insert(
        (sheet.index as usize).min(sheets.len()),
        sheet.in_ranges.clone(),
    );
    Ok(AddedSheet {
        spreadsheet_id: id,
        sheet,
        sheets,
    })
}

pub async fn add_sheet(ctx: ToolCtx, args: AddSheetArgs) -> ToolResult<AddedSheet> {
    add(&ctx, &ctx.api, &args).await
}

impl ToolOutput for AddedSheet {
    fn text(&self) -> String {
        let a = self;
        format!(
            "Added sheet {}\nSheets now: {}",
            a.sheet.line(),
            a.sheets.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(title: &str, sheets: &[&str], header: &[&str]) -> CreateArgs {
        CreateArgs {
            title: title.into(),
            sheets: sheets.iter().map(|s| s.to_string()).collect(),
            header: header.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn create_checks_names_and_freezes_the_header() {
        let (_, names, body) = create_body(&args(" Plan ", &[], &["a", "b"])).unwrap();
        assert_eq!(names, vec!["Sheet1"]);
        assert_eq!(body["properties"]["title"], "Plan");
        assert_eq!(
            body["sheets"][0]["properties"]["gridProperties"]["frozenRowCount"],
            1
        );
        let (_, _, body) = create_body(&args("Plan", &[], &[])).unwrap();
        assert!(body.get("sheets").is_none());
        for (a, field) in [
            (args(" ", &[], &[]), "`title`"),
            (args("x", &["A", "a"], &[]), "`sheets`"),
            (args("x", &["ok", " "], &[]), "`sheets`"),
        ] {
            let e = create_body(&a).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
    }

    #[test]
    fn added_sheets_are_bounded() {
        let a = |rows, columns| AddSheetArgs {
            spreadsheet_id: "x".into(),
            title: "New".into(),
            rows,
            columns,
            index: None,
        };
        assert!(add_request(&a(None, None)).is_ok());
        for (bad, field) in [
            (a(Some(0), None), "`rows`"),
            (a(None, Some(18_279)), "`columns`"),
            (a(Some(10_000_000), Some(2)), "`rows`"),
        ] {
            let e = add_request(&bad).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
    }
}
