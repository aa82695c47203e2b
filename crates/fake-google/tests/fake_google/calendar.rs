//! Calendar API: calendars, listing with time windows and recurrence,
//! all-day events, insert/patch/delete, free/busy, scopes and isolation.

use chrono::{DateTime, Duration, Utc};
use fake_google::seed::calendar::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, BOB, CAROL, PICKY, start};

const PRIMARY: &str = "/calendar/v3/calendars/primary/events";

fn rfc(dt: DateTime<Utc>) -> String {
    url::form_urlencoded::byte_serialize(dt.to_rfc3339().as_bytes()).collect()
}

fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}

fn summaries(body: &Value) -> Vec<String> {
    items(body)
        .iter()
        .map(|e| e["summary"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn start_of(event: &Value) -> DateTime<Utc> {
    match event["start"]["dateTime"].as_str() {
        Some(dt) => DateTime::parse_from_rfc3339(dt)
            .unwrap()
            .with_timezone(&Utc),
        None => format!("{}T00:00:00Z", event["start"]["date"].as_str().unwrap())
            .parse()
            .unwrap(),
    }
}

#[tokio::test]
async fn calendar_list_and_get() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[CALENDAR_READONLY]).await;
    let list = get_ok(&fake, &token, "/calendar/v3/users/me/calendarList").await;
    assert_eq!(list["kind"], "calendar#calendarList");
    let entries = items(&list);
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["id"], ALICE);
    assert_eq!(entries[0]["primary"], true);
    assert_eq!(entries[0]["timeZone"], fake.calendar_time_zone(ALICE));
    assert_eq!(entries[1]["summary"], TEAM_CALENDAR_SUMMARY);
    let writable = get_ok(
        &fake,
        &token,
        "/calendar/v3/users/me/calendarList?minAccessRole=writer",
    )
    .await;
    assert_eq!(items(&writable).len(), 2);
    let cal = get_ok(&fake, &token, "/calendar/v3/calendars/primary").await;
    assert_eq!(cal["id"], ALICE);
    assert_eq!(cal["kind"], "calendar#calendar");
    let (status, body) = get(&fake, &token, "/calendar/v3/calendars/nobody@example.com").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_reason(&body, 404), "notFound");
    let zones: Vec<String> = [ALICE, BOB, CAROL, PICKY]
        .iter()
        .map(|u| fake.calendar_time_zone(u))
        .collect();
    assert!(
        zones
            .iter()
            .all(|z| z == "Europe/Berlin" || z == "America/New_York")
    );
}

#[tokio::test]
async fn scopes_and_isolation() {
    let fake = start().await;
    let gmail_only = token(&fake, ALICE, &[GMAIL_READONLY]).await;
    let (status, body) = get(&fake, &gmail_only, PRIMARY).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "insufficientPermissions");
    let readonly = token(&fake, ALICE, &[CALENDAR_READONLY]).await;
    let (status, _) = post(&fake, &readonly, PRIMARY, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let events_scope = token(&fake, ALICE, &[CALENDAR_EVENTS]).await;
    get_ok(&fake, &events_scope, PRIMARY).await;
    let (status, _) = get(&fake, &events_scope, "/calendar/v3/users/me/calendarList").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "calendar.events does not list calendars"
    );

    let alice = full_token(&fake, ALICE).await;
    let bob = full_token(&fake, BOB).await;
    let id = fake.calendar_event_id(ALICE, SUMMARY_DESIGN).unwrap();
    get_ok(&fake, &alice, &format!("{PRIMARY}/{id}")).await;
    let (status, _) = get(&fake, &bob, &format!("{PRIMARY}/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(
        &fake,
        &bob,
        &format!("/calendar/v3/calendars/{ALICE}/events"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another domain");
    // A colleague in the same domain sees free/busy only.
    let picky = full_token(&fake, PICKY).await;
    let busy_view = get_ok(
        &fake,
        &picky,
        &format!("/calendar/v3/calendars/{ALICE}/events?singleEvents=true"),
    )
    .await;
    assert_eq!(busy_view["accessRole"], "freeBusyReader");
    assert!(!items(&busy_view).is_empty());
    assert!(
        items(&busy_view)
            .iter()
            .all(|e| e.get("summary").is_none() && e["start"].is_object())
    );
    let (status, _) = post(
        &fake,
        &picky,
        &format!("/calendar/v3/calendars/{ALICE}/events"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn time_window_bounds_end_and_start() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let all = get_ok(
        &fake,
        &token,
        &format!(
            "{PRIMARY}?singleEvents=true&orderBy=startTime&maxResults=2500&timeMin={}",
            rfc(Utc::now() - Duration::days(30))
        ),
    )
    .await;
    let events = items(&all);
    assert!(events.len() > 40, "{}", events.len());
    let starts: Vec<DateTime<Utc>> = events.iter().map(start_of).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "ordered by start");
    let design = events
        .iter()
        .find(|e| e["summary"] == SUMMARY_DESIGN)
        .unwrap();
    let s = DateTime::parse_from_rfc3339(design["start"]["dateTime"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let e = DateTime::parse_from_rfc3339(design["end"]["dateTime"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    // timeMin inside the event: still listed (it bounds the end); timeMin at its end: not.
    let inside = get_ok(
        &fake,
        &token,
        &format!(
            "{PRIMARY}?singleEvents=true&q=design&timeMin={}&timeMax={}",
            rfc(s + Duration::minutes(30)),
            rfc(e + Duration::hours(1))
        ),
    )
    .await;
    assert_eq!(summaries(&inside), vec![SUMMARY_DESIGN]);
    let after = get_ok(
        &fake,
        &token,
        &format!("{PRIMARY}?singleEvents=true&q=design&timeMin={}", rfc(e)),
    )
    .await;
    assert!(items(&after).is_empty());
    // timeMax at its start: not listed; just after: listed.
    let before = get_ok(
        &fake,
        &token,
        &format!(
            "{PRIMARY}?singleEvents=true&q=design&timeMin={}&timeMax={}",
            rfc(s - Duration::hours(2)),
            rfc(s)
        ),
    )
    .await;
    assert!(items(&before).is_empty());
    let (status, body) = get(&fake, &token, &format!("{PRIMARY}?orderBy=startTime")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_reason(&body, 400), "badRequest");
    let (status, _) = get(&fake, &token, &format!("{PRIMARY}?timeMin=yesterday")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn recurring_events_expand_with_exceptions() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let window = format!(
        "timeMin={}&timeMax={}",
        rfc(Utc::now() - Duration::days(21)),
        rfc(Utc::now() + Duration::days(21))
    );
    let masters = get_ok(&fake, &token, &format!("{PRIMARY}?{window}&q=stand-up")).await;
    let masters = items(&masters);
    let master = masters
        .iter()
        .find(|e| e.get("recurrence").is_some())
        .expect("master listed");
    assert!(
        master["recurrence"][0]
            .as_str()
            .unwrap()
            .starts_with("RRULE:FREQ=DAILY")
    );
    assert!(
        masters
            .iter()
            .any(|e| e["summary"] == SUMMARY_STANDUP_MOVED),
        "exceptions are listed too"
    );
    let expanded = get_ok(
        &fake,
        &token,
        &format!("{PRIMARY}?{window}&q=stand-up&singleEvents=true&orderBy=startTime"),
    )
    .await;
    let instances = items(&expanded);
    assert!(instances.len() >= 20, "{}", instances.len());
    assert!(
        instances
            .iter()
            .all(|e| e["recurringEventId"] == master["id"] && e.get("recurrence").is_none())
    );
    assert_eq!(
        instances
            .iter()
            .filter(|e| e["summary"] == SUMMARY_STANDUP_MOVED)
            .count(),
        1
    );
    for e in &instances {
        let weekday = chrono::Datelike::weekday(&start_of(e));
        assert!(
            !matches!(weekday, chrono::Weekday::Sat | chrono::Weekday::Sun),
            "weekdays only"
        );
    }
    let with_deleted = get_ok(
        &fake,
        &token,
        &format!("{PRIMARY}?{window}&q=stand-up&singleEvents=true&showDeleted=true"),
    )
    .await;
    assert_eq!(items(&with_deleted).len(), instances.len() + 1);
    assert!(
        items(&with_deleted)
            .iter()
            .any(|e| e["status"] == "cancelled")
    );

    // An instance can be fetched and patched on its own.
    let instance_id = instances[2]["id"].as_str().unwrap().to_string();
    let one = get_ok(&fake, &token, &format!("{PRIMARY}/{instance_id}")).await;
    assert_eq!(one["recurringEventId"], master["id"]);
    let (status, patched) = call(
        &fake,
        &token,
        Method::PATCH,
        &format!("{PRIMARY}/{instance_id}"),
        Some(json!({ "summary": "Stand-up with demo" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let again = get_ok(
        &fake,
        &token,
        &format!("{PRIMARY}?{window}&q=stand-up&singleEvents=true"),
    )
    .await;
    assert_eq!(items(&again).len(), instances.len());
    assert!(
        items(&again)
            .iter()
            .any(|e| e["summary"] == "Stand-up with demo")
    );

    let weekly = get_ok(
        &fake,
        &token,
        &format!(
            "{PRIMARY}/{}/instances",
            fake.calendar_event_id(ALICE, SUMMARY_ONE_ON_ONE).unwrap()
        ),
    )
    .await;
    assert_eq!(items(&weekly).len(), 10, "COUNT=10");
}

#[tokio::test]
async fn all_day_events_and_time_zones() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let list = get_ok(
        &fake,
        &token,
        &format!("{PRIMARY}?singleEvents=true&q=offsite"),
    )
    .await;
    let offsite = items(&list)
        .into_iter()
        .find(|e| e["summary"] == SUMMARY_OFFSITE)
        .unwrap();
    let start =
        chrono::NaiveDate::parse_from_str(offsite["start"]["date"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let end =
        chrono::NaiveDate::parse_from_str(offsite["end"]["date"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    assert_eq!((end - start).num_days(), 3);
    assert!(offsite["start"].get("dateTime").is_none());
    let tokyo = get_ok(&fake, &token, &format!("{PRIMARY}?q=tokyo")).await;
    let tokyo = &items(&tokyo)[0];
    assert_eq!(tokyo["start"]["timeZone"], "Asia/Tokyo");
    let utc_view = get_ok(&fake, &token, &format!("{PRIMARY}?q=tokyo&timeZone=UTC")).await;
    assert_eq!(utc_view["timeZone"], "UTC");
    assert!(
        items(&utc_view)[0]["start"]["dateTime"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(start_of(&items(&utc_view)[0]), start_of(tokyo));
    let invitation = get_ok(&fake, &token, &format!("{PRIMARY}?q={}", "roadmap")).await;
    let me = items(&invitation)[0]["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["self"] == true)
        .cloned()
        .unwrap();
    assert_eq!(me["responseStatus"], "needsAction");
    let all_hands = get_ok(&fake, &token, &format!("{PRIMARY}?q=all-hands")).await;
    assert!(
        items(&all_hands)[0]["hangoutLink"]
            .as_str()
            .unwrap()
            .starts_with("https://meet.google.com/")
    );
}

#[tokio::test]
async fn insert_patch_delete() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let body = json!({
        "summary": "Launch review",
        "start": { "dateTime": "2031-03-04T10:00:00", "timeZone": "Europe/Berlin" },
        "end": { "dateTime": "2031-03-04T11:00:00+01:00", "timeZone": "Europe/Berlin" },
        "attendees": [{ "email": "priya.shah@example.com" }, { "email": ALICE }],
        "conferenceData": { "createRequest": { "requestId": "req-1", "conferenceSolutionKey": { "type": "hangoutsMeet" } } },
    });
    let (status, created) = post(
        &fake,
        &token,
        &format!("{PRIMARY}?conferenceDataVersion=1&sendUpdates=all"),
        body.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["status"], "confirmed");
    assert_eq!(created["organizer"]["email"], ALICE);
    assert_eq!(created["attendees"][0]["responseStatus"], "needsAction");
    assert_eq!(created["attendees"][1]["self"], true);
    assert_eq!(
        created["conferenceData"]["createRequest"]["status"]["statusCode"],
        "success"
    );
    assert!(
        created["hangoutLink"]
            .as_str()
            .unwrap()
            .starts_with("https://meet.google.com/")
    );
    let id = created["id"].as_str().unwrap().to_string();
    let (_, plain) = post(&fake, &token, PRIMARY, body.clone()).await;
    assert!(plain.get("conferenceData").is_none() && plain.get("hangoutLink").is_none());

    let all_day = json!({ "summary": "Vacation", "start": { "date": "2031-07-01" }, "end": { "date": "2031-07-05" } });
    let (status, vacation) = post(&fake, &token, PRIMARY, all_day).await;
    assert_eq!(status, StatusCode::OK, "{vacation}");
    assert_eq!(vacation["end"]["date"], "2031-07-05");

    let (status, patched) = call(&fake, &token, Method::PATCH, &format!("{PRIMARY}/{id}"), Some(json!({
        "location": "Room 1",
        "attendees": [{ "email": "priya.shah@example.com", "responseStatus": "accepted" }, { "email": ALICE, "responseStatus": "accepted" }],
    }))).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        patched["summary"], "Launch review",
        "patch keeps other fields"
    );
    assert_eq!(patched["location"], "Room 1");
    assert_eq!(patched["attendees"][0]["responseStatus"], "accepted");
    assert!(patched["hangoutLink"].is_string());
    let (status, moved) = call(
        &fake,
        &token,
        Method::PATCH,
        &format!("{PRIMARY}/{id}"),
        Some(json!({
            "end": { "dateTime": "2031-03-04T12:00:00+01:00" },
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["sequence"], 1);
    assert_eq!(
        moved["end"]["timeZone"], "Europe/Berlin",
        "nested objects merge"
    );

    let (status, body) = post(
        &fake,
        &token,
        PRIMARY,
        json!({ "summary": "x", "start": { "date": "2031-01-02" } }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_reason(&body, 400), "required");
    let (status, body) = post(&fake, &token, PRIMARY, json!({ "start": { "dateTime": "2031-01-02T10:00:00Z" }, "end": { "dateTime": "2031-01-02T09:00:00Z" } })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_reason(&body, 400), "timeRangeEmpty");
    let (status, _) = post(
        &fake,
        &token,
        &format!("{PRIMARY}?sendUpdates=everyone"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = call(
        &fake,
        &token,
        Method::DELETE,
        &format!("{PRIMARY}/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = call(
        &fake,
        &token,
        Method::DELETE,
        &format!("{PRIMARY}/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(error_reason(&body, 410), "deleted");
    let got = get_ok(&fake, &token, &format!("{PRIMARY}/{id}")).await;
    assert_eq!(got["status"], "cancelled");
    let (status, _) = call(
        &fake,
        &token,
        Method::DELETE,
        &format!("{PRIMARY}/nosuchevent1"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed = get_ok(&fake, &token, &format!("{PRIMARY}?q=launch")).await;
    assert_eq!(
        items(&listed).len(),
        1,
        "the deleted one is hidden, the plain copy stays"
    );
    let holidays = "/calendar/v3/calendars/en.german%23holiday@group.v.calendar.google.com/events";
    let (status, body) = post(
        &fake,
        &token,
        holidays,
        json!({ "start": { "date": "2031-01-02" }, "end": { "date": "2031-01-03" } }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_reason(&body, 403), "requiredAccessLevel");
}

#[tokio::test]
async fn freebusy_reports_merged_busy_blocks() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let min = Utc::now() - Duration::days(1);
    let max = Utc::now() + Duration::days(7);
    let query = json!({
        "timeMin": min.to_rfc3339(), "timeMax": max.to_rfc3339(),
        "items": [{ "id": "primary" }, { "id": PICKY }, { "id": BOB }, { "id": "ghost@example.com" }],
    });
    let (status, body) = post(&fake, &token, "/calendar/v3/freeBusy", query).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "calendar#freeBusy");
    let mine = body["calendars"]["primary"]["busy"].as_array().unwrap();
    assert!(mine.len() >= 5);
    let mut last_end = min;
    for block in mine {
        let s: DateTime<Utc> = block["start"].as_str().unwrap().parse().unwrap();
        let e: DateTime<Utc> = block["end"].as_str().unwrap().parse().unwrap();
        assert!(s >= last_end && e > s && s >= min && e <= max, "{block}");
        last_end = e;
    }
    assert!(
        !body["calendars"][PICKY]["busy"]
            .as_array()
            .unwrap()
            .is_empty(),
        "same domain"
    );
    assert_eq!(
        body["calendars"][BOB]["errors"][0]["reason"], "notFound",
        "other domain"
    );
    assert_eq!(
        body["calendars"]["ghost@example.com"]["errors"][0]["reason"],
        "notFound"
    );
    let (status, body) = post(
        &fake,
        &token,
        "/calendar/v3/freeBusy",
        json!({ "timeMin": max.to_rfc3339(), "timeMax": min.to_rfc3339(), "items": [] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_reason(&body, 400), "timeRangeEmpty");
}

#[tokio::test]
async fn pages_through_events() {
    let fake = start().await;
    let token = full_token(&fake, ALICE).await;
    let base = format!(
        "{PRIMARY}?singleEvents=true&orderBy=startTime&timeMin={}&timeMax={}",
        rfc(Utc::now() - Duration::days(21)),
        rfc(Utc::now() + Duration::days(21))
    );
    let all = items(&get_ok(&fake, &token, &base).await);
    let mut seen = Vec::new();
    let mut url = format!("{base}&maxResults=10");
    loop {
        let page = get_ok(&fake, &token, &url).await;
        seen.extend(items(&page));
        match page["nextPageToken"].as_str() {
            Some(next) => url = format!("{base}&maxResults=10&pageToken={next}"),
            None => {
                assert!(page["nextSyncToken"].is_string());
                break;
            }
        }
    }
    assert_eq!(seen, all);
}
