//! A [`Store`] that records every call's operation, backend, latency and
//! result in the metrics registry, around any backend.

use std::{future::Future, sync::Arc, time::Instant};

use async_trait::async_trait;

use super::{Expect, Kind, Put, Record, Store, StoreError, StoreResult};
use crate::metrics::{self, labels::StoreOp};

pub struct Instrumented {
    inner: Arc<dyn Store>,
}

impl Instrumented {
    pub fn wrap(inner: Arc<dyn Store>) -> Arc<dyn Store> {
        Arc::new(Instrumented { inner })
    }

    async fn timed<T>(
        &self,
        op: StoreOp,
        call: impl Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let started = Instant::now();
        let result = call.await;
        let outcome = match &result {
            Ok(_) => metrics::StoreResult::Ok,
            Err(StoreError::Conflict) => metrics::StoreResult::Conflict,
            Err(_) => metrics::StoreResult::Error,
        };
        metrics::store_call(op, self.inner.backend(), started.elapsed(), outcome);
        result
    }
}

#[async_trait]
impl Store for Instrumented {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn get(&self, kind: Kind, key: &str) -> StoreResult<Option<Record>> {
        self.timed(StoreOp::Get, self.inner.get(kind, key)).await
    }

    async fn put(&self, put: Put<'_>) -> StoreResult<u64> {
        self.timed(StoreOp::Put, self.inner.put(put)).await
    }

    async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool> {
        self.timed(StoreOp::Delete, self.inner.delete(kind, key, expect))
            .await
    }

    async fn list_group(&self, kind: Kind, group: &str) -> StoreResult<Vec<(String, Record)>> {
        self.timed(StoreOp::ListGroup, self.inner.list_group(kind, group))
            .await
    }

    async fn list_kind(&self, kind: Kind) -> StoreResult<Vec<(String, Record)>> {
        self.timed(StoreOp::ListKind, self.inner.list_kind(kind))
            .await
    }

    async fn purge_expired(&self) -> StoreResult<u64> {
        self.timed(StoreOp::PurgeExpired, self.inner.purge_expired())
            .await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.timed(StoreOp::Ping, self.inner.ping()).await
    }
}
