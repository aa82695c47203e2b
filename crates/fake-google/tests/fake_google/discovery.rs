//! Gmail and Calendar answers checked against Google's discovery documents
//! (see `schema.rs` for the checker).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use chrono::{Duration, Utc};
use fake_google::seed::calendar::*;
use fake_google::seed::mail::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api::*;
use crate::helpers::{ALICE, PICKY, start};
use crate::schema::{Discovery, check_error};

#[tokio::test]
async fn gmail_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    const ME: &str = "/gmail/v1/users/me";
    let message = [
        "id",
        "threadId",
        "labelIds",
        "snippet",
        "historyId",
        "internalDate",
        "sizeEstimate",
    ];

    d.check(
        "gmail.users.getProfile",
        &get_ok(&fake, &token, &format!("{ME}/profile")).await,
        &["emailAddress", "historyId"],
    );
    let list = get_ok(&fake, &token, &format!("{ME}/messages?maxResults=5")).await;
    d.check(
        "gmail.users.messages.list",
        &list,
        &[
            "messages[].id",
            "messages[].threadId",
            "nextPageToken",
            "resultSizeEstimate",
        ],
    );
    for subject in [
        SUBJECT_CONTRACT_PDF,
        SUBJECT_METRICS_PNG,
        SUBJECT_MUNICH,
        SUBJECT_WELCOME_HTML,
        SUBJECT_JAPANESE,
    ] {
        let id = &fake.gmail_ids_by_subject(ALICE, subject)[0];
        let full = get_ok(&fake, &token, &format!("{ME}/messages/{id}")).await;
        let mut required = message.to_vec();
        required.extend([
            "payload.partId",
            "payload.mimeType",
            "payload.filename",
            "payload.headers[].name",
            "payload.headers[].value",
            "payload.body.size",
        ]);
        d.check("gmail.users.messages.get", &full, &required);
        for format in ["metadata", "minimal", "raw"] {
            let body = get_ok(
                &fake,
                &token,
                &format!("{ME}/messages/{id}?format={format}"),
            )
            .await;
            d.check("gmail.users.messages.get", &body, &message);
        }
    }
    let id = &fake.gmail_ids_by_subject(ALICE, SUBJECT_CONTRACT_PDF)[0];
    let full = get_ok(&fake, &token, &format!("{ME}/messages/{id}")).await;
    let attachment = full["payload"]["parts"][1]["body"]["attachmentId"]
        .as_str()
        .unwrap();
    let body = get_ok(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/attachments/{attachment}"),
    )
    .await;
    d.check(
        "gmail.users.messages.attachments.get",
        &body,
        &["size", "data"],
    );

    let thread = fake.gmail_thread_by_subject(ALICE, SUBJECT_BUDGET).unwrap();
    d.check(
        "gmail.users.threads.get",
        &get_ok(&fake, &token, &format!("{ME}/threads/{thread}")).await,
        &[
            "id",
            "historyId",
            "messages[].id",
            "messages[].payload.headers[].name",
        ],
    );
    d.check(
        "gmail.users.threads.list",
        &get_ok(&fake, &token, &format!("{ME}/threads")).await,
        &[
            "threads[].id",
            "threads[].snippet",
            "threads[].historyId",
            "resultSizeEstimate",
        ],
    );
    d.check(
        "gmail.users.labels.list",
        &get_ok(&fake, &token, &format!("{ME}/labels")).await,
        &["labels[].id", "labels[].name", "labels[].type"],
    );
    d.check(
        "gmail.users.labels.get",
        &get_ok(&fake, &token, &format!("{ME}/labels/Label_1")).await,
        &[
            "id",
            "name",
            "messagesTotal",
            "threadsUnread",
            "color.backgroundColor",
        ],
    );

    let raw =
        URL_SAFE.encode("To: priya.shah@example.com\r\nSubject: Schema check\r\n\r\nhello\r\n");
    let (status, sent) = post(
        &fake,
        &token,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    d.check(
        "gmail.users.messages.send",
        &sent,
        &["id", "threadId", "labelIds"],
    );
    let (_, modified) = post(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/modify"),
        json!({ "addLabelIds": ["STARRED"] }),
    )
    .await;
    d.check(
        "gmail.users.messages.modify",
        &modified,
        &["id", "threadId", "labelIds"],
    );
    let (_, trashed) = post(
        &fake,
        &token,
        &format!("{ME}/messages/{id}/trash"),
        json!({}),
    )
    .await;
    d.check("gmail.users.messages.trash", &trashed, &["id", "labelIds"]);
    let (_, draft) = post(
        &fake,
        &token,
        &format!("{ME}/drafts"),
        json!({ "message": { "raw": raw } }),
    )
    .await;
    d.check(
        "gmail.users.drafts.create",
        &draft,
        &["id", "message.id", "message.threadId"],
    );
    d.check(
        "gmail.users.drafts.list",
        &get_ok(&fake, &token, &format!("{ME}/drafts")).await,
        &["drafts[].id", "drafts[].message.id"],
    );
    let draft_id = draft["id"].as_str().unwrap();
    d.check(
        "gmail.users.drafts.get",
        &get_ok(&fake, &token, &format!("{ME}/drafts/{draft_id}")).await,
        &["id", "message.payload.headers"],
    );
    let (_, sent) = post(
        &fake,
        &token,
        &format!("{ME}/drafts/send"),
        json!({ "id": draft_id }),
    )
    .await;
    d.check(
        "gmail.users.drafts.send",
        &sent,
        &["id", "threadId", "labelIds"],
    );
    let (_, created) = post(
        &fake,
        &token,
        &format!("{ME}/labels"),
        json!({ "name": "Schema" }),
    )
    .await;
    d.check(
        "gmail.users.labels.create",
        &created,
        &["id", "name", "type"],
    );

    let (status, body) = get(&fake, &token, &format!("{ME}/messages/ffff")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_error(&body, 404);
    let (status, body) = get(&fake, "ya29.nope", &format!("{ME}/messages")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    check_error(&body, 401);
    let readonly = crate::api::token(&fake, ALICE, &[GMAIL_READONLY]).await;
    let (_, body) = post(
        &fake,
        &readonly,
        &format!("{ME}/messages/send"),
        json!({ "raw": raw }),
    )
    .await;
    check_error(&body, 403);
    let (_, body) = post(&fake, &token, &format!("{ME}/messages/send"), json!({})).await;
    check_error(&body, 400);
    fake.inject(fake_google::Fault::status(format!("{ME}/labels"), 500).times(1));
    let (_, body) = get(&fake, &token, &format!("{ME}/labels")).await;
    check_error(&body, 500);
}

#[tokio::test]
async fn calendar_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    const PRIMARY: &str = "/calendar/v3/calendars/primary/events";
    let event = [
        "kind",
        "etag",
        "id",
        "status",
        "htmlLink",
        "created",
        "updated",
        "summary",
        "start",
        "end",
        "organizer.email",
        "iCalUID",
    ];
    let list = get_ok(&fake, &token, "/calendar/v3/users/me/calendarList").await;
    d.check(
        "calendar.calendarList.list",
        &list,
        &[
            "kind",
            "items[].id",
            "items[].summary",
            "items[].timeZone",
            "items[].accessRole",
        ],
    );
    d.check(
        "calendar.calendars.get",
        &get_ok(&fake, &token, "/calendar/v3/calendars/primary").await,
        &["id", "summary", "timeZone"],
    );
    let min: String = url::form_urlencoded::byte_serialize(
        (Utc::now() - Duration::days(21)).to_rfc3339().as_bytes(),
    )
    .collect();
    let max: String = url::form_urlencoded::byte_serialize(
        (Utc::now() + Duration::days(21)).to_rfc3339().as_bytes(),
    )
    .collect();
    for query in [
        "singleEvents=true&orderBy=startTime",
        "showDeleted=true",
        "singleEvents=true&showDeleted=true&maxResults=5",
    ] {
        let body = get_ok(
            &fake,
            &token,
            &format!("{PRIMARY}?timeMin={min}&timeMax={max}&{query}"),
        )
        .await;
        d.check(
            "calendar.events.list",
            &body,
            &[
                "kind",
                "items[].id",
                "items[].start",
                "items[].status",
                "timeZone",
                "accessRole",
            ],
        );
    }
    for summary in [
        SUMMARY_ALL_HANDS,
        SUMMARY_INVITATION,
        SUMMARY_OFFSITE,
        SUMMARY_STANDUP,
        SUMMARY_ACME,
    ] {
        let id = fake.calendar_event_id(ALICE, summary).unwrap();
        d.check(
            "calendar.events.get",
            &get_ok(&fake, &token, &format!("{PRIMARY}/{id}")).await,
            &event,
        );
    }
    let standup = fake.calendar_event_id(ALICE, SUMMARY_STANDUP).unwrap();
    let instances = get_ok(
        &fake,
        &token,
        &format!("{PRIMARY}/{standup}/instances?maxResults=3"),
    )
    .await;
    d.check(
        "calendar.events.instances",
        &instances,
        &["items[].recurringEventId", "items[].originalStartTime"],
    );
    let busy_view = full_token(&fake, PICKY).await;
    let body = get_ok(
        &fake,
        &busy_view,
        &format!("/calendar/v3/calendars/{ALICE}/events?timeMin={min}"),
    )
    .await;
    d.check(
        "calendar.events.list",
        &body,
        &["items[].start", "items[].end"],
    );

    let (status, created) = post(
        &fake,
        &token,
        &format!("{PRIMARY}?conferenceDataVersion=1"),
        json!({
            "summary": "Schema check",
            "start": { "dateTime": "2031-05-05T09:00:00-04:00", "timeZone": "America/New_York" },
            "end": { "dateTime": "2031-05-05T10:00:00-04:00", "timeZone": "America/New_York" },
            "attendees": [{ "email": "priya.shah@example.com", "optional": true }],
            "conferenceData": { "createRequest": { "requestId": "r1" } },
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let mut required = event.to_vec();
    required.extend([
        "hangoutLink",
        "conferenceData.entryPoints[].uri",
        "attendees[].responseStatus",
    ]);
    d.check("calendar.events.insert", &created, &required);
    let id = created["id"].as_str().unwrap();
    let (_, patched) = call(
        &fake,
        &token,
        Method::PATCH,
        &format!("{PRIMARY}/{id}"),
        Some(json!({ "description": "patched" })),
    )
    .await;
    d.check("calendar.events.patch", &patched, &event);

    let (status, busy) = post(&fake, &token, "/calendar/v3/freeBusy", json!({
        "timeMin": Utc::now().to_rfc3339(), "timeMax": (Utc::now() + Duration::days(5)).to_rfc3339(),
        "items": [{ "id": "primary" }, { "id": "ghost@example.com" }],
    })).await;
    assert_eq!(status, StatusCode::OK);
    d.check(
        "calendar.freebusy.query",
        &busy,
        &[
            "kind",
            "timeMin",
            "timeMax",
            "calendars.primary.busy[].start",
        ],
    );

    let (_, body) = get(&fake, &token, &format!("{PRIMARY}?orderBy=startTime")).await;
    check_error(&body, 400);
    let (_, body) = get(&fake, &token, &format!("{PRIMARY}/nosuchevent")).await;
    check_error(&body, 404);
    call(
        &fake,
        &token,
        Method::DELETE,
        &format!("{PRIMARY}/{id}"),
        None,
    )
    .await;
    let (_, body) = call(
        &fake,
        &token,
        Method::DELETE,
        &format!("{PRIMARY}/{id}"),
        None,
    )
    .await;
    check_error(&body, 410);
}
