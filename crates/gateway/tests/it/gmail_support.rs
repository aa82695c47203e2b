//! Gmail tool tests' helpers: a gateway with every tool over the fake Google,
//! a signed-in MCP session, checks on text renderings, and a proxy in front
//! of the fake that can lose Google's answer to a request Google carried out.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering},
};

use axum::{body::Bytes, extract::State, http::StatusCode, response::IntoResponse};
use mcp_gateway::config;
use serde_json::{Value, json};

use crate::google_flow::{ANN, Env, query};
use crate::helpers::Mcp;

/// A signed-in MCP session of one user.
pub struct Gm {
    pub mcp: Mcp,
    next_id: AtomicU64,
}

/// A tool call's outcome.
pub struct Called {
    pub is_error: bool,
    pub structured: Value,
    pub text: String,
    /// Every content block.
    pub content: Vec<Value>,
}

impl Gm {
    pub async fn sign_in(env: &Env, email: &str) -> Gm {
        let tokens = env.sign_in(email).await;
        Self::with_token(env, &tokens.access).await
    }

    pub async fn with_token(env: &Env, token: &str) -> Gm {
        let mut mcp = env.mcp(token);
        mcp.initialize().await;
        Gm {
            mcp,
            next_id: AtomicU64::new(10),
        }
    }

    pub async fn call(&self, name: &str, args: Value) -> Called {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let reply = self
            .mcp
            .request(id, "tools/call", json!({"name": name, "arguments": args}))
            .await;
        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        let msg = reply.message();
        let result = &msg["result"];
        assert!(result.is_object(), "{name}: no result: {msg}");
        Called {
            is_error: result["isError"].as_bool().unwrap_or(false),
            structured: result["structuredContent"].clone(),
            text: result["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            content: result["content"].as_array().cloned().unwrap_or_default(),
        }
    }

    /// A successful call's structured content and text (checked to hold no raw JSON).
    pub async fn ok(&self, name: &str, args: Value) -> (Value, String) {
        let c = self.call(name, args).await;
        assert!(!c.is_error, "{name} failed: {}", c.text);
        assert_no_json(&c.text);
        (c.structured, c.text)
    }

    /// A failed call's text.
    pub async fn err(&self, name: &str, args: Value) -> String {
        let c = self.call(name, args).await;
        assert!(c.is_error, "{name} should fail, got: {}", c.text);
        c.text
    }

    pub async fn tool_names(&self) -> Vec<String> {
        let reply = self.mcp.request(2, "tools/list", json!({})).await;
        crate::helpers::tool_names(&reply.message())
    }
}

/// Text renderings are compact prose, never Google's (or our) JSON.
pub fn assert_no_json(text: &str) {
    for marker in ["{\"", "\":", "\"id\"", "\"payload\"", "\"labelIds\""] {
        assert!(!text.contains(marker), "raw JSON ({marker}) in: {text}");
    }
}

/// A gateway offering every tool, with `extra` settings.
pub async fn env(extra: &[(&str, &str)]) -> Env {
    let mut vars = vec![(config::TOOLS, "all")];
    vars.extend_from_slice(extra);
    Env::start_with(&vars).await
}

/// ANN's session on a fresh gateway offering every tool.
pub async fn ann(extra: &[(&str, &str)]) -> (Env, Gm) {
    let env = env(extra).await;
    let gm = Gm::sign_in(&env, ANN).await;
    (env, gm)
}

/// Id of ANN's (or `email`'s) messages with `subject` (or `Re: subject`), oldest first.
pub fn ids(env: &Env, email: &str, subject: &str) -> Vec<String> {
    env.fake().gmail_ids_by_subject(email, subject)
}

/// A pass-through proxy to the fake Google whose next request on one path
/// (and method, if given) is carried out by the fake and then its answer is
/// lost (Google acted, the gateway never heard).
#[derive(Clone)]
pub struct LosingProxy {
    pub url: String,
    target: Arc<Mutex<String>>,
    lose: Arc<Mutex<Option<Pending>>>,
    /// Lose every matching answer, not only the next.
    every: Arc<std::sync::atomic::AtomicBool>,
    /// How many answers were lost.
    pub lost: Arc<AtomicU64>,
    http: reqwest::Client,
}

/// The request whose answer to lose: its method (any when `None`), path, and how.
type Pending = (Option<String>, String, Loss);

/// How an answer is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Answered with 503 instead.
    Unavailable,
    /// The connection breaks in the middle of the answer.
    CutOff,
}

async fn forward(
    State(p): State<LosingProxy>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let target = p.target.lock().unwrap().clone();
    let path_q = uri.path_and_query().map(|x| x.as_str()).unwrap_or("/");
    let mut req = p
        .http
        .request(method.clone(), format!("{target}{path_q}"))
        .body(body.to_vec());
    for name in ["authorization", "content-type", "accept", "cookie"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v.as_bytes());
        }
    }
    let r = match req.send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap();
    let mut out = axum::http::Response::builder().status(status);
    for (k, v) in r.headers() {
        if [
            "location",
            "content-type",
            "cache-control",
            "retry-after",
            "set-cookie",
        ]
        .contains(&k.as_str())
        {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    let bytes = r.bytes().await.unwrap_or_default();
    let lose = {
        let mut l = p.lose.lock().unwrap();
        match l.take() {
            Some((m, path, how))
                if (path == uri.path()
                    || path
                        .strip_suffix('*')
                        .is_some_and(|prefix| uri.path().starts_with(prefix)))
                    && m.as_deref().is_none_or(|m| m == method.as_str()) =>
            {
                if p.every.load(Ordering::SeqCst) {
                    *l = Some((m, path, how));
                }
                Some(how)
            }
            other => {
                *l = other;
                None
            }
        }
    };
    if lose.is_some() {
        p.lost.fetch_add(1, Ordering::SeqCst);
    }
    if lose == Some(Loss::CutOff) {
        let half = bytes.slice(..bytes.len() / 2);
        let parts: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(half),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut off",
            )),
        ];
        return out
            .body(axum::body::Body::from_stream(futures::stream::iter(parts)))
            .unwrap();
    }
    if lose == Some(Loss::Unavailable) {
        let e = json!({"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}});
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "application/json")],
            e.to_string(),
        )
            .into_response();
    }
    out.body(axum::body::Body::from(bytes)).unwrap()
}

impl LosingProxy {
    #[expect(
        clippy::disallowed_methods,
        reason = "the proxy's own client in front of the fake Google"
    )]
    pub async fn start() -> LosingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = LosingProxy {
            url: format!("http://{}", listener.local_addr().unwrap()),
            target: Arc::default(),
            lose: Arc::default(),
            every: Arc::default(),
            lost: Arc::default(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .unwrap(),
        };
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(proxy.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        proxy
    }

    pub fn point_at(&self, target: &str) {
        *self.target.lock().unwrap() = target.trim_end_matches('/').to_owned();
    }

    /// Loses the answer to the next request on `path`, in the way `how`.
    pub fn lose_next(&self, path: &str, how: Loss) {
        *self.lose.lock().unwrap() = Some((None, path.to_owned(), how));
    }

    /// Loses the answer to the next `method` request on `path` (every path
    /// under a prefix ending in `*`), in the way `how`.
    pub fn lose_next_of(&self, method: &str, path: &str, how: Loss) {
        *self.lose.lock().unwrap() = Some((Some(method.to_owned()), path.to_owned(), how));
    }

    /// Loses the answer to every `method` request on `path` (each carried
    /// out by the fake), in the way `how`.
    pub fn lose_every_of(&self, method: &str, path: &str, how: Loss) {
        self.every.store(true, Ordering::SeqCst);
        self.lose_next_of(method, path, how);
    }
}

/// A gateway whose Google is `proxy` in front of the fake, and ANN signed in
/// through it (the browser's hops to the proxy count as hops to Google).
pub async fn ann_via_proxy() -> (Env, LosingProxy, Gm) {
    let proxy = LosingProxy::start().await;
    let env = env(&[(config::GOOGLE_BASE_URL, &proxy.url)]).await;
    proxy.point_at(env.google.base_url());
    let client = env.register().await;
    env.google.set_auto_approve(Some(ANN));
    let mut next = env.authorize_url(&client, &[]);
    let mut code = None;
    for _ in 0..12 {
        let r = env.http.get(&next).send().await.unwrap();
        assert!(r.status().is_redirection(), "sign-in stopped at {next}");
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let ours = [env.public.as_str(), &proxy.url, env.google.base_url()]
            .iter()
            .any(|o| location.starts_with(&format!("{o}/")));
        if !ours {
            code = query(&location).get("code").cloned();
            break;
        }
        next = location;
    }
    env.google.set_auto_approve(None);
    let (status, body) = env.redeem(&client, &code.expect("a code")).await;
    assert_eq!(status, 200, "{body}");
    let gm = Gm::with_token(&env, body["access_token"].as_str().unwrap()).await;
    (env, proxy, gm)
}
