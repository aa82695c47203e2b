//! Gmail API reads: auth, scopes, isolation, listing and search, formats,
//! attachments.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use fake_google::seed::mail::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, BOB, http, start};

pub(crate) const ME: &str = "/gmail/v1/users/me";

pub(crate) fn header<'a>(payload: &'a Value, name: &str) -> Option<&'a str> {
    payload["headers"]
        .as_array()?
        .iter()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|h| h["value"].as_str())
}

pub(crate) fn ids(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn search(fake: &fake_google::FakeGoogle, token: &str, q: &str) -> Vec<String> {
    let url = format!("{ME}/messages?q={}", urlencode(q));
    ids(&get_ok(fake, token, &url).await)
}

pub(crate) fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn requests_need_a_live_token() {
    let fake = start().await;
    let (status, body) = call(&fake, "", Method::GET, &format!("{ME}/messages"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_reason(&body, 401), "required");
    let response = http()
        .get(fake.url(&format!("{ME}/messages")))
        .bearer_auth("ya29.bogus")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Request had invalid authentication credentials")
    );

    let token = token(&fake, ALICE, &[GMAIL_READONLY]).await;
    get_ok(&fake, &token, &format!("{ME}/messages")).await;
    fake.expire_access_tokens_for(ALICE);
    let (status, body) = get(&fake, &token, &format!("{ME}/messages")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let token = crate::api::token(&fake, ALICE, &[GMAIL_READONLY]).await;
    fake.revoke_all_for(ALICE);
    let (status, _) = get(&fake, &token, &format!("{ME}/messages")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn scopes_decide_which_methods_work() {
    let fake = start().await;
    let readonly = token(&fake, ALICE, &[GMAIL_READONLY]).await;
    let raw = URL_SAFE.encode(b"To: bob@other.example\r\nSubject: hi\r\n\r\nhello\r\n");
    let (status, body) = post(
        &fake,
        &readonly,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "insufficientPermissions");
    assert_eq!(body["error"]["status"], "PERMISSION_DENIED");

    let send_only = token(&fake, ALICE, &[GMAIL_SEND]).await;
    let (status, _) = get(&fake, &send_only, &format!("{ME}/messages")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = post(
        &fake,
        &send_only,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let metadata = token(&fake, ALICE, &[GMAIL_METADATA]).await;
    get_ok(&fake, &metadata, &format!("{ME}/messages")).await;
    let (status, _) = get(&fake, &metadata, &format!("{ME}/messages?q=is:unread")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let id = &fake.gmail_ids_by_subject(ALICE, SUBJECT_LUNCH)[0];
    let (status, _) = get(&fake, &metadata, &format!("{ME}/messages/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    get_ok(
        &fake,
        &metadata,
        &format!("{ME}/messages/{id}?format=metadata"),
    )
    .await;

    let (status, _) = post(
        &fake,
        &readonly,
        &format!("{ME}/messages/{id}/trash"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let all = token(&fake, ALICE, &[MAIL_ALL]).await;
    let (status, _) = post(&fake, &all, &format!("{ME}/messages/{id}/trash"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn users_only_see_their_own_mail() {
    let fake = start().await;
    let alice = full_token(&fake, ALICE).await;
    let bob = full_token(&fake, BOB).await;
    let alice_ids = ids(&get_ok(&fake, &alice, &format!("{ME}/messages?maxResults=500")).await);
    let bob_ids = ids(&get_ok(&fake, &bob, &format!("{ME}/messages?maxResults=500")).await);
    assert!(!alice_ids.is_empty() && !bob_ids.is_empty());
    assert!(alice_ids.iter().all(|id| !bob_ids.contains(id)));
    let (status, body) = get(&fake, &bob, &format!("{ME}/messages/{}", alice_ids[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_reason(&body, 404), "notFound");
    let (status, body) = get(&fake, &bob, "/gmail/v1/users/alice@example.com/messages").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    get_ok(&fake, &alice, "/gmail/v1/users/alice@example.com/messages").await;
    // Seeds are deterministic per user.
    assert_eq!(
        fake.gmail_messages(ALICE).len(),
        fake.gmail_messages(ALICE).len()
    );
    assert_eq!(fake.gmail_ids_by_subject(ALICE, SUBJECT_BUDGET).len(), 3);
}

#[tokio::test]
async fn list_pages_and_estimates() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let all = get_ok(&fake, &token, &format!("{ME}/messages")).await;
    let total = all["resultSizeEstimate"].as_u64().unwrap() as usize;
    assert!(total >= 20, "{all}");
    assert_eq!(ids(&all).len(), total);
    let mut seen = Vec::new();
    let mut url = format!("{ME}/messages?maxResults=7");
    loop {
        let page = get_ok(&fake, &token, &url).await;
        let page_ids = ids(&page);
        assert!(page_ids.len() <= 7);
        seen.extend(page_ids);
        match page["nextPageToken"].as_str() {
            Some(next) => url = format!("{ME}/messages?maxResults=7&pageToken={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ids(&all));
    let empty = get_ok(
        &fake,
        &token,
        &format!("{ME}/messages?q=nosuchwordanywhere"),
    )
    .await;
    assert_eq!(empty, json!({ "resultSizeEstimate": 0 }));
    let (status, _) = get(&fake, &token, &format!("{ME}/messages?pageToken=garbage")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_supports_common_operators() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let by_subject = |s: &str| fake.gmail_ids_by_subject(ALICE, s);
    assert_eq!(
        search(&fake, &token, "subject:\"budget review\"")
            .await
            .len(),
        3
    );
    let unread = search(&fake, &token, "is:unread").await;
    assert!(unread.contains(&by_subject(SUBJECT_MUNICH)[0]));
    assert!(
        !unread.contains(&by_subject(SUBJECT_SPAM)[0]),
        "spam is excluded"
    );
    assert_eq!(search(&fake, &token, "is:starred").await.len(), 2);
    let attachments = search(&fake, &token, "has:attachment").await;
    assert_eq!(attachments.len(), 3);
    assert_eq!(
        search(&fake, &token, "from:dana.whitfield").await,
        by_subject(SUBJECT_CONTRACT_PDF)
    );
    assert_eq!(
        search(&fake, &token, "from:joerg").await,
        by_subject(SUBJECT_NOTES_TXT)
    );
    assert_eq!(search(&fake, &token, "label:offsite").await.len(), 4);
    assert_eq!(
        search(&fake, &token, "label:projects-atlas").await,
        by_subject(SUBJECT_WELCOME_HTML)
    );
    assert_eq!(
        search(&fake, &token, "in:trash").await,
        by_subject(SUBJECT_TRASH)
    );
    assert_eq!(
        search(&fake, &token, "in:spam").await,
        by_subject(SUBJECT_SPAM)
    );
    assert_eq!(
        search(&fake, &token, "filename:pdf").await,
        by_subject(SUBJECT_CONTRACT_PDF)
    );
    let recent = search(&fake, &token, "newer_than:1d").await;
    assert!(recent.contains(&by_subject(SUBJECT_MUNICH)[0]));
    assert!(!recent.contains(&by_subject(SUBJECT_EXPENSES)[0]));
    assert_eq!(
        search(&fake, &token, "older_than:8d").await,
        by_subject(SUBJECT_EXPENSES),
        "trash excluded"
    );
    assert!(
        search(&fake, &token, "in:anywhere older_than:8d")
            .await
            .contains(&by_subject(SUBJECT_TRASH)[0])
    );
    assert_eq!(
        search(&fake, &token, "ramen").await,
        by_subject(SUBJECT_LUNCH)[..1].to_vec()
    );
    assert_eq!(
        search(&fake, &token, "München").await,
        by_subject(SUBJECT_MUNICH)
    );
    let sent_lunch = search(&fake, &token, "in:sent subject:lunch").await;
    assert_eq!(sent_lunch.len(), 1);
    assert_eq!(
        search(&fake, &token, "subject:lunch -in:sent").await.len(),
        2
    );
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y/%m/%d");
    assert!(
        search(&fake, &token, &format!("after:{tomorrow}"))
            .await
            .is_empty()
    );
    assert!(
        !search(&fake, &token, &format!("before:{tomorrow}"))
            .await
            .is_empty()
    );
    let inbox_unread = get_ok(
        &fake,
        &token,
        &format!("{ME}/messages?labelIds=INBOX&labelIds=UNREAD"),
    )
    .await;
    assert!(ids(&inbox_unread).iter().all(|id| unread.contains(id)));
    let (status, _) = get(&fake, &token, &format!("{ME}/messages?labelIds=NOPE")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let with_spam = get_ok(
        &fake,
        &token,
        &format!("{ME}/messages?includeSpamTrash=true&maxResults=500"),
    )
    .await;
    assert_eq!(
        ids(&with_spam).len(),
        fake.gmail_messages(ALICE).len() - 1,
        "all but the draft"
    );
}

#[tokio::test]
async fn get_answers_in_each_format() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let id = &fake.gmail_ids_by_subject(ALICE, SUBJECT_MUNICH)[0];
    let full = get_ok(&fake, &token, &format!("{ME}/messages/{id}")).await;
    assert_eq!(full["id"], id.as_str());
    assert!(
        full["internalDate"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok()
    );
    assert!(full["historyId"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(full["sizeEstimate"].as_u64().unwrap() > 100);
    assert!(
        full["labelIds"]
            .as_array()
            .unwrap()
            .contains(&json!("UNREAD"))
    );
    assert_eq!(header(&full["payload"], "Subject"), Some(SUBJECT_MUNICH));
    assert_eq!(
        header(&full["payload"], "From"),
        Some("Zoë Faßbender <zoe.fassbender@partner.example.de>")
    );
    assert_eq!(full["payload"]["partId"], "");
    let data = full["payload"]["body"]["data"].as_str().unwrap();
    let text = String::from_utf8(URL_SAFE.decode(data).unwrap()).unwrap();
    assert!(text.contains("München"), "{text}");
    assert!(full["snippet"].as_str().unwrap().starts_with("Servus!"));

    let raw = get_ok(&fake, &token, &format!("{ME}/messages/{id}?format=raw")).await;
    let bytes = URL_SAFE.decode(raw["raw"].as_str().unwrap()).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("Subject: =?UTF-8?B?"));
    assert!(raw.get("payload").is_none());

    let meta = get_ok(
        &fake,
        &token,
        &format!("{ME}/messages/{id}?format=metadata&metadataHeaders=Subject&metadataHeaders=From"),
    )
    .await;
    assert_eq!(meta["payload"]["headers"].as_array().unwrap().len(), 2);
    let minimal = get_ok(&fake, &token, &format!("{ME}/messages/{id}?format=minimal")).await;
    assert!(minimal.get("payload").is_none() && minimal["snippet"].is_string());
    let (status, _) = get(&fake, &token, &format!("{ME}/messages/{id}?format=bogus")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let html_id = &fake.gmail_ids_by_subject(ALICE, SUBJECT_WELCOME_HTML)[0];
    let html = get_ok(&fake, &token, &format!("{ME}/messages/{html_id}")).await;
    assert_eq!(html["payload"]["mimeType"], "text/html");
    assert!(
        html["snippet"]
            .as_str()
            .unwrap()
            .starts_with("Welcome aboard")
    );
}

#[tokio::test]
async fn attachments_come_unpadded() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let id = &fake.gmail_ids_by_subject(ALICE, SUBJECT_CONTRACT_PDF)[0];
    let full = get_ok(&fake, &token, &format!("{ME}/messages/{id}")).await;
    let payload = &full["payload"];
    assert_eq!(payload["mimeType"], "multipart/mixed");
    let parts = payload["parts"].as_array().unwrap();
    let pdf = parts
        .iter()
        .find(|p| p["filename"] == "contract-v3.pdf")
        .unwrap();
    assert_eq!(pdf["mimeType"], "application/pdf");
    assert_eq!(pdf["partId"], "1");
    assert_eq!(pdf["body"]["size"], PDF_SIZE);
    assert!(pdf["body"].get("data").is_none());
    let attachment_id = pdf["body"]["attachmentId"].as_str().unwrap();
    let body = get_ok(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/attachments/{attachment_id}"),
    )
    .await;
    let data = body["data"].as_str().unwrap();
    assert!(!data.ends_with('='));
    let bytes = URL_SAFE_NO_PAD.decode(data).unwrap();
    assert_eq!(bytes.len(), PDF_SIZE);
    assert!(bytes.starts_with(b"%PDF-1.4"));
    assert_eq!(body["size"], PDF_SIZE);

    let png_id = &fake.gmail_ids_by_subject(ALICE, SUBJECT_METRICS_PNG)[0];
    let full = get_ok(&fake, &token, &format!("{ME}/messages/{png_id}")).await;
    let parts = full["payload"]["parts"].as_array().unwrap();
    assert_eq!(parts[0]["mimeType"], "multipart/alternative");
    assert_eq!(parts[0]["parts"][1]["partId"], "0.1");
    let png = &parts[1];
    let att = png["body"]["attachmentId"].as_str().unwrap();
    let body = get_ok(
        &fake,
        &token,
        &format!("{ME}/messages/{png_id}/attachments/{att}"),
    )
    .await;
    let bytes = URL_SAFE_NO_PAD
        .decode(body["data"].as_str().unwrap())
        .unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    let (status, _) = get(
        &fake,
        &token,
        &format!("{ME}/messages/{png_id}/attachments/nope"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
