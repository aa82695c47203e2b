//! Store and KMS requests on the cold and warm paths of a tool call that
//! reaches Google, with the production backends (DynamoDB and KMS, served by
//! a local emulator such as moto at `AWS_ENDPOINT_URL`).
//!
//! Two gateway tasks share one table and one key. A user signs in through
//! task A; task B (a new task: empty caches) then serves `gmail_list_labels`.
//! Its first call is the cold path, the following calls the warm path; the
//! store and KMS requests of each are counted by wrappers.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, bail};
use base64::Engine;
use fake_google::{FakeGoogle, FakeUser, OAuthClient};
use mcp_gateway::{
    app::{Application, open_store, open_vault},
    config::{Config, RawConfig},
    store::{Expect, Kind, Put, Record, Store, StoreResult},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Counts every store request.
struct CountingStore {
    inner: Arc<dyn Store>,
    requests: AtomicU64,
}

impl CountingStore {
    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
}

#[async_trait::async_trait]
impl Store for CountingStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn get(&self, kind: Kind, key: &str) -> StoreResult<Option<Record>> {
        self.count();
        self.inner.get(kind, key).await
    }
    async fn put(&self, put: Put<'_>) -> StoreResult<u64> {
        self.count();
        self.inner.put(put).await
    }
    async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool> {
        self.count();
        self.inner.delete(kind, key, expect).await
    }
    async fn list_group(&self, kind: Kind, group: &str) -> StoreResult<Vec<(String, Record)>> {
        self.count();
        self.inner.list_group(kind, group).await
    }
    async fn list_kind(&self, kind: Kind) -> StoreResult<Vec<(String, Record)>> {
        self.count();
        self.inner.list_kind(kind).await
    }
    async fn purge_expired(&self) -> StoreResult<u64> {
        self.count();
        self.inner.purge_expired().await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.count();
        self.inner.ping().await
    }
}

struct Task {
    store: Arc<CountingStore>,
    vault: Arc<mcp_gateway::vault::Vault>,
    port: u16,
}

async fn start_task(config: &Config) -> anyhow::Result<Task> {
    let store = Arc::new(CountingStore {
        inner: open_store(config).await?,
        requests: AtomicU64::new(0),
    });
    let vault = open_vault(config).await?;
    let app = Application::build_with(config.clone(), store.clone(), vault.clone()).await?;
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    Ok(Task { store, vault, port })
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// The gateway's OAuth flow as an MCP client runs it; returns an access token.
pub(crate) async fn sign_in(public: &str, http: &reqwest::Client) -> anyhow::Result<String> {
    let redirect = "http://127.0.0.1:9/callback";
    let reg: Value = http
        .post(format!("{public}/oauth/register"))
        .json(&json!({"redirect_uris": [redirect], "client_name": "gateway-bench"}))
        .send()
        .await?
        .json()
        .await?;
    let client_id = reg["client_id"]
        .as_str()
        .context("registration")?
        .to_owned();
    let verifier = "bench-verifier-0123456789-0123456789-0123456789-abc";
    let mut url = url::Url::parse(&format!("{public}/oauth/authorize"))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("code_challenge", &s256(verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "bench")
        .append_pair("resource", &format!("{public}/mcp"));
    let mut next = url.to_string();
    let code = loop {
        if next.starts_with(redirect) {
            break query(&next).get("code").cloned().context("no code")?;
        }
        let r = http.get(&next).send().await?;
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .with_context(|| format!("no redirect from {next}: {}", r.status()))?
            .to_owned();
        next = location;
    };
    let token: Value = http
        .post(format!("{public}/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("client_id", client_id.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(token["access_token"].as_str().context("token")?.to_owned())
}

async fn call_tool(http: &reqwest::Client, port: u16, token: &str, id: u64) -> anyhow::Result<()> {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "gateway-bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "gmail_list_labels", "arguments": {}, "_meta": meta}});
    let r = http
        .post(format!("http://127.0.0.1:{port}/mcp"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "gmail_list_labels")
        .body(body.to_string())
        .send()
        .await?;
    let status = r.status();
    let text = r.text().await?;
    if status != 200 || !text.contains("\"result\"") || text.contains("\"isError\":true") {
        bail!("tool call failed: {status} {text}");
    }
    Ok(())
}

pub async fn run(calls: u64) -> anyhow::Result<()> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .context("AWS_ENDPOINT_URL must point at a local DynamoDB/KMS emulator (scripts/bench.sh starts moto)")?;
    let sdk = mcp_gateway::aws::local_emulator(&endpoint).await;
    let table = format!(
        "bench-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis()
    );
    mcp_gateway::store::dynamodb::DynamoStore::create_table(
        &aws_sdk_dynamodb::Client::new(&sdk),
        &table,
    )
    .await?;
    let key = aws_sdk_kms::Client::new(&sdk)
        .create_key()
        .description("gateway-bench")
        .send()
        .await?
        .key_metadata
        .context("no key metadata")?
        .key_id;

    // One public origin for both tasks, as behind a load balancer.
    let port_a = crate::free_port();
    let public = format!("http://127.0.0.1:{port_a}");
    let google = FakeGoogle::builder()
        .user(FakeUser::workspace("ann@example.com", "example.com"))
        .client(
            OAuthClient::new("bench.apps.googleusercontent.com", "bench-secret")
                .redirect_uri(format!("{public}/oauth/callback")),
        )
        .start()
        .await?;
    google.set_auto_approve(Some("ann@example.com"));
    let config_for = |port: u16| {
        let dir = std::env::temp_dir().join(format!("gateway-bench-paths-{port}"));
        Config::from_raw(&RawConfig::from_pairs([
            ("PORT", port.to_string()),
            ("PUBLIC_URL", public.clone()),
            (
                "GOOGLE_CLIENT_ID",
                "bench.apps.googleusercontent.com".into(),
            ),
            ("GOOGLE_CLIENT_SECRET", "bench-secret".into()),
            ("GOOGLE_BASE_URL", google.base_url().to_owned()),
            ("ALLOWED_DOMAIN", "example.com".into()),
            ("SESSION_SECRET", crate::SESSION_SECRET.into()),
            ("DYNAMODB_TABLE_NAME", table.clone()),
            ("KMS_KEY_ID", key.clone()),
            ("AWS_REGION", "us-east-1".into()),
            ("TOOLS", "all".into()),
            ("LOG_LEVEL", "warn".into()),
            ("DATA_DIR", dir.display().to_string()),
        ]))
        .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let task_a = start_task(&config_for(port_a)?).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?;
    let token = sign_in(&public, &http).await?;
    let _ = task_a.port;

    // Task B: a new task with empty caches.
    let task_b = start_task(&config_for(0)?).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = (
        task_b.store.requests.load(Ordering::Relaxed),
        task_b.vault.stats().provider_calls(),
    );
    call_tool(&http, task_b.port, &token, 1).await?;
    let cold = (
        task_b.store.requests.load(Ordering::Relaxed) - before.0,
        task_b.vault.stats().provider_calls() - before.1,
    );
    let before = (
        task_b.store.requests.load(Ordering::Relaxed),
        task_b.vault.stats().provider_calls(),
    );
    for i in 0..calls {
        call_tool(&http, task_b.port, &token, 2 + i).await?;
    }
    let warm = (
        task_b.store.requests.load(Ordering::Relaxed) - before.0,
        task_b.vault.stats().provider_calls() - before.1,
    );
    println!(
        "tool call reaching Google (gmail_list_labels), DynamoDB + KMS backends at {endpoint}:"
    );
    println!(
        "  cold path (new task, first call for the user): {} store requests, {} KMS calls   (target: at most 2 store reads and 1 KMS call)",
        cold.0, cold.1
    );
    println!(
        "  warm path ({calls} further calls):                {} store requests, {} KMS calls   (target: 0 and 0)",
        warm.0, warm.1
    );
    Ok(())
}
