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
//!
//! Every compare-and-set is one conditional write. Versions are taken from
//! a hybrid clock (microseconds since the epoch, strictly increasing within
//! the process, and above the version expected by the caller), and each
//! write also carries the guard `ver < :new`, so a version never moves
//! backwards even when another task's clock is ahead. A delete turns the
//! item into a *tombstone* (no value, `ttl` = now) that keeps its version
//! until DynamoDB's TTL removes it, so a key created again gets a greater
//! version.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ReturnValue, ReturnValuesOnConditionCheckFailure,
    ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use futures::StreamExt;

use super::{Expect, Kind, Put, Record, Store, StoreError, StoreResult, now_unix};

/// The table name when `DYNAMODB_TABLE_NAME` is not given explicitly.
pub const DEFAULT_TABLE_NAME: &str = "mcp-gateway-sessions";
/// The secondary index of grouped records.
pub const GSI_NAME: &str = "gsi1";
/// The table's TTL attribute.
pub const TTL_ATTRIBUTE: &str = "ttl";

const PK: &str = "pk";
const KIND: &str = "kind";
const VALUE: &str = "v";
const VERSION: &str = "ver";
const GPK: &str = "gpk";
const GSK: &str = "gsk";

/// Attempts of a write whose version guard keeps failing because another
/// writer keeps moving the version ahead.
const MAX_VERSION_ATTEMPTS: usize = 8;
/// Concurrent deletes of one `purge_expired` run.
const PURGE_CONCURRENCY: usize = 8;
/// How long `create_table` waits for a new table to become active.
const CREATE_TIMEOUT: Duration = Duration::from_secs(120);

/// The store on one DynamoDB table. Cloning is cheap and shares the client.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    clock: std::sync::Arc<VersionClock>,
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

/// What [`DynamoStore::create_table`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSetup {
    /// The table was created (and TTL enabled).
    Created,
    /// The table existed already; TTL was enabled if it was not.
    Existed,
}

/// Versions: microseconds since the epoch, strictly increasing within the
/// process even when the wall clock stalls or steps back.
#[derive(Debug, Default)]
struct VersionClock {
    last: AtomicU64,
}

impl VersionClock {
    fn next(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2));
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }
}

fn pk(kind: Kind, key: &str) -> String {
    format!("{}#{key}", kind.as_str())
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Every attribute an expression may name.
const ATTRIBUTES: [&str; 7] = [PK, KIND, VALUE, VERSION, TTL_ATTRIBUTE, GPK, GSK];

/// Expression attribute names (`#pk` for `pk`, ...; `ttl` is a reserved
/// word) for exactly the attributes `expressions` use: DynamoDB refuses
/// unused names.
fn names(expressions: &[&str]) -> HashMap<String, String> {
    let used = |name: &str| {
        let token = format!("#{name}");
        expressions.iter().any(|e| {
            e.match_indices(&token).any(|(at, _)| {
                e[at + token.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
            })
        })
    };
    ATTRIBUTES
        .into_iter()
        .filter(|name| used(name))
        .map(|name| (format!("#{name}"), name.to_owned()))
        .collect()
}

/// A live record has a value and no expiry or one after `now`.
const LIVE: &str = "attribute_exists(#v) AND (attribute_not_exists(#ttl) OR #ttl > :now)";

/// A raw item as read from the table, before the expiry check.
struct Stored {
    kind: Kind,
    key: String,
    /// `None` on a tombstone.
    record: Option<Record>,
    version: u64,
}

impl Stored {
    fn parse(item: &HashMap<String, AttributeValue>) -> StoreResult<Stored> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("DynamoDB item: {what}"));
        let pk = match item.get(PK) {
            Some(AttributeValue::S(pk)) => pk,
            _ => return Err(corrupt("missing or non-string pk")),
        };
        let (kind, key) = pk
            .split_once('#')
            .and_then(|(kind, key)| Some((Kind::parse(kind)?, key)))
            .ok_or_else(|| corrupt("pk does not start with a known kind"))?;
        let version = match item.get(VERSION) {
            Some(AttributeValue::N(v)) => v
                .parse::<u64>()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| corrupt(&format!("{pk}: invalid version {v:?}")))?,
            _ => return Err(corrupt(&format!("{pk}: missing version"))),
        };
        let expires_at = match item.get(TTL_ATTRIBUTE) {
            None => None,
            Some(AttributeValue::N(t)) => Some(
                t.parse::<i64>()
                    .map_err(|_| corrupt(&format!("{pk}: invalid ttl {t:?}")))?,
            ),
            Some(_) => return Err(corrupt(&format!("{pk}: non-numeric ttl"))),
        };
        let record = match item.get(VALUE) {
            None => None,
            Some(AttributeValue::B(value)) => {
                let group = match item.get(GPK) {
                    None => None,
                    Some(AttributeValue::S(gpk)) => Some(
                        gpk.strip_prefix(kind.as_str())
                            .and_then(|rest| rest.strip_prefix('#'))
                            .ok_or_else(|| corrupt(&format!("{pk}: gpk of another kind")))?
                            .to_owned(),
                    ),
                    Some(_) => return Err(corrupt(&format!("{pk}: non-string gpk"))),
                };
                Some(Record {
                    value: value.as_ref().to_vec(),
                    version,
                    group,
                    expires_at,
                })
            }
            Some(_) => return Err(corrupt(&format!("{pk}: non-binary value"))),
        };
        Ok(Stored {
            kind,
            key: key.to_owned(),
            record,
            version,
        })
    }

    /// The record if it is live at `now`.
    fn live(self, now: i64) -> Option<(String, Record)> {
        let record = self.record?;
        match record.expires_at {
            Some(at) if at <= now => None,
            _ => Some((self.key, record)),
        }
    }
}

impl DynamoStore {
    /// A store on `table` without checking it (see [`open`](Self::open)).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            clock: Default::default(),
        }
    }

    /// A store on `table`, after checking that the table exists with the
    /// expected key schema and index.
    pub async fn open(client: Client, table: impl Into<String>) -> StoreResult<Self> {
        let store = Self::new(client, table);
        store.check_table().await?;
        Ok(store)
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    async fn check_table(&self) -> StoreResult<()> {
        let out = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| self.error("DescribeTable", e))?;
        let table = out.table().ok_or_else(|| {
            StoreError::Unavailable(format!(
                "DynamoDB DescribeTable on table {} returned no table",
                self.table
            ))
        })?;
        let keys: Vec<(&str, &KeyType)> = table
            .key_schema()
            .iter()
            .map(|k| (k.attribute_name(), k.key_type()))
            .collect();
        let has_index = table
            .global_secondary_indexes()
            .iter()
            .any(|i| i.index_name() == Some(GSI_NAME));
        if keys != [(PK, &KeyType::Hash)] || !has_index {
            return Err(StoreError::Corrupt(format!(
                "DynamoDB table {} does not have the gateway's schema (partition key `pk` \
                 without sort key, index `{GSI_NAME}` on `gpk`/`gsk`); create the table with \
                 `mcp-gateway store init` or the CDK stack",
                self.table
            )));
        }
        Ok(())
    }

    /// Creates `name` with the gateway's schema (the CDK stack's): partition
    /// key `pk` (S), on-demand billing, index `gsi1` on `gpk` (S) / `gsk`
    /// (S) projecting all attributes, and TTL on `ttl`. An existing table is
    /// success; TTL is enabled on it if it is not yet.
    pub async fn create_table(client: &Client, name: &str) -> StoreResult<TableSetup> {
        let attr = |attr: &str| {
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("complete attribute definition")
        };
        let key = |attr: &str, key_type| {
            KeySchemaElement::builder()
                .attribute_name(attr)
                .key_type(key_type)
                .build()
                .expect("complete key schema element")
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(GSI_NAME)
            .key_schema(key(GPK, KeyType::Hash))
            .key_schema(key(GSK, KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .expect("complete index");
        let created = client
            .create_table()
            .table_name(name)
            .attribute_definitions(attr(PK))
            .attribute_definitions(attr(GPK))
            .attribute_definitions(attr(GSK))
            .key_schema(key(PK, KeyType::Hash))
            .global_secondary_indexes(index)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        let setup = match created {
            Ok(_) => TableSetup::Created,
            Err(e) if e.code() == Some("ResourceInUseException") => TableSetup::Existed,
            Err(e) => return Err(table_error("CreateTable", name, e)),
        };
        let deadline = tokio::time::Instant::now() + CREATE_TIMEOUT;
        loop {
            let out = client
                .describe_table()
                .table_name(name)
                .send()
                .await
                .map_err(|e| table_error("DescribeTable", name, e))?;
            let status = out.table().and_then(|t| t.table_status());
            if status == Some(&TableStatus::Active) {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(StoreError::Unavailable(format!(
                    "DynamoDB table {name} is not active after {CREATE_TIMEOUT:?} (status {status:?})"
                )));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let ttl = client
            .describe_time_to_live()
            .table_name(name)
            .send()
            .await
            .map_err(|e| table_error("DescribeTimeToLive", name, e))?;
        let current = ttl.time_to_live_description();
        let status = current.and_then(|d| d.time_to_live_status());
        let attribute = current.and_then(|d| d.attribute_name());
        match status {
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
                if attribute == Some(TTL_ATTRIBUTE) => {}
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling) => {
                return Err(StoreError::Corrupt(format!(
                    "DynamoDB table {name} has TTL on {attribute:?}, not on `{TTL_ATTRIBUTE}`"
                )));
            }
            _ => {
                client
                    .update_time_to_live()
                    .table_name(name)
                    .time_to_live_specification(
                        TimeToLiveSpecification::builder()
                            .enabled(true)
                            .attribute_name(TTL_ATTRIBUTE)
                            .build()
                            .expect("complete TTL specification"),
                    )
                    .send()
                    .await
                    .map_err(|e| table_error("UpdateTimeToLive", name, e))?;
            }
        }
        Ok(setup)
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

    fn item(&self, put: &Put<'_>, version: u64) -> HashMap<String, AttributeValue> {
        let pk = pk(put.kind, put.key);
        let mut item = HashMap::from([
            (KIND.to_owned(), s(put.kind.as_str())),
            (VALUE.to_owned(), AttributeValue::B(Blob::new(put.value))),
            (VERSION.to_owned(), n(version)),
        ]);
        if let Some(at) = put.expires_at {
            item.insert(TTL_ATTRIBUTE.to_owned(), n(at));
        }
        if let Some(group) = put.group {
            item.insert(GPK.to_owned(), s(format!("{}#{group}", put.kind.as_str())));
            item.insert(GSK.to_owned(), s(pk.clone()));
        }
        item.insert(PK.to_owned(), s(pk));
        item
    }

    /// Turns the record into a tombstone if `condition` holds; returns the
    /// old item (`None` when the condition failed).
    async fn tombstone(
        &self,
        kind: Kind,
        key: &str,
        condition: &str,
        mut values: HashMap<String, AttributeValue>,
        now: i64,
    ) -> StoreResult<Option<HashMap<String, AttributeValue>>> {
        values.insert(":gone".to_owned(), n(now));
        const UPDATE: &str = "SET #ttl = :gone REMOVE #v, #gpk, #gsk";
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
            .send()
            .await;
        match result {
            Ok(out) => Ok(Some(out.attributes.unwrap_or_default())),
            Err(e) if is_conditional_failure(&e) => Ok(None),
            Err(e) => Err(self.error("UpdateItem", e)),
        }
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
                .set_item(Some(self.item(&put, version)))
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
            if let Expect::Version(_) = put.expect {
                return Err(StoreError::Conflict);
            }
            // The caller's condition, or only the version guard?
            let old = match failed.as_service_error().and_then(|e| match e {
                PutItemError::ConditionalCheckFailedException(e) => e.item(),
                _ => None,
            }) {
                Some(item) => Some(Stored::parse(item)?),
                None => self.get_raw(put.kind, put.key).await?,
            };
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
                let old = self
                    .tombstone(kind, key, "attribute_exists(#pk)", HashMap::new(), now)
                    .await?;
                let Some(old) = old else {
                    return Ok(false);
                };
                Ok(Stored::parse(&old)?.live(now).is_some())
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
                    Some(_) => Ok(true),
                    None => Err(StoreError::Conflict),
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

    async fn ping(&self) -> StoreResult<()> {
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
    use super::*;

    fn item(pairs: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn items_round_trip() {
        let store = DynamoStore::new(
            Client::from_conf(
                aws_sdk_dynamodb::Config::builder()
                    .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
                    .build(),
            ),
            "t",
        );
        let put = Put {
            kind: Kind::Grant,
            key: "a#b",
            value: b"\0bytes",
            group: Some("user#1"),
            expires_at: Some(1_900_000_000),
            expect: Expect::Any,
        };
        let raw = store.item(&put, 42);
        assert_eq!(raw[PK], s("grant#a#b"));
        assert_eq!(raw[GPK], s("grant#user#1"));
        assert_eq!(raw[GSK], s("grant#a#b"));
        assert_eq!(raw[TTL_ATTRIBUTE], n(1_900_000_000));
        let stored = Stored::parse(&raw).unwrap();
        assert_eq!((stored.kind, stored.key.as_str()), (Kind::Grant, "a#b"));
        let (key, record) = stored.live(1_800_000_000).unwrap();
        assert_eq!(key, "a#b");
        assert_eq!(
            record,
            Record {
                value: b"\0bytes".to_vec(),
                version: 42,
                group: Some("user#1".into()),
                expires_at: Some(1_900_000_000),
            }
        );
        assert!(Stored::parse(&raw).unwrap().live(1_900_000_000).is_none());

        let plain = store.item(
            &Put {
                group: None,
                expires_at: None,
                ..put
            },
            7,
        );
        assert!(!plain.contains_key(GPK) && !plain.contains_key(GSK));
        assert!(!plain.contains_key(TTL_ATTRIBUTE));
    }

    #[test]
    fn tombstones_and_bad_items() {
        let tombstone = item(&[(PK, s("lease#l")), (VERSION, n(9)), (TTL_ATTRIBUTE, n(100))]);
        let stored = Stored::parse(&tombstone).unwrap();
        assert_eq!(stored.version, 9);
        assert!(stored.live(0).is_none(), "a tombstone is never live");
        for bad in [
            item(&[(PK, s("nokind")), (VERSION, n(1))]),
            item(&[(PK, s("unknown#k")), (VERSION, n(1))]),
            item(&[(PK, s("lease#k")), (VERSION, n(0))]),
            item(&[(PK, s("lease#k")), (VERSION, s("1"))]),
            item(&[(PK, s("lease#k"))]),
            item(&[(PK, s("lease#k")), (VERSION, n(1)), (VALUE, s("text"))]),
            item(&[
                (PK, s("lease#k")),
                (VERSION, n(1)),
                (VALUE, AttributeValue::B(Blob::new(b"x"))),
                (GPK, s("grant#g")),
            ]),
        ] {
            assert!(
                matches!(Stored::parse(&bad), Err(StoreError::Corrupt(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_version_clock_is_strictly_increasing_and_near_wall_time() {
        let clock = VersionClock::default();
        let first = clock.next();
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64;
        assert!(first <= wall && wall - first < 10_000_000);
        let mut last = first;
        for _ in 0..10_000 {
            let next = clock.next();
            assert!(next > last);
            last = next;
        }
    }

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
