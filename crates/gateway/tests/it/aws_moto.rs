//! moto, the local AWS emulator behind the DynamoDB and KMS tests.
//!
//! `scripts/test.sh` starts it (`scripts/lib/moto.sh`) and exports
//! `MOTO_URL` with the standard AWS variables pointing at it. Without
//! `MOTO_URL` these tests are skipped, unless `REQUIRE_MOTO=1` (CI), where
//! they fail.

use aws_config::SdkConfig;
use mcp_gateway::store::dynamodb::DynamoStore;

/// The moto endpoint, or `None` after printing that `test` is skipped.
#[expect(
    clippy::disallowed_methods,
    clippy::print_stderr,
    reason = "scripts/test.sh names moto; a skip says why on stderr"
)]
pub fn moto_url(test: &str) -> Option<String> {
    match std::env::var("MOTO_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("REQUIRE_MOTO").as_deref() != Ok("1"),
                "{test}: REQUIRE_MOTO=1 but MOTO_URL is not set; run scripts/test.sh, which \
                 starts moto (scripts/lib/moto.sh)"
            );
            eprintln!("{test}: skipped: MOTO_URL not set; run scripts/test.sh");
            None
        }
    }
}

/// SDK configuration for moto at `url`.
pub async fn sdk(url: &str) -> SdkConfig {
    mcp_gateway::aws::local_emulator(url).await
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A new, empty table with the gateway's schema, and a store on it.
pub async fn fresh_table(url: &str) -> (aws_sdk_dynamodb::Client, DynamoStore) {
    let client = aws_sdk_dynamodb::Client::new(&sdk(url).await);
    let table = unique("gateway-test");
    DynamoStore::create_table(&client, &table)
        .await
        .expect("create table");
    let store = DynamoStore::open(client.clone(), &table)
        .await
        .expect("open store");
    (client, store)
}

/// A new symmetric KMS key; returns its ARN.
pub async fn new_kms_key(client: &aws_sdk_kms::Client) -> String {
    let out = client
        .create_key()
        .description("mcp-gateway test key")
        .send()
        .await
        .expect("create KMS key");
    out.key_metadata()
        .and_then(|m| m.arn())
        .expect("key ARN")
        .to_owned()
}
