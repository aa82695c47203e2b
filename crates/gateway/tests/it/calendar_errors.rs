//! Calendar tools when things go wrong: lost answers, quotas, outages,
//! missing permissions, bad arguments and unknown events.

use chrono::Duration;
use fake_google::{FakeUser, Fault};
use serde_json::json;

use crate::calendar_support::{Cal, ann, env, today, zone};
use crate::gmail_support::{Loss, ann_via_proxy};
use crate::google_flow::{ANN, Env};

const EVENTS: &str = "/calendar/v3/calendars/primary/events";

fn count(env: &Env, summary: &str) -> usize {
    env.fake()
        .calendar_events(ANN, "primary")
        .iter()
        .filter(|e| e["summary"] == summary)
        .count()
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_creates_exactly_one_event() {
    let (env, proxy, cal) = ann_via_proxy().await;
    let day = today(zone(&env, ANN)) + Duration::days(20);
    proxy.lose_next_of("POST", EVENTS, Loss::Unavailable);
    let (e, text) = cal
        .ok(
            "calendar_create_event",
            json!({"summary": "Lost answer", "start": format!("{day}T10:00"), "end": format!("{day}T11:00"), "add_meet_link": true}),
        )
        .await;
    assert_eq!(
        proxy.lost.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the answer was lost once"
    );
    assert!(text.starts_with("Created"), "{text}");
    assert_eq!(e["summary"], "Lost answer");
    assert_eq!(count(&env, "Lost answer"), 1);
    assert_eq!(env.fake().requests(EVENTS), 2, "one resend");
}

#[tokio::test]
async fn a_create_refused_with_503_is_sent_again_once() {
    let (env, cal) = ann(&[]).await;
    env.fake().inject(
        Fault::status(EVENTS, 503)
            .method(reqwest::Method::POST)
            .times(1),
    );
    let day = today(zone(&env, ANN)) + Duration::days(21);
    let (e, _) = cal
        .ok(
            "calendar_create_event",
            json!({"summary": "After outage", "start": format!("{day}T10:00"), "end": format!("{day}T11:00")}),
        )
        .await;
    assert_eq!(e["summary"], "After outage");
    assert_eq!(count(&env, "After outage"), 1);
}

#[tokio::test]
async fn quota_and_outages_are_reported_after_retries() {
    let (env, cal) = ann(&[]).await;
    env.fake().inject(Fault::status(EVENTS, 429));
    let err = cal.err("calendar_list_events", json!({})).await;
    assert!(err.contains("quota"), "{err}");
    assert_eq!(env.fake().requests(EVENTS), 4, "retried with backoff");
    env.fake().clear_faults();

    env.fake().inject(Fault::status(EVENTS, 503));
    let err = cal.err("calendar_list_events", json!({})).await;
    assert!(err.contains("unavailable"), "{err}");
    env.fake().clear_faults();

    // A create is not resent on 429 forever either, and never duplicated.
    env.fake()
        .inject(Fault::status(EVENTS, 429).method(reqwest::Method::POST));
    let day = today(zone(&env, ANN)) + Duration::days(22);
    let err = cal
        .err(
            "calendar_create_event",
            json!({"summary": "Throttled", "start": format!("{day}T10:00"), "end": format!("{day}T11:00")}),
        )
        .await;
    assert!(err.contains("quota"), "{err}");
    env.fake().clear_faults();
    assert_eq!(count(&env, "Throttled"), 0);
}

#[tokio::test]
async fn missing_calendar_permission_asks_for_a_new_sign_in() {
    let env = env(&[]).await;
    let fay = "fay@example.com";
    env.fake().add_user(
        FakeUser::workspace(fay, "example.com")
            .untick("https://www.googleapis.com/auth/calendar")
            .untick("https://www.googleapis.com/auth/calendar.readonly"),
    );
    let cal = Cal::sign_in(&env, fay).await;
    let err = cal.err("calendar_list_events", json!({})).await;
    assert!(err.contains("lacks the Google permission"), "{err}");
    assert!(err.contains("Calendar"), "{err}");
    let err = cal
        .err(
            "calendar_create_event",
            json!({"summary": "x", "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}),
        )
        .await;
    assert!(err.contains("lacks the Google permission"), "{err}");
}

#[tokio::test]
async fn writing_to_a_read_only_calendar_is_refused() {
    let (env, cal) = ann(&[]).await;
    let holidays = env
        .fake()
        .calendar_ids(ANN)
        .into_iter()
        .find(|c| c.contains("holiday"))
        .unwrap();
    let err = cal
        .err(
            "calendar_create_event",
            json!({"calendar_id": holidays, "summary": "x", "start": "2030-01-01", "end": "2030-01-01", "all_day": true}),
        )
        .await;
    assert!(err.contains("permission denied"), "{err}");
}

#[tokio::test]
async fn bad_arguments_name_the_field() {
    let (_env, cal) = ann(&[]).await;
    let err = cal
        .err(
            "calendar_create_event",
            json!({"summary": "x", "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T09:00:00Z"}),
        )
        .await;
    assert!(
        err.contains("`end`") && err.contains("after start"),
        "{err}"
    );
    let err = cal
        .err(
            "calendar_create_event",
            json!({"summary": "x", "start": "2030-01-01T10:00", "end": "2030-01-01T11:00", "time_zone": "Mars/Olympus"}),
        )
        .await;
    assert!(err.contains("`time_zone`"), "{err}");
    let err = cal
        .err("calendar_list_events", json!({"max_results": 0}))
        .await;
    assert!(err.contains("`max_results`"), "{err}");
    let err = cal
        .err("calendar_list_events", json!({"time_min": "next week"}))
        .await;
    assert!(err.contains("`time_min`"), "{err}");
    let err = cal
        .err(
            "calendar_list_events",
            json!({"time_min": "2030-01-02", "time_max": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert!(err.contains("`time_max`"), "{err}");
    let err = cal
        .err("calendar_find_free_time", json!({"duration_minutes": 5}))
        .await;
    assert!(err.contains("`duration_minutes`"), "{err}");
    let err = cal
        .err(
            "calendar_find_free_time",
            json!({"work_start": "18:00", "work_end": "09:00"}),
        )
        .await;
    assert!(err.contains("`work_end`"), "{err}");
    let err = cal
        .err(
            "calendar_respond",
            json!({"event_id": "abcde", "response": "maybe"}),
        )
        .await;
    assert!(err.contains("maybe") && err.contains("tentative"), "{err}");
    let err = cal
        .err("calendar_list_events", json!({"calendar": "primary"}))
        .await;
    assert!(err.contains("unknown field `calendar`"), "{err}");
    let err = cal
        .err(
            "calendar_update_event",
            json!({"event_id": "abcde", "add_attendees": ["not an email"]}),
        )
        .await;
    assert!(err.contains("`add_attendees`"), "{err}");
}

#[tokio::test]
async fn unknown_events_and_calendars_are_clearly_not_found() {
    let (_env, cal) = ann(&[]).await;
    let err = cal
        .err("calendar_get_event", json!({"event_id": "nosuchevent0"}))
        .await;
    assert!(err.contains("not found"), "{err}");
    let err = cal
        .err(
            "calendar_list_events",
            json!({"calendar_id": "nobody@nowhere.example"}),
        )
        .await;
    assert!(err.contains("not found"), "{err}");
    let err = cal
        .err(
            "calendar_update_event",
            json!({"event_id": "nosuchevent0", "summary": "x"}),
        )
        .await;
    assert!(err.contains("not found"), "{err}");
}
