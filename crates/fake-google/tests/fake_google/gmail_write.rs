//! Gmail API writes: send and threading, delivery, uploads, drafts, labels,
//! modify and trash, threads, fault injection.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use fake_google::Fault;
use fake_google::seed::mail::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::*;
use crate::gmail::{ME, header, search};
use crate::helpers::{ALICE, BOB, http, start};

fn reply_raw(to: &str, subject: &str, parent: &str) -> String {
    let raw = format!(
        "From: Alice Example <alice@example.com>\r\nTo: {to}\r\nSubject: =?UTF-8?B?{}?=\r\nIn-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nSounds good — see you there.\r\n",
        base64::engine::general_purpose::STANDARD.encode(format!("Re: {subject}"))
    );
    URL_SAFE_NO_PAD.encode(raw)
}

#[tokio::test]
async fn send_threads_replies_and_records_raw_mail() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let thread = fake.gmail_thread_by_subject(ALICE, SUBJECT_LUNCH).unwrap();
    let parent = fake
        .gmail_messages(ALICE)
        .into_iter()
        .find(|m| m.thread_id == thread)
        .unwrap();
    let parent_id = parent.message_id_header.unwrap();
    let raw = reply_raw("priya.shah@example.com", SUBJECT_LUNCH, &parent_id);
    let (status, sent) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw, "threadId": thread }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["threadId"], thread.as_str());
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    let thread_body = get_ok(&fake, &token, &format!("{ME}/threads/{thread}")).await;
    assert_eq!(thread_body["messages"].as_array().unwrap().len(), 4);
    let last = &thread_body["messages"][3];
    assert_eq!(
        header(&last["payload"], "Subject"),
        Some("Re: Lunch on Friday?")
    );

    // Without threadId, or without matching references, a new thread starts.
    let (_, fresh) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    assert_ne!(fresh["threadId"], thread.as_str());
    assert_eq!(fresh["threadId"], fresh["id"]);
    let plain = URL_SAFE.encode(format!(
        "To: x@example.net\r\nSubject: {SUBJECT_LUNCH}\r\n\r\nhi\r\n"
    ));
    let (_, unrelated) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": plain, "threadId": thread }),
    )
    .await;
    assert_ne!(unrelated["threadId"], thread.as_str());

    let sent_raw = fake.sent_messages(ALICE);
    assert_eq!(sent_raw.len(), 3);
    let first = String::from_utf8_lossy(&sent_raw[0]);
    assert!(first.contains(&format!("In-Reply-To: <{parent_id}>")));
    assert!(first.contains("Message-ID: <"), "a Message-ID is added");
    assert!(first.contains("Subject: =?UTF-8?B?"));

    let (status, body) = post(&fake, &token, &format!("{ME}/messages/send"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let no_rcpt = URL_SAFE.encode("Subject: nobody\r\n\r\nhi\r\n");
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": no_rcpt }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw, "threadId": "ffff" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        fake.sent_messages(ALICE).len(),
        3,
        "refused sends are not recorded"
    );
}

#[tokio::test]
async fn mail_to_another_user_of_the_fake_is_delivered() {
    let fake = start().await;
    let alice = full_token(&fake, ALICE).await;
    let bob = full_token(&fake, BOB).await;
    let raw = URL_SAFE
        .encode("To: Bob <bob@other.example>\r\nSubject: Hello Bob\r\n\r\nFirst contact.\r\n");
    let (status, _) = post(
        &fake,
        &alice,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let found = search(&fake, &bob, "subject:\"Hello Bob\" is:unread in:inbox").await;
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn upload_send_accepts_rfc822_media() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let response = http()
        .post(fake.url("/upload/gmail/v1/users/me/messages/send?uploadType=media"))
        .bearer_auth(&token)
        .header("content-type", "message/rfc822")
        .body("To: x@example.net\r\nSubject: upload\r\n\r\nbody\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(fake.sent_messages(ALICE).len(), 1);
}

#[tokio::test]
async fn drafts_are_created_listed_and_sent() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let listed = get_ok(&fake, &token, &format!("{ME}/drafts")).await;
    assert_eq!(listed["drafts"].as_array().unwrap().len(), 1);
    let raw = URL_SAFE.encode("To: priya.shah@example.com\r\nSubject: Draft me\r\n\r\nLater.\r\n");
    let (status, draft) = post(
        &fake,
        &token,
        &format!("{ME}/drafts"),
        json!({ "message": { "raw": raw } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert!(draft["id"].as_str().unwrap().starts_with("r-"));
    assert_eq!(draft["message"]["labelIds"], json!(["DRAFT"]));
    let id = draft["id"].as_str().unwrap();
    let got = get_ok(&fake, &token, &format!("{ME}/drafts/{id}")).await;
    assert_eq!(
        header(&got["message"]["payload"], "Subject"),
        Some("Draft me")
    );
    assert_eq!(
        get_ok(&fake, &token, &format!("{ME}/drafts")).await["drafts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (status, sent) = post(
        &fake,
        &token,
        &format!("{ME}/drafts/send"),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    assert_eq!(fake.sent_messages(ALICE).len(), 1);
    let (status, _) = get(&fake, &token, &format!("{ME}/drafts/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/drafts/send"),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let readonly = crate::api::token(&fake, ALICE, &[GMAIL_READONLY]).await;
    let (status, _) = post(
        &fake,
        &readonly,
        &format!("{ME}/drafts"),
        json!({ "message": { "raw": raw } }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn labels_modify_and_trash() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let labels = get_ok(&fake, &token, &format!("{ME}/labels")).await;
    let labels = labels["labels"].as_array().unwrap();
    for id in [
        "INBOX",
        "SENT",
        "DRAFT",
        "TRASH",
        "SPAM",
        "STARRED",
        "UNREAD",
        "IMPORTANT",
        "CATEGORY_SOCIAL",
    ] {
        assert!(
            labels
                .iter()
                .any(|l| l["id"] == id && l["type"] == "system"),
            "{id}"
        );
    }
    let atlas = labels
        .iter()
        .find(|l| l["name"] == "Projects/Atlas")
        .unwrap();
    assert_eq!(atlas["type"], "user");
    let inbox = get_ok(&fake, &token, &format!("{ME}/labels/INBOX")).await;
    assert!(inbox["messagesUnread"].as_u64().unwrap() >= 4);
    let (status, _) = get(&fake, &token, &format!("{ME}/labels/Label_999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, created) = post(
        &fake,
        &token,
        &format!("{ME}/labels"),
        json!({ "name": "Invoices" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/labels"),
        json!({ "name": "invoices" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let id = &fake.gmail_ids_by_subject(ALICE, SUBJECT_MUNICH)[0];
    let (status, modified) = post(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/modify"),
        json!({ "addLabelIds": [created["id"], "STARRED"], "removeLabelIds": ["UNREAD"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{modified}");
    let label_ids = modified["labelIds"].as_array().unwrap();
    assert!(label_ids.contains(&json!("STARRED")) && !label_ids.contains(&json!("UNREAD")));
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/modify"),
        json!({ "addLabelIds": ["NOPE"] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/messages/ffff/modify"),
        json!({ "addLabelIds": ["STARRED"] }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let unread = search(&fake, &token, "is:unread").await;
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/messages/batchModify"),
        json!({ "ids": unread, "removeLabelIds": ["UNREAD"] }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(search(&fake, &token, "is:unread").await.is_empty());

    let (status, trashed) = post(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/trash"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        trashed["labelIds"]
            .as_array()
            .unwrap()
            .contains(&json!("TRASH"))
    );
    assert!(!search(&fake, &token, "München").await.contains(id));
    let (_, untrashed) = post(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/untrash"),
        json!({}),
    )
    .await;
    assert!(
        untrashed["labelIds"]
            .as_array()
            .unwrap()
            .contains(&json!("INBOX"))
    );

    let thread = fake
        .gmail_thread_by_subject(ALICE, SUBJECT_OFFSITE)
        .unwrap();
    let (status, body) = post(
        &fake,
        &token,
        &format!("{ME}/threads/{thread}/trash"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["labelIds"].as_array().unwrap().contains(&json!("TRASH")))
    );
    assert!(search(&fake, &token, "label:offsite").await.is_empty());
}

#[tokio::test]
async fn threads_list_and_get() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let list = get_ok(&fake, &token, &format!("{ME}/threads?maxResults=5")).await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 5);
    assert!(list["nextPageToken"].is_string());
    let thread = fake.gmail_thread_by_subject(ALICE, SUBJECT_BUDGET).unwrap();
    let body = get_ok(
        &fake,
        &token,
        &format!("{ME}/threads/{thread}?format=metadata&metadataHeaders=Subject"),
    )
    .await;
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert!(
        messages[1]["labelIds"]
            .as_array()
            .unwrap()
            .contains(&json!("SENT"))
    );
    let (status, _) = get(&fake, &token, &format!("{ME}/threads/ffff")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let q = get_ok(&fake, &token, &format!("{ME}/threads?q=subject:offsite")).await;
    assert_eq!(q["threads"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn faults_apply_to_api_paths() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    fake.inject(
        Fault::status(format!("{ME}/messages*"), 429)
            .retry_after(7)
            .times(1),
    );
    let response = http()
        .get(fake.url(&format!("{ME}/messages/abc")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_reason(&body, 429), "rateLimitExceeded");
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    get_ok(&fake, &token, &format!("{ME}/messages")).await;

    fake.inject(Fault::rate_limit(format!("{ME}/messages"), true).times(1));
    let (status, body) = get(&fake, &token, &format!("{ME}/messages")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "userRateLimitExceeded");

    fake.inject(Fault::status(format!("{ME}/messages/send"), 503).times(1));
    let raw = URL_SAFE.encode("To: x@example.net\r\nSubject: retry\r\n\r\nx\r\n");
    let (status, body) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_reason(&body, 503), "backendError");
    assert!(
        fake.sent_messages(ALICE).is_empty(),
        "a faulted send sends nothing"
    );
    let (status, _) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fake.sent_messages(ALICE).len(), 1);

    fake.inject(
        Fault::new(format!("{ME}/labels"))
            .latency(Duration::from_millis(300))
            .times(1),
    );
    let started = Instant::now();
    get_ok(&fake, &token, &format!("{ME}/labels")).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(fake.requests(&format!("{ME}/labels")), 1);
}
