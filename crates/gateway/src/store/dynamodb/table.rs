//! Creating and checking the gateway's table (`mcp-gateway store init`).

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};

use super::item::{GPK, GSK, PK};
use super::{DynamoStore, GSI_NAME, TTL_ATTRIBUTE, table_error};
use crate::store::{StoreError, StoreResult};

/// How long `create_table` waits for a new table to become active.
const CREATE_TIMEOUT: Duration = Duration::from_secs(120);

/// What [`DynamoStore::create_table`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSetup {
    /// The table was created (and TTL enabled).
    Created,
    /// The table existed already; TTL was enabled if it was not.
    Existed,
}

impl DynamoStore {
    pub(super) async fn check_table(&self) -> StoreResult<()> {
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
}
