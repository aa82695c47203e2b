//! Sheets tools when things go wrong: bad A1 ranges (refused before Google
//! is asked), unknown sheets, ranges outside the grid, values that do not
//! fit, unknown spreadsheets, read-only access, missing scopes, quotas and
//! answers lost after Google acted.

use fake_google::seed::drive::SHEET_BUDGET;
use fake_google::{FakeUser, Fault};
use serde_json::json;

use crate::gmail_support::{Gm, Loss, ann, ann_via_proxy, env};
use crate::google_flow::ANN;
use crate::sheets_support::book;

#[tokio::test]
async fn bad_ranges_are_refused_before_google_is_asked() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    env.fake().reset_counters();
    for (range, hint) in [
        ("It's Q4!A1", "'It''s Q4'!A1"),
        ("'It''s Q4!A1", "never closed"),
        ("Summary!A0:B2", "\"A0\""),
        ("Summary!A1:ZZZZ2", "\"ZZZZ2\""),
        ("Summary!B", "whole column"),
        ("", "empty"),
    ] {
        let err = gm
            .err(
                "sheets_read_range",
                json!({"spreadsheet_id": id, "range": range}),
            )
            .await;
        assert!(
            err.contains("`range`") && err.contains(hint),
            "{range}: {err}"
        );
    }
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!1A", "values": [["x"]]}),
        )
        .await;
    assert!(err.contains("`range`"), "{err}");
    let err = gm
        .err("sheets_get_info", json!({"spreadsheet_id": "not an id"}))
        .await;
    assert!(err.contains("`spreadsheet_id`"), "{err}");
    let prefix = format!("/v4/spreadsheets/{id}");
    assert_eq!(env.fake().requests(&prefix), 0);
    assert_eq!(
        env.fake()
            .requests(&format!("{prefix}/values/Summary!A0:B2")),
        0
    );
}

#[tokio::test]
async fn unknown_sheets_and_names_list_what_there_is() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let err = gm
        .err(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Totals!A1:B2"}),
        )
        .await;
    assert!(
        err.contains("no sheet named \"Totals\"")
            && err.contains("Summary, 'It''s Q4', 'Raw data'"),
        "{err}"
    );
    let err = gm
        .err(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Forecast"}),
        )
        .await;
    assert!(
        err.contains("neither a sheet nor a named range")
            && err.contains("BudgetTable")
            && err.contains("'Raw data'"),
        "{err}"
    );
    let err = gm
        .err(
            "sheets_clear_range",
            json!({"spreadsheet_id": id, "range": "'Its Q4'!A1"}),
        )
        .await;
    assert!(err.contains("no sheet named \"Its Q4\""), "{err}");
    let err = gm
        .err(
            "sheets_append_rows",
            json!({"spreadsheet_id": id, "range": "Nope", "rows": [["x"]]}),
        )
        .await;
    assert!(err.contains("neither a sheet nor a named range"), "{err}");
}

#[tokio::test]
async fn ranges_outside_the_grid_give_its_size() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let err = gm
        .err(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1:B1001"}),
        )
        .await;
    assert!(
        err.contains("outside the grid")
            && err.contains("1000 rows × 26 columns")
            && err.contains("A1:Z1000"),
        "{err}"
    );
    let err = gm
        .err(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "'It''s Q4'!AB1:AC3"}),
        )
        .await;
    assert!(
        err.contains("outside the grid") && err.contains("'It''s Q4'"),
        "{err}"
    );
}

#[tokio::test]
async fn values_must_fit_the_range_and_be_plain_cells() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let before = env.fake().sheet_values(ANN, &id, "Summary");
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1:B2", "values": [["a", "b"], ["c", "d"], ["e", "f"]]}),
        )
        .await;
    assert!(
        err.contains("`values`") && err.contains("3 rows do not fit Summary!A1:B2"),
        "{err}"
    );
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!A:B", "values": [["a", "b", "c"]]}),
        )
        .await;
    assert!(err.contains("3 columns do not fit"), "{err}");
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1", "values": [["a", {"b": 1}]]}),
        )
        .await;
    assert!(
        err.contains("`values`") && err.contains("values[0][1]"),
        "{err}"
    );
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1", "values": []}),
        )
        .await;
    assert!(err.contains("`values`"), "{err}");
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1", "values": [["a"]], "value_input": "PLAIN"}),
        )
        .await;
    assert!(
        err.contains("PLAIN") && err.contains("USER_ENTERED"),
        "{err}"
    );
    // A named range Google finds too small.
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "BudgetTable", "values": [["a"], ["b"], ["c"], ["d"], ["e"]]}),
        )
        .await;
    assert!(err.contains("`values`"), "{err}");
    assert_eq!(env.fake().sheet_values(ANN, &id, "Summary"), before);
    let err = gm
        .err(
            "sheets_add_sheet",
            json!({"spreadsheet_id": id, "title": "  "}),
        )
        .await;
    assert!(err.contains("`title`"), "{err}");
    let err = gm
        .err(
            "sheets_create",
            json!({"title": "Dup", "sheets": ["One", "one"]}),
        )
        .await;
    assert!(err.contains("`sheets`") && err.contains("twice"), "{err}");
}

#[tokio::test]
async fn unknown_spreadsheets_are_not_found() {
    let (_env, gm) = ann(&[]).await;
    for (tool, args) in [
        ("sheets_get_info", json!({"spreadsheet_id": "1NoSuchSheet"})),
        (
            "sheets_read_range",
            json!({"spreadsheet_id": "1NoSuchSheet", "range": "A1"}),
        ),
        (
            "sheets_append_rows",
            json!({"spreadsheet_id": "1NoSuchSheet", "range": "A:B", "rows": [["x"]]}),
        ),
        (
            "sheets_add_sheet",
            json!({"spreadsheet_id": "1NoSuchSheet", "title": "x"}),
        ),
    ] {
        let err = gm.err(tool, args).await;
        assert!(
            err.contains("\"1NoSuchSheet\" was not found"),
            "{tool}: {err}"
        );
    }
}

#[tokio::test]
async fn read_only_access_is_explained() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let denied = json!({"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED", "errors": [{"reason": "forbidden", "domain": "global", "message": "The caller does not have permission"}]}});
    env.fake().inject(
        Fault::status(format!("/v4/spreadsheets/{id}/*"), 403)
            .method(reqwest::Method::PUT)
            .body(denied.to_string()),
    );
    let err = gm
        .err(
            "sheets_write_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1", "values": [["x"]]}),
        )
        .await;
    assert!(
        err.contains("may not change") && err.contains("edit access"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_sheets_permission_asks_for_a_new_sign_in() {
    let env = env(&[]).await;
    let fay = "fay@example.com";
    env.fake().add_user(
        FakeUser::workspace(fay, "example.com")
            .untick("https://www.googleapis.com/auth/spreadsheets")
            .untick("https://www.googleapis.com/auth/spreadsheets.readonly")
            // Drive access would open spreadsheets too.
            .untick("https://www.googleapis.com/auth/drive")
            .untick("https://www.googleapis.com/auth/drive.readonly")
            .untick("https://www.googleapis.com/auth/drive.file"),
    );
    let gm = Gm::sign_in(&env, fay).await;
    let id = book(&env, fay, SHEET_BUDGET);
    let err = gm
        .err(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Summary"}),
        )
        .await;
    assert!(
        err.contains("lacks the Google permission") && err.contains("Sheets"),
        "{err}"
    );
    let err = gm.err("sheets_create", json!({"title": "x"})).await;
    assert!(err.contains("lacks the Google permission"), "{err}");
}

#[tokio::test]
async fn quotas_are_reported_and_appends_never_duplicated() {
    let (env, gm) = ann(&[]).await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let path = format!("/v4/spreadsheets/{id}/values/Summary!A1:B2");
    env.fake().inject(Fault::rate_limit(path.clone(), true));
    let err = gm
        .err(
            "sheets_read_range",
            json!({"spreadsheet_id": id, "range": "Summary!A1:B2"}),
        )
        .await;
    assert!(err.contains("quota"), "{err}");
    assert_eq!(env.fake().requests(&path), 4, "retried with backoff");
    env.fake().clear_faults();

    // An append Google refused with 503 is not sent again.
    let append = format!("/v4/spreadsheets/{id}/values/Summary:append");
    env.fake()
        .inject(Fault::status(append.clone(), 503).times(1));
    let err = gm
        .err(
            "sheets_append_rows",
            json!({"spreadsheet_id": id, "range": "Summary", "rows": [["Once"]]}),
        )
        .await;
    assert!(err.contains("sheets_read_range"), "{err}");
    assert_eq!(env.fake().requests(&append), 1);
}

#[tokio::test]
async fn a_lost_append_answer_is_not_resent_into_a_duplicate() {
    let (env, proxy, gm) = ann_via_proxy().await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let append = format!("/v4/spreadsheets/{id}/values/Summary:append");
    let rows_before = env.fake().sheet_values(ANN, &id, "Summary").unwrap().len();
    proxy.lose_next(&append, Loss::Unavailable);
    let err = gm
        .err(
            "sheets_append_rows",
            json!({"spreadsheet_id": id, "range": "Summary", "rows": [["Lost answer", 1]]}),
        )
        .await;
    assert!(
        err.contains("may or may not have been added") && err.contains("sheets_read_range"),
        "{err}"
    );
    let rows = env.fake().sheet_values(ANN, &id, "Summary").unwrap();
    assert_eq!(rows.len(), rows_before + 1);
    assert_eq!(rows.last().unwrap(), &["Lost answer", "1"]);
    assert_eq!(env.fake().requests(&append), 1, "not resent");
}

#[tokio::test]
async fn a_lost_add_sheet_answer_is_settled_from_the_sheets() {
    let (env, proxy, gm) = ann_via_proxy().await;
    let id = book(&env, ANN, SHEET_BUDGET);
    let path = format!("/v4/spreadsheets/{id}:batchUpdate");
    proxy.lose_next(&path, Loss::Unavailable);
    let (v, _) = gm
        .ok(
            "sheets_add_sheet",
            json!({"spreadsheet_id": id, "title": "Later"}),
        )
        .await;
    assert_eq!(v["sheet"]["title"], "Later");
    assert_eq!(env.fake().requests(&path), 1);
    let titles = env.fake().sheet_titles(ANN, &id).unwrap();
    assert_eq!(titles.iter().filter(|t| *t == "Later").count(), 1);
}
