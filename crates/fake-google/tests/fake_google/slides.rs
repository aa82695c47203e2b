//! Slides v1: decks built from their stored text, placeholders with UTF-16
//! indexes, stable object ids, `fields`, scopes, users and shared drives.

use fake_google::seed::drive::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::*;
use crate::drive::{DRIVE_ALL, DRIVE_READ, raw_get};
use crate::drive_write::{multipart, upload};
use crate::helpers::{ALICE, BOB, start};

pub const SLIDES_READ: &str = "https://www.googleapis.com/auth/presentations.readonly";
pub const SLIDES_ALL: &str = "https://www.googleapis.com/auth/presentations";
const PRESENTATION: &str = "application/vnd.google-apps.presentation";

/// The text of a shape: its runs' content joined.
fn shape_text(element: &Value) -> String {
    element["shape"]["text"]["textElements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["textRun"]["content"].as_str())
        .collect()
}

/// `(placeholder type, text)` of each element of a slide.
fn placeholders(slide: &Value) -> Vec<(String, String)> {
    slide["pageElements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let kind = e["shape"]["placeholder"]["type"].as_str().unwrap();
            (kind.to_string(), shape_text(e))
        })
        .collect()
}

/// Paragraph markers and runs tile the text in UTF-16 units, from 0.
fn check_indexes(element: &Value) {
    let mut at = 0;
    let items = element["shape"]["text"]["textElements"].as_array().unwrap();
    for pair in items.chunks(2) {
        let (marker, run) = (&pair[0], &pair[1]);
        assert!(marker.get("paragraphMarker").is_some(), "{marker}");
        let content = run["textRun"]["content"].as_str().unwrap();
        for e in pair {
            assert_eq!(e["startIndex"].as_u64().unwrap_or(0), at, "{e}");
            assert_eq!(e.get("startIndex").is_none(), at == 0, "{e}");
        }
        at += content.encode_utf16().count() as u64;
        assert_eq!(marker["endIndex"], at);
        assert_eq!(run["endIndex"], at);
        assert!(content.ends_with('\n'));
    }
}

#[tokio::test]
async fn the_seeded_deck_has_three_slides() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[SLIDES_READ]).await;
    let id = fake.drive_file_id(ALICE, SLIDES_KICKOFF).unwrap();
    let deck = get_ok(&fake, &token, &format!("/v1/presentations/{id}")).await;
    assert_eq!(deck["presentationId"], id.as_str());
    assert_eq!(deck["title"], SLIDES_KICKOFF);
    assert_eq!(deck["pageSize"]["width"]["unit"], "EMU");
    let slides = deck["slides"].as_array().unwrap();
    assert_eq!(slides.len(), 3);
    assert_eq!(
        placeholders(&slides[0]),
        [
            ("CENTERED_TITLE".to_string(), "Atlas Kickoff\n".to_string()),
            ("SUBTITLE".to_string(), String::new()),
        ]
    );
    assert!(
        slides[0]["pageElements"][1]["shape"].get("text").is_none(),
        "an empty placeholder has no text"
    );
    assert_eq!(
        placeholders(&slides[1]),
        [
            ("TITLE".to_string(), "Why Atlas\n".to_string()),
            (
                "BODY".to_string(),
                "One gateway for every workspace tool\n".to_string()
            ),
        ]
    );
    assert_eq!(
        placeholders(&slides[2]),
        [
            ("TITLE".to_string(), "Timeline\n".to_string()),
            (
                "BODY".to_string(),
                "Beta in October, GA in December\n".to_string()
            ),
        ]
    );
    let title = &slides[1]["pageElements"][0]["shape"]["text"]["textElements"];
    assert_eq!(
        title,
        &json!([
            { "endIndex": 10, "paragraphMarker": { "style": { "direction": "LEFT_TO_RIGHT" } } },
            { "endIndex": 10, "textRun": { "content": "Why Atlas\n", "style": {} } },
        ])
    );

    let mut ids = Vec::new();
    for slide in slides {
        assert_eq!(slide["pageType"], "SLIDE");
        ids.push(slide["objectId"].as_str().unwrap().to_string());
        for element in slide["pageElements"].as_array().unwrap() {
            ids.push(element["objectId"].as_str().unwrap().to_string());
            if element["shape"].get("text").is_some() {
                check_indexes(element);
            }
        }
        let notes = &slide["slideProperties"]["notesPage"];
        assert_eq!(notes["pageType"], "NOTES");
        let speaker = notes["notesProperties"]["speakerNotesObjectId"]
            .as_str()
            .unwrap();
        assert_eq!(notes["pageElements"][0]["objectId"], speaker);
        assert_eq!(shape_text(&notes["pageElements"][0]), "");
        ids.push(speaker.to_string());
        let layout = slide["slideProperties"]["layoutObjectId"].as_str().unwrap();
        let layouts = deck["layouts"].as_array().unwrap();
        assert!(layouts.iter().any(|l| l["objectId"] == layout), "{layout}");
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "object ids are unique: {ids:?}");

    let again = get_ok(&fake, &token, &format!("/v1/presentations/{id}")).await;
    assert_eq!(again, deck, "object ids and revision are stable");

    assert_eq!(
        fake.slide_texts(ALICE, &id).unwrap(),
        [
            "Atlas Kickoff",
            "Why Atlas\nOne gateway for every workspace tool",
            "Timeline\nBeta in October, GA in December",
        ]
    );
    let doc = fake.drive_file_id(ALICE, DOC_ROADMAP).unwrap();
    assert_eq!(fake.slide_texts(ALICE, &doc), None);
}

#[tokio::test]
async fn added_decks_count_utf16_units() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[SLIDES_ALL]).await;
    let id = fake.add_presentation(
        ALICE,
        "Plan 😀",
        &[("Intro", ""), ("Ünïcode 😀", "a 😀 b\n\nnext 日本\nlast")],
    );
    assert_eq!(
        fake.drive_file_id(ALICE, "Plan 😀").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(
        fake.slide_texts(ALICE, &id).unwrap(),
        ["Intro", "Ünïcode 😀\na 😀 b\nnext 日本\nlast"]
    );
    let deck = get_ok(&fake, &token, &format!("/v1/presentations/{id}")).await;
    assert_eq!(deck["title"], "Plan 😀");
    let body = &deck["slides"][1]["pageElements"][1];
    check_indexes(body);
    let items = body["shape"]["text"]["textElements"].as_array().unwrap();
    assert_eq!(items.len(), 6, "three paragraphs");
    assert_eq!(
        items[1]["endIndex"], 7,
        "a, space, surrogate pair, space, b, newline"
    );
    assert_eq!(items[5]["startIndex"], 15);
    assert_eq!(items[5]["textRun"]["content"], "last\n");
    check_indexes(&deck["slides"][1]["pageElements"][0]);

    let drive = crate::api::token(&fake, ALICE, &[DRIVE_READ]).await;
    let path = format!("/drive/v3/files/{id}/export?mimeType=text/plain");
    let export = String::from_utf8(raw_get(&fake, &drive, &path).await.2).unwrap();
    assert!(export.contains("Ünïcode 😀\na 😀 b\nnext 日本"), "{export}");
}

#[tokio::test]
async fn fields_select_parts_of_the_deck() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[DRIVE_READ]).await;
    let id = fake.drive_file_id(ALICE, SLIDES_KICKOFF).unwrap();
    let path = format!("/v1/presentations/{id}");
    let body = get_ok(
        &fake,
        &token,
        &format!("{path}?fields=title,slides/objectId"),
    )
    .await;
    let slides = body["slides"].as_array().unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(slides.len(), 3);
    assert!(slides.iter().all(|s| s.as_object().unwrap().len() == 1));

    let spec = "slides(pageElements(shape(text(textElements(textRun(content))))))";
    let body = get_ok(&fake, &token, &format!("{path}?fields={spec}")).await;
    assert_eq!(
        body["slides"][2]["pageElements"][1],
        json!({ "shape": { "text": { "textElements": [
            {},
            { "textRun": { "content": "Beta in October, GA in December\n" } },
        ] } } })
    );
    let full = get_ok(&fake, &token, &path).await;
    assert_eq!(
        get_ok(&fake, &token, &format!("{path}?fields=*")).await,
        full
    );
}

#[tokio::test]
async fn scopes_users_and_other_files() {
    let fake = start().await;
    let id = fake.drive_file_id(ALICE, SLIDES_KICKOFF).unwrap();
    let path = format!("/v1/presentations/{id}");
    for scope in [SLIDES_READ, SLIDES_ALL, DRIVE_READ, DRIVE_ALL] {
        get_ok(&fake, &token(&fake, ALICE, &[scope]).await, &path).await;
    }
    let docs_only = token(&fake, ALICE, &[crate::docs::DOCS_ALL]).await;
    let (status, body) = get(&fake, &docs_only, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "insufficientPermissions");
    assert_eq!(
        body["error"]["details"][0]["metadata"]["service"],
        "slides.googleapis.com"
    );
    assert_eq!(
        body["error"]["details"][0]["metadata"]["method"],
        "slides.presentations.get"
    );

    let bob = token(&fake, BOB, &[SLIDES_ALL]).await;
    let (status, body) = get(&fake, &bob, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another user's deck: {body}");
    assert_eq!(error_reason(&body, 404), "notFound");

    let alice = token(&fake, ALICE, &[SLIDES_ALL]).await;
    for name in [DOC_ROADMAP, SHEET_BUDGET, FILE_NOTES_TXT, FOLDER_Q4] {
        let other = fake.drive_file_id(ALICE, name).unwrap();
        let (status, _) = get(&fake, &alice, &format!("/v1/presentations/{other}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name} is not a deck");
    }

    fake.inject(fake_google::Fault::status("/v1/presentations/*", 503).times(1));
    let (status, body) = get(&fake, &alice, &path).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_reason(&body, 503), "backendError");
    get_ok(&fake, &alice, &path).await;
}

#[tokio::test]
async fn decks_made_in_drive_and_shared_drives() {
    let fake = start().await;
    let drive = token(&fake, ALICE, &[DRIVE_ALL]).await;
    let (status, created) = post(
        &fake,
        &drive,
        "/drive/v3/files",
        json!({ "name": "Blank", "mimeType": PRESENTATION }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let blank = created["id"].as_str().unwrap();
    let deck = get_ok(&fake, &drive, &format!("/v1/presentations/{blank}")).await;
    assert_eq!(deck["title"], "Blank");
    assert!(deck.get("slides").is_none(), "no slides: {deck}");
    assert_eq!(
        fake.slide_texts(ALICE, blank).unwrap(),
        Vec::<String>::new()
    );

    let team = fake.shared_drive_id(ALICE, SHARED_DRIVE).unwrap();
    let meta = json!({ "name": "Team deck", "mimeType": PRESENTATION, "parents": [team] });
    let (status, file) = upload(
        &fake,
        &drive,
        "uploadType=multipart&supportsAllDrives=true",
        "multipart/related; boundary=XyZ",
        multipart(meta, "text/plain", "Team update\nAll green"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let id = file["id"].as_str().unwrap();
    let slides_token = token(&fake, ALICE, &[SLIDES_READ]).await;
    let deck = get_ok(&fake, &slides_token, &format!("/v1/presentations/{id}")).await;
    assert_eq!(
        placeholders(&deck["slides"][0]),
        [
            ("CENTERED_TITLE".to_string(), "Team update\n".to_string()),
            ("SUBTITLE".to_string(), "All green\n".to_string()),
        ]
    );
}
