//! Stores for tests of what happens when the real one fails.

use async_trait::async_trait;

use super::{Expect, Kind, Put, Record, Store, StoreError, StoreResult};

/// A store that cannot be reached: every operation fails as unavailable.
pub struct Failing;

fn down<T>() -> StoreResult<T> {
    Err(StoreError::Unavailable("the test store is down".into()))
}

#[async_trait]
impl Store for Failing {
    fn backend(&self) -> &'static str {
        "failing"
    }
    async fn get(&self, _: Kind, _: &str) -> StoreResult<Option<Record>> {
        down()
    }
    async fn put(&self, _: Put<'_>) -> StoreResult<u64> {
        down()
    }
    async fn delete(&self, _: Kind, _: &str, _: Expect) -> StoreResult<bool> {
        down()
    }
    async fn list_group(&self, _: Kind, _: &str) -> StoreResult<Vec<(String, Record)>> {
        down()
    }
    async fn list_kind(&self, _: Kind) -> StoreResult<Vec<(String, Record)>> {
        down()
    }
    async fn purge_expired(&self) -> StoreResult<u64> {
        down()
    }
    async fn ping(&self) -> StoreResult<()> {
        down()
    }
}

/// What [`Spy`] does to the writes of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// They fail as unavailable.
    Fail,
    /// They never answer.
    Hang,
}

/// A working store that counts whole-kind listings (a table scan on
/// DynamoDB) and can make the writes of one kind fail or hang.
pub struct Spy {
    inner: std::sync::Arc<dyn Store>,
    faulty: Option<(Kind, Fault)>,
    /// `list_kind` calls so far.
    pub scans: std::sync::atomic::AtomicUsize,
    /// Writes of the faulty kind attempted so far.
    pub faulty_puts: std::sync::atomic::AtomicUsize,
}

impl Spy {
    pub fn new(inner: std::sync::Arc<dyn Store>) -> Self {
        Self {
            inner,
            faulty: None,
            scans: Default::default(),
            faulty_puts: Default::default(),
        }
    }

    /// Writes of `kind` meet `fault`; everything else works.
    pub fn with_faulty_puts(inner: std::sync::Arc<dyn Store>, kind: Kind, fault: Fault) -> Self {
        Self {
            faulty: Some((kind, fault)),
            ..Self::new(inner)
        }
    }

    pub fn count(counter: &std::sync::atomic::AtomicUsize) -> usize {
        counter.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait]
impl Store for Spy {
    fn backend(&self) -> &'static str {
        "spy"
    }
    async fn get(&self, kind: Kind, key: &str) -> StoreResult<Option<Record>> {
        self.inner.get(kind, key).await
    }
    async fn put(&self, put: Put<'_>) -> StoreResult<u64> {
        if let Some((kind, fault)) = self.faulty
            && put.kind == kind
        {
            self.faulty_puts
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if fault == Fault::Hang {
                std::future::pending::<()>().await;
            }
            return down();
        }
        self.inner.put(put).await
    }
    async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool> {
        self.inner.delete(kind, key, expect).await
    }
    async fn list_group(&self, kind: Kind, group: &str) -> StoreResult<Vec<(String, Record)>> {
        self.inner.list_group(kind, group).await
    }
    async fn list_kind(&self, kind: Kind) -> StoreResult<Vec<(String, Record)>> {
        self.scans.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.list_kind(kind).await
    }
    async fn purge_expired(&self) -> StoreResult<u64> {
        self.inner.purge_expired().await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
}
