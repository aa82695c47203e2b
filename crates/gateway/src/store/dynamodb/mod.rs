//! The production backend: one DynamoDB table shared by every gateway task.
//!
//! Item layout (see `docs/store.md` for the reasoning and the costs):
//!
//! | attribute | type | content                                             |
//! |-----------|------|-----------------------------------------------------|
//! | `pk`      | S    | `<kind>#<key>` (partition key)                      |
//! | `kind`    | S    | the kind, for `list_kind`                           |
//! | `v`       | B    | the value; absent on a tombstone                    |
//! | `ver`     | N    | the version                                         |
//! | `ttl`     | N    | expiry in Unix seconds (the table's TTL attribute)  |
//! | `gpk`     | S    | `<kind>#<group>`, only when grouped (index `gsi1`)  |
//! | `gsk`     | S    | the record's `pk`, only when grouped (`gsi1` sort)  |
//! | `wid`     | S    | random id of the write that produced the item       |
//!
//! Every compare-and-set is one conditional write. Versions are taken from
//! a hybrid clock (microseconds since the epoch, strictly increasing within
//! the process, and above the version expected by the caller), and each
//! write also carries the guard `ver < :new`, so a version never moves
//! backwards even when another task's clock is ahead. A delete turns the
//! item into a *tombstone* (no value, `ttl` = now) that keeps its version
//! until DynamoDB's TTL removes it, so a key created again gets a greater
//! version.
//!
//! The SDK sends a request again when an attempt times out. A conditional
//! write whose first attempt went through would then fail its own
//! condition; the write id in the item returned with the failure shows
//! that it was this very write, which is then reported as done.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use futures::StreamExt;

mod item;
mod table;

use item::{LIVE, PK, Stored, VersionClock, n, names, new_write_id, pk, s, to_item};
pub use table::TableSetup;

use super::{Expect, Kind, Put, Record, Store, StoreError, StoreResult, now_unix};

/// The table name when `DYNAMODB_TABLE_NAME` is not given explicitly.
pub const DEFAULT_TABLE_NAME: &str = "mcp-gateway-sessions";
/// The secondary index of grouped records.
pub const GSI_NAME: &str = "gsi1";
/// The table's TTL attribute.
pub const TTL_ATTRIBUTE: &str = "ttl";

/// Attempts of a write whose version guard keeps failing because another
/// writer keeps moving the version ahead.
const MAX_VERSION_ATTEMPTS: usize = 8;
/// Concurrent deletes of one `purge_expired` run.
const PURGE_CONCURRENCY: usize = 8;

/// The store on one DynamoDB table. Cloning is cheap and shares the client.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    clock: std::sync::Arc<VersionClock>,
    /// Whether the table's schema was checked (by [`open`](Self::open) or the
    /// first readiness ping).
    schema_checked: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl DynamoStore {
    /// A store on `table` without checking it (see [`open`](Self::open)).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            clock: Default::default(),
            schema_checked: Default::default(),
        }
    }

    /// A store on `table`, after checking that the table exists with the
    /// expected key schema and index.
    pub async fn open(client: Client, table: impl Into<String>) -> StoreResult<Self> {
        let store = Self::new(client, table);
        store.check_table().await?;
        store
            .schema_checked
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(store)
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn error<E, R>(&self, op: &'static str, e: SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        table_error(op, &self.table, e)
    }

    fn key(&self, kind: Kind, key: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([(PK.to_owned(), s(pk(kind, key)))])
    }

    /// The raw item (tombstones and expired records included), strongly consistent.
    async fn get_raw(&self, kind: Kind, key: &str) -> StoreResult<Option<Stored>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key(kind, key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?;
        out.item().map(Stored::parse).transpose()
    }

    /// Turns the record into a tombstone if `condition` holds.
    async fn tombstone(
        &self,
        kind: Kind,
        key: &str,
        condition: &str,
        mut values: HashMap<String, AttributeValue>,
        now: i64,
    ) -> StoreResult<Tombstoned> {
        const UPDATE: &str = "SET #ttl = :gone, #wid = :wid REMOVE #v, #gpk, #gsk";
        let write_id = new_write_id();
        values.insert(":gone".to_owned(), n(now));
        values.insert(":wid".to_owned(), s(write_id.as_str()));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(self.key(kind, key)))
            .update_expression(UPDATE)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names(&[UPDATE, condition])))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let old = match result {
            Ok(out) => Stored::parse(&out.attributes.unwrap_or_default())?,
            Err(e) if is_conditional_failure(&e) => {
                let old = e.as_service_error().and_then(|e| match e {
                    UpdateItemError::ConditionalCheckFailedException(e) => e.item(),
                    _ => None,
                });
                return match old.map(Stored::parse).transpose()? {
                    Some(old) if old.write_id.as_deref() == Some(&write_id) => {
                        Ok(Tombstoned::Repeated)
                    }
                    _ => Ok(Tombstoned::ConditionFailed),
                };
            }
            Err(e) => return Err(self.error("UpdateItem", e)),
        };
        if old.write_id.as_deref() == Some(&write_id) {
            return Ok(Tombstoned::Repeated);
        }
        Ok(Tombstoned::Done(old.live(now).is_some()))
    }

    /// Adds the record in `item` to `out` if it is live.
    fn keep(
        &self,
        out: &mut Vec<(String, Record)>,
        op: &str,
        kind: Kind,
        item: &HashMap<String, AttributeValue>,
        now: i64,
    ) -> StoreResult<()> {
        let stored = Stored::parse(item)?;
        if stored.kind != kind {
            return Err(StoreError::Corrupt(format!(
                "DynamoDB {op} on table {} returned a {} item for kind {kind}",
                self.table, stored.kind
            )));
        }
        out.extend(stored.live(now));
        Ok(())
    }
}

/// Maps an SDK error to [`StoreError::Unavailable`], naming DynamoDB, the
/// operation and the table. Messages never contain item values.
fn table_error<E, R>(op: &'static str, table: &str, e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &e {
        SdkError::TimeoutError(_) => StoreError::Unavailable(format!(
            "DynamoDB {op} on table {table} timed out (limit {:?} with retries)",
            crate::aws::OPERATION_TIMEOUT
        )),
        SdkError::DispatchFailure(_) => StoreError::Unavailable(format!(
            "DynamoDB {op} on table {table}: cannot reach DynamoDB: {}",
            DisplayErrorContext(&e)
        )),
        SdkError::ServiceError(service)
            if service.err().code() == Some("ResourceNotFoundException") =>
        {
            StoreError::Unavailable(format!(
                "DynamoDB {op}: table {table} (or its index {GSI_NAME}) does not exist; create it \
                 with `mcp-gateway store init` or the CDK stack"
            ))
        }
        _ => StoreError::Unavailable(format!(
            "DynamoDB {op} on table {table} failed: {}",
            DisplayErrorContext(&e)
        )),
    }
}

/// What a tombstone update did.
enum Tombstoned {
    /// Done; whether the record was live before.
    Done(bool),
    /// An earlier attempt of the same request had done it.
    Repeated,
    /// The condition did not hold; nothing changed.
    ConditionFailed,
}

fn is_conditional_failure<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().and_then(ProvideErrorMetadata::code)
        == Some("ConditionalCheckFailedException")
}

#[async_trait]
impl Store for DynamoStore {
    fn backend(&self) -> &'static str {
        "dynamodb"
    }

    async fn get(&self, kind: Kind, key: &str) -> StoreResult<Option<Record>> {
        let now = now_unix();
        Ok(self
            .get_raw(kind, key)
            .await?
            .and_then(|stored| stored.live(now))
            .map(|(_, record)| record))
    }

    async fn put(&self, put: Put<'_>) -> StoreResult<u64> {
        let now = now_unix();
        // Versions above `floor` only: the expected one, or one seen in the table.
        let mut floor = match put.expect {
            Expect::Version(expected) => expected,
            Expect::Any | Expect::Absent => 0,
        };
        let condition = match put.expect {
            Expect::Any => "attribute_not_exists(#ver) OR #ver < :new",
            Expect::Absent => {
                "(attribute_not_exists(#v) OR #ttl <= :now) \
                 AND (attribute_not_exists(#ver) OR #ver < :new)"
            }
            Expect::Version(_) => {
                "#ver = :expected AND attribute_exists(#v) \
                 AND (attribute_not_exists(#ttl) OR #ttl > :now)"
            }
        };
        let write_id = new_write_id();
        for _ in 0..MAX_VERSION_ATTEMPTS {
            let Some(above) = floor.checked_add(1) else {
                // No write can have produced this version.
                return Err(StoreError::Conflict);
            };
            let version = self.clock.next().max(above);
            let values = match put.expect {
                Expect::Any => HashMap::from([(":new".to_owned(), n(version))]),
                Expect::Absent => {
                    HashMap::from([(":new".to_owned(), n(version)), (":now".to_owned(), n(now))])
                }
                Expect::Version(expected) => HashMap::from([
                    (":expected".to_owned(), n(expected)),
                    (":now".to_owned(), n(now)),
                ]),
            };
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(to_item(&put, version, &write_id)))
                .condition_expression(condition)
                .set_expression_attribute_names(Some(names(&[condition])))
                .set_expression_attribute_values(Some(values))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            let failed = match result {
                Ok(_) => return Ok(version),
                Err(e) if is_conditional_failure(&e) => e,
                Err(e) => return Err(self.error("PutItem", e)),
            };
            let returned = failed.as_service_error().and_then(|e| match e {
                PutItemError::ConditionalCheckFailedException(e) => e.item(),
                _ => None,
            });
            let old = match returned {
                Some(item) => Some(Stored::parse(item)?),
                None if matches!(put.expect, Expect::Version(_)) => None,
                None => self.get_raw(put.kind, put.key).await?,
            };
            if let Some(old) = &old
                && old.write_id.as_deref() == Some(&write_id)
            {
                // An earlier attempt of this request went through and its
                // answer was lost; the SDK's retry then failed the condition.
                return Ok(old.version);
            }
            if let Expect::Version(_) = put.expect {
                return Err(StoreError::Conflict);
            }
            // The caller's condition, or only the version guard?
            let Some(old) = old else {
                // Deleted in the meantime: try again.
                continue;
            };
            let live = old
                .record
                .as_ref()
                .is_some_and(|r| r.expires_at.is_none_or(|at| at > now));
            if put.expect == Expect::Absent && live {
                return Err(StoreError::Conflict);
            }
            floor = floor.max(old.version);
        }
        Err(StoreError::Unavailable(format!(
            "DynamoDB PutItem on table {}: the version of a {} record kept moving; gave up after \
             {MAX_VERSION_ATTEMPTS} attempts",
            self.table, put.kind
        )))
    }

    async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool> {
        let now = now_unix();
        match expect {
            Expect::Any => {
                let done = self
                    .tombstone(kind, key, "attribute_exists(#pk)", HashMap::new(), now)
                    .await?;
                Ok(match done {
                    Tombstoned::Done(was_live) => was_live,
                    Tombstoned::ConditionFailed => false,
                    // The first attempt's answer, which said whether the
                    // record was live, was lost; something was there.
                    Tombstoned::Repeated => true,
                })
            }
            Expect::Absent => match self.get(kind, key).await? {
                Some(_) => Err(StoreError::Conflict),
                None => Ok(false),
            },
            Expect::Version(expected) => {
                let values = HashMap::from([
                    (":expected".to_owned(), n(expected)),
                    (":now".to_owned(), n(now)),
                ]);
                let condition = format!("#ver = :expected AND {LIVE}");
                match self.tombstone(kind, key, &condition, values, now).await? {
                    Tombstoned::Done(_) | Tombstoned::Repeated => Ok(true),
                    Tombstoned::ConditionFailed => Err(StoreError::Conflict),
                }
            }
        }
    }

    async fn list_group(&self, kind: Kind, group: &str) -> StoreResult<Vec<(String, Record)>> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI_NAME)
            .key_condition_expression("#gpk = :gpk")
            .filter_expression(LIVE)
            .set_expression_attribute_names(Some(names(&["#gpk", LIVE])))
            .expression_attribute_values(":gpk", s(format!("{}#{group}", kind.as_str())))
            .expression_attribute_values(":now", n(now_unix()))
            .into_paginator()
            .items()
            .send();
        let now = now_unix();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| self.error("Query", e))?;
            self.keep(&mut out, "Query", kind, &item, now)?;
        }
        Ok(out)
    }

    async fn list_kind(&self, kind: Kind) -> StoreResult<Vec<(String, Record)>> {
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(true)
            .filter_expression(format!("#kind = :kind AND {LIVE}"))
            .set_expression_attribute_names(Some(names(&["#kind", LIVE])))
            .expression_attribute_values(":kind", s(kind.as_str()))
            .expression_attribute_values(":now", n(now_unix()))
            .into_paginator()
            .items()
            .send();
        let now = now_unix();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| self.error("Scan", e))?;
            self.keep(&mut out, "Scan", kind, &item, now)?;
        }
        Ok(out)
    }

    async fn purge_expired(&self) -> StoreResult<u64> {
        const EXPIRED: &str = "attribute_exists(#v) AND #ttl <= :now";
        let now = now_unix();
        let mut expired = Vec::new();
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(EXPIRED)
            .projection_expression("#pk")
            .set_expression_attribute_names(Some(names(&["#pk", EXPIRED])))
            .expression_attribute_values(":now", n(now))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let mut item = item.map_err(|e| self.error("Scan", e))?;
            if let Some(pk) = item.remove(PK) {
                expired.push(pk);
            }
        }
        // Each delete re-checks that the record is still expired, so a
        // record written again since the scan stays.
        let deleted = futures::stream::iter(expired)
            .map(|pk| async move {
                let result = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .key(PK, pk)
                    .condition_expression(EXPIRED)
                    .set_expression_attribute_names(Some(names(&[EXPIRED])))
                    .expression_attribute_values(":now", n(now))
                    .send()
                    .await;
                match result {
                    Ok(_) => Ok(1),
                    Err(e) if is_conditional_failure(&e) => Ok(0),
                    Err(e) => Err(self.error("DeleteItem", e)),
                }
            })
            .buffer_unordered(PURGE_CONCURRENCY)
            .collect::<Vec<StoreResult<u64>>>()
            .await;
        deleted.into_iter().sum()
    }

    /// Checks the table's schema once (so a gateway starts without waiting
    /// on DynamoDB, and readiness still reports a wrong table), then reads.
    async fn ping(&self) -> StoreResult<()> {
        if !self
            .schema_checked
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            self.check_table().await?;
            self.schema_checked
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        self.client
            .get_item()
            .table_name(&self.table)
            .key(PK, s("__ping"))
            .projection_expression("#pk")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map(drop)
            .map_err(|e| self.error("GetItem", e))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn store_at(endpoint: &str) -> DynamoStore {
        let sdk = crate::aws::local_emulator(endpoint).await;
        DynamoStore::new(Client::new(&sdk), "gateway")
    }

    fn assert_fast_unavailable(result: StoreResult<()>, started: std::time::Instant) {
        let elapsed = started.elapsed();
        match result {
            Err(StoreError::Unavailable(msg)) => {
                assert!(msg.contains("DynamoDB"), "{msg}");
                assert!(msg.contains("gateway"), "names the table: {msg}");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
        assert!(
            elapsed < crate::aws::OPERATION_TIMEOUT + Duration::from_secs(2),
            "took {elapsed:?}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_fails_fast_as_unavailable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let store = store_at(&format!("http://127.0.0.1:{port}")).await;
        let started = std::time::Instant::now();
        assert_fast_unavailable(store.ping().await, started);
        let started = std::time::Instant::now();
        assert_fast_unavailable(store.get(Kind::User, "u").await.map(drop), started);
    }

    #[tokio::test]
    async fn a_silent_endpoint_times_out_as_unavailable() {
        // Accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let holder = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let store = store_at(&endpoint).await;
        let started = std::time::Instant::now();
        let result = store.put(Put {
            kind: Kind::Lease,
            key: "l",
            value: b"v",
            group: None,
            expires_at: None,
            expect: Expect::Absent,
        });
        assert_fast_unavailable(result.await.map(drop), started);
        holder.abort();
    }
}
