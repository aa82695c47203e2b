//! Sheets v4: spreadsheets.get, A1 ranges (quoted names, whole columns, open
//! and out-of-range ranges), writes with RAW and USER_ENTERED, append, clear,
//! batchGet, create, addSheet; scopes and users kept apart.

use fake_google::FakeGoogle;
use fake_google::seed::drive::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, BOB, start};

pub const SHEETS_ALL: &str = "https://www.googleapis.com/auth/spreadsheets";
pub const SHEETS_READ: &str = "https://www.googleapis.com/auth/spreadsheets.readonly";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn values(fake: &FakeGoogle, token: &str, id: &str, range: &str, extra: &str) -> Value {
    get_ok(
        fake,
        token,
        &format!("/v4/spreadsheets/{id}/values/{}{extra}", enc(range)),
    )
    .await
}

#[tokio::test]
async fn get_spreadsheet_with_sheets_and_named_ranges() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[SHEETS_READ]).await;
    let id = fake.drive_file_id(ALICE, SHEET_BUDGET).unwrap();
    let body = get_ok(&fake, &token, &format!("/v4/spreadsheets/{id}")).await;
    assert_eq!(body["spreadsheetId"], id.as_str());
    assert_eq!(body["properties"]["title"], SHEET_BUDGET);
    let titles: Vec<&str> = body["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["properties"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Summary", SHEET_TAB_QUOTED, "Raw data"]);
    assert_eq!(body["sheets"][1]["properties"]["index"], 1);
    assert_eq!(
        body["sheets"][0]["properties"]["gridProperties"]["rowCount"],
        1000
    );
    assert!(body["sheets"][0].get("data").is_none());
    assert_eq!(body["namedRanges"][0]["name"], "BudgetTable");
    let grid = get_ok(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}?includeGridData=true&ranges=Summary"),
    )
    .await;
    assert_eq!(grid["sheets"].as_array().unwrap().len(), 1);
    let total = &grid["sheets"][0]["data"][0]["rowData"][4]["values"][1];
    assert_eq!(total["userEnteredValue"]["formulaValue"], "=SUM(B2:B4)");
    assert_eq!(total["effectiveValue"]["numberValue"], 177000);
    assert_eq!(total["formattedValue"], "177000");
    let (status, body) = get(&fake, &token, "/v4/spreadsheets/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a1_ranges() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[SHEETS_READ]).await;
    let id = fake.drive_file_id(ALICE, SHEET_BUDGET).unwrap();
    let body = values(&fake, &token, &id, "'It''s Q4'!A1:B2", "").await;
    assert_eq!(body["range"], "'It''s Q4'!A1:B2");
    assert_eq!(body["majorDimension"], "ROWS");
    assert_eq!(body["values"], json!([["Week", "Signups"], ["W40", "120"]]));
    let body = values(&fake, &token, &id, "Summary!A:C", "").await;
    assert_eq!(body["range"], "Summary!A1:C1000");
    assert_eq!(body["values"].as_array().unwrap().len(), 5);
    assert_eq!(body["values"][4], json!(["Total", "177000", "157000"]));
    let body = values(&fake, &token, &id, "Summary!B3:C", "").await;
    assert_eq!(
        body["values"],
        json!([["45000", "51000"], ["12000", "8000"], ["177000", "157000"]])
    );
    let body = values(&fake, &token, &id, "A1:B1", "").await;
    assert_eq!(body["range"], "Summary!A1:B1", "no sheet means the first");
    let body = values(&fake, &token, &id, "'Raw data'!B2", "").await;
    assert_eq!(body["range"], "'Raw data'!B2");
    assert_eq!(body["values"], json!([["37"]]));
    let body = values(&fake, &token, &id, "'Raw data'", "").await;
    assert_eq!(body["values"].as_array().unwrap().len(), 31);
    let body = values(&fake, &token, &id, "BudgetTable", "").await;
    assert_eq!(body["range"], "Summary!A1:C4");
    let body = values(&fake, &token, &id, "Summary!F10:H20", "").await;
    assert!(body.get("values").is_none(), "{body}");
    assert_eq!(body["range"], "Summary!F10:H20");
    let body = values(
        &fake,
        &token,
        &id,
        "Summary!A1:C2",
        "?majorDimension=COLUMNS",
    )
    .await;
    assert_eq!(
        body["values"],
        json!([
            ["Category", "Engineering"],
            ["Budget", "120000"],
            ["Actual", "98000"]
        ])
    );
    let body = values(
        &fake,
        &token,
        &id,
        "Summary!B5",
        "?valueRenderOption=FORMULA",
    )
    .await;
    assert_eq!(body["values"], json!([["=SUM(B2:B4)"]]));
    let body = values(
        &fake,
        &token,
        &id,
        "Summary!B2:B3",
        "?valueRenderOption=UNFORMATTED_VALUE",
    )
    .await;
    assert_eq!(body["values"], json!([[120000], [45000]]));
    let body = values(&fake, &token, &id, "'It''s Q4'!D4", "").await;
    assert_eq!(body["values"], json!([["press, \"quoted\""]]));
    for bad in [
        "Nope!A1",
        "It's Q4!A1",
        "'It''s Q4!A1",
        "Summary!A0",
        "Summary!1A",
        "Forecast",
        "Summary!AAAA1",
    ] {
        let (status, body) = get(
            &fake,
            &token,
            &format!("/v4/spreadsheets/{id}/values/{}", enc(bad)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(
            body["error"]["message"],
            format!("Unable to parse range: {bad}")
        );
    }
    for (beyond, a1) in [
        ("Summary!A1:B1001", "Summary!A1:B1001"),
        ("'It''s Q4'!AA1", "'It''s Q4'!AA1"),
    ] {
        let (status, body) = get(
            &fake,
            &token,
            &format!("/v4/spreadsheets/{id}/values/{}", enc(beyond)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{beyond}: {body}");
        assert_eq!(
            body["error"]["message"],
            format!("Range ({a1}) exceeds grid limits. Max rows: 1000, max columns: 26")
        );
    }
    let ranges = format!(
        "ranges={}&ranges={}",
        enc("Summary!A1"),
        enc("'It''s Q4'!A2:A3")
    );
    let body = get_ok(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}/values:batchGet?{ranges}"),
    )
    .await;
    assert_eq!(body["valueRanges"][0]["values"], json!([["Category"]]));
    assert_eq!(body["valueRanges"][1]["values"], json!([["W40"], ["W41"]]));
}

#[tokio::test]
async fn writes_need_a_value_input_option() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[SHEETS_ALL]).await;
    let id = fake.drive_file_id(ALICE, SHEET_BUDGET).unwrap();
    let path =
        |range: &str, query: &str| format!("/v4/spreadsheets/{id}/values/{}{query}", enc(range));
    let rows = json!({ "values": [["42", "TRUE", "=SUM(B2:B3)", "'007", "1,234.5"]] });
    let (status, body) = call(
        &fake,
        &token,
        Method::PUT,
        &path("'It''s Q4'!A10", ""),
        Some(rows.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED"
    );

    let (status, body) = call(
        &fake,
        &token,
        Method::PUT,
        &path("'It''s Q4'!A10", "?valueInputOption=USER_ENTERED"),
        Some(rows.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["updatedRange"], "'It''s Q4'!A10:E10");
    assert_eq!(body["updatedCells"], 5);
    let got = values(
        &fake,
        &token,
        &id,
        "'It''s Q4'!A10:E10",
        "?valueRenderOption=UNFORMATTED_VALUE",
    )
    .await;
    assert_eq!(got["values"], json!([[42, true, 255, "007", 1234.5]]));
    let (_, _) = call(
        &fake,
        &token,
        Method::PUT,
        &path("'It''s Q4'!A11", "?valueInputOption=RAW"),
        Some(rows),
    )
    .await;
    let got = values(
        &fake,
        &token,
        &id,
        "'It''s Q4'!A11:E11",
        "?valueRenderOption=UNFORMATTED_VALUE",
    )
    .await;
    assert_eq!(
        got["values"],
        json!([["42", "TRUE", "=SUM(B2:B3)", "'007", "1,234.5"]])
    );
    let (status, body) = call(
        &fake,
        &token,
        Method::PUT,
        &path("Summary!A1:A1", "?valueInputOption=RAW"),
        Some(json!({ "values": [["a"], ["b"]] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, body) = post(
        &fake,
        &token,
        &format!(
            "{}?valueInputOption=USER_ENTERED",
            path("Summary!A1:C1", ":append")
        ),
        json!({ "values": [["Legal", 5000, 4000]] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tableRange"], "Summary!A1:C5");
    assert_eq!(body["updates"]["updatedRange"], "Summary!A6:C6");
    assert_eq!(
        fake.sheet_values(ALICE, &id, "Summary").unwrap()[5],
        ["Legal", "5000", "4000"]
    );
    let (status, _) = post(
        &fake,
        &token,
        &path("Summary!A1", ":append"),
        json!({ "values": [["x"]] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = post(&fake, &token, &path("'Raw data'!A2:B", ":clear"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["clearedRange"], "'Raw data'!A2:B1000");
    assert_eq!(
        fake.sheet_values(ALICE, &id, "Raw data").unwrap(),
        [["Day", "Events"]]
    );

    let readonly = crate::api::token(&fake, ALICE, &[SHEETS_READ]).await;
    let (status, body) = call(
        &fake,
        &readonly,
        Method::PUT,
        &path("Summary!A1", "?valueInputOption=RAW"),
        Some(json!({ "values": [["x"]] })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"]["details"][0]["metadata"]["service"],
        "sheets.googleapis.com"
    );
}

#[tokio::test]
async fn create_and_add_sheets() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[SHEETS_ALL]).await;
    let (status, body) = post(&fake, &token, "/v4/spreadsheets", json!({
        "properties": { "title": "Plan 2027" },
        "sheets": [{ "properties": { "title": "Jan" } }, { "properties": { "title": "Feb & Mar" } }],
    })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["spreadsheetId"].as_str().unwrap().to_string();
    assert_eq!(
        fake.drive_file_id(ALICE, "Plan 2027").as_deref(),
        Some(id.as_str()),
        "Drive lists it"
    );
    assert_eq!(fake.sheet_titles(ALICE, &id).unwrap(), ["Jan", "Feb & Mar"]);
    let path = format!("/v4/spreadsheets/{id}:batchUpdate");
    let (status, body) = post(
        &fake,
        &token,
        &path,
        json!({ "requests": [{ "addSheet": { "properties": { "title": "Q's \"notes\"" } } }] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["replies"][0]["addSheet"]["properties"]["title"],
        "Q's \"notes\""
    );
    assert_eq!(body["replies"][0]["addSheet"]["properties"]["index"], 2);
    let (status, body) = post(
        &fake,
        &token,
        &path,
        json!({ "requests": [{ "addSheet": { "properties": { "title": "Jan" } } }] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(
        &fake,
        &token,
        Method::PUT,
        &format!(
            "/v4/spreadsheets/{id}/values/{}?valueInputOption=RAW",
            enc("'Q''s \"notes\"'!B2")
        ),
        Some(json!({ "values": [["hi"]] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        fake.sheet_values(ALICE, &id, "Q's \"notes\"").unwrap(),
        [vec![], vec!["", "hi"]]
    );
    let (status, untitled) = post(&fake, &token, "/v4/spreadsheets", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let untitled = untitled["spreadsheetId"].as_str().unwrap();
    let body = values(&fake, &token, untitled, "A1:B2", "").await;
    assert_eq!(body["range"], "Sheet1!A1:B2", "a plain name stays unquoted");
    let body = values(&fake, &token, &id, "Feb & Mar", "").await;
    assert_eq!(body["range"], "'Feb & Mar'!A1:Z1000");
}

#[tokio::test]
async fn users_are_kept_apart() {
    let fake = start().await;
    let bob = token(&fake, BOB, &[SHEETS_ALL]).await;
    let alice_sheet = fake.drive_file_id(ALICE, SHEET_BUDGET).unwrap();
    let (status, _) = get(&fake, &bob, &format!("/v4/spreadsheets/{alice_sheet}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bob_sheet = fake.drive_file_id(BOB, SHEET_BUDGET).unwrap();
    let body = get_ok(&fake, &bob, &format!("/v4/spreadsheets/{bob_sheet}")).await;
    assert_eq!(body["properties"]["title"], SHEET_BUDGET);
}
