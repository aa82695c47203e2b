//! Getting events into the store without ever holding up the caller: a
//! bounded channel and one background writer per gateway task, started on
//! the first event. A full channel, a store error or a slow store drops the
//! record (counted in [`dropped`]); the tool call or sign-in that produced it
//! never waits for the store and never fails because of it.

use std::{
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use futures::StreamExt;
use tokio::sync::mpsc;

use super::event::{AuditEvent, EventKind};
use crate::store::{Expect, Kind, Put, Store};

/// Audit records dropped since the process started (full channel, store
/// error or timeout); each drop is also counted in the metrics
/// (`audit_records_dropped_total`, EMF `AuditDropped`).
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Audit records dropped since the process started.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Events waiting for the writer; beyond this they are dropped.
const CAPACITY: usize = 4096;
/// Events the writer takes from the channel at once.
const BATCH: usize = 64;
/// Writes of one batch in flight together.
const CONCURRENT_WRITES: usize = 8;
/// The longest one write may take before its record counts as dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The group of events with no known user (refused sign-ins).
pub const UNATTRIBUTED: &str = "-";

fn drop_record(why: &str) {
    let n = DROPPED.fetch_add(1, Ordering::Relaxed) + 1;
    crate::metrics::audit_dropped();
    // The first drop, then ever more rarely: an outage must not flood the log.
    if n.is_power_of_two() {
        tracing::warn!(dropped_total = n, why, "audit record dropped");
    }
}

/// The group a record is stored under: the user's id, or [`UNATTRIBUTED`].
pub fn group_of(event: &AuditEvent) -> &str {
    event.user_id.as_deref().unwrap_or(UNATTRIBUTED)
}

/// The record key: the group, the time (sortable) and a random suffix.
pub fn key_of(event: &AuditEvent) -> String {
    format!(
        "{}#{:013}#{:016x}",
        group_of(event),
        event.time_ms.max(0),
        rand::random::<u64>()
    )
}

/// Writes one event as an `audit` record expiring after `retention`.
pub async fn put(store: &dyn Store, event: &AuditEvent, retention: Duration) -> Result<(), String> {
    let value = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let key = key_of(event);
    let expires_at =
        event.time_ms / 1000 + i64::try_from(retention.as_secs()).unwrap_or(i64::MAX / 2);
    let write = store.put(Put {
        kind: Kind::Audit,
        key: &key,
        value: &value,
        group: Some(group_of(event)),
        expires_at: Some(expires_at),
        expect: Expect::Absent,
    });
    match tokio::time::timeout(WRITE_TIMEOUT, write).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the store did not answer in time".into()),
    }
}

/// Where audit events go: the log always, the store through the writer.
/// Cheap to clone; clones share the writer.
#[derive(Clone)]
pub struct Audit {
    inner: Arc<Inner>,
}

struct Inner {
    store: Option<Arc<dyn Store>>,
    retention: Duration,
    capacity: usize,
    queue: OnceLock<mpsc::Sender<AuditEvent>>,
    /// Events queued and not yet written (or dropped).
    pending: Arc<AtomicU64>,
}

impl Audit {
    /// Events logged and stored in `store`, kept for `retention`.
    pub fn new(store: Arc<dyn Store>, retention: Duration) -> Self {
        Self::with_capacity(store, retention, CAPACITY)
    }

    /// The configured trail: stored for `retention`, or only logged when it
    /// is zero (`AUDIT_RETENTION_DAYS=0`).
    pub fn configured(store: Arc<dyn Store>, retention: Duration) -> Self {
        if retention.is_zero() {
            Self::log_only()
        } else {
            Self::new(store, retention)
        }
    }

    /// Like [`Audit::new`] with another channel size (tests).
    pub fn with_capacity(store: Arc<dyn Store>, retention: Duration, capacity: usize) -> Self {
        Audit {
            inner: Arc::new(Inner {
                store: Some(store),
                retention,
                capacity: capacity.max(1),
                queue: OnceLock::new(),
                pending: Arc::default(),
            }),
        }
    }

    /// Events only logged (`AUDIT_RETENTION_DAYS=0`, and tests of parts that
    /// run without a store).
    pub fn log_only() -> Self {
        Audit {
            inner: Arc::new(Inner {
                store: None,
                retention: Duration::ZERO,
                capacity: 1,
                queue: OnceLock::new(),
                pending: Arc::default(),
            }),
        }
    }

    /// Logs `event` and hands it to the writer; never waits.
    pub fn record(&self, event: AuditEvent) {
        event.log();
        // Refused bearer tokens come in floods (every expired token): the
        // log has them, the store does not.
        if event.kind == EventKind::BearerRefused {
            return;
        }
        let Some(queue) = self.queue() else {
            return;
        };
        self.inner.pending.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = queue.try_send(event) {
            self.inner.pending.fetch_sub(1, Ordering::SeqCst);
            drop_record(match e {
                mpsc::error::TrySendError::Full(_) => "the audit queue is full",
                mpsc::error::TrySendError::Closed(_) => "the audit writer has stopped",
            });
        }
    }

    /// Logs and stores `event` now (commands that end right after).
    pub async fn record_now(&self, event: AuditEvent) {
        event.log();
        if let Some(store) = &self.inner.store
            && let Err(e) = put(&**store, &event, self.inner.retention).await
        {
            tracing::warn!(error = %e, "storing an audit record failed");
            drop_record("store error");
        }
    }

    /// Waits until every queued event is written (or dropped), for at most
    /// `within`: at shutdown, and in tests.
    pub async fn settle(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.inner.pending.load(Ordering::SeqCst) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The writer's queue, started on first use; `None` without a store or
    /// outside a runtime.
    fn queue(&self) -> Option<&mpsc::Sender<AuditEvent>> {
        let store = self.inner.store.as_ref()?;
        if let Some(q) = self.inner.queue.get() {
            return Some(q);
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            drop_record("no runtime for the audit writer");
            return None;
        };
        Some(self.inner.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(self.inner.capacity);
            let pending = self.inner.pending.clone();
            runtime.spawn(write_all(store.clone(), self.inner.retention, rx, pending));
            tx
        }))
    }
}

/// The writer: takes what is queued, a batch at a time, and writes it.
async fn write_all(
    store: Arc<dyn Store>,
    retention: Duration,
    mut queue: mpsc::Receiver<AuditEvent>,
    pending: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        futures::stream::iter(batch.drain(..))
            .for_each_concurrent(CONCURRENT_WRITES, |event| {
                let (store, pending) = (store.clone(), pending.clone());
                async move {
                    if let Err(e) = put(&*store, &event, retention).await {
                        tracing::debug!(error = %e, "storing an audit record failed");
                        drop_record("store error");
                    }
                    pending.fetch_sub(1, Ordering::SeqCst);
                }
            })
            .await;
    }
}
