//! Calendar tool tests' helpers: a gateway with every tool over the fake
//! Google, a signed-in MCP session, and a pass-through proxy in front of the
//! fake that can lose the answer to a request the fake did carry out.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering},
};

use axum::{body::Bytes, extract::State, http::StatusCode, response::IntoResponse};
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use mcp_gateway::config;
use serde_json::{Value, json};

use crate::google_flow::{ANN, End, Env, Flow, query};

/// A signed-in MCP session for one user (the same client the Gmail tests use).
pub use crate::gmail_support::Gm as Cal;

/// A gateway offering every tool, with `extra` settings.
pub async fn env(extra: &[(&str, &str)]) -> Env {
    let mut vars = vec![(config::TOOLS, "all")];
    vars.extend_from_slice(extra);
    Env::start_with(&vars).await
}

/// The user's calendar zone as the fake seeded it.
pub fn zone(env: &Env, email: &str) -> Tz {
    env.fake().calendar_time_zone(email).parse().unwrap()
}

pub fn today(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

/// Rows of a `calendar_list_events` answer.
pub fn rows(list: &Value) -> Vec<Value> {
    list["events"].as_array().cloned().unwrap_or_default()
}

pub fn summaries(list: &Value) -> Vec<String> {
    rows(list)
        .iter()
        .map(|e| e["summary"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Starts ANN's session on a fresh gateway offering every tool.
pub async fn ann(extra: &[(&str, &str)]) -> (Env, Cal) {
    let env = env(extra).await;
    let cal = Cal::sign_in(&env, ANN).await;
    (env, cal)
}

/// A pass-through proxy to the fake Google whose next request matching a
/// method and path is carried out by the fake and then answered with 503,
/// as when Google acted but its answer was lost.
#[derive(Clone)]
pub struct LossyProxy {
    pub url: String,
    target: Arc<Mutex<String>>,
    lose: Arc<Mutex<Option<(String, String)>>>,
    pub lost: Arc<AtomicU64>,
    http: reqwest::Client,
}

async fn forward(
    State(p): State<LossyProxy>,
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
    let lose = {
        let mut l = p.lose.lock().unwrap();
        let hit = l
            .as_ref()
            .is_some_and(|(m, path)| *m == method.as_str() && path == uri.path());
        if hit {
            *l = None;
        }
        hit
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
    if lose {
        p.lost.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "application/json")],
            json!({"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}).to_string(),
        )
            .into_response();
    }
    out.body(axum::body::Body::from(bytes)).unwrap()
}

impl LossyProxy {
    pub async fn start() -> LossyProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let proxy = LossyProxy {
            url,
            target: Arc::default(),
            lose: Arc::default(),
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

    /// Loses the answer to the next `method` request on `path`.
    pub fn lose_next(&self, method: &str, path: &str) {
        *self.lose.lock().unwrap() = Some((method.to_owned(), path.to_owned()));
    }
}

/// Signs `email` in on a gateway whose Google base URL is `proxy` (the
/// browser's hops to the proxy count as hops to Google).
pub async fn sign_in_via(env: &Env, proxy: &LossyProxy, email: &str) -> String {
    let client = env.register().await;
    env.google.set_auto_approve(Some(email));
    let mut hops = Vec::new();
    let mut next = env.authorize_url(&client, &[]);
    let mut end = None;
    for _ in 0..12 {
        hops.push(next.clone());
        let r = env.http.get(&next).send().await.unwrap();
        if !r.status().is_redirection() {
            end = Some(End::Page(r.status(), r.text().await.unwrap()));
            break;
        }
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let ours = [&env.public, &proxy.url, &env.google.base_url().to_owned()]
            .iter()
            .any(|o| location.starts_with(&format!("{o}/")));
        if !ours {
            end = Some(End::Client(query(&location)));
            break;
        }
        next = location;
    }
    env.google.set_auto_approve(None);
    let flow = Flow {
        hops,
        end: end.expect("the flow ended"),
    };
    let code = flow.params()["code"].clone();
    let (status, body) = env.redeem(&client, &code).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}
