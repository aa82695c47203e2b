//! The DynamoDB store against moto: the backend-independent conformance
//! suite on a fresh table per test, then what is specific to DynamoDB
//! (table schema, item layout, tombstones, versions under clock skew).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, BillingMode, KeyType, ProjectionType};
use mcp_gateway::store::conformance::Fixture;
use mcp_gateway::store::dynamodb::{DynamoStore, GSI_NAME, TableSetup};
use mcp_gateway::store::sqlite::SqliteStore;
use mcp_gateway::store::{Expect, Kind, Put, Store, StoreError, now_unix};

use crate::aws_moto::{fresh_table, moto_url, sdk, unique};

/// A fresh table in moto. Without moto (and without `REQUIRE_MOTO=1`) the
/// case runs on an in-memory SQLite store instead, after saying so.
async fn fresh() -> Fixture {
    match moto_url("dynamodb conformance (running on in-memory SQLite instead)") {
        Some(url) => Fixture::new(fresh_table(&url).await.1, ()),
        None => Fixture::new(SqliteStore::open_in_memory().expect("sqlite"), ()),
    }
}

mod conformance {
    mcp_gateway::store_conformance_tests!(super::fresh);
}

fn put<'a>(kind: Kind, key: &'a str, value: &'a [u8], expect: Expect) -> Put<'a> {
    Put {
        kind,
        key,
        value,
        group: None,
        expires_at: None,
        expect,
    }
}

async fn raw_item(
    client: &aws_sdk_dynamodb::Client,
    store: &DynamoStore,
    pk: &str,
) -> Option<HashMap<String, AttributeValue>> {
    client
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S(pk.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
}

#[tokio::test]
async fn create_table_builds_the_stacks_schema_and_is_idempotent() {
    let Some(url) = moto_url("create_table_builds_the_stacks_schema_and_is_idempotent") else {
        return;
    };
    let client = aws_sdk_dynamodb::Client::new(&sdk(&url).await);
    let name = unique("gateway-init");
    let first = DynamoStore::create_table(&client, &name).await.unwrap();
    assert_eq!(first, TableSetup::Created);
    let again = DynamoStore::create_table(&client, &name).await.unwrap();
    assert_eq!(again, TableSetup::Existed);

    let described = client.describe_table().table_name(&name).send().await;
    let table = described.unwrap().table.unwrap();
    let keys: Vec<_> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
        .collect();
    assert_eq!(keys, [("pk".to_owned(), KeyType::Hash)]);
    let billing = table.billing_mode_summary().and_then(|b| b.billing_mode());
    assert_eq!(billing, Some(&BillingMode::PayPerRequest));
    let index = table
        .global_secondary_indexes()
        .iter()
        .find(|i| i.index_name() == Some(GSI_NAME))
        .expect("gsi1");
    let index_keys: Vec<_> = index
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
        .collect();
    assert_eq!(
        index_keys,
        [
            ("gpk".to_owned(), KeyType::Hash),
            ("gsk".to_owned(), KeyType::Range)
        ]
    );
    let projection = index.projection().and_then(|p| p.projection_type());
    assert_eq!(projection, Some(&ProjectionType::All));
    let mut types: Vec<_> = table
        .attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name(), a.attribute_type().as_str()))
        .collect();
    types.sort();
    assert_eq!(types, [("gpk", "S"), ("gsk", "S"), ("pk", "S")]);
    let ttl = client
        .describe_time_to_live()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
}

#[tokio::test]
async fn open_refuses_a_missing_table_or_another_schema() {
    let Some(url) = moto_url("open_refuses_a_missing_table_or_another_schema") else {
        return;
    };
    let client = aws_sdk_dynamodb::Client::new(&sdk(&url).await);
    match DynamoStore::open(client.clone(), unique("missing")).await {
        Err(StoreError::Unavailable(msg)) => assert!(msg.contains("store init"), "{msg}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    // A table keyed differently (partition and sort key) is not ours.
    let other = unique("other-schema");
    let attr = |name: &str| {
        aws_sdk_dynamodb::types::AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, key_type| {
        aws_sdk_dynamodb::types::KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(&other)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    match DynamoStore::open(client, &other).await {
        Err(StoreError::Corrupt(msg)) => assert!(msg.contains("schema"), "{msg}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[tokio::test]
async fn items_have_the_documented_layout() {
    let Some(url) = moto_url("items_have_the_documented_layout") else {
        return;
    };
    let (client, store) = fresh_table(&url).await;
    let expires = now_unix() + 600;
    let version = store
        .put(Put {
            group: Some("user-1"),
            expires_at: Some(expires),
            ..put(Kind::Grant, "fam#1", b"\x00sealed", Expect::Absent)
        })
        .await
        .unwrap();
    let item = raw_item(&client, &store, "grant#fam#1").await.unwrap();
    let text = |name: &str| item[name].as_s().unwrap().clone();
    assert_eq!(text("pk"), "grant#fam#1");
    assert_eq!(text("kind"), "grant");
    assert_eq!(text("gpk"), "grant#user-1");
    assert_eq!(text("gsk"), "grant#fam#1");
    assert_eq!(item["v"].as_b().unwrap(), &Blob::new(b"\x00sealed"));
    assert_eq!(item["ver"].as_n().unwrap(), &version.to_string());
    assert_eq!(item["ttl"].as_n().unwrap(), &expires.to_string());
    assert!(!item["wid"].as_s().unwrap().is_empty(), "write id");
    assert_eq!(item.len(), 8);

    store
        .put(put(Kind::User, "u", b"plain", Expect::Any))
        .await
        .unwrap();
    let item = raw_item(&client, &store, "user#u").await.unwrap();
    let mut names: Vec<_> = item.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        ["kind", "pk", "v", "ver", "wid"],
        "sparse: no ttl, no index keys"
    );
}

#[tokio::test]
async fn deletes_leave_a_tombstone_that_keeps_the_version() {
    let Some(url) = moto_url("deletes_leave_a_tombstone_that_keeps_the_version") else {
        return;
    };
    let (client, store) = fresh_table(&url).await;
    let v1 = store
        .put(Put {
            group: Some("g"),
            ..put(Kind::Lease, "l", b"held", Expect::Absent)
        })
        .await
        .unwrap();
    assert!(
        store
            .delete(Kind::Lease, "l", Expect::Version(v1))
            .await
            .unwrap()
    );
    let tombstone = raw_item(&client, &store, "lease#l").await.expect("kept");
    assert!(!tombstone.contains_key("v"), "the value is gone");
    assert!(!tombstone.contains_key("gpk") && !tombstone.contains_key("gsk"));
    assert_eq!(tombstone["ver"].as_n().unwrap(), &v1.to_string());
    let ttl: i64 = tombstone["ttl"].as_n().unwrap().parse().unwrap();
    assert!(ttl <= now_unix(), "due for DynamoDB's TTL");

    assert_eq!(store.get(Kind::Lease, "l").await.unwrap(), None);
    assert!(store.list_kind(Kind::Lease).await.unwrap().is_empty());
    assert!(store.list_group(Kind::Lease, "g").await.unwrap().is_empty());
    assert_eq!(
        store.purge_expired().await.unwrap(),
        0,
        "tombstones are not records"
    );
    assert!(!store.delete(Kind::Lease, "l", Expect::Any).await.unwrap());
    assert!(
        !store
            .delete(Kind::Lease, "l", Expect::Absent)
            .await
            .unwrap()
    );
    let v2 = store
        .put(put(Kind::Lease, "l", b"again", Expect::Absent))
        .await
        .unwrap();
    assert!(v2 > v1);
    // Deleting what was never there leaves nothing behind.
    assert!(
        !store
            .delete(Kind::Lease, "never", Expect::Any)
            .await
            .unwrap()
    );
    assert!(raw_item(&client, &store, "lease#never").await.is_none());
}

/// Another task whose clock runs ahead wrote a version from the future:
/// writes from here still move the version forward.
#[tokio::test]
async fn versions_move_forward_past_a_version_from_a_clock_ahead() {
    let Some(url) = moto_url("versions_move_forward_past_a_version_from_a_clock_ahead") else {
        return;
    };
    let (client, store) = fresh_table(&url).await;
    let ahead: u64 = 10 * 1_000_000 * 3600 + now_unix() as u64 * 1_000_000;
    for (pk, value) in [("lease#live", Some(b"x")), ("lease#gone", None)] {
        let mut item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S(pk.into())),
            ("kind".to_owned(), AttributeValue::S("lease".into())),
            ("ver".to_owned(), AttributeValue::N(ahead.to_string())),
        ]);
        match value {
            Some(v) => item.insert("v".into(), AttributeValue::B(Blob::new(v.as_slice()))),
            // A tombstone left by a delete on that task.
            None => item.insert("ttl".into(), AttributeValue::N(now_unix().to_string())),
        };
        client
            .put_item()
            .table_name(store.table())
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }
    let v = store
        .put(put(Kind::Lease, "live", b"y", Expect::Any))
        .await
        .unwrap();
    assert!(v > ahead, "{v} not above {ahead}");
    let w = store
        .put(put(Kind::Lease, "live", b"z", Expect::Version(v)))
        .await
        .unwrap();
    assert!(w > v);
    let recreated = store
        .put(put(Kind::Lease, "gone", b"new", Expect::Absent))
        .await
        .unwrap();
    assert!(recreated > ahead, "{recreated} not above {ahead}");
    assert!(matches!(
        store
            .put(put(Kind::Lease, "live", b"x", Expect::Absent))
            .await,
        Err(StoreError::Conflict)
    ));
}

/// Two stores on one table behave like two gateway tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_table_race_correctly() {
    let Some(url) = moto_url("two_stores_on_one_table_race_correctly") else {
        return;
    };
    let (_, a) = fresh_table(&url).await;
    let other = aws_sdk_dynamodb::Client::new(&sdk(&url).await);
    let b = DynamoStore::open(other, a.table()).await.unwrap();
    let stores: [Arc<dyn Store>; 2] = [Arc::new(a), Arc::new(b)];
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&stores[i % 2]);
            tokio::spawn(async move {
                let value = format!("writer {i}");
                store
                    .put(put(
                        Kind::Lease,
                        "contended",
                        value.as_bytes(),
                        Expect::Absent,
                    ))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for handle in handles {
        match handle.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("writer failed: {e}"),
        }
    }
    assert_eq!(wins, 1);
    let seen = stores[1].get(Kind::Lease, "contended").await.unwrap();
    assert_eq!(seen, stores[0].get(Kind::Lease, "contended").await.unwrap());
}

#[test]
fn store_init_creates_the_table_once() {
    let Some(url) = moto_url("store_init_creates_the_table_once") else {
        return;
    };
    let table = unique("gateway-cli");
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
            .args(["store", "init"])
            .env_clear()
            .current_dir(dir.path())
            .envs([
                ("DYNAMODB_TABLE_NAME", table.as_str()),
                ("AWS_ENDPOINT_URL", url.as_str()),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        text
    };
    assert!(run().contains(&format!("created DynamoDB table {table}")));
    assert!(run().contains("already exists"));
}

#[test]
fn store_init_without_dynamodb_creates_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args(["store", "init"])
        .env_clear()
        .current_dir(dir.path())
        .env("DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(data.join("gateway.db").is_file());
}

/// Forwards connections to `upstream`; the answers on the first connection
/// arrive only after `delay`, when the client has given up on them.
async fn slow_first_answer_proxy(upstream: String, delay: std::time::Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((client, _)) = listener.accept().await {
            let upstream = tokio::net::TcpStream::connect(&upstream).await.unwrap();
            let slow = std::mem::take(&mut first);
            tokio::spawn(async move {
                let (mut client_read, mut client_write) = client.into_split();
                let (mut up_read, mut up_write) = upstream.into_split();
                let requests = tokio::io::copy(&mut client_read, &mut up_write);
                let answers = async {
                    if slow {
                        let mut first = [0u8; 1];
                        use tokio::io::{AsyncReadExt, AsyncWriteExt};
                        if up_read.read_exact(&mut first).await.is_ok() {
                            tokio::time::sleep(delay).await;
                            let _ = client_write.write_all(&first).await;
                        }
                    }
                    tokio::io::copy(&mut up_read, &mut client_write).await
                };
                let _ = tokio::join!(requests, answers);
            });
        }
    });
    url
}

/// A write whose answer is lost is sent again by the SDK; the second
/// attempt finds the first one's item and reports success, not a conflict.
#[tokio::test]
async fn a_write_sent_twice_after_a_lost_answer_succeeds_once() {
    let Some(url) = moto_url("a_write_sent_twice_after_a_lost_answer_succeeds_once") else {
        return;
    };
    let (_, direct) = fresh_table(&url).await;
    let proxy = slow_first_answer_proxy(
        url.clone(),
        mcp_gateway::aws::ATTEMPT_TIMEOUT + std::time::Duration::from_millis(500),
    )
    .await;
    let through_proxy = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&sdk(&proxy).await),
        direct.table(),
    );
    let version = through_proxy
        .put(put(Kind::Lease, "once", b"mine", Expect::Absent))
        .await
        .expect("the retried create reports success");
    let record = direct.get(Kind::Lease, "once").await.unwrap().unwrap();
    assert_eq!(
        (record.value.as_slice(), record.version),
        (&b"mine"[..], version)
    );
}
