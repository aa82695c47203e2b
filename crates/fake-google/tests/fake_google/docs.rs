//! Docs v1: documents with tabs, structure and UTF-16 indexes; batchUpdate
//! edits with emoji and non-Latin text, validation errors, scopes, users.

use fake_google::FakeGoogle;
use fake_google::seed::drive::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, BOB, start};

pub const DOCS_ALL: &str = "https://www.googleapis.com/auth/documents";
pub const DOCS_READ: &str = "https://www.googleapis.com/auth/documents.readonly";

fn utf16(s: &str) -> u64 {
    s.encode_utf16().count() as u64
}

/// Every element's indexes are contiguous and match its text's UTF-16 length.
fn check_indexes(content: &Value, mut at: u64) -> u64 {
    for element in content.as_array().unwrap() {
        let start = element["startIndex"].as_u64().unwrap_or(0);
        assert_eq!(start, at, "{element}");
        let end = element["endIndex"].as_u64().unwrap();
        if let Some(p) = element.get("paragraph") {
            let mut run_at = start;
            for run in p["elements"].as_array().unwrap() {
                assert_eq!(run["startIndex"], run_at);
                run_at += utf16(run["textRun"]["content"].as_str().unwrap());
                assert_eq!(run["endIndex"], run_at);
            }
            assert_eq!(run_at, end);
        }
        if let Some(table) = element.get("table") {
            let mut row_at = start + 1;
            for row in table["tableRows"].as_array().unwrap() {
                assert_eq!(row["startIndex"], row_at);
                let mut cell_at = row_at + 1;
                for cell in row["tableCells"].as_array().unwrap() {
                    cell_at = check_indexes(&cell["content"], cell_at + 1);
                    assert_eq!(cell["endIndex"], cell_at);
                }
                row_at = cell_at;
            }
            assert_eq!(row_at + 1, end);
        }
        at = end;
    }
    at
}

fn text_of(content: &Value) -> String {
    content
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["paragraph"]["elements"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|r| r["textRun"]["content"].as_str().unwrap().to_string())
        .collect()
}

async fn body(fake: &FakeGoogle, token: &str, id: &str) -> Value {
    get_ok(fake, token, &format!("/v1/documents/{id}")).await["body"]["content"].clone()
}

async fn update(fake: &FakeGoogle, token: &str, id: &str, requests: Value) -> (StatusCode, Value) {
    post(
        fake,
        token,
        &format!("/v1/documents/{id}:batchUpdate"),
        json!({ "requests": requests }),
    )
    .await
}

#[tokio::test]
async fn documents_get_with_and_without_tabs() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DOCS_READ]).await;
    let id = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let plain = get_ok(&fake, &token, &format!("/v1/documents/{id}")).await;
    assert_eq!(plain["documentId"], id.as_str());
    assert_eq!(plain["title"], DOC_ROADMAP);
    assert!(plain.get("tabs").is_none());
    let content = &plain["body"]["content"];
    assert!(content[0]["sectionBreak"].is_object());
    check_indexes(content, 0);
    let text = text_of(content);
    assert!(
        text.contains("Goals\n") && !text.contains("Open questions"),
        "first tab only"
    );
    let title = &content[1]["paragraph"];
    assert_eq!(title["paragraphStyle"]["namedStyleType"], "TITLE");
    assert_eq!(
        content[2]["paragraph"]["paragraphStyle"]["namedStyleType"],
        "HEADING_1"
    );
    let bullet = &content[3]["paragraph"];
    assert_eq!(bullet["bullet"]["listId"], "kix.goals");
    assert!(plain["lists"]["kix.goals"].is_object());
    // "Ship the Drive tools 🚀\n": the emoji counts two UTF-16 units.
    assert_eq!(
        content[3]["endIndex"].as_u64().unwrap() - content[3]["startIndex"].as_u64().unwrap(),
        24
    );
    let runs = content[6]["paragraph"]["elements"].as_array().unwrap();
    assert_eq!(runs[1]["textRun"]["content"], "design doc");
    assert_eq!(
        runs[1]["textRun"]["textStyle"]["link"]["url"],
        "https://example.com/design"
    );
    assert_eq!(runs[3]["textRun"]["textStyle"]["bold"], true);
    assert_eq!(runs[5]["textRun"]["textStyle"]["italic"], true);
    let table = content
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e.get("table").is_some())
        .unwrap();
    assert_eq!(table["table"]["rows"], 3);
    assert_eq!(table["table"]["columns"], 3);
    assert_eq!(
        table["table"]["tableRows"][0]["tableCells"][0]["content"][0]["paragraph"]["elements"][0]["textRun"]
            ["content"],
        "Milestone\n"
    );

    let tabs = get_ok(
        &fake,
        &token,
        &format!("/v1/documents/{id}?includeTabsContent=true"),
    )
    .await;
    assert!(tabs.get("body").is_none());
    let list = tabs["tabs"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let summary = &list[2]["documentTab"]["body"]["content"];
    let end = check_indexes(summary, 0);
    let expected = "Zusammenfassung – 概要\nΕλληνικά, עברית και 한국어 🇩🇪🇯🇵\n";
    assert_eq!(text_of(summary), expected);
    assert_eq!(
        end,
        1 + utf16(expected),
        "flags are two surrogate pairs each"
    );
    assert_eq!(
        list[1]["tabProperties"],
        json!({ "tabId": "t.notes", "title": "Notes", "index": 1 })
    );
    let notes = &list[1]["documentTab"]["body"]["content"];
    let end = check_indexes(notes, 0);
    let expected = "Open questions\nWhich regions launch first? 🌍\nDo we need SSO for the beta?\nEmoji test: 😀 family 👨‍👩‍👧 end.\n";
    assert_eq!(text_of(notes), expected);
    assert_eq!(end, 1 + utf16(expected));
    assert_eq!(
        fake.doc_tab_titles(ALICE, &id).unwrap(),
        ["Overview", "Notes", "Summary 概要"]
    );
    let (status, _) = get(&fake, &token, "/v1/documents/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn edits_count_utf16_units() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DOCS_ALL]).await;
    let (status, created) = post(&fake, &token, "/v1/documents", json!({ "title": "Edits" })).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["documentId"].as_str().unwrap().to_string();
    assert_eq!(
        fake.drive_file_id(ALICE, "Edits").as_deref(),
        Some(id.as_str()),
        "Drive lists it"
    );
    assert_eq!(created["body"]["content"][1]["endIndex"], 2);

    let (status, reply) = update(
        &fake,
        &token,
        &id,
        json!([
            { "insertText": { "location": { "index": 1 }, "text": "A😀B мир\nSecond 日本語" } },
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["replies"], json!([{}]));
    let content = body(&fake, &token, &id).await;
    assert_eq!(text_of(&content), "A😀B мир\nSecond 日本語\n");
    check_indexes(&content, 0);
    assert_eq!(
        content[1]["endIndex"], 10,
        "A + 😀(2) + B + space + мир(3) + newline"
    );

    // Highest index first, as clients should: delete "日本", then the emoji.
    let (status, reply) = update(
        &fake,
        &token,
        &id,
        json!([
            { "deleteContentRange": { "range": { "startIndex": 17, "endIndex": 19 } } },
            { "deleteContentRange": { "range": { "startIndex": 2, "endIndex": 4 } } },
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(fake.doc_text(ALICE, &id).unwrap(), "AB мир\nSecond 語\n");

    let (status, body_) = update(&fake, &token, &id, json!([
        { "insertText": { "endOfSegmentLocation": {}, "text": " 👋🏽" } },
        { "updateTextStyle": { "range": { "startIndex": 1, "endIndex": 3 }, "textStyle": { "bold": true }, "fields": "bold" } },
        { "updateParagraphStyle": { "range": { "startIndex": 1, "endIndex": 2 }, "paragraphStyle": { "namedStyleType": "HEADING_2" }, "fields": "namedStyleType" } },
        { "createParagraphBullets": { "range": { "startIndex": 8, "endIndex": 9 }, "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE" } },
    ])).await;
    assert_eq!(status, StatusCode::OK, "{body_}");
    let content = body(&fake, &token, &id).await;
    check_indexes(&content, 0);
    assert_eq!(text_of(&content), "AB мир\nSecond 語 👋🏽\n");
    assert_eq!(
        content[1]["paragraph"]["paragraphStyle"]["namedStyleType"],
        "HEADING_2"
    );
    assert_eq!(
        content[1]["paragraph"]["elements"][0]["textRun"]["content"],
        "AB"
    );
    assert_eq!(
        content[1]["paragraph"]["elements"][0]["textRun"]["textStyle"]["bold"],
        true
    );
    assert!(content[2]["paragraph"]["bullet"]["listId"].is_string());
    assert_eq!(content[2]["endIndex"], 1 + utf16("AB мир\nSecond 語 👋🏽\n"));

    // Merging paragraphs by deleting the newline between them.
    let (status, _) = update(
        &fake,
        &token,
        &id,
        json!([{ "deleteContentRange": { "range": { "startIndex": 7, "endIndex": 8 } } }]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fake.doc_text(ALICE, &id).unwrap(), "AB мирSecond 語 👋🏽\n");
}

#[tokio::test]
async fn invalid_edits_are_refused_whole() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DOCS_ALL]).await;
    let (_, created) = post(&fake, &token, "/v1/documents", json!({ "title": "Strict" })).await;
    let id = created["documentId"].as_str().unwrap().to_string();
    update(
        &fake,
        &token,
        &id,
        json!([{ "insertText": { "location": { "index": 1 }, "text": "x😀y" } }]),
    )
    .await;
    let before = fake.doc_text(ALICE, &id).unwrap();
    for (requests, message) in [
        (
            json!([{ "insertText": { "location": { "index": 50 }, "text": "z" } }]),
            "Invalid requests[0].insertText: Index 50 must be less than the end index of the referenced segment, 6.",
        ),
        (
            json!([{ "insertText": { "location": { "index": 1 }, "text": "ok" } }, { "insertText": { "location": { "index": 0 }, "text": "z" } }]),
            "Invalid requests[1].insertText: The insertion index must be inside the bounds of an existing paragraph. You can still create new paragraphs by inserting newlines.",
        ),
        (
            json!([{ "insertText": { "location": { "index": 3 }, "text": "z" } }]),
            "Invalid requests[0].insertText: The insertion index cannot be inside a surrogate pair.",
        ),
        (
            json!([{ "deleteContentRange": { "range": { "startIndex": 2, "endIndex": 3 } } }]),
            "Invalid requests[0].deleteContentRange: The range cannot split a surrogate pair.",
        ),
        (
            json!([{ "deleteContentRange": { "range": { "startIndex": 3, "endIndex": 3 } } }]),
            "Invalid requests[0].deleteContentRange: The range should not be empty. The start index 3 must be less than the end index 3.",
        ),
        (
            json!([{ "deleteContentRange": { "range": { "startIndex": 1, "endIndex": 6 } } }]),
            "Invalid requests[0].deleteContentRange: The range cannot include the newline character at the end of the segment.",
        ),
        (
            json!([{ "updateTextStyle": { "range": { "startIndex": 1, "endIndex": 2 }, "textStyle": { "bold": true } } }]),
            "Invalid requests[0].updateTextStyle: At least one field must be listed in 'fields'. (Use '*' to indicate all fields.)",
        ),
    ] {
        let (status, body) = update(&fake, &token, &id, requests).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["message"], message);
        assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
        assert_eq!(
            fake.doc_text(ALICE, &id).unwrap(),
            before,
            "nothing applied"
        );
    }
}

#[tokio::test]
async fn replace_all_text_and_tables() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DOCS_ALL]).await;
    let id = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let (status, reply) = update(&fake, &token, &id, json!([
        { "replaceAllText": { "containsText": { "text": "beta", "matchCase": false }, "replaceText": "pilot 🧪" } },
    ])).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(
        reply["replies"][0]["replaceAllText"]["occurrencesChanged"], 2,
        "table cell and the Notes tab"
    );
    let text = fake.doc_text(ALICE, &id).unwrap();
    assert!(
        text.contains("pilot 🧪\t") && text.contains("SSO for the pilot 🧪?"),
        "{text}"
    );
    let tabs = get_ok(
        &fake,
        &token,
        &format!("/v1/documents/{id}?includeTabsContent=true"),
    )
    .await;
    let content = &tabs["tabs"][0]["documentTab"]["body"]["content"];
    check_indexes(content, 0);
    // Type into the first table cell, found by its index.
    let table = content
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e.get("table").is_some())
        .unwrap();
    let cell = table["table"]["tableRows"][1]["tableCells"][2]["content"][0]["startIndex"]
        .as_u64()
        .unwrap();
    let (status, reply) = update(
        &fake,
        &token,
        &id,
        json!([{ "insertText": { "location": { "index": cell, "tabId": "t.0" }, "text": "≈" } }]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(fake.doc_text(ALICE, &id).unwrap().contains("\t≈2026-10-15"));
    let table_start = table["startIndex"].as_u64().unwrap();
    let (status, _) = update(
        &fake,
        &token,
        &id,
        json!([{ "insertText": { "location": { "index": table_start }, "text": "x" } }]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = update(
        &fake,
        &token,
        &id,
        json!([{ "insertText": { "location": { "index": 1, "tabId": "t.nope" }, "text": "x" } }]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = update(&fake, &token, &id, json!([{ "insertText": { "location": { "index": 1, "tabId": "t.notes" }, "text": "Top: " } }])).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, md) = crate::drive::raw_get(
        &fake,
        &crate::api::token(&fake, ALICE, &[crate::drive::DRIVE_READ]).await,
        &format!("/drive/v3/files/{id}/export?mimeType=text/markdown"),
    )
    .await;
    assert!(
        String::from_utf8(md)
            .unwrap()
            .contains("# Top: Open questions"),
        "Drive exports the edited document"
    );
}

#[tokio::test]
async fn scopes_and_users() {
    let fake = start().await;
    let readonly = token(&fake, ALICE, &[DOCS_READ]).await;
    let id = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let (status, body) = update(&fake, &readonly, &id, json!([])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"]["details"][0]["metadata"]["service"],
        "docs.googleapis.com"
    );
    let bob = token(&fake, BOB, &[DOCS_ALL]).await;
    let (status, _) = get(&fake, &bob, &format!("/v1/documents/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let alice = token(&fake, ALICE, &[DOCS_ALL]).await;
    let brief = fake.drive_file_id(ALICE, DOC_PARTNER_BRIEF).unwrap();
    get_ok(&fake, &alice, &format!("/v1/documents/{brief}")).await;
    let (status, _) = update(
        &fake,
        &alice,
        &brief,
        json!([{ "insertText": { "location": { "index": 1 }, "text": "x" } }]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reader cannot edit");
}
