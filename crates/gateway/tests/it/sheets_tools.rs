//! Sheets tools through a real MCP session over the fake Google: describing
//! a spreadsheet, A1 ranges of every form, writes read back (RAW and
//! USER_ENTERED), appends, clears, new spreadsheets and sheets, long ranges
//! read in parts, users kept apart, and READ_ONLY.

use fake_google::seed::drive::{SHEET_BUDGET, SHEET_ROSTER, SHEET_TAB_QUOTED};
use mcp_gateway::config;
use serde_json::{Value, json};

use crate::gmail_support::{Gm, ann, env};
use crate::google_flow::{ANN, ERIN};
use crate::sheets_support::{book, cells};

fn strings(rows: &[&[&str]]) -> Vec<Vec<Value>> {
    rows.iter()
        .map(|r| r.iter().map(|s| json!(s)).collect())
        .collect()
}

#[tokio::test]
async fn info_lists_sheets_named_ranges_and_the_link() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let (info, text) = gm
        .ok("sheets_get_info", json!({"spreadsheet_id": id}))
        .await;
    assert_eq!(info["title"], SHEET_BUDGET);
    assert_eq!(info["spreadsheet_id"], id.as_str());
    let titles: Vec<&str> = info["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Summary", SHEET_TAB_QUOTED, "Raw data"]);
    assert_eq!(info["sheets"][1]["in_ranges"], "'It''s Q4'");
    assert_eq!(info["sheets"][1]["index"], 1);
    assert_eq!(info["sheets"][0]["rows"], 1000);
    assert_eq!(info["sheets"][0]["columns"], 26);
    assert_eq!(
        info["named_ranges"],
        json!([{"name": "BudgetTable", "range": "Summary!A1:C4"}])
    );
    assert!(info["link"].as_str().unwrap().contains(&id), "{info}");
    assert!(info["time_zone"].is_string() && info["locale"].is_string());
    assert!(text.contains("'It''s Q4'"), "{text}");
    assert!(text.contains("BudgetTable = Summary!A1:C4"), "{text}");
    assert!(text.contains("1000 rows × 26 columns"), "{text}");

    // The spreadsheet's link works as its id.
    let link = info["link"].as_str().unwrap().to_owned();
    let (again, _) = gm
        .ok("sheets_get_info", json!({"spreadsheet_id": link}))
        .await;
    assert_eq!(again["spreadsheet_id"], id.as_str());
}

#[tokio::test]
async fn ranges_in_every_a1_form() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let read = |range: &str| {
        let args = json!({"spreadsheet_id": id, "range": range});
        let gm = &gm;
        async move { gm.ok("sheets_read_range", args).await }
    };

    let (v, text) = read("'It''s Q4'!A1:D3").await;
    assert_eq!(v["range"], "'It''s Q4'!A1:D3");
    assert_eq!(
        cells(&v),
        strings(&[
            &["Week", "Signups", "Churn", "Notes"],
            &["W40", "120", "3", "launch week"],
            &["W41", "135", "4"],
        ])
    );
    assert_eq!(
        (v["rows"].as_u64(), v["columns"].as_u64()),
        (Some(3), Some(4))
    );
    assert_eq!(v["truncated"], false);
    assert!(
        text.contains("| row | A | B | C | D |")
            && text.contains("| 2 | W40 | 120 | 3 | launch week |"),
        "{text}"
    );
    assert!(text.contains("| 3 | W41 | 135 | 4 |  |"), "{text}");

    // A whole column, with Google's resolved range.
    let (v, text) = read("Summary!B:B").await;
    assert_eq!(v["range"], "Summary!B1:B1000");
    assert_eq!(
        cells(&v),
        strings(&[
            &["Budget"],
            &["120000"],
            &["45000"],
            &["12000"],
            &["177000"]
        ])
    );
    assert!(
        text.contains("| row | B |") && text.contains("| 5 | 177000 |"),
        "{text}"
    );

    // Whole rows, the quoted sheet alone, a sheet with a space, a named range,
    // and cells without a sheet (the first sheet).
    let (v, _) = read("Summary!2:3").await;
    assert_eq!(
        cells(&v),
        strings(&[
            &["Engineering", "120000", "98000"],
            &["Marketing", "45000", "51000"]
        ])
    );
    let (v, _) = read("'It''s Q4'").await;
    assert_eq!(v["rows"], 5);
    assert_eq!(cells(&v)[3][3], "press, \"quoted\"");
    let (v, _) = read("Raw data").await;
    assert_eq!(v["rows"], 31);
    let (v, _) = read("'Raw data'!A31:B31").await;
    assert_eq!(v["rows"], 1);
    let (v, _) = read("BudgetTable").await;
    assert_eq!(v["range"], "Summary!A1:C4");
    assert_eq!(v["rows"], 4);
    let (v, _) = read("A5:C5").await;
    assert_eq!(v["range"], "Summary!A5:C5");
    assert_eq!(cells(&v), strings(&[&["Total", "177000", "157000"]]));

    // An empty range says so.
    let (v, text) = read("Summary!F10:G12").await;
    assert_eq!(v["rows"], 0);
    assert!(text.contains("empty"), "{text}");

    // Unformatted values and formulas.
    let one = |render: &str| {
        let args = json!({"spreadsheet_id": id, "range": "Summary!B5", "value_render": render});
        let gm = &gm;
        async move { gm.ok("sheets_read_range", args).await.0 }
    };
    assert_eq!(cells(&one("unformatted").await), vec![vec![json!(177000)]]);
    assert_eq!(
        cells(&one("formula").await),
        vec![vec![json!("=SUM(B2:B4)")]]
    );
    assert_eq!(cells(&one("formatted").await), vec![vec![json!("177000")]]);
}

#[tokio::test]
async fn writes_read_back_exactly_raw_and_user_entered() {
    let (env, gm) = ann(&[]).await;
    let empty: &[&[&str]] = &[];
    let id = env
        .fake()
        .add_google_sheet(ANN, "Scratch", &[("My data", empty)]);
    let (w, text) = gm
        .ok(
            "sheets_write_range",
            json!({
                "spreadsheet_id": id,
                "range": "'My data'!A1",
                "value_input": "RAW",
                "values": [["=1+1", "007", "It's", "TRUE"], ["x|y", null, "two\nlines"]],
            }),
        )
        .await;
    assert_eq!(w["updated_range"], "'My data'!A1:D2");
    assert_eq!(
        (w["rows"].as_u64(), w["columns"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(w["cells"], 6);
    assert!(
        text.contains("Wrote 6 cells") && text.contains("'My data'!A1:D2"),
        "{text}"
    );
    let (v, _) = gm
        .ok(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "'My data'!A1:D2", "value_render": "formula"}),
        )
        .await;
    assert_eq!(
        cells(&v),
        vec![
            vec![json!("=1+1"), json!("007"), json!("It's"), json!("TRUE")],
            vec![json!("x|y"), json!(""), json!("two\nlines")],
        ],
        "RAW keeps text as text"
    );

    // USER_ENTERED parses numbers, booleans and formulas.
    gm.ok(
        "sheets_write_range",
        json!({
            "spreadsheet_id": id,
            "range": "'My data'!A4:E4",
            "values": [[2, 3.5, "=A4+B4", true, "42"]],
        }),
    )
    .await;
    let read = |render: &str| {
        let args =
            json!({"spreadsheet_id": id, "range": "'My data'!A4:E4", "value_render": render});
        let gm = &gm;
        async move { cells(&gm.ok("sheets_read_range", args).await.0) }
    };
    assert_eq!(
        read("formatted").await,
        vec![vec![
            json!("2"),
            json!("3.5"),
            json!("5.5"),
            json!("TRUE"),
            json!("42")
        ]]
    );
    assert_eq!(
        read("unformatted").await,
        vec![vec![
            json!(2),
            json!(3.5),
            json!(5.5),
            json!(true),
            json!(42)
        ]]
    );
    assert_eq!(
        read("formula").await,
        vec![vec![
            json!(2),
            json!(3.5),
            json!("=A4+B4"),
            json!(true),
            json!(42)
        ]]
    );

    // null leaves a cell as it is; writing again changes nothing more.
    for _ in 0..2 {
        gm.ok(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "'My data'!A4:C4", "values": [[null, 10, "=A4+B4"]]}),
        )
        .await;
    }
    assert_eq!(
        read("unformatted").await,
        vec![vec![json!(2), json!(10), json!(12), json!(true), json!(42)]]
    );
    assert_eq!(
        env.fake().sheet_values(ANN, &id, "My data").unwrap()[3],
        ["2", "10", "12", "TRUE", "42"]
    );
}

#[tokio::test]
async fn appending_twice_adds_rows_twice_below_the_table() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_ROSTER);
    let before = env.fake().sheet_values(ANN, &id, "People").unwrap().len();
    let args = json!({
        "spreadsheet_id": id,
        "range": "People!A:C",
        "rows": [["Zed Zulu", "zed@example.com", "Platform"]],
    });
    let (first, text) = gm.ok("sheets_append_rows", args.clone()).await;
    let (second, _) = gm.ok("sheets_append_rows", args).await;
    let row = before + 1;
    assert_eq!(first["updated_range"], format!("People!A{row}:C{row}"));
    assert_eq!(
        second["updated_range"],
        format!("People!A{}:C{}", row + 1, row + 1)
    );
    assert_eq!(first["table_range"], format!("People!A1:C{before}"));
    assert_eq!(first["rows"], 1);
    assert_eq!(first["cells"], 3);
    assert!(
        text.contains("Appended 1 rows") && text.contains(&format!("People!A{row}:C{row}")),
        "{text}"
    );
    let people = env.fake().sheet_values(ANN, &id, "People").unwrap();
    assert_eq!(people.len(), before + 2);
    assert_eq!(
        people
            .iter()
            .filter(|r| r.first().map(String::as_str) == Some("Zed Zulu"))
            .count(),
        2
    );

    // Appending to a sheet with an apostrophe in its name, below its table.
    let budget = book(&env, ANN, SHEET_BUDGET);
    let (v, _) = gm
        .ok(
            "sheets_append_rows",
            json!({"spreadsheet_id": budget, "range": "'It''s Q4'", "rows": [["W44", 160, 1, "=B6*2"]]}),
        )
        .await;
    assert_eq!(v["updated_range"], "'It''s Q4'!A6:D6");
    let (r, _) = gm
        .ok(
            "sheets_read_range",
            json!({"spreadsheet_id": budget, "range": "'It''s Q4'!A6:D6", "value_render": "unformatted"}),
        )
        .await;
    assert_eq!(
        cells(&r),
        vec![vec![json!("W44"), json!(160), json!(1), json!(320)]]
    );
}

#[tokio::test]
async fn clearing_removes_values_only_in_the_range() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let (v, text) = gm
        .ok(
            "sheets_clear_range",
            json!({"spreadsheet_id": id, "range": "'It''s Q4'!B2:C3"}),
        )
        .await;
    assert_eq!(v["cleared_range"], "'It''s Q4'!B2:C3");
    assert!(
        text.contains("Cleared") && text.contains("'It''s Q4'!B2:C3"),
        "{text}"
    );
    let rows = env.fake().sheet_values(ANN, &id, SHEET_TAB_QUOTED).unwrap();
    assert_eq!(rows[1], ["W40", "", "", "launch week"]);
    assert_eq!(rows[2], ["W41"]);
    assert_eq!(rows[3][1], "150", "outside the range: kept");
}

#[tokio::test]
async fn a_new_spreadsheet_with_a_header_reads_back() {
    let (env, gm) = ann(&[]).await;
    let (c, text) = gm
        .ok(
            "sheets_create",
            json!({"title": "Hiring plan", "sheets": ["Candidates", "It's done"], "header": ["Name", "Role", "=not a formula"]}),
        )
        .await;
    let id = c["spreadsheet_id"].as_str().unwrap().to_owned();
    assert_eq!(
        env.fake().drive_file_id(ANN, "Hiring plan").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(
        env.fake().sheet_titles(ANN, &id).unwrap(),
        ["Candidates", "It's done"]
    );
    assert_eq!(c["title"], "Hiring plan");
    assert_eq!(c["header_range"], "Candidates!A1:C1");
    assert_eq!(c["sheets"][1]["in_ranges"], "'It''s done'");
    assert!(c["link"].as_str().unwrap().contains(&id));
    assert!(
        text.contains("Created spreadsheet Hiring plan") && text.contains(&id),
        "{text}"
    );
    let (v, _) = gm
        .ok(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Candidates"}),
        )
        .await;
    assert_eq!(cells(&v), strings(&[&["Name", "Role", "=not a formula"]]));

    // Without sheets or a header: one sheet, Sheet1.
    let (c, _) = gm.ok("sheets_create", json!({"title": "Blank"})).await;
    let id = c["spreadsheet_id"].as_str().unwrap();
    assert_eq!(env.fake().sheet_titles(ANN, id).unwrap(), ["Sheet1"]);
    assert!(c.get("header_range").is_none());
}

#[tokio::test]
async fn an_added_sheet_can_be_written_and_read() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let (a, text) = gm
        .ok(
            "sheets_add_sheet",
            json!({"spreadsheet_id": id, "title": "Bob's notes", "rows": 50, "columns": 5, "index": 1}),
        )
        .await;
    assert_eq!(a["sheet"]["title"], "Bob's notes");
    assert_eq!(a["sheet"]["in_ranges"], "'Bob''s notes'");
    assert_eq!(
        (a["sheet"]["rows"].as_u64(), a["sheet"]["columns"].as_u64()),
        (Some(50), Some(5))
    );
    assert_eq!(
        a["sheets"],
        json!(["Summary", "'Bob''s notes'", "'It''s Q4'", "'Raw data'"])
    );
    assert!(text.contains("Added sheet Bob's notes"), "{text}");
    assert_eq!(
        env.fake().sheet_titles(ANN, &id).unwrap(),
        ["Summary", "Bob's notes", SHEET_TAB_QUOTED, "Raw data"]
    );
    gm.ok(
        "sheets_write_range",
        json!({"spreadsheet_id": id, "range": "'Bob''s notes'!B2", "values": [["hello", 42]]}),
    )
    .await;
    let (v, _) = gm
        .ok(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "'Bob''s notes'"}),
        )
        .await;
    assert_eq!(v["range"], "'Bob''s notes'!A1:E50");
    assert_eq!(
        cells(&v),
        vec![vec![], vec![json!(""), json!("hello"), json!("42")]]
    );

    // A title taken already (in any case) is refused, naming the sheets.
    let err = gm
        .err(
            "sheets_add_sheet",
            json!({"spreadsheet_id": id, "title": "summary"}),
        )
        .await;
    assert!(
        err.contains("already exists") && err.contains("'Raw data'"),
        "{err}"
    );
    assert_eq!(env.fake().sheet_titles(ANN, &id).unwrap().len(), 4);
}

#[tokio::test]
async fn long_ranges_are_read_in_parts() {
    let (env, gm) = ann(&[(config::TOOL_OUTPUT_LIMIT, "1000")]).await;
    let rows: Vec<Vec<String>> = (1..=120)
        .map(|i| {
            vec![
                format!("item {i}"),
                (i * 7).to_string(),
                format!("note {i}"),
            ]
        })
        .collect();
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    let id = env.fake().add_google_sheet(ANN, "Big", &[("Log", &slices)]);

    let mut range = "Log!A:C".to_owned();
    let mut got: Vec<Vec<Value>> = Vec::new();
    let mut parts = 0;
    loop {
        let (v, text) = gm
            .ok(
                "sheets_read_range",
                json!({"spreadsheet_id": id, "range": range}),
            )
            .await;
        parts += 1;
        assert!(text.chars().count() <= 1000, "{}", text.chars().count());
        assert!(
            !text.contains("[output cut"),
            "cut by rows, not mid-row: {text}"
        );
        let shown = cells(&v);
        assert_eq!(v["rows"].as_u64(), Some(shown.len() as u64));
        let first = got.len() + 1;
        assert!(
            text.contains(&format!("| {first} | item {first} |")),
            "{text}"
        );
        got.extend(shown);
        if v["truncated"] == false {
            assert!(v.get("next_range").is_none());
            break;
        }
        let next = v["next_range"].as_str().unwrap().to_owned();
        assert_eq!(next, format!("Log!A{}:C1000", got.len() + 1));
        assert!(text.contains(&format!("range={next}")), "{text}");
        range = next;
        assert!(parts < 20);
    }
    assert!(parts > 2, "only {parts} parts");
    let want: Vec<Vec<Value>> = rows
        .iter()
        .map(|r| r.iter().map(|s| json!(s)).collect())
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn another_user_cannot_reach_a_spreadsheet() {
    let (env, ann_gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let erin = Gm::sign_in(&env, ERIN).await;
    assert_ne!(book(&env, ERIN, SHEET_BUDGET), id);
    let err = erin
        .err(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Summary"}),
        )
        .await;
    assert!(err.contains("not found") && err.contains(&id), "{err}");
    let err = erin
        .err("sheets_get_info", json!({"spreadsheet_id": id}))
        .await;
    assert!(err.contains("not found"), "{err}");
    let err = erin
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1", "values": [["mine"]]}),
        )
        .await;
    assert!(err.contains("not found"), "{err}");
    let (v, _) = ann_gm
        .ok(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1"}),
        )
        .await;
    assert_eq!(cells(&v), strings(&[&["Category"]]));
}

#[tokio::test]
async fn read_only_offers_only_the_sheets_readers() {
    let env = env(&[(config::READ_ONLY, "true")]).await;
    let gm = Gm::sign_in(&env, ANN).await;
    let names = gm.tool_names().await;
    for reader in ["sheets_get_info", "sheets_read_range"] {
        assert!(names.contains(&reader.to_owned()), "{reader}: {names:?}");
    }
    for writer in [
        "sheets_write_range",
        "sheets_append_rows",
        "sheets_clear_range",
        "sheets_create",
        "sheets_add_sheet",
    ] {
        assert!(!names.contains(&writer.to_owned()), "{writer}: {names:?}");
    }
    let reply = gm
        .mcp
        .request(
            99,
            "tools/call",
            json!({"name": "sheets_create", "arguments": {"title": "Should not exist"}}),
        )
        .await
        .message();
    assert!(
        reply["error"].is_object() || reply["result"]["isError"] == true,
        "{reply}"
    );
    assert!(env.fake().drive_file_id(ANN, "Should not exist").is_none());
}
