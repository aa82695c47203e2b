//! Drive, Sheets and Docs answers checked against Google's discovery
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
