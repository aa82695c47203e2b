//! Drive v3 reads: listing and search, shared drives, downloads and exports.

use fake_google::FakeGoogle;
use fake_google::seed::drive::*;
use reqwest::StatusCode;
use serde_json::Value;

use crate::api::*;
use crate::helpers::{ALICE, http, start};

pub const DRIVE_ALL: &str = "https://www.googleapis.com/auth/drive";
pub const DRIVE_READ: &str = "https://www.googleapis.com/auth/drive.readonly";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn names(fake: &FakeGoogle, token: &str, query: &str) -> Vec<String> {
    let body = get_ok(fake, token, &format!("/drive/v3/files?{query}")).await;
    body["files"]
        .as_array()
        .unwrap_or_else(|| panic!("files in {body}"))
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

pub async fn q(fake: &FakeGoogle, token: &str, q: &str) -> Vec<String> {
    names(fake, token, &format!("q={}&pageSize=1000", enc(q))).await
}

/// GET returning status, content type and raw bytes.
pub async fn raw_get(fake: &FakeGoogle, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = http()
        .get(fake.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn list_defaults_fields_and_pages() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_READ]).await;
    let body = get_ok(&fake, &token, "/drive/v3/files").await;
    assert_eq!(body["kind"], "drive#fileList");
    let first = &body["files"][0];
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        4,
        "default fields kind,id,name,mimeType: {first}"
    );
    assert_eq!(
        body["files"][0]["mimeType"], "application/vnd.google-apps.folder",
        "folders first"
    );
    let all = q(&fake, &token, "trashed = false").await;
    assert!(all.contains(&DOC_ROADMAP.to_string()));
    assert!(
        !all.contains(&DOC_HANDBOOK.to_string()),
        "shared drive hidden by default"
    );

    let mut seen = Vec::new();
    let mut token_param = String::new();
    loop {
        let body = get_ok(
            &fake,
            &token,
            &format!("/drive/v3/files?pageSize=4&fields=nextPageToken,files(id,name,parents){token_param}"),
        )
        .await;
        for f in body["files"].as_array().unwrap() {
            assert!(f.get("mimeType").is_none(), "{f}");
            assert!(
                f.get("parents").is_some() || f["name"] == DOC_PARTNER_BRIEF,
                "{f}"
            );
            seen.push(f["name"].as_str().unwrap().to_string());
        }
        assert!(body.get("kind").is_none());
        match body["nextPageToken"].as_str() {
            Some(next) => token_param = format!("&pageToken={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), all.len());
    let ordered = names(
        &fake,
        &token,
        "orderBy=name&q=mimeType%20!%3D%20%27application%2Fvnd.google-apps.folder%27",
    )
    .await;
    let mut sorted = ordered.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(ordered, sorted);
    let (status, body) = get(&fake, &token, "/drive/v3/files?orderBy=size").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn search_syntax() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_READ]).await;
    assert_eq!(q(&fake, &token, "name = 'Q4 Roadmap'").await, [DOC_ROADMAP]);
    assert!(
        q(&fake, &token, "name contains 'roadmap'")
            .await
            .contains(&DOC_ROADMAP.to_string())
    );
    let docs = q(
        &fake,
        &token,
        "mimeType = 'application/vnd.google-apps.document'",
    )
    .await;
    assert!(
        docs.contains(&DOC_MEETING_NOTES.to_string())
            && docs.contains(&DOC_PARTNER_BRIEF.to_string())
    );
    assert!(!docs.contains(&SHEET_BUDGET.to_string()));
    let q4 = fake.drive_file_id(ALICE, FOLDER_Q4).unwrap();
    let mut inside = q(
        &fake,
        &token,
        &format!("'{q4}' in parents and trashed = false"),
    )
    .await;
    inside.sort();
    assert_eq!(inside, [SHEET_BUDGET, DOC_ROADMAP, FILE_PLAN_MD]);
    assert_eq!(
        q(&fake, &token, "'root' in parents and name = 'Projects'").await,
        [FOLDER_PROJECTS]
    );
    // fullText searches the content of Docs, Sheets and text files, and PDF text.
    assert_eq!(
        q(&fake, &token, "fullText contains 'latency budget'").await,
        [DOC_MEETING_NOTES]
    );
    assert_eq!(
        q(&fake, &token, "fullText contains 'Marketing'").await,
        [SHEET_BUDGET]
    );
    assert_eq!(
        q(&fake, &token, "fullText contains 'TLS certificates'").await,
        [FILE_NOTES_TXT]
    );
    assert_eq!(
        q(&fake, &token, "fullText contains 'Master Services'").await,
        [FILE_PDF]
    );
    let mut shared = q(&fake, &token, "sharedWithMe").await;
    shared.sort();
    assert_eq!(shared, [DOC_SHARED_PLAN, DOC_PARTNER_BRIEF]);
    let mine = q(&fake, &token, "'me' in owners").await;
    assert!(
        !mine.contains(&DOC_PARTNER_BRIEF.to_string()) && mine.contains(&DOC_ROADMAP.to_string())
    );
    let recent = q(
        &fake,
        &token,
        &format!(
            "modifiedTime > '{}'",
            (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339()
        ),
    )
    .await;
    assert!(
        recent.contains(&DOC_MEETING_NOTES.to_string()) && !recent.contains(&FILE_PDF.to_string()),
        "{recent:?}"
    );
    let naive = (chrono::Utc::now() - chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M:%S");
    assert_eq!(
        q(&fake, &token, &format!("modifiedTime > '{naive}'")).await,
        recent,
        "no offset means UTC"
    );
    let either = q(
        &fake,
        &token,
        "(name = 'notes.txt' or name = 'logo.png') and not starred = true",
    )
    .await;
    assert_eq!(either.len(), 2);
    for bad in [
        "name ~ 'x'",
        "name = 'unterminated",
        "size > 3",
        "trashed = maybe",
    ] {
        let (status, body) = get(&fake, &token, &format!("/drive/v3/files?q={}", enc(bad))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(error_reason(&body, 400), "invalid");
    }
}

#[tokio::test]
async fn shared_drives_need_both_flags() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_READ]).await;
    let drives = get_ok(&fake, &token, "/drive/v3/drives").await;
    assert_eq!(drives["drives"][0]["name"], SHARED_DRIVE);
    let drive_id = fake.shared_drive_id(ALICE, SHARED_DRIVE).unwrap();
    assert_eq!(drives["drives"][0]["id"], drive_id.as_str());
    let handbook = fake.drive_file_id(ALICE, DOC_HANDBOOK).unwrap();

    let only_supports = names(&fake, &token, "supportsAllDrives=true&pageSize=100").await;
    assert!(!only_supports.contains(&DOC_HANDBOOK.to_string()));
    let (status, body) = get(
        &fake,
        &token,
        "/drive/v3/files?includeItemsFromAllDrives=true",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let both = names(
        &fake,
        &token,
        "supportsAllDrives=true&includeItemsFromAllDrives=true&pageSize=100",
    )
    .await;
    assert!(both.contains(&DOC_HANDBOOK.to_string()) && both.contains(&DOC_ROADMAP.to_string()));
    let mut in_drive = names(
        &fake,
        &token,
        &format!(
            "corpora=drive&driveId={drive_id}&supportsAllDrives=true&includeItemsFromAllDrives=true"
        ),
    )
    .await;
    in_drive.sort();
    assert_eq!(in_drive, [FILE_CHECKLIST, DOC_HANDBOOK]);
    let (status, _) = get(
        &fake,
        &token,
        &format!("/drive/v3/files?corpora=drive&driveId={drive_id}&supportsAllDrives=true"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(
        &fake,
        &token,
        &format!("/drive/v3/files?driveId={drive_id}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = get(&fake, &token, &format!("/drive/v3/files/{handbook}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["error"]["message"],
        format!("File not found: {handbook}.")
    );
    let body = get_ok(
        &fake,
        &token,
        &format!("/drive/v3/files/{handbook}?supportsAllDrives=true&fields=id,driveId,owners"),
    )
    .await;
    assert_eq!(body["driveId"], drive_id.as_str());
    assert!(
        body.get("owners").is_none(),
        "shared-drive files have no owner"
    );
}

#[tokio::test]
async fn downloads_and_exports() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_READ]).await;
    let pdf = fake.drive_file_id(ALICE, FILE_PDF).unwrap();
    let meta = get_ok(&fake, &token, &format!("/drive/v3/files/{pdf}?fields=*")).await;
    assert_eq!(meta["mimeType"], "application/pdf");
    assert_eq!(meta["ownedByMe"], true);
    let (status, content_type, bytes) =
        raw_get(&fake, &token, &format!("/drive/v3/files/{pdf}?alt=media")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"));
    assert_eq!(meta["size"], bytes.len().to_string());
    assert!(String::from_utf8_lossy(&bytes).contains(&format!("({PDF_TEXT}) Tj")));
    let png = fake.drive_file_id(ALICE, FILE_PNG).unwrap();
    let (_, _, bytes) = raw_get(&fake, &token, &format!("/drive/v3/files/{png}?alt=media")).await;
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));

    let roadmap = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    let (status, _, body) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{roadmap}?alt=media"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error_reason(&body, 403), "fileNotDownloadable");
    let (status, content_type, md) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{roadmap}/export?mimeType=text/markdown"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/markdown"));
    let md = String::from_utf8(md).unwrap();
    for part in [
        "# Q4 Roadmap",
        "# Goals",
        "* Ship the Drive tools 🚀",
        "[design doc](https://example.com/design)",
        "**Deadlines are firm.**",
        "*Scope may change.*",
        "| Milestone | Owner | Date |",
        "日本語",
        "# Open questions",
    ] {
        assert!(md.contains(part), "{part} in {md}");
    }
    let (_, _, text) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{roadmap}/export?mimeType=text/plain"),
    )
    .await;
    let text = String::from_utf8(text).unwrap();
    assert!(text.starts_with('\u{feff}') && text.contains("Goals\r\n"));
    let (_, _, html) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{roadmap}/export?mimeType=text/html"),
    )
    .await;
    assert!(
        String::from_utf8(html)
            .unwrap()
            .contains("<a href=\"https://example.com/design\">design doc</a>")
    );

    let budget = fake.drive_file_id(ALICE, SHEET_BUDGET).unwrap();
    let (_, content_type, csv) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{budget}/export?mimeType=text/csv"),
    )
    .await;
    assert!(content_type.starts_with("text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("Category,Budget,Actual\r\nEngineering,120000,98000"),
        "{csv}"
    );
    assert!(
        csv.contains("Total,177000,157000") && !csv.contains("W40"),
        "first sheet only: {csv}"
    );
    let slides = fake.drive_file_id(ALICE, SLIDES_KICKOFF).unwrap();
    let (_, _, text) = raw_get(
        &fake,
        &token,
        &format!("/drive/v3/files/{slides}/export?mimeType=text/plain"),
    )
    .await;
    assert!(String::from_utf8(text).unwrap().contains("One gateway"));

    let archive = fake.drive_file_id(ALICE, SHEET_ARCHIVE).unwrap();
    let (status, body) = get(
        &fake,
        &token,
        &format!("/drive/v3/files/{archive}/export?mimeType=text/csv"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "exportSizeLimitExceeded");
    assert_eq!(
        body["error"]["message"],
        "This file is too large to be exported."
    );
    let (status, body) = get(
        &fake,
        &token,
        &format!("/drive/v3/files/{budget}/export?mimeType=text/markdown"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = get(
        &fake,
        &token,
        &format!("/drive/v3/files/{pdf}/export?mimeType=text/plain"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "fileNotExportable");
    let (status, _) = get(&fake, &token, &format!("/drive/v3/files/{roadmap}/export")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_demo_people_share_one_document_under_one_id() {
    let fake = start().await;
    let (owner, reader) = SHARED_PLAN_PEOPLE;
    let id = shared_plan_id();
    for (who, shared_with_me) in [(owner, false), (reader, true)] {
        let token = token(&fake, who, &[DRIVE_READ]).await;
        let file = get_ok(&fake, &token, &format!("/drive/v3/files/{id}?fields=*")).await;
        assert_eq!(file["name"], DOC_SHARED_PLAN, "{who}: {file}");
        assert_eq!(file["owners"][0]["emailAddress"], owner, "{who}: {file}");
        assert_eq!(
            file["sharedWithMeTime"].is_string(),
            shared_with_me,
            "{who}: {file}"
        );
    }
    // Someone else does not have it.
    let token = token(&fake, "bob@other.example", &[DRIVE_READ]).await;
    let (status, _, _) = raw_get(&fake, &token, &format!("/drive/v3/files/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
