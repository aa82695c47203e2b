//! The fake's answers checked against Google's discovery documents for
//! gmail.v1 and calendar.v3 (copied into `tests/discovery/`, see SOURCE.md):
//! every field must exist in the method's response schema with the right JSON
//! type (`int64` as strings, `date-time` as RFC 3339, `byte` as base64), and
//! the fields clients rely on must be present. The scope table is checked too.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use fake_google::seed::calendar::*;
use fake_google::seed::mail::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, PICKY, start};

const GMAIL: &str = include_str!("../discovery/gmail.v1.json");
const CALENDAR: &str = include_str!("../discovery/calendar.v3.json");

struct Discovery {
    gmail: Value,
    calendar: Value,
}

impl Discovery {
    fn load() -> Self {
        Discovery {
            gmail: serde_json::from_str(GMAIL).expect("gmail discovery"),
            calendar: serde_json::from_str(CALENDAR).expect("calendar discovery"),
        }
    }

    fn doc(&self, method: &str) -> &Value {
        if method.starts_with("gmail.") {
            &self.gmail
        } else {
            &self.calendar
        }
    }

    fn method(&self, id: &str) -> Value {
        fn find(resources: &Value, id: &str) -> Option<Value> {
            for resource in resources.as_object()?.values() {
                for method in resource["methods"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    if method["id"] == id {
                        return Some(method.clone());
                    }
                }
                if let Some(found) = find(&resource["resources"], id) {
                    return Some(found);
                }
            }
            None
        }
        find(&self.doc(id)["resources"], id).unwrap_or_else(|| panic!("method {id} in discovery"))
    }

    /// Checks `body` against the response schema of `method`; panics listing every mismatch.
    fn check(&self, method: &str, body: &Value, required: &[&str]) {
        let schema = self.method(method)["response"].clone();
        let mut errors = Vec::new();
        check(self.doc(method), body, &schema, method, &mut errors);
        for path in required {
            if pointer(body, path).is_none() {
                errors.push(format!("{method}: missing required field {path}"));
            }
        }
        assert!(errors.is_empty(), "{}\nbody: {body}", errors.join("\n"));
    }
}

/// A dotted path where `[]` means "every element" (all must have the field; at least one element).
fn pointer<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = vec![value];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            if let Some(field) = part.strip_suffix("[]") {
                let items = v.get(field)?.as_array()?;
                if items.is_empty() {
                    return None;
                }
                next.extend(items.iter());
            } else {
                next.push(v.get(part)?);
            }
        }
        current = next;
    }
    current.first().copied()
}

fn check(doc: &Value, value: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(name) = schema["$ref"].as_str() {
        let resolved = &doc["schemas"][name];
        assert!(resolved.is_object(), "schema {name}");
        return check(doc, value, resolved, path, errors);
    }
    let kind = schema["type"].as_str().unwrap_or("any");
    let ok = match kind {
        "object" => {
            let Some(object) = value.as_object() else {
                errors.push(format!("{path}: expected object, got {value}"));
                return;
            };
            for (key, field) in object {
                let sub = format!("{path}.{key}");
                if let Some(property) = schema["properties"].get(key) {
                    check(doc, field, property, &sub, errors);
                } else if let Some(additional) = schema.get("additionalProperties") {
                    check(doc, field, additional, &sub, errors);
                } else {
                    errors.push(format!("{sub}: not in the schema"));
                }
            }
            true
        }
        "array" => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(doc, item, &schema["items"], &format!("{path}[{i}]"), errors);
                }
                true
            }
            None => false,
        },
        "string" => value
            .as_str()
            .is_some_and(|s| string_format_ok(s, schema["format"].as_str())),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !ok {
        errors.push(format!(
            "{path}: expected {kind} ({}), got {value}",
            schema["format"].as_str().unwrap_or("-")
        ));
    }
}

fn string_format_ok(s: &str, format: Option<&str>) -> bool {
    match format {
        Some("int64") => s.parse::<i64>().is_ok(),
        Some("uint64") => s.parse::<u64>().is_ok(),
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        Some("byte") => {
            URL_SAFE.decode(s).is_ok()
                || URL_SAFE_NO_PAD.decode(s).is_ok()
                || STANDARD.decode(s).is_ok()
        }
        _ => true,
    }
}

/// Google's error body: `{"error": {"code", "message", "errors": [...], "status"?, "details"?}}`.
fn check_error(body: &Value, code: u16) {
    let error = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("error object: {body}"));
    for key in error.keys() {
        assert!(
            ["code", "message", "errors", "status", "details"].contains(&key.as_str()),
            "{key} in {body}"
        );
    }
    assert_eq!(error["code"], code);
    assert!(error["message"].is_string());
    if let Some(status) = error.get("status") {
        assert!(
            status
                .as_str()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
        );
    }
    for item in error["errors"].as_array().unwrap() {
        for key in item.as_object().unwrap().keys() {
            assert!(
                ["message", "domain", "reason", "location", "locationType"].contains(&key.as_str()),
                "{key}"
            );
        }
        assert!(
            item["reason"].is_string() && item["domain"].is_string() && item["message"].is_string()
        );
    }
}

#[test]
fn scope_table_matches_the_discovery_documents() {
    let discovery = Discovery::load();
    for (method, scopes) in fake_google::METHOD_SCOPES {
        let found = discovery.method(method);
        let listed: Vec<&str> = found["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(&listed, scopes, "{method}");
    }
}

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

#[test]
fn the_checker_rejects_wrong_shapes() {
    let d = Discovery::load();
    let schema = json!({ "$ref": "Message" });
    for bad in [
        json!({ "id": 1 }),
        json!({ "internalDate": 5 }),
        json!({ "historyId": "abc" }),
        json!({ "bogus": "x" }),
        json!({ "payload": { "headers": [{ "name": 1 }] } }),
        json!({ "raw": "not base64!" }),
    ] {
        let mut errors = Vec::new();
        check(&d.gmail, &bad, &schema, "Message", &mut errors);
        assert!(!errors.is_empty(), "{bad}");
    }
    let mut errors = Vec::new();
    check(
        &d.calendar,
        &json!({ "updated": "yesterday" }),
        &json!({ "$ref": "Event" }),
        "Event",
        &mut errors,
    );
    assert_eq!(errors.len(), 1);
}
