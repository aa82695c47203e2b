//! Drive comments, replies and revisions checked against the drive.v3
//! discovery document, with Google's errors.

use fake_google::seed::drive::{DOC_MEETING_NOTES, FILE_NOTES_TXT, FOLDER_PROJECTS};
use fake_google::seed::drive_notes::{COMMENT_OPEN, NOTES_FIRST_DRAFT, TXT_FIRST_REVISION};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, DRIVE, http, start};
use crate::schema::{Discovery, check_error};

pub const DRIVE_FULL: &str = "https://www.googleapis.com/auth/drive";
const COMMENT: &str =
    "id,content,author(displayName,me),createdTime,resolved,replies(id,content,action)";

#[tokio::test]
async fn comments_and_revisions_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_FULL]).await;
    let notes = fake.drive_file_id(ALICE, DOC_MEETING_NOTES).unwrap();
    let base = format!("/drive/v3/files/{notes}");

    let list = get_ok(
        &fake,
        &token,
        &format!("{base}/comments?fields=comments({COMMENT}),nextPageToken"),
    )
    .await;
    d.check(
        "drive.comments.list",
        &list,
        &[
            "comments[].id",
            "comments[].content",
            "comments[].author.displayName",
            "comments[].replies",
        ],
    );
    let open = list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["content"] == COMMENT_OPEN)
        .unwrap();
    let id = open["id"].as_str().unwrap();
    d.check(
        "drive.comments.get",
        &get_ok(&fake, &token, &format!("{base}/comments/{id}?fields=*")).await,
        &[
            "kind",
            "id",
            "htmlContent",
            "quotedFileContent.value",
            "resolved",
        ],
    );
    let (status, created) = post(
        &fake,
        &token,
        &format!("{base}/comments?fields={COMMENT}"),
        json!({"content": "Schema check"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    d.check(
        "drive.comments.create",
        &created,
        &["id", "content", "author.me", "createdTime"],
    );
    let new_id = created["id"].as_str().unwrap();
    let (status, reply) = post(
        &fake,
        &token,
        &format!("{base}/comments/{new_id}/replies?fields=id,content,action,author(displayName)"),
        json!({"content": "Done", "action": "resolve"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    d.check("drive.replies.create", &reply, &["id", "content", "action"]);
    let after = get_ok(
        &fake,
        &token,
        &format!("{base}/comments/{new_id}?fields=resolved"),
    )
    .await;
    assert_eq!(after["resolved"], true);

    let (_, body) = get(&fake, &token, &format!("{base}/comments")).await;
    check_error(&body, 400);
    let (_, body) = get(&fake, &token, &format!("{base}/comments/nosuch?fields=id")).await;
    check_error(&body, 404);
    let (_, body) = post(
        &fake,
        &token,
        &format!("{base}/comments?fields=id"),
        json!({"content": " "}),
    )
    .await;
    check_error(&body, 400);
    let (_, body) = post(
        &fake,
        &token,
        &format!("{base}/comments/{new_id}/replies?fields=id"),
        json!({"action": "delete"}),
    )
    .await;
    check_error(&body, 400);
    let folder = fake.drive_file_id(ALICE, FOLDER_PROJECTS).unwrap();
    let (_, body) = post(
        &fake,
        &token,
        &format!("/drive/v3/files/{folder}/comments?fields=id"),
        json!({"content": "x"}),
    )
    .await;
    check_error(&body, 400);

    let read = crate::api::token(&fake, ALICE, &[DRIVE]).await;
    let (status, body) = post(
        &fake,
        &read,
        &format!("{base}/comments?fields=id"),
        json!({"content": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);

    let revisions = get_ok(&fake, &read, &format!("{base}/revisions?fields=revisions(id,mimeType,modifiedTime,lastModifyingUser(displayName),exportLinks)")).await;
    d.check(
        "drive.revisions.list",
        &revisions,
        &[
            "revisions[].id",
            "revisions[].modifiedTime",
            "revisions[].exportLinks",
        ],
    );
    let all = revisions["revisions"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    let first = &all[0];
    d.check(
        "drive.revisions.get",
        &get_ok(
            &fake,
            &read,
            &format!(
                "{base}/revisions/{}?fields=*",
                first["id"].as_str().unwrap()
            ),
        )
        .await,
        &[
            "kind",
            "id",
            "mimeType",
            "lastModifyingUser.displayName",
            "exportLinks",
        ],
    );
    let link = first["exportLinks"]["text/markdown"].as_str().unwrap();
    let md = http().get(link).bearer_auth(&read).send().await.unwrap();
    assert_eq!(md.status(), StatusCode::OK);
    assert!(md.text().await.unwrap().contains(NOTES_FIRST_DRAFT));
    let anonymous = http().get(link).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let txt = fake.drive_file_id(ALICE, FILE_NOTES_TXT).unwrap();
    let revisions = get_ok(
        &fake,
        &read,
        &format!("/drive/v3/files/{txt}/revisions?fields=*"),
    )
    .await;
    d.check(
        "drive.revisions.list",
        &revisions,
        &["revisions[].size", "revisions[].md5Checksum"],
    );
    let old = revisions["revisions"][0]["id"].as_str().unwrap();
    let bytes = http()
        .get(fake.url(&format!("/drive/v3/files/{txt}/revisions/{old}?alt=media")))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.text().await.unwrap(), TXT_FIRST_REVISION);
    let (status, body) = get(&fake, &read, &format!("{base}/revisions/99")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_error(&body, 404);
    let (status, body): (StatusCode, Value) =
        get(&fake, &read, &format!("{base}/revisions/1?alt=media")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);
}
