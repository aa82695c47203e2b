//! The whole gateway on DynamoDB and KMS (moto): what a production task
//! runs, as far as a laptop can.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use mcp_gateway::config;
use mcp_gateway::repo::CredentialRecord;
use mcp_gateway::store::dynamodb::DynamoStore;
use mcp_gateway::store::{Expect, Kind, now_unix};
use mcp_gateway::vault::{Purpose, SealContext};
use serde_json::{Value, json};

use crate::aws_moto::{moto_url, new_kms_key, sdk, unique};
use crate::helpers::{CLIENT_SECRET, Mcp, SESSION_SECRET, TEST_USER, TestApp, client, tool_names};

const GOOGLE_REFRESH: &str = "1//google-refresh-token-canary-0f9e8d7c";
const GOOGLE_ACCESS: &str = "ya29.google-access-token-canary-6b5a4f3e";

/// Every byte string stored in `table`: names and values of all attributes.
async fn table_contents(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<Vec<u8>> {
    fn flatten(value: &AttributeValue, out: &mut Vec<Vec<u8>>) {
        match value {
            AttributeValue::S(s) | AttributeValue::N(s) => out.push(s.as_bytes().to_vec()),
            AttributeValue::B(b) => out.push(b.as_ref().to_vec()),
            AttributeValue::Ss(list) | AttributeValue::Ns(list) => {
                out.extend(list.iter().map(|s| s.as_bytes().to_vec()));
            }
            AttributeValue::Bs(list) => out.extend(list.iter().map(|b| b.as_ref().to_vec())),
            AttributeValue::L(list) => list.iter().for_each(|v| flatten(v, out)),
            AttributeValue::M(map) => map.values().for_each(|v| flatten(v, out)),
            _ => {}
        }
    }
    let mut pages = client
        .scan()
        .table_name(table)
        .consistent_read(true)
        .into_paginator()
        .items()
        .send();
    let mut out = Vec::new();
    while let Some(item) = pages.next().await {
        for (name, value) in item.expect("scan") {
            out.push(name.into_bytes());
            flatten(&value, &mut out);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread")]
#[expect(
    clippy::disallowed_methods,
    reason = "checks that scripts/lib/moto.sh exported the SDK's variable"
)]
async fn the_gateway_on_dynamodb_and_kms_stores_no_plaintext_secret_and_shares_sessions() {
    let Some(url) = moto_url("the_gateway_on_dynamodb_and_kms") else {
        return;
    };
    // The application reads the SDK's standard variables, as on ECS.
    assert_eq!(
        std::env::var("AWS_ENDPOINT_URL").ok().as_deref(),
        Some(url.as_str()),
        "AWS_ENDPOINT_URL must point at moto too (scripts/lib/moto.sh exports both)"
    );
    let sdk = sdk(&url).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = unique("gateway-app");
    DynamoStore::create_table(&dynamodb, &table).await.unwrap();
    let kms = aws_sdk_kms::Client::new(&sdk);
    let key_arn = new_kms_key(&kms).await;
    let alias = format!("alias/{}", unique("gateway"));
    kms.create_alias()
        .alias_name(&alias)
        .target_key_id(&key_arn)
        .send()
        .await
        .unwrap();
    let env = [
        (config::DYNAMODB_TABLE_NAME, table.as_str()),
        (config::KMS_KEY_ID, alias.as_str()),
    ];

    let a = TestApp::spawn_with(&env).await;
    assert_eq!(a.store.backend(), "dynamodb");
    assert_eq!(a.state.vault.provider_name(), "kms");
    // The alias is resolved by the first readiness probe, not on the start path.
    let ready = reqwest::get(a.url("/ready")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(a.state.vault.current_key_id(), key_arn);

    // Google credentials as a sign-in leaves them: sealed, then stored.
    let seal = |secret: &'static str, purpose| {
        let vault = a.state.vault.clone();
        async move {
            let sealed = vault
                .seal(secret.as_bytes(), &SealContext::new(TEST_USER, purpose))
                .await
                .unwrap();
            base64::engine::general_purpose::STANDARD.encode(sealed)
        }
    };
    let credential = CredentialRecord {
        refresh_token: Some(seal(GOOGLE_REFRESH, Purpose::GoogleRefreshToken).await),
        access_token: Some(seal(GOOGLE_ACCESS, Purpose::GoogleAccessToken).await),
        access_expires_at: Some(now_unix() + 3600),
        updated_at: now_unix(),
    };
    a.state
        .oauth
        .repo
        .put(
            Kind::Credential,
            TEST_USER,
            &credential,
            None,
            None,
            Expect::Any,
        )
        .await
        .unwrap();

    // MCP over a legacy session, then readiness.
    let mut on_a = Mcp::new(&a);
    on_a.initialize().await;
    let list = on_a.request(2, "tools/list", json!({})).await.message();
    let tools = tool_names(&list);
    assert!(tools.iter().any(|t| t == "whoami"), "{tools:?}");
    let whoami = on_a
        .request(3, "tools/call", json!({"name": "whoami", "arguments": {}}))
        .await;
    assert_eq!(whoami.status, 200, "{}", whoami.body);
    let ready = client().get(a.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");

    // Nothing secret in plaintext anywhere in the table.
    let contents = table_contents(&dynamodb, &table).await;
    assert!(
        contents.iter().any(|c| contains(c, TEST_USER.as_bytes())),
        "the scan sees the gateway's records"
    );
    let secrets = [
        GOOGLE_REFRESH,
        GOOGLE_ACCESS,
        SESSION_SECRET,
        CLIENT_SECRET,
        a.token.as_str(),
    ];
    for secret in secrets {
        for stored in &contents {
            assert!(
                !contains(stored, secret.as_bytes()),
                "plaintext secret {secret:.12}... found in the table"
            );
        }
    }

    // A second task on the same table serves the first one's session.
    let b = TestApp::spawn_with(&env).await;
    let mut on_b = Mcp::new(&b);
    on_b.session = on_a.session.clone();
    on_b.protocol = on_a.protocol.clone();
    let reply = on_b.request(4, "tools/list", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(tool_names(&reply.message()), tools);
    // And opens what the first one sealed.
    let stored: CredentialRecord = b
        .state
        .oauth
        .repo
        .get(Kind::Credential, TEST_USER)
        .await
        .unwrap()
        .expect("credential")
        .value;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(stored.refresh_token.unwrap())
        .unwrap();
    let opened = b
        .state
        .vault
        .open(
            &sealed,
            &SealContext::new(TEST_USER, Purpose::GoogleRefreshToken),
        )
        .await
        .unwrap();
    assert_eq!(&opened[..], GOOGLE_REFRESH.as_bytes());
}
