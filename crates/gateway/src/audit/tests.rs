use std::{sync::Arc, time::Duration};

use super::{
    event::{AuditEvent, EventKind, now_ms},
    query::{self, Since},
    writer::{self, Audit},
};
use crate::store::{
    Kind, Store, now_unix,
    sqlite::SqliteStore,
    test_support::{Fault, Spy},
};

const DAY: Duration = Duration::from_secs(86_400);

fn memory() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open_in_memory().unwrap())
}

fn call(user: &str, tool: &str, ids: &[&str]) -> AuditEvent {
    AuditEvent::tool_call(
        Some((user, "ann@example.com")),
        Some("client-1"),
        tool,
        "ok",
        12,
        (ids.iter().map(|s| (*s).to_owned()).collect(), false),
    )
}

/// Waits until `f` holds (the writer runs in the background).
async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

#[test]
fn an_event_has_exactly_the_documented_fields() {
    let e = call("sub-1", "gmail_read", &["message:m1", "thread:t1"]);
    let v = serde_json::to_value(&e).unwrap();
    let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "client_id",
            "email",
            "ids",
            "kind",
            "latency_ms",
            "outcome",
            "time_ms",
            "tool",
            "user_id"
        ]
    );
    assert_eq!(v["kind"], "tool_call");
    let refused = AuditEvent::security(
        EventKind::SignInRefused,
        None,
        Some("-"),
        "refused",
        "domain_not_allowed",
    );
    let v = serde_json::to_value(&refused).unwrap();
    assert_eq!(v["reason"], "domain_not_allowed");
    assert!(
        v.get("client_id").is_none() && v.get("user_id").is_none(),
        "{v}"
    );
    assert_eq!(writer::group_of(&refused), writer::UNATTRIBUTED);
}

#[test]
fn keys_sort_by_time_and_are_unique() {
    let mut a = call("u", "t", &[]);
    a.time_ms = 999;
    let mut b = a.clone();
    b.time_ms = 1_700_000_000_000;
    let (ka, kb) = (writer::key_of(&a), writer::key_of(&b));
    assert!(ka.starts_with("u#0000000000999#"), "{ka}");
    assert!(ka < kb);
    assert_ne!(writer::key_of(&a), writer::key_of(&a));
}

#[tokio::test]
async fn recorded_events_are_stored_per_user_and_read_newest_first() {
    let store = memory();
    let audit = Audit::new(store.clone(), 90 * DAY);
    let mut first = call("sub-ann", "gmail_search", &["message:m1"]);
    first.time_ms -= 1000;
    audit.record(first);
    audit.record(call("sub-ann", "drive_read", &["file:f1"]));
    audit.record(call("sub-erin", "calendar_list", &["calendar:primary"]));
    audit.settle(Duration::from_secs(5)).await;
    assert_eq!(store.list_kind(Kind::Audit).await.unwrap().len(), 3);
    let ann = query::events(&*store, "sub-ann", 0, 100).await.unwrap();
    let tools: Vec<_> = ann.iter().map(|e| e.tool.clone().unwrap()).collect();
    assert_eq!(tools, ["drive_read", "gmail_search"]);
    assert_eq!(ann[0].ids, ["file:f1"]);
    let limited = query::events(&*store, "sub-ann", 0, 1).await.unwrap();
    assert_eq!(limited.len(), 1);
    let recent = query::events(&*store, "sub-ann", now_ms() - 500, 100)
        .await
        .unwrap();
    assert_eq!(recent.len(), 1);
    let erin = query::events(&*store, "sub-erin", 0, 100).await.unwrap();
    assert_eq!(erin.len(), 1);
    // Stored with an expiry of the event's time plus the retention.
    let (_, record) = store
        .list_group(Kind::Audit, "sub-erin")
        .await
        .unwrap()
        .remove(0);
    let expires = record.expires_at.unwrap();
    let want = now_unix() + 90 * 86_400;
    assert!((want - 5..=want).contains(&expires), "{expires} vs {want}");
}

#[tokio::test]
async fn records_past_their_retention_are_gone_and_purged() {
    let store = memory();
    let retention = 2 * DAY;
    let mut old = call("sub-ann", "gmail_read", &[]);
    old.time_ms = now_ms() - 3 * 86_400_000;
    let mut kept = call("sub-ann", "gmail_search", &[]);
    kept.time_ms = now_ms() - 86_400_000;
    writer::put(&*store, &old, retention).await.unwrap();
    writer::put(&*store, &kept, retention).await.unwrap();
    let left = query::events(&*store, "sub-ann", 0, 100).await.unwrap();
    assert_eq!(left, [kept]);
    assert_eq!(store.purge_expired().await.unwrap(), 1);
}

#[tokio::test]
async fn a_failing_store_drops_records_and_counts_them() {
    let store = Arc::new(Spy::with_faulty_puts(memory(), Kind::Audit, Fault::Fail));
    let audit = Audit::new(store.clone(), DAY);
    let before = writer::dropped();
    for _ in 0..3 {
        audit.record(call("sub-ann", "gmail_read", &[]));
    }
    eventually("three drops counted", async || {
        writer::dropped() >= before + 3
    })
    .await;
    assert_eq!(Spy::count(&store.faulty_puts), 3);
}

#[tokio::test]
async fn a_full_queue_drops_without_waiting() {
    let store = Arc::new(Spy::with_faulty_puts(memory(), Kind::Audit, Fault::Hang));
    let audit = Audit::with_capacity(store.clone(), DAY, 2);
    let before = writer::dropped();
    let started = std::time::Instant::now();
    for _ in 0..200 {
        audit.record(call("sub-ann", "gmail_read", &[]));
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The writer holds at most a batch and the queue two: the rest is dropped.
    assert!(
        writer::dropped() >= before + 200 - 64 - 2,
        "{}",
        writer::dropped() - before
    );
}

#[tokio::test]
async fn refused_bearer_tokens_are_logged_but_not_stored() {
    let store = memory();
    let audit = Audit::new(store.clone(), DAY);
    audit.record(AuditEvent::security(
        EventKind::BearerRefused,
        None,
        None,
        "refused",
        "expired",
    ));
    audit.record(call("sub-ann", "gmail_read", &[]));
    eventually("the tool call stored", async || {
        !store.list_kind(Kind::Audit).await.unwrap().is_empty()
    })
    .await;
    let all = store.list_kind(Kind::Audit).await.unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
}

#[test]
fn since_accepts_durations_and_rfc3339_and_names_what_is_wrong() {
    assert_eq!(
        Since::parse("90m"),
        Ok(Since::Ago(Duration::from_secs(5400)))
    );
    assert_eq!(Since::parse("24h"), Ok(Since::Ago(DAY)));
    assert_eq!(Since::parse("7d"), Ok(Since::Ago(7 * DAY)));
    assert_eq!(
        Since::parse("2026-01-31T09:00:00Z"),
        Ok(Since::At(1_769_850_000_000))
    );
    for bad in ["", "24", "h", "3w", "-1d", "yesterday", "99999999999999d"] {
        let e = Since::parse(bad).unwrap_err();
        assert!(e.contains("90m, 24h or 7d"), "{bad}: {e}");
    }
    assert_eq!(Since::Ago(DAY).as_ms(100_000_000), 100_000_000 - 86_400_000);
}

#[test]
fn the_table_is_compact_and_newest_first_as_given() {
    let mut e = call("sub-ann", "gmail_read", &["message:m1", "thread:t1"]);
    e.time_ms = 1_769_850_000_000;
    let refused = AuditEvent::security_of(
        EventKind::RefreshTokenReuse,
        "sub-ann",
        Some("client-1"),
        "detected",
        "refresh_token_reused",
    );
    let table = query::render_table(&[refused, e.clone()]);
    let lines: Vec<_> = table.lines().collect();
    assert!(lines[0].starts_with("TIME"), "{table}");
    assert!(
        lines[1].contains("refresh_token_reuse")
            && lines[1].contains("detected (refresh_token_reused)"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("2026-01-31 09:00:00Z") && lines[2].contains("message:m1,thread:t1"),
        "{table}"
    );
    let json = query::render_json(&[e]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["time"], "2026-01-31T09:00:00Z");
    assert_eq!(v["tool"], "gmail_read");
    assert_eq!(query::render_table(&[]), "no audit events in that time\n");
}

#[tokio::test]
async fn a_retention_of_zero_days_keeps_the_trail_in_the_log_only() {
    let store = memory();
    let audit = Audit::configured(store.clone(), Duration::ZERO);
    audit.record(call("u1", "gmail_search", &[]));
    audit
        .record_now(call("u1", "gmail_send", &["message:m1"]))
        .await;
    audit.settle(Duration::from_secs(1)).await;
    assert!(store.list_kind(Kind::Audit).await.unwrap().is_empty());
    // A retention stores.
    let audit = Audit::configured(store.clone(), DAY);
    audit
        .record_now(call("u1", "gmail_send", &["message:m1"]))
        .await;
    assert_eq!(store.list_kind(Kind::Audit).await.unwrap().len(), 1);
}
