//! Drive v3 writes: uploads with conversion, moves, trash, copies, deletes,
//! permissions; users kept apart and scopes checked.

use fake_google::FakeGoogle;
use fake_google::seed::drive::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::*;
use crate::drive::{DRIVE_ALL, DRIVE_READ, q, raw_get};
use crate::helpers::{ALICE, BOB, http, start};

pub async fn upload(
    fake: &FakeGoogle,
    token: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let response = http()
        .post(fake.url(&format!("/upload/drive/v3/files?{query}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

pub fn multipart(meta: Value, media_type: &str, media: &str) -> Vec<u8> {
    format!(
        "--XyZ\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{meta}\r\n--XyZ\r\nContent-Type: {media_type}\r\n\r\n{media}\r\n--XyZ--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn create_upload_and_convert() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_ALL]).await;
    let q4 = fake.drive_file_id(ALICE, FOLDER_Q4).unwrap();
    let (status, folder) = post(
        &fake,
        &token,
        "/drive/v3/files?fields=id,name,mimeType,parents",
        json!({
            "name": "Reports", "mimeType": "application/vnd.google-apps.folder", "parents": [q4],
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{folder}");
    assert_eq!(folder["parents"][0], q4.as_str());
    let folder_id = folder["id"].as_str().unwrap();

    let (status, file) = upload(
        &fake,
        &token,
        "uploadType=multipart&fields=id,name,mimeType,size,parents",
        "multipart/related; boundary=XyZ",
        multipart(
            json!({ "name": "hello.txt", "parents": [folder_id] }),
            "text/plain",
            "hello, drive",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["mimeType"], "text/plain");
    assert_eq!(file["size"], "12");
    let id = file["id"].as_str().unwrap();
    assert_eq!(fake.drive_file_content(ALICE, id).unwrap(), b"hello, drive");
    let (_, _, bytes) = raw_get(&fake, &token, &format!("/drive/v3/files/{id}?alt=media")).await;
    assert_eq!(bytes, b"hello, drive");

    let response = http()
        .patch(fake.url(&format!(
            "/upload/drive/v3/files/{id}?uploadType=media&fields=id,size"
        )))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hello again")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["size"], "11");
    assert_eq!(fake.drive_file_content(ALICE, id).unwrap(), b"hello again");

    let (status, simple) = upload(
        &fake,
        &token,
        "uploadType=media",
        "image/png",
        vec![0x89, b'P', b'N', b'G'],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{simple}");
    assert_eq!(simple["name"], "Untitled");
    assert_eq!(simple["mimeType"], "image/png");

    let markdown = "# Plan\n\n- first\n- second\n\nDone.";
    let (status, doc) = upload(
        &fake,
        &token,
        "uploadType=multipart",
        "multipart/related; boundary=XyZ",
        multipart(
            json!({ "name": "Plan", "mimeType": "application/vnd.google-apps.document" }),
            "text/markdown",
            markdown,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["mimeType"], "application/vnd.google-apps.document");
    let doc_id = doc["id"].as_str().unwrap();
    assert_eq!(
        fake.doc_text(ALICE, doc_id).unwrap(),
        "Plan\n\nfirst\nsecond\n\nDone.\n"
    );
    let (_, _, md) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{doc_id}/export?mimeType=text/markdown"),
    )
    .await;
    assert_eq!(
        String::from_utf8(md).unwrap(),
        "# Plan\n\n* first\n* second\n\nDone.\n"
    );
    let (status, sheet) = upload(
        &fake,
        &token,
        "uploadType=multipart",
        "multipart/related; boundary=XyZ",
        multipart(
            json!({ "name": "Nums", "mimeType": "application/vnd.google-apps.spreadsheet" }),
            "text/csv",
            "a,b\n1,2",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sheet}");
    let sheet_id = sheet["id"].as_str().unwrap();
    assert_eq!(
        fake.sheet_values(ALICE, sheet_id, "Sheet1").unwrap(),
        [["a", "b"], ["1", "2"]]
    );
    let (status, body) = upload(
        &fake,
        &token,
        "uploadType=resumable",
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = post(
        &fake,
        &token,
        "/drive/v3/files",
        json!({ "name": "x", "parents": ["nope"] }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn rename_move_trash_copy_delete() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_ALL]).await;
    let notes = fake.drive_file_id(ALICE, FILE_NOTES_TXT).unwrap();
    let root = fake.drive_root_id(ALICE);
    let q4 = fake.drive_file_id(ALICE, FOLDER_Q4).unwrap();
    let path = format!(
        "/drive/v3/files/{notes}?addParents={q4}&removeParents=root&fields=name,parents,trashed"
    );
    let (status, body) = call(
        &fake,
        &token,
        Method::PATCH,
        &path,
        Some(json!({ "name": "todo.txt" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({ "name": "todo.txt", "parents": [q4], "trashed": false })
    );
    assert!(
        !fake
            .drive_files(ALICE)
            .iter()
            .any(|f| f.id == notes && f.parents.contains(&root))
    );
    let (_, body) = call(
        &fake,
        &token,
        Method::PATCH,
        &format!("/drive/v3/files/{notes}?fields=trashed"),
        Some(json!({ "trashed": true })),
    )
    .await;
    assert_eq!(body["trashed"], true);
    assert!(
        !q(&fake, &token, "trashed = false")
            .await
            .contains(&"todo.txt".to_string())
    );
    assert!(
        q(&fake, &token, "trashed = true")
            .await
            .contains(&"todo.txt".to_string())
    );

    let roadmap = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let (status, copy) = post(
        &fake,
        &token,
        &format!("/drive/v3/files/{roadmap}/copy?fields=id,name,parents"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{copy}");
    assert_eq!(copy["name"], "Copy of Q4 Roadmap");
    let copy_id = copy["id"].as_str().unwrap();
    assert_eq!(
        fake.doc_text(ALICE, copy_id),
        fake.doc_text(ALICE, &roadmap)
    );

    let (status, _) = call(
        &fake,
        &token,
        Method::DELETE,
        &format!("/drive/v3/files/{copy_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(fake.doc_text(ALICE, copy_id).is_none());
    let (status, _) = get(&fake, &token, &format!("/drive/v3/files/{copy_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let projects = fake.drive_file_id(ALICE, FOLDER_PROJECTS).unwrap();
    call(
        &fake,
        &token,
        Method::DELETE,
        &format!("/drive/v3/files/{projects}"),
        None,
    )
    .await;
    assert!(
        fake.drive_file_id(ALICE, FILE_CODE).is_none(),
        "a folder's content goes with it"
    );

    let brief = fake.drive_file_id(ALICE, DOC_PARTNER_BRIEF).unwrap();
    let (status, body) = call(
        &fake,
        &token,
        Method::PATCH,
        &format!("/drive/v3/files/{brief}"),
        Some(json!({ "name": "mine" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "insufficientFilePermissions");
    let (status, _) = call(
        &fake,
        &token,
        Method::DELETE,
        &format!("/drive/v3/files/{brief}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn permissions_list_and_create() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_ALL]).await;
    let roadmap = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let path = format!("/drive/v3/files/{roadmap}/permissions");
    let list = get_ok(&fake, &token, &path).await;
    assert_eq!(list["permissions"][0]["role"], "owner");
    for (body, role) in [
        (
            json!({ "role": "reader", "type": "user", "emailAddress": "priya.shah@example.com" }),
            "reader",
        ),
        (
            json!({ "role": "commenter", "type": "group", "emailAddress": "team@example.com" }),
            "commenter",
        ),
        (
            json!({ "role": "writer", "type": "domain", "domain": "example.com" }),
            "writer",
        ),
        (json!({ "role": "reader", "type": "anyone" }), "reader"),
    ] {
        let (status, created) = post(
            &fake,
            &token,
            &format!("{path}?sendNotificationEmail=false"),
            body.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        assert_eq!(created["role"], role);
        assert_eq!(created["type"], body["type"]);
        assert_eq!(created["kind"], "drive#permission");
    }
    let list = get_ok(
        &fake,
        &token,
        &format!("{path}?fields=permissions(role,type,emailAddress,domain)"),
    )
    .await;
    assert_eq!(list["permissions"].as_array().unwrap().len(), 5);
    let info = fake
        .drive_files(ALICE)
        .into_iter()
        .find(|f| f.id == roadmap)
        .unwrap();
    assert!(
        info.permissions
            .contains(&("writer".into(), "example.com".into()))
    );
    for bad in [
        json!({ "role": "boss", "type": "user", "emailAddress": "a@b.c" }),
        json!({ "role": "reader", "type": "user" }),
        json!({ "type": "anyone" }),
    ] {
        let (status, body) = post(&fake, &token, &path, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn users_are_kept_apart_and_scopes_checked() {
    let fake = start().await;
    let alice = token(&fake, ALICE, &[DRIVE_READ]).await;
    let bob = token(&fake, BOB, &[DRIVE_ALL]).await;
    let roadmap = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    assert_ne!(Some(roadmap.clone()), fake.drive_file_id(BOB, DOC_ROADMAP));
    let (status, _) = get(&fake, &bob, &format!("/drive/v3/files/{roadmap}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    post(
        &fake,
        &bob,
        "/drive/v3/files",
        json!({ "name": "Bob only" }),
    )
    .await;
    assert!(q(&fake, &alice, "name = 'Bob only'").await.is_empty());

    let (status, body) = post(&fake, &alice, "/drive/v3/files", json!({ "name": "x" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "insufficientPermissions");
    assert_eq!(
        body["error"]["details"][0]["metadata"]["service"],
        "drive.googleapis.com"
    );
    let gmail_only = token(&fake, ALICE, &[GMAIL_READONLY]).await;
    let (status, _) = get(&fake, &gmail_only, "/drive/v3/files").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&fake, "ya29.bad", "/drive/v3/files").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    for path in ["/drive/v3/files", "/v4/spreadsheets/x", "/v1/documents/x"] {
        fake.inject(fake_google::Fault::status(path, 503).times(1));
        let (status, body) = get(&fake, &bob, path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(
            error_reason(&body, 503),
            "backendError",
            "Google's API error shape"
        );
    }
}

#[tokio::test]
async fn test_hooks_add_files() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_READ]).await;
    let txt = fake.add_drive_file(ALICE, "extra.txt", "text/plain", b"extra words");
    assert_eq!(
        q(&fake, &token, "fullText contains 'extra words'").await,
        ["extra.txt"]
    );
    let (_, _, bytes) = raw_get(&fake, &token, &format!("/drive/v3/files/{txt}?alt=media")).await;
    assert_eq!(bytes, b"extra words");
    let doc = fake.add_google_doc(ALICE, "Hooked", "# Title\n\n- one");
    assert_eq!(fake.doc_text(ALICE, &doc).unwrap(), "Title\n\none\n");
    let sheet = fake.add_google_sheet(
        ALICE,
        "Hooked sheet",
        &[("Data", &[&["a", "1"], &["b", "2"]]), ("More", &[])],
    );
    assert_eq!(fake.sheet_titles(ALICE, &sheet).unwrap(), ["Data", "More"]);
    let (_, _, csv) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{sheet}/export?mimeType=text/csv"),
    )
    .await;
    assert_eq!(csv, b"a,1\r\nb,2");
    assert!(fake.set_drive_file_size(ALICE, &doc, 11 * 1024 * 1024));
    let (status, body) = get(
        &fake,
        &token,
        &format!("/drive/v3/files/{doc}/export?mimeType=text/markdown"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "exportSizeLimitExceeded");
    assert!(
        fake.drive_file_content(BOB, &txt).is_none(),
        "only in Alice's Drive"
    );
}
