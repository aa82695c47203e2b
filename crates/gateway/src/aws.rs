//! Shared AWS SDK configuration for the DynamoDB store and the KMS key
//! provider.
//!
//! Credentials, region and endpoint come from the SDK's default chain:
//! environment variables (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...,
//! `AWS_ENDPOINT_URL` for local emulators), then the ECS task role. Every
//! call is bounded: [`CONNECT_TIMEOUT`] to connect, [`ATTEMPT_TIMEOUT`] per
//! attempt, [`MAX_ATTEMPTS`] attempts and [`OPERATION_TIMEOUT`] in all, so an
//! unreachable service fails a request (and readiness) within seconds.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use tokio::sync::OnceCell;

/// Longest wait for a TCP/TLS connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest wait for one attempt of a call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest wait for a call, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per call (the first one and two retries).
pub const MAX_ATTEMPTS: u32 = 3;

/// The timeouts every AWS call of the gateway runs with.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// Standard retries (exponential backoff with jitter) up to [`MAX_ATTEMPTS`].
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}

/// Loads the SDK configuration from the default chain, with the gateway's
/// timeouts and retries. `region` overrides the chain's region when given.
pub async fn load(region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeout_config())
        .retry_config(retry_config());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    loader.load().await
}

/// The process's SDK configuration, loaded on first use and then shared by
/// every AWS client (store and key provider). The first caller's `region`
/// wins; all callers pass the configured `AWS_REGION`.
pub async fn shared(region: Option<&str>) -> SdkConfig {
    static SHARED: OnceCell<SdkConfig> = OnceCell::const_new();
    SHARED.get_or_init(|| load(region)).await.clone()
}

/// A configuration for a local emulator at `endpoint` (moto, DynamoDB
/// Local): static test credentials, region `us-east-1`, the gateway's
/// timeouts and retries.
pub async fn local_emulator(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "local-emulator",
        ))
        .timeout_config(timeout_config())
        .retry_config(retry_config())
        .load()
        .await
}
