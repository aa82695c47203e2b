//! Drive, Sheets, Docs and Slides answers checked against Google's discovery
//! documents (see `schema.rs` for the checker).

use fake_google::seed::drive::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api::*;
use crate::drive::{DRIVE_ALL, DRIVE_READ};
use crate::helpers::{ALICE, start};
use crate::schema::{Discovery, check_error};

#[tokio::test]
async fn drive_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_ALL]).await;
    for query in [
        "",
        "?fields=*",
        "?fields=nextPageToken,files(id,name,mimeType,parents,modifiedTime,size,owners)&pageSize=3",
        "?supportsAllDrives=true&includeItemsFromAllDrives=true&fields=*",
    ] {
        let body = get_ok(&fake, &token, &format!("/drive/v3/files{query}")).await;
        d.check("drive.files.list", &body, &["files[].id", "files[].name"]);
    }
    for name in [
        DOC_ROADMAP,
        SHEET_BUDGET,
        FILE_PDF,
        FOLDER_Q4,
        DOC_PARTNER_BRIEF,
        DOC_HANDBOOK,
    ] {
        let id = fake.drive_file_id(ALICE, name).unwrap();
        let body = get_ok(
            &fake,
            &token,
            &format!("/drive/v3/files/{id}?fields=*&supportsAllDrives=true"),
        )
        .await;
        d.check(
            "drive.files.get",
            &body,
            &[
                "kind",
                "id",
                "name",
                "mimeType",
                "createdTime",
                "modifiedTime",
                "webViewLink",
                "permissions[].role",
            ],
        );
    }
    let (status, created) = post(
        &fake,
        &token,
        "/drive/v3/files?fields=*",
        json!({ "name": "New doc", "mimeType": "application/vnd.google-apps.document" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    d.check(
        "drive.files.create",
        &created,
        &["id", "name", "mimeType", "parents"],
    );
    let id = created["id"].as_str().unwrap();
    let (_, updated) = call(
        &fake,
        &token,
        Method::PATCH,
        &format!("/drive/v3/files/{id}?fields=*"),
        Some(json!({ "name": "Renamed" })),
    )
    .await;
    d.check("drive.files.update", &updated, &["id", "name"]);
    let (_, copied) = post(
        &fake,
        &token,
        &format!("/drive/v3/files/{id}/copy"),
        json!({}),
    )
    .await;
    d.check("drive.files.copy", &copied, &["id", "name", "mimeType"]);
    let (_, permission) = post(
        &fake,
        &token,
        &format!("/drive/v3/files/{id}/permissions?fields=*"),
        json!({ "role": "writer", "type": "user", "emailAddress": "priya.shah@example.com" }),
    )
    .await;
    d.check(
        "drive.permissions.create",
        &permission,
        &["id", "type", "role", "emailAddress"],
    );
    let list = get_ok(
        &fake,
        &token,
        &format!("/drive/v3/files/{id}/permissions?fields=*"),
    )
    .await;
    d.check(
        "drive.permissions.list",
        &list,
        &["permissions[].id", "permissions[].role"],
    );
    d.check(
        "drive.drives.list",
        &get_ok(&fake, &token, "/drive/v3/drives?fields=*").await,
        &["drives[].id", "drives[].name"],
    );
    let drive = fake.shared_drive_id(ALICE, SHARED_DRIVE).unwrap();
    let one = get_ok(&fake, &token, &format!("/drive/v3/drives/{drive}?fields=*")).await;
    d.check("drive.drives.get", &one, &["id", "name", "kind"]);
    assert_eq!(one["name"], SHARED_DRIVE);
    let (status, _) = get(&fake, &token, "/drive/v3/drives/0Anotadrive").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Editor files report their size, folders none.
    let roadmap = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let f = get_ok(
        &fake,
        &token,
        &format!("/drive/v3/files/{roadmap}?fields=size"),
    )
    .await;
    assert!(
        f["size"].as_str().unwrap().parse::<u64>().unwrap() > 100,
        "{f}"
    );
    let q4 = fake.drive_file_id(ALICE, FOLDER_Q4).unwrap();
    let f = get_ok(&fake, &token, &format!("/drive/v3/files/{q4}?fields=size")).await;
    assert!(f.get("size").is_none(), "{f}");

    let archive = fake.drive_file_id(ALICE, SHEET_ARCHIVE).unwrap();
    let (status, body) = get(
        &fake,
        &token,
        &format!("/drive/v3/files/{archive}/export?mimeType=text/csv"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);
    let (_, body) = get(&fake, &token, "/drive/v3/files/nope").await;
    check_error(&body, 404);
    let (_, body) = get(&fake, &token, "/drive/v3/files?q=bogus").await;
    check_error(&body, 400);
    let readonly = crate::api::token(&fake, ALICE, &[DRIVE_READ]).await;
    let (_, body) = post(&fake, &readonly, "/drive/v3/files", json!({})).await;
    check_error(&body, 403);
}

#[tokio::test]
async fn sheets_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[crate::sheets::SHEETS_ALL]).await;
    let id = fake.drive_file_id(ALICE, SHEET_BUDGET).unwrap();
    for query in ["", "?includeGridData=true"] {
        let body = get_ok(&fake, &token, &format!("/v4/spreadsheets/{id}{query}")).await;
        d.check(
            "sheets.spreadsheets.get",
            &body,
            &[
                "spreadsheetId",
                "properties.title",
                "sheets[].properties.sheetId",
                "sheets[].properties.gridProperties.rowCount",
                "namedRanges[].range.sheetId",
            ],
        );
    }
    let range = "%27It%27%27s%20Q4%27!A1%3AD3";
    let body = get_ok(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}/values/{range}"),
    )
    .await;
    d.check(
        "sheets.spreadsheets.values.get",
        &body,
        &["range", "majorDimension", "values"],
    );
    let body = get_ok(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}/values:batchGet?ranges={range}&ranges=Summary"),
    )
    .await;
    d.check(
        "sheets.spreadsheets.values.batchGet",
        &body,
        &["spreadsheetId", "valueRanges[].range"],
    );
    let (status, body) = call(&fake, &token, Method::PUT, &format!("/v4/spreadsheets/{id}/values/Summary!E1?valueInputOption=USER_ENTERED&includeValuesInResponse=true"), Some(json!({ "values": [["=1+2", 4]] }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    d.check(
        "sheets.spreadsheets.values.update",
        &body,
        &[
            "spreadsheetId",
            "updatedRange",
            "updatedCells",
            "updatedData.values",
        ],
    );
    let (_, body) = post(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}/values/Summary!A1:C1:append?valueInputOption=RAW"),
        json!({ "values": [["x"]] }),
    )
    .await;
    d.check(
        "sheets.spreadsheets.values.append",
        &body,
        &["spreadsheetId", "tableRange", "updates.updatedRange"],
    );
    let (_, body) = post(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}/values/Summary!A9:clear"),
        json!({}),
    )
    .await;
    d.check(
        "sheets.spreadsheets.values.clear",
        &body,
        &["spreadsheetId", "clearedRange"],
    );
    let (_, body) = post(
        &fake,
        &token,
        "/v4/spreadsheets",
        json!({ "properties": { "title": "New" } }),
    )
    .await;
    d.check(
        "sheets.spreadsheets.create",
        &body,
        &[
            "spreadsheetId",
            "sheets[].properties.title",
            "spreadsheetUrl",
        ],
    );
    let (_, body) = post(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}:batchUpdate"),
        json!({ "requests": [{ "addSheet": {} }], "includeSpreadsheetInResponse": true }),
    )
    .await;
    d.check(
        "sheets.spreadsheets.batchUpdate",
        &body,
        &[
            "spreadsheetId",
            "replies[].addSheet.properties.sheetId",
            "updatedSpreadsheet.sheets",
        ],
    );
    let (_, body) = get(
        &fake,
        &token,
        &format!("/v4/spreadsheets/{id}/values/Nope!A1"),
    )
    .await;
    check_error(&body, 400);
    let (_, body) = get(&fake, &token, "/v4/spreadsheets/nope").await;
    check_error(&body, 404);
}

#[tokio::test]
async fn docs_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[crate::docs::DOCS_ALL]).await;
    let id = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let body = get_ok(&fake, &token, &format!("/v1/documents/{id}")).await;
    d.check(
        "docs.documents.get",
        &body,
        &[
            "documentId",
            "title",
            "revisionId",
            "body.content[].endIndex",
            "lists",
        ],
    );
    let body = get_ok(
        &fake,
        &token,
        &format!("/v1/documents/{id}?includeTabsContent=true"),
    )
    .await;
    d.check(
        "docs.documents.get",
        &body,
        &[
            "tabs[].tabProperties.tabId",
            "tabs[].tabProperties.title",
            "tabs[].documentTab.body.content[].endIndex",
        ],
    );
    let (_, created) = post(&fake, &token, "/v1/documents", json!({ "title": "Schema" })).await;
    d.check(
        "docs.documents.create",
        &created,
        &["documentId", "title", "body.content"],
    );
    let (status, reply) = post(
        &fake,
        &token,
        &format!("/v1/documents/{id}:batchUpdate"),
        json!({ "requests": [
        { "insertText": { "location": { "index": 1 }, "text": "Hi " } },
        { "replaceAllText": { "containsText": { "text": "Goals" }, "replaceText": "Aims" } },
    ] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    d.check(
        "docs.documents.batchUpdate",
        &reply,
        &["documentId", "replies", "writeControl.requiredRevisionId"],
    );
    assert_eq!(
        reply["replies"][1]["replaceAllText"]["occurrencesChanged"],
        1
    );
    let (_, body) = post(
        &fake,
        &token,
        &format!("/v1/documents/{id}:batchUpdate"),
        json!({ "requests": [{ "insertText": { "location": { "index": 0 }, "text": "x" } }] }),
    )
    .await;
    check_error(&body, 400);
    let (_, body) = get(&fake, &token, "/v1/documents/nope").await;
    check_error(&body, 404);
}

#[tokio::test]
async fn slides_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[crate::slides::SLIDES_READ]).await;
    let id = fake.drive_file_id(ALICE, SLIDES_KICKOFF).unwrap();
    let body = get_ok(&fake, &token, &format!("/v1/presentations/{id}")).await;
    d.check(
        "slides.presentations.get",
        &body,
        &[
            "presentationId",
            "title",
            "locale",
            "revisionId",
            "pageSize.width.magnitude",
            "pageSize.height.unit",
            "slides[].objectId",
            "slides[].pageType",
            "slides[].pageElements[].objectId",
            "slides[].pageElements[].shape.placeholder.type",
            "slides[].pageElements[].size.width.magnitude",
            "slides[].pageElements[].transform.translateX",
            "slides[].slideProperties.layoutObjectId",
            "slides[].slideProperties.notesPage.notesProperties.speakerNotesObjectId",
            "masters[].objectId",
            "layouts[].layoutProperties.name",
            "notesMaster.objectId",
        ],
    );
    let deck = fake.add_presentation(ALICE, "Émojis 😀", &[("Ünïcode 😀", "a 😀\nb")]);
    let body = get_ok(&fake, &token, &format!("/v1/presentations/{deck}")).await;
    d.check(
        "slides.presentations.get",
        &body,
        &["slides[].pageElements[].shape.text.textElements[].endIndex"],
    );
    let body = get_ok(
        &fake,
        &token,
        &format!("/v1/presentations/{id}?fields=presentationId,slides(objectId,pageElements(shape(text)))"),
    )
    .await;
    d.check(
        "slides.presentations.get",
        &body,
        &["presentationId", "slides[].objectId"],
    );
    let (_, body) = get(&fake, &token, "/v1/presentations/nope").await;
    check_error(&body, 404);
    let (_, body) = get(
        &fake,
        &crate::api::token(&fake, ALICE, &[crate::docs::DOCS_ALL]).await,
        &format!("/v1/presentations/{id}"),
    )
    .await;
    check_error(&body, 403);
}
