use std::{sync::Arc, time::Duration};

use mcp_gateway::{
    app::{Application, open_store, open_vault},
    config::{self, Config, RawConfig},
    state::{AppState, Shutdown},
    store::Store,
};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub const SESSION_SECRET: &str = "test-session-secret-0123456789-abcdefghijklmnop";
pub const CLIENT_SECRET: &str = "GOCSPX-test-client-secret";

/// The variables every test gateway gets, plus `extra`.
pub fn raw_config(data_dir: &std::path::Path, extra: &[(&str, &str)]) -> RawConfig {
    let mut raw = RawConfig::from_pairs([
        (
            config::GOOGLE_CLIENT_ID,
            "test-client.apps.googleusercontent.com",
        ),
        (config::GOOGLE_CLIENT_SECRET, CLIENT_SECRET),
        (config::ALLOWED_DOMAIN, "example.com"),
        (config::SESSION_SECRET, SESSION_SECRET),
        (config::PORT, "0"),
        (config::LOG_LEVEL, "warn"),
    ]);
    raw.set(config::DATA_DIR, data_dir.display().to_string());
    for (k, v) in extra {
        raw.set(k, *v);
    }
    raw
}

/// The user [`TestApp::spawn`] signs in directly for transport tests.
pub const TEST_USER: &str = "100000000000000000001";
pub const TEST_EMAIL: &str = "ann@example.com";

pub struct TestApp {
    pub base: String,
    /// An access token for [`TEST_USER`].
    pub token: String,
    pub port: u16,
    /// Where `/metrics` is served (with `METRICS_PORT`).
    pub metrics: Option<std::net::SocketAddr>,
    pub shutdown: Shutdown,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub data_dir: std::path::PathBuf,
    pub handle: Option<JoinHandle<anyhow::Result<()>>>,
    _tmp: Option<tempfile::TempDir>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = Self::spawn_in(tmp.path(), extra).await;
        app._tmp = Some(tmp);
        app
    }

    /// A gateway on `data_dir`, which other gateways may share (as separate
    /// processes sharing one SQLite file would).
    #[expect(
        clippy::disallowed_methods,
        reason = "TEST_LOG turns on the test's own logs"
    )]
    pub async fn spawn_in(data_dir: &std::path::Path, extra: &[(&str, &str)]) -> TestApp {
        if std::env::var_os("TEST_LOG").is_some() {
            mcp_gateway::telemetry::init(config::LogFormat::Pretty, "debug");
        }
        let config = Config::from_raw(&raw_config(data_dir, extra)).expect("valid test config");
        let store = open_store(&config).await.unwrap();
        Self::spawn_with_store(data_dir, extra, store).await
    }

    /// A gateway using `store` (for example a store that fails on demand).
    pub async fn spawn_with_store(
        data_dir: &std::path::Path,
        extra: &[(&str, &str)],
        store: Arc<dyn Store>,
    ) -> TestApp {
        let config = Config::from_raw(&raw_config(data_dir, extra)).expect("valid test config");
        let vault = open_vault(&config).await.unwrap();
        let app = Application::build_with(config, store.clone(), vault)
            .await
            .unwrap();
        let state = app.state().clone();
        let token = sign_in_directly(&state, TEST_USER, TEST_EMAIL, "mcp").await;
        let port = app.port();
        let metrics = app.metrics_addr();
        let shutdown = app.shutdown();
        let handle = tokio::spawn(app.run_until_stopped());
        // As a load balancer would, wait until the task has loaded the
        // revocations (the one thing `/ready` waits for at start).
        for _ in 0..500 {
            if state.oauth.revocations.is_loaded() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        TestApp {
            token,
            base: format!("http://127.0.0.1:{port}"),
            port,
            metrics,
            shutdown,
            store,
            state,
            data_dir: data_dir.to_owned(),
            handle: Some(handle),
            _tmp: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Triggers shutdown and waits for the application to return.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        self.shutdown.trigger();
        let handle = self.handle.take().expect("running");
        tokio::time::timeout(Duration::from_secs(30), handle)
            .await
            .expect("stops within 30 s")
            .expect("task not panicked")
    }
}

/// Leaves the records a completed sign-in would leave (user and grant) and
/// returns an access token, for tests about what happens after sign-in.
pub async fn sign_in_directly(state: &AppState, sub: &str, email: &str, scope: &str) -> String {
    use mcp_gateway::{
        repo::{GrantRecord, UserRecord},
        store::{Expect, Kind, now_unix},
    };
    let repo = &state.oauth.repo;
    let now = now_unix();
    let user = UserRecord {
        sub: sub.to_owned(),
        email: email.to_owned(),
        domain: email.split('@').nth(1).unwrap_or("example.com").to_owned(),
        name: None,
        created_at: now,
        signed_in_at: now,
        last_activity_at: now,
        google_scopes: vec!["openid".into()],
        needs_reauth: false,
    };
    repo.put(Kind::User, sub, &user, None, None, Expect::Any)
        .await
        .unwrap();
    let family = format!("fam-{sub}-{}", mcp_gateway::google::pkce::random_token(6));
    let grant = GrantRecord {
        family_id: family.clone(),
        user_id: sub.to_owned(),
        email: email.to_owned(),
        client_id: "test-client".into(),
        client_name: Some("integration tests".into()),
        scope: scope.to_owned(),
        resource: state.oauth.urls.resource.clone(),
        created_at: now,
        last_used_at: now,
        sign_in_expires_at: None,
    };
    repo.put(Kind::Grant, &family, &grant, Some(sub), None, Expect::Any)
        .await
        .unwrap();
    state
        .oauth
        .access_tokens
        .issue(sub, email, "test-client", scope, &family)
        .0
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test's MCP client, not the gateway's Google client"
)]
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .no_proxy()
        .build()
        .unwrap()
}

/// A minimal Streamable HTTP client for precise protocol tests.
pub struct Mcp {
    pub url: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
    pub session: Option<String>,
    pub protocol: Option<String>,
}

pub struct Reply {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The JSON-RPC message in a JSON or SSE body (the last `data:` event).
    pub fn message(&self) -> Value {
        if let Ok(v) = serde_json::from_str::<Value>(&self.body) {
            return v;
        }
        let data = self
            .body
            .lines()
            .rev()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .find(|d| !d.is_empty())
            .unwrap_or_else(|| panic!("no JSON-RPC message in {:?}", self.body));
        serde_json::from_str(data).unwrap()
    }
}

pub const LEGACY: &str = "2025-06-18";
pub const STATELESS: &str = "2026-07-28";

impl Mcp {
    pub fn new(app: &TestApp) -> Mcp {
        Mcp {
            url: app.url("/mcp"),
            token: Some(app.token.clone()),
            http: client(),
            session: None,
            protocol: None,
        }
    }

    pub async fn post(&self, body: Value) -> Reply {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(p) = &self.protocol {
            req = req.header("mcp-protocol-version", p);
            // 2026-07-28 routes on standard headers mirroring the body.
            if p.as_str() >= STATELESS {
                if let Some(m) = body["method"].as_str() {
                    req = req.header("mcp-method", m);
                }
                let params = &body["params"];
                if let Some(n) = params["name"].as_str().or(params["uri"].as_str()) {
                    req = req.header("mcp-name", n);
                }
            }
        }
        let r = req.send().await.unwrap();
        Reply {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    /// Runs the legacy handshake and remembers the session id.
    /// A GET for the standalone SSE stream of the current session.
    pub fn get_stream(&self) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .get(&self.url)
            .header("accept", "text/event-stream");
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        if let Some(p) = &self.protocol {
            req = req.header("mcp-protocol-version", p);
        }
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        req
    }

    pub async fn initialize(&mut self) -> Value {
        let reply = self
            .post(json!({
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "it", "version": "1"}}
            }))
            .await;
        assert_eq!(reply.status, 200, "initialize failed: {}", reply.body);
        self.session = Some(reply.headers["mcp-session-id"].to_str().unwrap().to_owned());
        self.protocol = Some(LEGACY.to_owned());
        let ack = self
            .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        assert_eq!(ack.status, 202, "initialized notification: {}", ack.body);
        reply.message()
    }

    pub async fn request(&self, id: u64, method: &str, params: Value) -> Reply {
        self.post(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await
    }

    pub async fn delete(&self) -> reqwest::StatusCode {
        let mut req = self.http.delete(&self.url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        if let Some(p) = &self.protocol {
            req = req.header("mcp-protocol-version", p);
        }
        req.send().await.unwrap().status()
    }
}

/// `_meta` a 2026-07-28 request carries instead of a handshake.
pub fn stateless_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS,
        "io.modelcontextprotocol/clientInfo": {"name": "it", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}

pub fn tool_names(list_result: &Value) -> Vec<String> {
    list_result["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("not a tools/list result: {list_result}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A store that can be switched to fail, as an unreachable backend would.
pub struct FlakyStore {
    pub inner: Arc<dyn Store>,
    pub down: std::sync::atomic::AtomicBool,
    /// Record reads (`get`) so far, but for rate-limit records.
    pub gets: std::sync::atomic::AtomicUsize,
    /// Reads of rate-limit records (the limiter's background sync).
    pub limit_gets: std::sync::atomic::AtomicUsize,
}

impl FlakyStore {
    pub fn new(inner: Arc<dyn Store>) -> Arc<FlakyStore> {
        Arc::new(FlakyStore {
            inner,
            down: Default::default(),
            gets: Default::default(),
            limit_gets: Default::default(),
        })
    }

    pub fn reads(&self) -> usize {
        self.gets.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn limit_reads(&self) -> usize {
        self.limit_gets.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    fn check(&self) -> mcp_gateway::store::StoreResult<()> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            Err(mcp_gateway::store::StoreError::Unavailable(
                "connection refused".into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl Store for FlakyStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn get(
        &self,
        kind: mcp_gateway::store::Kind,
        key: &str,
    ) -> mcp_gateway::store::StoreResult<Option<mcp_gateway::store::Record>> {
        let counter = if kind == mcp_gateway::store::Kind::RateLimit {
            &self.limit_gets
        } else {
            &self.gets
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.check()?;
        self.inner.get(kind, key).await
    }
    async fn put(&self, put: mcp_gateway::store::Put<'_>) -> mcp_gateway::store::StoreResult<u64> {
        self.check()?;
        self.inner.put(put).await
    }
    async fn delete(
        &self,
        kind: mcp_gateway::store::Kind,
        key: &str,
        expect: mcp_gateway::store::Expect,
    ) -> mcp_gateway::store::StoreResult<bool> {
        self.check()?;
        self.inner.delete(kind, key, expect).await
    }
    async fn list_group(
        &self,
        kind: mcp_gateway::store::Kind,
        group: &str,
    ) -> mcp_gateway::store::StoreResult<Vec<(String, mcp_gateway::store::Record)>> {
        self.check()?;
        self.inner.list_group(kind, group).await
    }
    async fn list_kind(
        &self,
        kind: mcp_gateway::store::Kind,
    ) -> mcp_gateway::store::StoreResult<Vec<(String, mcp_gateway::store::Record)>> {
        self.check()?;
        self.inner.list_kind(kind).await
    }
    async fn purge_expired(&self) -> mcp_gateway::store::StoreResult<u64> {
        self.check()?;
        self.inner.purge_expired().await
    }
    async fn ping(&self) -> mcp_gateway::store::StoreResult<()> {
        self.check()?;
        self.inner.ping().await
    }
}

/// The default (core) tool set: the gateway's own tools and the core
/// Workspace tools, and no extended ones.
pub fn assert_default_tools(names: &[String]) {
    let expected = mcp_gateway::catalog::Selection::default().offered();
    let mut got: Vec<&str> = names.iter().map(String::as_str).collect();
    got.sort_unstable();
    let mut want = expected.clone();
    want.sort_unstable();
    assert_eq!(got, want, "tools/list is not the default core set");
    assert!(got.contains(&"whoami") && got.contains(&"server_info"));
}
