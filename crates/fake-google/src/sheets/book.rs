//! `spreadsheets.get`, `spreadsheets.create`, `spreadsheets.batchUpdate`
//! (`addSheet`, `deleteSheet`, `updateSpreadsheetProperties`, and in
//! `format.rs` `repeatCell`, `updateSheetProperties`, `addChart`,
//! `addConditionalFormatRule`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::model::{Cell, Sheet, Spreadsheet};
use super::{a1, book, invalid, spreadsheet_url};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, now_ms, ok_json};
use crate::drive::store::{DriveFile, SHEET, Workspace};

fn sheet_properties(sheet: &Sheet, index: usize) -> Value {
    let mut grid = json!({ "rowCount": sheet.row_count, "columnCount": sheet.column_count });
    if sheet.frozen_rows > 0 {
        grid["frozenRowCount"] = json!(sheet.frozen_rows);
    }
    if sheet.frozen_columns > 0 {
        grid["frozenColumnCount"] = json!(sheet.frozen_columns);
    }
    json!({
        "sheetId": sheet.sheet_id,
        "title": sheet.title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": grid,
    })
}

fn extended(cell: &Cell) -> Value {
    match &cell.value {
        Value::Number(n) => json!({ "numberValue": n }),
        Value::Bool(b) => json!({ "boolValue": b }),
        Value::String(s) if s.starts_with('#') && cell.formula.is_some() => {
            json!({ "errorValue": { "type": "ERROR", "message": s } })
        }
        Value::String(s) => json!({ "stringValue": s }),
        _ => json!({}),
    }
}

fn grid_data(sheet: &Sheet) -> Value {
    let rows: Vec<Value> = sheet
        .rows
        .iter()
        .map(|row| {
            let values: Vec<Value> = row
                .iter()
                .map(|cell| {
                    if cell.formatted().is_empty() && cell.formula.is_none() {
                        return json!({});
                    }
                    let entered = match &cell.formula {
                        Some(f) => json!({ "formulaValue": f }),
                        None => extended(cell),
                    };
                    json!({
                        "userEnteredValue": entered,
                        "effectiveValue": extended(cell),
                        "formattedValue": cell.formatted(),
                    })
                })
                .collect();
            json!({ "values": values })
        })
        .collect();
    json!([{ "startRow": 0, "startColumn": 0, "rowData": rows }])
}

/// The `Spreadsheet` resource.
pub(crate) fn resource(book: &Spreadsheet, grid: bool) -> Value {
    let sheets: Vec<Value> = book
        .sheets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut out = json!({ "properties": sheet_properties(s, i) });
            if !s.charts.is_empty() {
                out["charts"] = json!(s.charts);
            }
            if !s.conditional_formats.is_empty() {
                out["conditionalFormats"] = json!(s.conditional_formats);
            }
            if grid {
                out["data"] = grid_data(s);
            }
            out
        })
        .collect();
    let mut out = json!({
        "spreadsheetId": book.id,
        "properties": {
            "title": book.title,
            "locale": book.locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": book.time_zone,
        },
        "sheets": sheets,
        "spreadsheetUrl": spreadsheet_url(&book.id),
    });
    if !book.named_ranges.is_empty() {
        out["namedRanges"] = json!(book
            .named_ranges
            .iter()
            .map(|n| {
                let (r0, r1, c0, c1) = n.grid;
                json!({
                    "namedRangeId": n.id,
                    "name": n.name,
                    "range": { "sheetId": n.sheet_id, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1 },
                })
            })
            .collect::<Vec<_>>());
    }
    out
}

/// `GET /v4/spreadsheets/{id}` (`includeGridData`, `ranges` limit the sheets shown).
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("sheets.spreadsheets.get")?;
    let params = Params::parse(raw.as_deref());
    let grid = params.flag("includeGridData")?;
    fake.with_workspace(&caller.email, |ws| {
        let book = book(ws, &id, false)?;
        let ranges: Vec<String> = params
            .0
            .iter()
            .filter(|(k, _)| k == "ranges")
            .map(|(_, v)| v.clone())
            .collect();
        let mut shown = book.clone();
        if !ranges.is_empty() {
            let mut keep = Vec::new();
            for range in &ranges {
                keep.push(a1::parse(book, range)?.sheet);
            }
            shown.sheets = book
                .sheets
                .iter()
                .enumerate()
                .filter(|(i, _)| keep.contains(i))
                .map(|(_, s)| s.clone())
                .collect();
        }
        Ok(ok_json(&resource(&shown, grid)))
    })
}

fn add_sheet(book: &mut Spreadsheet, request: &Value) -> Result<Value, ApiError> {
    let props = &request["properties"];
    let title = match props["title"].as_str() {
        Some(t) => t.to_string(),
        None => {
            let mut n = book.sheets.len() + 1;
            while book.sheet(&format!("Sheet{n}")).is_some() {
                n += 1;
            }
            format!("Sheet{n}")
        }
    };
    if book.sheet(&title).is_some() {
        return Err(invalid(format!(
            "Invalid requests[0].addSheet: A sheet with the name \"{title}\" already exists. Please enter another name."
        )));
    }
    let sheet_id = match props["sheetId"].as_i64() {
        Some(id) if book.sheets.iter().any(|s| s.sheet_id == id) => {
            return Err(invalid(format!(
                "Invalid requests[0].addSheet: Sheet with id {id} already exists."
            )));
        }
        Some(id) => id,
        None => {
            (crate::seed::hash(&book.id, &format!("sheet{}", book.sheets.len())) % 2_000_000_000)
                as i64
        }
    };
    let mut sheet = Sheet::new(sheet_id, &title);
    if let Some(rows) = props["gridProperties"]["rowCount"].as_u64() {
        sheet.row_count = rows as usize;
    }
    if let Some(cols) = props["gridProperties"]["columnCount"].as_u64() {
        sheet.column_count = cols as usize;
    }
    let index = props["index"]
        .as_u64()
        .map_or(book.sheets.len(), |i| (i as usize).min(book.sheets.len()));
    book.sheets.insert(index, sheet.clone());
    Ok(json!({ "addSheet": { "properties": sheet_properties(&sheet, index) } }))
}

/// `POST /v4/spreadsheets/{id}:batchUpdate`
pub(crate) async fn batch_update(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let Some(id) = id.strip_suffix(":batchUpdate").map(str::to_string) else {
        return Err(ApiError::not_found("Not Found"));
    };
    caller.require("sheets.spreadsheets.batchUpdate")?;
    let body: Value = json_body(&body)?;
    let requests = body["requests"].as_array().cloned().unwrap_or_default();
    if requests.is_empty() {
        return Err(invalid("Must specify at least one request."));
    }
    fake.with_workspace(&caller.email, |ws| {
        let original = book(ws, &id, true)?.clone();
        let book = book(ws, &id, true)?;
        let mut replies = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            let reply = if let Some(add) = request.get("addSheet") {
                add_sheet(book, add)
            } else if let Some(delete) = request.get("deleteSheet") {
                let sheet_id = delete["sheetId"].as_i64().unwrap_or(-1);
                match book.sheets.iter().position(|s| s.sheet_id == sheet_id) {
                    Some(_) if book.sheets.len() == 1 => Err(invalid(
                        "Invalid requests[0].deleteSheet: You can't remove all the sheets in a document.",
                    )),
                    Some(p) => {
                        book.sheets.remove(p);
                        Ok(json!({}))
                    }
                    None => Err(invalid(format!("Invalid requests[{i}].deleteSheet: No sheet with id: {sheet_id}"))),
                }
            } else if let Some(r) = request.get("repeatCell") {
                super::format::repeat_cell(book, r, i)
            } else if let Some(r) = request.get("updateSheetProperties") {
                super::format::update_sheet_properties(book, r, i)
            } else if let Some(r) = request.get("addChart") {
                super::format::add_chart(book, r, i)
            } else if let Some(r) = request.get("addConditionalFormatRule") {
                super::format::add_conditional_format(book, r, i)
            } else if let Some(update) = request.get("updateSpreadsheetProperties") {
                if let Some(title) = update["properties"]["title"].as_str() {
                    book.title = title.to_string();
                }
                Ok(json!({}))
            } else {
                Err(invalid(format!("Invalid requests[{i}]: this request kind is not supported.")))
            };
            match reply {
                Ok(reply) => replies.push(reply),
                Err(e) => {
                    *book = original;
                    return Err(e);
                }
            }
        }
        let book = book.clone();
        if let Some(f) = ws.file_mut(&id) {
            f.name = book.title.clone();
        }
        let mut out = json!({ "spreadsheetId": id, "replies": replies });
        if body["includeSpreadsheetInResponse"] == true {
            out["updatedSpreadsheet"] = resource(&book, false);
        }
        Ok(ok_json(&out))
    })
}

/// `POST /v4/spreadsheets`: a new spreadsheet in the caller's My Drive.
pub(crate) async fn create(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    body: Bytes,
) -> ApiResult {
    caller.require("sheets.spreadsheets.create")?;
    let body: Value = json_body(&body)?;
    fake.with_workspace(&caller.email, |ws| {
        let id = ws.next_id("spreadsheet");
        let title = body["properties"]["title"]
            .as_str()
            .unwrap_or("Untitled spreadsheet")
            .to_string();
        let mut book = Spreadsheet::new(&id, &title, Vec::new());
        for sheet in body["sheets"].as_array().into_iter().flatten() {
            add_sheet(&mut book, sheet)?;
        }
        if book.sheets.is_empty() {
            book.sheets.push(Sheet::new(0, "Sheet1"));
        }
        insert_file(ws, &id, &title, SHEET);
        let out = resource(&book, false);
        ws.sheets.insert(id, book);
        Ok(ok_json(&out))
    })
}

/// Adds a native file (created through the Sheets or Docs API) to My Drive.
pub(crate) fn insert_file(ws: &mut Workspace, id: &str, title: &str, mime: &str) {
    let now = now_ms();
    let mut file = DriveFile {
        id: id.to_string(),
        name: title.to_string(),
        mime_type: mime.to_string(),
        parents: vec![ws.root.clone()],
        trashed: false,
        starred: false,
        created: now,
        modified: now,
        owner: Some((ws.name.clone(), ws.email.clone())),
        shared_with_me: false,
        drive_id: None,
        description: None,
        content: Vec::new(),
        virtual_size: None,
        permissions: Vec::new(),
    };
    file.permissions = crate::drive::perms::owner_permissions(ws, &file);
    ws.files.push(file);
}
