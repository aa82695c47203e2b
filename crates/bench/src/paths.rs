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
    sign_in_as(public, http, None).await
}

/// [`sign_in`] with a `login_hint` (the fake Google signs that account in).
pub(crate) async fn sign_in_as(
    public: &str,
    http: &reqwest::Client,
    login_hint: Option<&str>,
) -> anyhow::Result<String> {
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
    if let Some(hint) = login_hint {
        url.query_pairs_mut().append_pair("login_hint", hint);
    }
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

/// How a tool call reaches the gateway.
#[derive(Clone, Copy)]
enum Path<'a> {
    /// 2026-07-28: no session, the revision in every request.
    Stateless,
    /// 2025-11-25 with `Mcp-Session-Id`.
    Session(&'a str),
}

const SESSION_REVISION: &str = "2025-11-25";

/// POSTs one message; `path` None is the initialize that opens a session.
async fn post_mcp(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    path: Option<Path<'_>>,
    body: Value,
) -> anyhow::Result<reqwest::Response> {
    let mut request = http
        .post(format!("http://127.0.0.1:{port}/mcp"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    request = match path {
        None => request,
        Some(Path::Stateless) => {
            let name = body["params"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            request
                .header("mcp-protocol-version", "2026-07-28")
                .header("mcp-method", body["method"].as_str().unwrap_or_default())
                .header("mcp-name", name)
        }
        Some(Path::Session(id)) => request
            .header("mcp-protocol-version", SESSION_REVISION)
            .header("mcp-session-id", id),
    };
    Ok(request.body(body.to_string()).send().await?)
}

/// Opens a 2025-11-25 session on the task at `port`.
async fn open_session(http: &reqwest::Client, port: u16, token: &str) -> anyhow::Result<String> {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": SESSION_REVISION, "capabilities": {},
        "clientInfo": {"name": "gateway-bench", "version": "1"}}});
    let r = post_mcp(http, port, token, None, init).await?;
    let id = r
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .with_context(|| format!("no session from initialize: {}", r.status()))?
        .to_owned();
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post_mcp(http, port, token, Some(Path::Session(&id)), note).await?;
    Ok(id)
}

async fn call_tool(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    path: Path<'_>,
    tool: &str,
    id: u64,
) -> anyhow::Result<()> {
    let mut params = json!({"name": tool, "arguments": {}});
    if let Path::Stateless = path {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "gateway-bench", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {}
        });
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
    let r = post_mcp(http, port, token, Some(path), body).await?;
    let status = r.status();
    let text = r.text().await?;
    if status != 200 || !text.contains("\"result\"") || text.contains("\"isError\":true") {
        bail!("tool call failed: {status} {text}");
    }
    Ok(())
}

/// Store requests and KMS calls of a task so far.
fn counts(task: &Task) -> (u64, u64) {
    (
        task.store.requests.load(Ordering::Relaxed),
        task.vault.stats().provider_calls(),
    )
}

/// Counts the requests of one first call and then of `calls` more.
async fn cold_and_warm(
    task: &Task,
    http: &reqwest::Client,
    token: &str,
    path: Path<'_>,
    tool: &str,
    calls: u64,
) -> anyhow::Result<((u64, u64), (u64, u64))> {
    let before = counts(task);
    call_tool(http, task.port, token, path, tool, 1).await?;
    let after = counts(task);
    let cold = (after.0 - before.0, after.1 - before.1);
    for i in 0..calls {
        call_tool(http, task.port, token, path, tool, 2 + i).await?;
    }
    let end = counts(task);
    Ok((cold, (end.0 - after.0, end.1 - after.1)))
}

#[expect(
    clippy::disallowed_methods,
    reason = "scripts/bench.sh names its moto; the client calls the gateway under test"
)]
pub async fn run(calls: u64, bin: Option<std::path::PathBuf>) -> anyhow::Result<()> {
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
            // One person makes every call: the per-person limits would
            // refuse most of them (their own tests are in tests/it).
            ("RATE_LIMIT_BURST", "1000000".into()),
            ("RATE_LIMIT_REQUEST_BURST", "10000000".into()),
        ]))
        .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let _task_a = start_task(&config_for(port_a)?).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?;
    let token = sign_in(&public, &http).await?;

    if let Some(bin) = bin {
        process_start_to_ready(&bin, &endpoint, &table, &key, &http).await?;
    }

    // Each measurement on a new task (empty caches), as the first request a
    // task replacing another would see.
    println!("store requests and KMS calls per tool call, DynamoDB + KMS backends at {endpoint}:");
    println!(
        "  (cold: a new task's first call for the user; warm: the {calls} calls after it; target warm: 0 and 0)"
    );
    for (label, tool, session) in [
        ("stateless (2026-07-28)", "gmail_list_labels", false),
        ("session (2025-11-25)  ", "gmail_list_labels", true),
        ("stateless (2026-07-28)", "whoami", false),
        ("session (2025-11-25)  ", "whoami", true),
    ] {
        let started = std::time::Instant::now();
        let task = start_task(&config_for(0)?).await?;
        let ready = wait_until_ready(&http, task.port).await?;
        let ready_ms = (ready - started).as_secs_f64() * 1000.0;
        // The session is opened on task A, as when a client's task is replaced.
        let session = match session {
            true => Some(open_session(&http, port_a, &token).await?),
            false => None,
        };
        let path = session.as_deref().map_or(Path::Stateless, Path::Session);
        let (cold, warm) = cold_and_warm(&task, &http, &token, path, tool, calls).await?;
        println!(
            "  {label} {tool:<18} cold {} store + {} KMS, warm {} store + {} KMS   (new task ready in {ready_ms:.1} ms)",
            cold.0, cold.1, warm.0, warm.1
        );
    }
    Ok(())
}

/// Waits for `/ready` = 200; returns when it answered.
async fn wait_until_ready(http: &reqwest::Client, port: u16) -> anyhow::Result<std::time::Instant> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ok = http
            .get(format!("http://127.0.0.1:{port}/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ok {
            return Ok(std::time::Instant::now());
        }
        if std::time::Instant::now() > deadline {
            bail!("task on {port} not ready within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// A real gateway process on DynamoDB and KMS: start to `/ready` = 200.
async fn process_start_to_ready(
    bin: &std::path::PathBuf,
    endpoint: &str,
    table: &str,
    key: &str,
    http: &reqwest::Client,
) -> anyhow::Result<()> {
    let mut times = Vec::new();
    for _ in 0..10 {
        let dir = crate::tempdir::Dir::new();
        let port = crate::free_port();
        let env = [
            ("DYNAMODB_TABLE_NAME", table),
            ("KMS_KEY_ID", key),
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ];
        let child = crate::spawn_gateway_with(bin, &dir.0, port, &env)?;
        let took = crate::wait_ready(http, port, Duration::from_secs(10)).await;
        crate::stop(child);
        times.push(took?);
    }
    times.sort();
    println!(
        "start to /ready = 200, DynamoDB + KMS backends (10 runs): median {:.1} ms (min {:.1}, max {:.1})   (target: under 50 ms)",
        crate::ms(times[times.len() / 2]),
        crate::ms(times[0]),
        crate::ms(times[times.len() - 1])
    );
    Ok(())
}
