//! The formatting requests of `spreadsheets.batchUpdate` (repeatCell,
//! updateSheetProperties, addChart, addConditionalFormatRule) and the
//! spreadsheet that shows them, checked against sheets.v4.

use fake_google::seed::drive::SHEET_BUDGET;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, start};
use crate::schema::{Discovery, check_error};
use crate::sheets::SHEETS_ALL;

#[tokio::test]
async fn formatting_requests_match_the_schemas_and_are_checked() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[SHEETS_ALL]).await;
    let id = fake.drive_file_id(ALICE, SHEET_BUDGET).unwrap();
    let url = format!("/v4/spreadsheets/{id}:batchUpdate");
    let range = json!({ "sheetId": 0, "startRowIndex": 0, "endRowIndex": 4, "startColumnIndex": 0, "endColumnIndex": 2 });
    let requests = json!([
        { "repeatCell": { "range": range, "cell": { "userEnteredFormat": { "textFormat": { "bold": true }, "numberFormat": { "type": "NUMBER", "pattern": "#,##0" } } }, "fields": "userEnteredFormat.textFormat.bold,userEnteredFormat.numberFormat" } },
        { "updateSheetProperties": { "properties": { "sheetId": 0, "gridProperties": { "frozenRowCount": 1, "frozenColumnCount": 1 } }, "fields": "gridProperties.frozenRowCount,gridProperties.frozenColumnCount" } },
        { "addChart": { "chart": { "chartId": 77, "spec": { "title": "Costs", "basicChart": { "chartType": "COLUMN", "headerCount": 1,
            "domains": [{ "domain": { "sourceRange": { "sources": [range] } } }],
            "series": [{ "series": { "sourceRange": { "sources": [range] } } }] } },
            "position": { "overlayPosition": { "anchorCell": { "sheetId": 0, "rowIndex": 0, "columnIndex": 4 } } } } } },
        { "addConditionalFormatRule": { "index": 0, "rule": { "ranges": [range], "booleanRule": {
            "condition": { "type": "NUMBER_GREATER", "values": [{ "userEnteredValue": "1000" }] },
            "format": { "backgroundColor": { "red": 1.0, "green": 0.8, "blue": 0.8 } } } } } },
    ]);
    let (status, body) = post(
        &fake,
        &token,
        &url,
        json!({ "requests": requests, "includeSpreadsheetInResponse": true }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    d.check(
        "sheets.spreadsheets.batchUpdate",
        &body,
        &["replies", "updatedSpreadsheet.sheets[].properties.sheetId"],
    );
    assert_eq!(body["replies"][2]["addChart"]["chart"]["chartId"], 77);
    let book = get_ok(&fake, &token, &format!("/v4/spreadsheets/{id}")).await;
    d.check(
        "sheets.spreadsheets.get",
        &book,
        &["sheets[].properties.gridProperties.rowCount"],
    );
    let first = &book["sheets"][0];
    assert_eq!(
        first["properties"]["gridProperties"]["frozenColumnCount"],
        1
    );
    assert_eq!(
        first["charts"][0]["spec"]["basicChart"]["chartType"],
        "COLUMN"
    );
    assert_eq!(
        first["conditionalFormats"][0]["booleanRule"]["condition"]["type"],
        "NUMBER_GREATER"
    );
    let f = fake.sheet_formatting(ALICE, &id, "Summary").unwrap();
    assert_eq!(f["frozenRows"], 1);
    assert_eq!(f["formats"][0]["format"]["textFormat"]["bold"], true);

    let bad: [Value; 6] = [
        json!({ "repeatCell": { "range": range, "cell": { "userEnteredFormat": { "textFormat": { "bold": true } } } } }),
        json!({ "repeatCell": { "range": { "sheetId": 999 }, "cell": { "userEnteredFormat": {} }, "fields": "userEnteredFormat" } }),
        json!({ "updateSheetProperties": { "properties": { "sheetId": 0, "gridProperties": { "frozenRowCount": 100000 } }, "fields": "gridProperties.frozenRowCount" } }),
        json!({ "addChart": { "chart": { "chartId": 77, "spec": { "pieChart": { "domain": { "sourceRange": { "sources": [range] } }, "series": { "sourceRange": { "sources": [range] } } } } } } }),
        json!({ "addChart": { "chart": { "spec": { "basicChart": { "chartType": "DONUT", "series": [] } } } } }),
        json!({ "addConditionalFormatRule": { "rule": { "ranges": [range], "booleanRule": { "condition": { "type": "NUMBER_BETWEEN", "values": [{ "userEnteredValue": "1" }] } } } } }),
    ];
    for request in bad {
        let (status, body) = post(&fake, &token, &url, json!({ "requests": [request] })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}: {body}");
        check_error(&body, 400);
    }
}
