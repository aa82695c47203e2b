//! Backend-independent checks of the [`Store`] contract.
//!
//! Each case is a public async function taking a fresh, empty store. A backend
//! runs them all with [`store_conformance_tests!`](crate::store_conformance_tests),
//! which expands to one `#[tokio::test]` per case:
//!
//! ```ignore
//! async fn fresh() -> Fixture {
//!     let dir = tempfile::tempdir().unwrap();
//!     Fixture::new(SqliteStore::open(&dir.path().join("gateway.db")).unwrap(), dir)
//! }
//! mcp_gateway::store_conformance_tests!(fresh);
//! ```
//!
//! Expiry is exercised with timestamps well in the past (`now - 10`) or
//! future (`now + 3600`), never by sleeping.

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

use super::{Expect, Kind, Put, Record, Store, StoreError, StoreResult, now_unix};

/// A fresh, empty store for one test, and whatever must live as long as it
/// (a temporary directory, a table).
pub struct Fixture {
    store: Arc<dyn Store>,
    _guard: Box<dyn Any + Send>,
}

impl Fixture {
    pub fn new(store: impl Store, guard: impl Any + Send) -> Self {
        Fixture {
            store: Arc::new(store),
            _guard: Box::new(guard),
        }
    }

    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }
}

/// Expands to one `#[tokio::test]` per conformance case. `$factory` is
/// callable with no arguments and returns a future of a [`Fixture`]; it is
/// called once per test.
#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:expr) => {
        $crate::store_conformance_tests!(@cases $factory;
            get_missing_is_none,
            put_get_round_trip,
            put_any_replaces_value_group_and_expiry,
            versions_increase_on_every_write,
            versions_increase_across_delete_and_recreate,
            absent_conflicts_with_live_record,
            absent_succeeds_over_expired_record,
            version_matches_live_record,
            version_conflicts_when_wrong,
            version_conflicts_when_deleted,
            version_conflicts_when_expired,
            conflict_changes_nothing,
            delete_any,
            delete_absent,
            delete_version,
            expired_records_are_invisible,
            list_group_filters_by_kind_and_group,
            list_kind_lists_only_that_kind,
            purge_expired_removes_only_expired,
            kinds_are_separate_namespaces,
            audit_records_list_by_user_and_expire,
            binary_values_round_trip,
            unusual_keys_and_groups,
            racing_absent_writers_one_wins,
            racing_version_writers_one_wins,
            cas_counter_counts_exactly,
            ping_succeeds,
        );
    };
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let fixture: $crate::store::conformance::Fixture = ($factory)().await;
                $crate::store::conformance::$case(fixture.store()).await;
            }
        )*
    };
}

const LIVE_FOR: i64 = 3600;
const EXPIRED_AGO: i64 = 10;

fn live() -> Option<i64> {
    Some(now_unix() + LIVE_FOR)
}

fn expired() -> Option<i64> {
    Some(now_unix() - EXPIRED_AGO)
}

/// An unconditional write without group or expiry, refined with [`Refine`].
fn put<'a>(kind: Kind, key: &'a str, value: &'a [u8]) -> Put<'a> {
    Put {
        kind,
        key,
        value,
        group: None,
        expires_at: None,
        expect: Expect::Any,
    }
}

trait Refine<'a> {
    fn group(self, group: &'a str) -> Self;
    fn expires(self, expires_at: Option<i64>) -> Self;
    fn when(self, expect: Expect) -> Self;
}

impl<'a> Refine<'a> for Put<'a> {
    fn group(self, group: &'a str) -> Self {
        Put {
            group: Some(group),
            ..self
        }
    }
    fn expires(self, expires_at: Option<i64>) -> Self {
        Put { expires_at, ..self }
    }
    fn when(self, expect: Expect) -> Self {
        Put { expect, ..self }
    }
}

/// Writes and returns the new version, failing the test on any error.
async fn write(store: &dyn Store, put: Put<'_>) -> u64 {
    let what = format!("put {}/{} {:?}", put.kind, put.key, put.expect);
    store
        .put(put)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn assert_conflict<T: Debug>(result: StoreResult<T>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "{what}: expected Conflict, got {result:?}"
    );
}

async fn get(store: &dyn Store, kind: Kind, key: &str) -> Option<Record> {
    store.get(kind, key).await.expect("get")
}

fn record(value: &[u8], version: u64, group: Option<&str>, expires_at: Option<i64>) -> Record {
    Record {
        value: value.to_vec(),
        version,
        group: group.map(str::to_owned),
        expires_at,
    }
}

fn sorted(list: StoreResult<Vec<(String, Record)>>) -> Vec<(String, Record)> {
    let mut list = list.expect("list");
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

fn keys(list: &[(String, Record)]) -> Vec<&str> {
    list.iter().map(|(k, _)| k.as_str()).collect()
}

pub async fn get_missing_is_none(store: Arc<dyn Store>) {
    assert_eq!(get(&*store, Kind::User, "nobody").await, None);
}

pub async fn put_get_round_trip(store: Arc<dyn Store>) {
    let exp = live();
    let p = put(Kind::Grant, "g1", b"grant one")
        .group("alice")
        .expires(exp);
    let v = write(&*store, p).await;
    assert!(v > 0, "versions start above zero");
    let want = record(b"grant one", v, Some("alice"), exp);
    assert_eq!(get(&*store, Kind::Grant, "g1").await, Some(want));

    let v = write(&*store, put(Kind::User, "u1", b"plain")).await;
    let want = record(b"plain", v, None, None);
    assert_eq!(get(&*store, Kind::User, "u1").await, Some(want));
}

pub async fn put_any_replaces_value_group_and_expiry(store: Arc<dyn Store>) {
    let p = put(Kind::McpSession, "s", b"old")
        .group("g")
        .expires(live());
    write(&*store, p).await;
    let v = write(&*store, put(Kind::McpSession, "s", b"new")).await;
    let want = record(b"new", v, None, None);
    assert_eq!(get(&*store, Kind::McpSession, "s").await, Some(want));
    let left = store.list_group(Kind::McpSession, "g").await;
    assert!(left.expect("list").is_empty(), "the record left its group");
}

pub async fn versions_increase_on_every_write(store: Arc<dyn Store>) {
    let mut last = 0;
    for i in 0..5u8 {
        let expect = match i {
            0 => Expect::Absent,
            _ if i % 2 == 0 => Expect::Version(last),
            _ => Expect::Any,
        };
        let v = write(&*store, put(Kind::Client, "c", &[i]).when(expect)).await;
        assert!(v > last, "write {i}: version {v} not above {last}");
        let stored = get(&*store, Kind::Client, "c").await.map(|r| r.version);
        assert_eq!(stored, Some(v));
        last = v;
    }
}

pub async fn versions_increase_across_delete_and_recreate(store: Arc<dyn Store>) {
    let v1 = write(&*store, put(Kind::Lease, "l", b"1")).await;
    let v2 = write(&*store, put(Kind::Lease, "l", b"2")).await;
    assert!(v2 > v1);
    assert!(
        store
            .delete(Kind::Lease, "l", Expect::Any)
            .await
            .expect("delete")
    );
    let v3 = write(&*store, put(Kind::Lease, "l", b"3").when(Expect::Absent)).await;
    assert!(v3 > v2, "recreated version {v3} not above {v2}");
    let deleted = store.delete(Kind::Lease, "l", Expect::Version(v3)).await;
    assert!(deleted.expect("delete"));
    let v4 = write(&*store, put(Kind::Lease, "l", b"4")).await;
    assert!(v4 > v3, "recreated version {v4} not above {v3}");
    // A version from before the delete never matches the new record.
    assert_conflict(
        store
            .put(put(Kind::Lease, "l", b"x").when(Expect::Version(v2)))
            .await,
        "stale version after recreate",
    );
    // Expiry then recreation moves forward too.
    write(&*store, put(Kind::Lease, "l", b"5").expires(expired())).await;
    let v6 = write(&*store, put(Kind::Lease, "l", b"6").when(Expect::Absent)).await;
    assert!(v6 > v4);
}

pub async fn absent_conflicts_with_live_record(store: Arc<dyn Store>) {
    write(
        &*store,
        put(Kind::AuthCode, "c", b"first").when(Expect::Absent),
    )
    .await;
    let p = put(Kind::AuthCode, "e", b"first").expires(live());
    write(&*store, p.when(Expect::Absent)).await;
    for key in ["c", "e"] {
        assert_conflict(
            store
                .put(put(Kind::AuthCode, key, b"second").when(Expect::Absent))
                .await,
            &format!("create {key} over a live record"),
        );
        let value = get(&*store, Kind::AuthCode, key).await.map(|r| r.value);
        assert_eq!(value.as_deref(), Some(&b"first"[..]));
    }
}

pub async fn absent_succeeds_over_expired_record(store: Arc<dyn Store>) {
    let p = put(Kind::PendingAuth, "p", b"old").group("g1");
    let old = write(&*store, p.expires(expired())).await;
    let p = put(Kind::PendingAuth, "p", b"new").when(Expect::Absent);
    let v = write(&*store, p).await;
    assert!(v > old);
    let want = record(b"new", v, None, None);
    assert_eq!(get(&*store, Kind::PendingAuth, "p").await, Some(want));
    let group = store.list_group(Kind::PendingAuth, "g1").await;
    assert!(group.expect("list").is_empty());
}

pub async fn version_matches_live_record(store: Arc<dyn Store>) {
    let v1 = write(&*store, put(Kind::Credential, "c", b"1").expires(live())).await;
    let exp = live();
    let p = put(Kind::Credential, "c", b"2").group("grp").expires(exp);
    let v2 = write(&*store, p.when(Expect::Version(v1))).await;
    assert!(v2 > v1);
    let want = record(b"2", v2, Some("grp"), exp);
    assert_eq!(get(&*store, Kind::Credential, "c").await, Some(want));
}

pub async fn version_conflicts_when_wrong(store: Arc<dyn Store>) {
    let v = write(&*store, put(Kind::Credential, "c", b"1")).await;
    let before = get(&*store, Kind::Credential, "c").await;
    for wrong in [v + 1, v - 1, 0, u64::MAX] {
        assert_conflict(
            store
                .put(put(Kind::Credential, "c", b"x").when(Expect::Version(wrong)))
                .await,
            &format!("put with version {wrong} over {v}"),
        );
    }
    assert_eq!(get(&*store, Kind::Credential, "c").await, before);
}

pub async fn version_conflicts_when_deleted(store: Arc<dyn Store>) {
    assert_conflict(
        store
            .put(put(Kind::User, "never", b"x").when(Expect::Version(1)))
            .await,
        "put with a version on a key that never existed",
    );
    let v = write(&*store, put(Kind::User, "u", b"1")).await;
    assert!(
        store
            .delete(Kind::User, "u", Expect::Any)
            .await
            .expect("delete")
    );
    assert_conflict(
        store
            .put(put(Kind::User, "u", b"x").when(Expect::Version(v)))
            .await,
        "put with the version of a deleted record",
    );
    assert_eq!(get(&*store, Kind::User, "u").await, None);
    assert_eq!(get(&*store, Kind::User, "never").await, None);
}

pub async fn version_conflicts_when_expired(store: Arc<dyn Store>) {
    let v = write(&*store, put(Kind::Lease, "l", b"1").expires(expired())).await;
    let p = put(Kind::Lease, "l", b"x").expires(live());
    assert_conflict(
        store.put(p.when(Expect::Version(v))).await,
        "put with the version of an expired record",
    );
    assert_eq!(get(&*store, Kind::Lease, "l").await, None);
}

pub async fn conflict_changes_nothing(store: Arc<dyn Store>) {
    let exp = live();
    let p = put(Kind::RefreshToken, "t", b"original").group("g");
    let v = write(&*store, p.expires(exp)).await;
    let original = get(&*store, Kind::RefreshToken, "t").await;
    let attempts = [
        (Expect::Absent, None, None),
        (Expect::Version(v + 1), Some("other"), exp.map(|e| e + 100)),
        (Expect::Version(v + 1), None, None),
    ];
    for (expect, group, expires_at) in attempts {
        let p = Put {
            group,
            ..put(Kind::RefreshToken, "t", b"changed").expires(expires_at)
        };
        assert_conflict(store.put(p.when(expect)).await, &format!("{expect:?}"));
        assert_eq!(get(&*store, Kind::RefreshToken, "t").await, original);
    }
    assert_conflict(
        store
            .delete(Kind::RefreshToken, "t", Expect::Version(v + 1))
            .await,
        "delete with a wrong version",
    );
    assert_eq!(get(&*store, Kind::RefreshToken, "t").await, original);
    let listed = store.list_group(Kind::RefreshToken, "g").await;
    assert_eq!(keys(&listed.expect("list")), ["t"]);
    // The failed attempts did not move the version either.
    let p = put(Kind::RefreshToken, "t", b"next").when(Expect::Version(v));
    assert!(write(&*store, p).await > v);
}

pub async fn delete_any(store: Arc<dyn Store>) {
    write(&*store, put(Kind::Grant, "g", b"1")).await;
    assert!(
        store
            .delete(Kind::Grant, "g", Expect::Any)
            .await
            .expect("delete live")
    );
    assert_eq!(get(&*store, Kind::Grant, "g").await, None);
    for key in ["g", "missing"] {
        let deleted = store.delete(Kind::Grant, key, Expect::Any).await;
        assert!(!deleted.expect("deleting an absent record is not an error"));
    }
}

pub async fn delete_absent(store: Arc<dyn Store>) {
    let deleted = store.delete(Kind::Grant, "missing", Expect::Absent).await;
    assert!(!deleted.expect("delete-if-absent of a missing record"));
    write(&*store, put(Kind::Grant, "g", b"1")).await;
    let before = get(&*store, Kind::Grant, "g").await;
    assert_conflict(
        store.delete(Kind::Grant, "g", Expect::Absent).await,
        "delete-if-absent of a live record",
    );
    assert_eq!(get(&*store, Kind::Grant, "g").await, before);
    write(&*store, put(Kind::Grant, "old", b"1").expires(expired())).await;
    let deleted = store.delete(Kind::Grant, "old", Expect::Absent).await;
    assert!(!deleted.expect("delete-if-absent of an expired record"));
}

pub async fn delete_version(store: Arc<dyn Store>) {
    let v = write(&*store, put(Kind::Client, "c", b"1")).await;
    assert_conflict(
        store
            .delete(Kind::Client, "c", Expect::Version(v + 1))
            .await,
        "delete with a wrong version",
    );
    assert!(get(&*store, Kind::Client, "c").await.is_some());
    let deleted = store.delete(Kind::Client, "c", Expect::Version(v)).await;
    assert!(deleted.expect("delete with the right version"));
    assert_eq!(get(&*store, Kind::Client, "c").await, None);
    assert_conflict(
        store.delete(Kind::Client, "c", Expect::Version(v)).await,
        "delete with the version of a deleted record",
    );
}

pub async fn expired_records_are_invisible(store: Arc<dyn Store>) {
    let p = put(Kind::McpSession, "old", b"1").group("alice");
    let v = write(&*store, p.expires(expired())).await;
    let p = put(Kind::McpSession, "new", b"2").group("alice");
    write(&*store, p.expires(live())).await;
    assert_eq!(get(&*store, Kind::McpSession, "old").await, None);
    let group = sorted(store.list_group(Kind::McpSession, "alice").await);
    assert_eq!(keys(&group), ["new"]);
    let all = sorted(store.list_kind(Kind::McpSession).await);
    assert_eq!(keys(&all), ["new"]);
    assert_conflict(
        store
            .delete(Kind::McpSession, "old", Expect::Version(v))
            .await,
        "delete with the version of an expired record",
    );
    let deleted = store.delete(Kind::McpSession, "old", Expect::Any).await;
    assert!(
        !deleted.expect("delete expired"),
        "deleting an expired record reports that nothing live was deleted"
    );
    assert_eq!(get(&*store, Kind::McpSession, "old").await, None);
}

pub async fn list_group_filters_by_kind_and_group(store: Arc<dyn Store>) {
    let entries = [
        (Kind::Grant, "a1", Some("alice")),
        (Kind::Grant, "a2", Some("alice")),
        (Kind::Grant, "b1", Some("bob")),
        (Kind::Grant, "n1", None),
        (Kind::McpSession, "s1", Some("alice")),
        (Kind::Grant, "alice", Some("alicia")),
    ];
    for (kind, key, group) in entries {
        write(
            &*store,
            Put {
                group,
                ..put(kind, key, key.as_bytes())
            },
        )
        .await;
    }
    let alice = sorted(store.list_group(Kind::Grant, "alice").await);
    assert_eq!(keys(&alice), ["a1", "a2"]);
    for (key, record) in &alice {
        assert_eq!(record.value, key.as_bytes());
        assert_eq!(record.group.as_deref(), Some("alice"));
        assert_eq!(get(&*store, Kind::Grant, key).await.as_ref(), Some(record));
    }
    let sessions = sorted(store.list_group(Kind::McpSession, "alice").await);
    assert_eq!(keys(&sessions), ["s1"]);
    for (kind, group) in [
        (Kind::Grant, "ali"),
        (Kind::Grant, ""),
        (Kind::User, "alice"),
    ] {
        let list = store.list_group(kind, group).await.expect("list");
        assert!(list.is_empty(), "{kind}/{group:?}: {list:?}");
    }
}

pub async fn list_kind_lists_only_that_kind(store: Arc<dyn Store>) {
    for key in ["c1", "c2", "c3"] {
        write(&*store, put(Kind::Client, key, key.as_bytes())).await;
    }
    let p = put(Kind::Client, "c4", b"c4").group("g").expires(live());
    write(&*store, p).await;
    write(&*store, put(Kind::User, "u1", b"u1")).await;
    let clients = sorted(store.list_kind(Kind::Client).await);
    assert_eq!(keys(&clients), ["c1", "c2", "c3", "c4"]);
    for (key, record) in &clients {
        assert_eq!(get(&*store, Kind::Client, key).await.as_ref(), Some(record));
    }
    assert!(store.list_kind(Kind::Lease).await.expect("list").is_empty());
}

pub async fn purge_expired_removes_only_expired(store: Arc<dyn Store>) {
    write(&*store, put(Kind::AuthCode, "old", b"1").expires(expired())).await;
    let p = put(Kind::Lease, "old", b"1").group("g").expires(expired());
    write(&*store, p).await;
    write(&*store, put(Kind::AuthCode, "live", b"2").expires(live())).await;
    write(&*store, put(Kind::AuthCode, "forever", b"3")).await;
    assert_eq!(store.purge_expired().await.expect("purge"), 2);
    assert_eq!(store.purge_expired().await.expect("purge again"), 0);
    let codes = sorted(store.list_kind(Kind::AuthCode).await);
    assert_eq!(keys(&codes), ["forever", "live"]);
    // A purged key can be created again.
    write(
        &*store,
        put(Kind::AuthCode, "old", b"new").when(Expect::Absent),
    )
    .await;
}

pub async fn kinds_are_separate_namespaces(store: Arc<dyn Store>) {
    for kind in Kind::ALL {
        let p = put(kind, "same-key", kind.as_str().as_bytes()).group("same");
        write(&*store, p.when(Expect::Absent)).await;
    }
    for kind in Kind::ALL {
        let record = get(&*store, kind, "same-key").await.expect("present");
        assert_eq!(record.value, kind.as_str().as_bytes());
        let all = store.list_kind(kind).await.expect("list");
        assert_eq!(keys(&all), ["same-key"]);
        let group = store.list_group(kind, "same").await.expect("list");
        assert_eq!(keys(&group), ["same-key"]);
    }
    assert!(
        store
            .delete(Kind::User, "same-key", Expect::Any)
            .await
            .expect("delete")
    );
    assert_eq!(get(&*store, Kind::User, "same-key").await, None);
    assert!(get(&*store, Kind::Client, "same-key").await.is_some());
}

/// Audit records as the audit writer writes them: unique keys sortable by
/// time, grouped by user, each with an expiry (the retention).
pub async fn audit_records_list_by_user_and_expire(store: Arc<dyn Store>) {
    let records = [
        ("u1#0000000002000#b", "u1", live()),
        ("u1#0000000001000#a", "u1", live()),
        ("u1#0000000000500#c", "u1", expired()),
        ("u2#0000000001500#d", "u2", live()),
    ];
    for (key, user, expires_at) in records {
        let p = put(Kind::Audit, key, b"{}").group(user).expires(expires_at);
        write(&*store, p.when(Expect::Absent)).await;
    }
    let u1 = sorted(store.list_group(Kind::Audit, "u1").await);
    assert_eq!(keys(&u1), ["u1#0000000001000#a", "u1#0000000002000#b"]);
    assert!(u1.iter().all(|(_, r)| r.expires_at.is_some()));
    let u2 = sorted(store.list_group(Kind::Audit, "u2").await);
    assert_eq!(keys(&u2), ["u2#0000000001500#d"]);
    assert_eq!(store.purge_expired().await.expect("purge"), 1);
    assert_eq!(store.list_kind(Kind::Audit).await.expect("list").len(), 3);
}

pub async fn binary_values_round_trip(store: Arc<dyn Store>) {
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    // 400 kB: a DynamoDB item holds at most 400 KiB including its other
    // attributes, so this is close to the limit every backend must meet.
    let large: Vec<u8> = (0..400_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let values: [(&str, &[u8]); 4] = [
        ("empty", b""),
        ("bytes", &all_bytes),
        ("nul", b"\0\0\0"),
        ("large", &large),
    ];
    for (key, value) in values {
        write(&*store, put(Kind::Credential, key, value)).await;
    }
    for (key, value) in values {
        let record = get(&*store, Kind::Credential, key).await.expect("present");
        assert!(record.value == value, "value of {key} changed");
    }
}

pub async fn unusual_keys_and_groups(store: Arc<dyn Store>) {
    let unusual = [
        "a#b",
        "user#sub",
        "a/b/c",
        "quote'single",
        "quote\"double",
        "ünïcødé 🚀 ключ",
        "100%_like",
        "with space",
        "back\\slash",
        "a",
    ];
    for key in unusual {
        let p = put(Kind::Grant, key, key.as_bytes()).group(key);
        write(&*store, p.when(Expect::Absent)).await;
    }
    for key in unusual {
        let value = get(&*store, Kind::Grant, key).await.map(|r| r.value);
        assert_eq!(value.as_deref(), Some(key.as_bytes()), "{key:?}");
        let group = store.list_group(Kind::Grant, key).await.expect("list");
        assert_eq!(keys(&group), [key], "group {key:?}");
    }
    let mut want = unusual.to_vec();
    want.sort();
    assert_eq!(keys(&sorted(store.list_kind(Kind::Grant).await)), want);
    for prefix in ["a#", "100%", "user"] {
        assert_eq!(get(&*store, Kind::Grant, prefix).await, None);
    }
}

/// Starts `tasks` writers at once against one key and returns the outcomes.
async fn race<F, Fut>(tasks: usize, write: F) -> Vec<StoreResult<u64>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = StoreResult<u64>> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(tasks));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let fut = write(i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks);
    for handle in handles {
        results.push(handle.await.expect("writer task"));
    }
    results
}

/// Asserts exactly one success and only conflicts otherwise; returns the winner.
fn one_winner(results: &[StoreResult<u64>]) -> (usize, u64) {
    let mut winners = Vec::new();
    for (i, result) in results.iter().enumerate() {
        match result {
            Ok(v) => winners.push((i, *v)),
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("writer {i} failed with {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins: {winners:?}");
    winners[0]
}

pub async fn racing_absent_writers_one_wins(store: Arc<dyn Store>) {
    let results = race(32, |i| {
        let store = Arc::clone(&store);
        async move {
            let value = format!("writer {i}");
            store
                .put(put(Kind::Lease, "contended", value.as_bytes()).when(Expect::Absent))
                .await
        }
    })
    .await;
    let (winner, version) = one_winner(&results);
    let record = get(&*store, Kind::Lease, "contended")
        .await
        .expect("present");
    assert_eq!(record.value, format!("writer {winner}").as_bytes());
    assert_eq!(record.version, version);
}

pub async fn racing_version_writers_one_wins(store: Arc<dyn Store>) {
    let base = write(&*store, put(Kind::Lease, "contended", b"base")).await;
    let results = race(32, |i| {
        let store = Arc::clone(&store);
        async move {
            let value = format!("writer {i}");
            store
                .put(put(Kind::Lease, "contended", value.as_bytes()).when(Expect::Version(base)))
                .await
        }
    })
    .await;
    let (winner, version) = one_winner(&results);
    assert!(version > base);
    let record = get(&*store, Kind::Lease, "contended")
        .await
        .expect("present");
    assert_eq!(record.value, format!("writer {winner}").as_bytes());
    assert_eq!(record.version, version);
}

/// Adds one to a decimal counter stored under `key`, retrying on conflict.
/// Returns how many attempts it took.
pub async fn increment(store: &dyn Store, kind: Kind, key: &str) -> usize {
    for attempt in 1.. {
        let (count, expect) = match get(store, kind, key).await {
            None => (0u64, Expect::Absent),
            Some(record) => {
                let text = std::str::from_utf8(&record.value).expect("counter is text");
                (
                    text.parse().expect("counter is a number"),
                    Expect::Version(record.version),
                )
            }
        };
        let value = (count + 1).to_string();
        match store
            .put(put(kind, key, value.as_bytes()).when(expect))
            .await
        {
            Ok(_) => return attempt,
            Err(StoreError::Conflict) => tokio::task::yield_now().await,
            Err(e) => panic!("increment failed: {e}"),
        }
    }
    unreachable!()
}

pub async fn cas_counter_counts_exactly(store: Arc<dyn Store>) {
    const TASKS: usize = 8;
    const PER_TASK: usize = 25;
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for _ in 0..PER_TASK {
                    increment(&*store, Kind::Lease, "counter").await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("incrementing task");
    }
    let record = get(&*store, Kind::Lease, "counter").await.expect("present");
    assert_eq!(record.value, (TASKS * PER_TASK).to_string().as_bytes());
}

pub async fn ping_succeeds(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
    assert!(!store.backend().is_empty());
}
