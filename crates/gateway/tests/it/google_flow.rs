//! A gateway wired to an in-process fake Google, and an MCP client that runs
//! the whole authorization flow over real HTTP, one asserted hop at a time.

use std::{collections::HashMap, sync::Arc};

use base64::Engine;
use fake_google::{FakeGoogle, FakeGoogleHandle, FakeUser, OAuthClient};
use mcp_gateway::{
    config,
    repo::{CredentialRecord, GrantRecord, UserRecord},
    store::{Kind, Store},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{CLIENT_SECRET, Mcp, TestApp};

pub const GOOGLE_CLIENT_ID: &str = "test-client.apps.googleusercontent.com";
pub const ANN: &str = "ann@example.com";
pub const BOB: &str = "bob@other.example";
pub const CAROL: &str = "carol@gmail.com";
pub const DAVE: &str = "dave@example.com";
/// A second user of the allowed domain.
pub const ERIN: &str = "erin@example.com";

/// Puts a wrapper around the gateway's store.
pub type WrapStore = fn(Arc<dyn Store>) -> Arc<dyn Store>;

/// A gateway on a fixed loopback port whose Google is a fake.
pub struct Env {
    pub google: FakeGoogleHandle,
    pub app: TestApp,
    /// `PUBLIC_URL`: `http://127.0.0.1:<port>`.
    pub public: String,
    /// An HTTP client that never follows redirects.
    pub http: reqwest::Client,
    _tmp: tempfile::TempDir,
}

/// A free port below the ephemeral range, so that the many servers tests
/// bind to port 0 cannot take it before the gateway binds it.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let _ = NEXT.compare_exchange(
        0,
        20_000 + rand::random_range(0..8_000),
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let port = NEXT.fetch_add(1, Ordering::SeqCst);
        if port >= 32_000 {
            NEXT.store(20_000, Ordering::SeqCst);
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test's browser and MCP client, not the gateway's Google client"
)]
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .no_proxy()
        .build()
        .unwrap()
}

/// The S256 PKCE challenge (RFC 7636), computed here independently.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn random(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::fill(b.as_mut_slice());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Query parameters of a URL.
pub fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .query_pairs()
        .into_owned()
        .collect()
}

/// `url` with `params` appended to its query.
pub fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.query_pairs_mut().extend_pairs(params);
    u.to_string()
}

/// A registered MCP client and the PKCE/state of its current authorization.
#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    pub redirect_uri: String,
    pub verifier: String,
    pub state: String,
}

/// Where a followed flow ended.
#[derive(Debug)]
pub enum End {
    /// A redirect to the MCP client's redirect URI, with its query parameters.
    Client(HashMap<String, String>),
    /// A page that does not redirect.
    Page(StatusCode, String),
}

#[derive(Debug)]
pub struct Flow {
    /// Every URL requested, in order.
    pub hops: Vec<String>,
    pub end: End,
}

impl Flow {
    pub fn params(&self) -> &HashMap<String, String> {
        match &self.end {
            End::Client(p) => p,
            End::Page(s, b) => panic!("expected a client redirect, got page {s}: {b}"),
        }
    }

    pub fn page(&self) -> (StatusCode, &str) {
        match &self.end {
            End::Page(s, b) => (*s, b),
            End::Client(p) => panic!("expected a page, got a client redirect {p:?}"),
        }
    }

    /// The requests that reached Google's authorization endpoint.
    pub fn google_authorize_hops(&self) -> Vec<&String> {
        self.hops
            .iter()
            .filter(|h| h.contains(fake_google::AUTHORIZE_PATH))
            .collect()
    }

    /// Asserts a client redirect with `error` (and the client's `state`).
    pub fn assert_error(&self, client: &Client, error: &str) -> String {
        let p = self.params();
        assert_eq!(p.get("error").map(String::as_str), Some(error), "{p:?}");
        assert_eq!(p.get("state"), Some(&client.state), "{p:?}");
        assert!(!p.contains_key("code"), "{p:?}");
        p.get("error_description").cloned().unwrap_or_default()
    }
}

/// Tokens from `/oauth/token`.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub scope: String,
    pub client: Client,
}

impl Env {
    pub async fn start() -> Env {
        Self::start_with(&[]).await
    }

    pub async fn start_with(extra: &[(&str, &str)]) -> Env {
        Self::start_wrapped(extra, None).await
    }

    /// Like [`Env::start_with`], with the store wrapped by `wrap` (one that
    /// fails some writes, for example).
    pub async fn start_wrapped(extra: &[(&str, &str)], wrap: Option<WrapStore>) -> Env {
        let port = free_port();
        let public = format!("http://127.0.0.1:{port}");
        let google = FakeGoogle::builder()
            .user(FakeUser::workspace(ANN, "example.com").name("Ann Example"))
            .user(FakeUser::workspace(ERIN, "example.com"))
            .user(FakeUser::workspace(BOB, "other.example"))
            .user(FakeUser::consumer(CAROL))
            .user(FakeUser::workspace(DAVE, "example.com").email_verified(false))
            .client(
                OAuthClient::new(GOOGLE_CLIENT_ID, CLIENT_SECRET)
                    .redirect_uri(format!("{public}/oauth/callback")),
            )
            .start()
            .await
            .unwrap();
        let port_s = port.to_string();
        let mut vars: Vec<(&str, &str)> = vec![
            (config::PORT, &port_s),
            (config::PUBLIC_URL, &public),
            (config::GOOGLE_BASE_URL, google.base_url()),
        ];
        vars.extend_from_slice(extra);
        let tmp = tempfile::tempdir().unwrap();
        let app = match wrap {
            None => TestApp::spawn_in(tmp.path(), &vars).await,
            Some(wrap) => {
                let raw = crate::helpers::raw_config(tmp.path(), &vars);
                let config = config::Config::from_raw(&raw).expect("valid test config");
                let store = wrap(mcp_gateway::app::open_store(&config).await.unwrap());
                TestApp::spawn_with_store(tmp.path(), &vars, store).await
            }
        };
        Env {
            google,
            app,
            public,
            http: no_redirects(),
            _tmp: tmp,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public)
    }

    pub fn fake(&self) -> FakeGoogle {
        self.google.fake()
    }

    pub fn sub(&self, email: &str) -> String {
        self.google.user(email).expect("known fake user").sub
    }

    /// `POST /oauth/register` with `body`.
    pub async fn register_raw(&self, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("/oauth/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Registers a public client with one loopback redirect URI.
    pub async fn register(&self) -> Client {
        let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
        let (status, body) = self
            .register_raw(json!({
                "client_name": "flow tests",
                "redirect_uris": [redirect_uri],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
            }))
            .await;
        assert_eq!(status, 201, "registration: {body}");
        Client::new(body["client_id"].as_str().unwrap(), &redirect_uri)
    }

    /// `/oauth/authorize` for `client` with the usual parameters; `extra`
    /// replaces or adds some (an empty value removes one).
    pub fn authorize_url(&self, client: &Client, extra: &[(&str, &str)]) -> String {
        let challenge = s256(&client.verifier);
        let resource = self.url("/mcp");
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &client.client_id),
            ("redirect_uri", &client.redirect_uri),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", &client.state),
            ("resource", &resource),
            ("scope", "mcp"),
        ];
        for (k, v) in extra {
            params.retain(|(pk, _)| pk != k);
            if !v.is_empty() {
                params.push((k, v));
            }
        }
        let mut u = url::Url::parse(&self.url("/oauth/authorize")).unwrap();
        u.query_pairs_mut().extend_pairs(params);
        u.to_string()
    }

    /// Follows redirects from `url` until one leaves the gateway and Google
    /// (the MCP client's redirect URI) or a page answers.
    pub async fn follow(&self, url: String) -> Flow {
        let mut hops = Vec::new();
        let mut next = url;
        for _ in 0..12 {
            hops.push(next.clone());
            let r = self.http.get(&next).send().await.unwrap();
            let status = r.status();
            if !status.is_redirection() {
                return Flow {
                    hops,
                    end: End::Page(status, r.text().await.unwrap()),
                };
            }
            let location = r.headers()["location"].to_str().unwrap().to_owned();
            let on_us = location.starts_with(&format!("{}/", self.public));
            let on_google = location.starts_with(&format!("{}/", self.google.base_url()));
            if !on_us && !on_google {
                return Flow {
                    hops,
                    end: End::Client(query(&location)),
                };
            }
            next = location;
        }
        panic!("too many redirects: {hops:#?}");
    }

    /// Runs `/oauth/authorize` with Google approving as `email`.
    pub async fn authorize_as(&self, client: &Client, email: &str, extra: &[(&str, &str)]) -> Flow {
        self.google.set_auto_approve(Some(email));
        let flow = self.follow(self.authorize_url(client, extra)).await;
        self.google.set_auto_approve(None);
        flow
    }

    /// `POST /oauth/token` with a form.
    pub async fn token_raw(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("/oauth/token"))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Redeems `code` for `client` as a well-behaved client does.
    pub async fn redeem(&self, client: &Client, code: &str) -> (StatusCode, Value) {
        let resource = self.url("/mcp");
        self.token_raw(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &client.redirect_uri),
            ("code_verifier", &client.verifier),
            ("client_id", &client.client_id),
            ("resource", &resource),
        ])
        .await
    }

    pub async fn refresh(&self, client: &Client, refresh_token: &str) -> (StatusCode, Value) {
        self.token_raw(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &client.client_id),
        ])
        .await
    }

    /// Registration, authorization as `email`, and the code exchange.
    pub async fn sign_in(&self, email: &str) -> Tokens {
        let client = self.register().await;
        let flow = self.authorize_as(&client, email, &[]).await;
        let code = flow
            .params()
            .get("code")
            .unwrap_or_else(|| panic!("no code: {flow:?}"))
            .clone();
        let (status, body) = self.redeem(&client, &code).await;
        assert_eq!(status, 200, "token: {body}");
        Tokens {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
            scope: body["scope"].as_str().unwrap_or_default().to_owned(),
            client,
        }
    }

    /// A raw MCP client using `token`.
    pub fn mcp(&self, token: &str) -> Mcp {
        Mcp {
            url: self.url("/mcp"),
            token: Some(token.to_owned()),
            http: crate::helpers::client(),
            session: None,
            protocol: None,
        }
    }

    /// The status of a stateless `tools/list` with `token`.
    pub async fn mcp_status(&self, token: &str) -> StatusCode {
        let mut m = self.mcp(token);
        m.protocol = Some(crate::helpers::STATELESS.to_owned());
        m.request(
            1,
            "tools/list",
            json!({"_meta": crate::helpers::stateless_meta()}),
        )
        .await
        .status
    }

    /// `whoami` over a legacy session.
    pub async fn whoami(&self, token: &str) -> Value {
        let mut m = self.mcp(token);
        m.initialize().await;
        let call = m
            .request(2, "tools/call", json!({"name": "whoami", "arguments": {}}))
            .await;
        assert_eq!(call.status, 200, "{}", call.body);
        call.message()["result"]["structuredContent"].clone()
    }

    pub async fn user(&self, email: &str) -> Option<UserRecord> {
        self.app
            .state
            .oauth
            .repo
            .get::<UserRecord>(Kind::User, &self.sub(email))
            .await
            .unwrap()
            .map(|v| v.value)
    }

    pub async fn credential(&self, email: &str) -> Option<CredentialRecord> {
        self.app
            .state
            .oauth
            .repo
            .get::<CredentialRecord>(Kind::Credential, &self.sub(email))
            .await
            .unwrap()
            .map(|v| v.value)
    }

    pub async fn grants(&self, email: &str) -> Vec<GrantRecord> {
        self.app
            .state
            .oauth
            .repo
            .list_group::<GrantRecord>(Kind::Grant, &self.sub(email))
            .await
            .unwrap()
            .into_iter()
            .map(|(_, v)| v.value)
            .collect()
    }

    /// How many records of `kind` the store holds.
    pub async fn count(&self, kind: Kind) -> usize {
        self.app.store.list_kind(kind).await.unwrap().len()
    }

    /// Asserts that nothing was recorded for `email` and no code was issued.
    pub async fn assert_nothing_stored_for(&self, email: &str) {
        assert!(self.user(email).await.is_none(), "user record for {email}");
        assert!(
            self.credential(email).await.is_none(),
            "credential for {email}"
        );
        assert!(self.grants(email).await.is_empty(), "grant for {email}");
        assert_eq!(self.count(Kind::AuthCode).await, 0, "an authorization code");
    }
}

impl Client {
    pub fn new(client_id: &str, redirect_uri: &str) -> Client {
        Client {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            verifier: random(48),
            state: random(12),
        }
    }
}
