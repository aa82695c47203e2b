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
