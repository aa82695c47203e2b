//! The legacy HTTP+SSE transport (protocol 2024-11-05), for clients that
//! predate Streamable HTTP.
//!
//! `GET /sse` opens a session and its stream; the first event, `endpoint`,
//! names `/messages?sessionId=…`, where the client POSTs its JSON-RPC
//! messages. Each POST is answered 202 at once and the answers come on the
//! stream. Both endpoints have `/mcp`'s bearer check, Host and Origin checks
//! and body limit, and a session is only served to the user who opened it.
//!
//! Across tasks: the session is stored like any other, with the URL at which
//! the task holding the stream takes messages (its `holder`). A POST that
//! reaches another task is authenticated there, then forwarded to the holder
//! with the same headers (one extra hop on the private network, about a
//! millisecond); a holder that no longer answers means the stream is gone,
//! and the session ends. A task learns its own URL from `PEER_URL`, else from
//! ECS task metadata, else from its listening address when that is a specific
//! one; without any, a POST is only served on the task holding the stream.
//!
//! The stream ends when the client goes away (which ends the session
//! everywhere), when the session is ended or expires, or when the task
//! drains; the messages themselves run through the same stateless handler as
//! `/mcp`.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::{Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use bytes::Bytes;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{OnceCell, mpsc};
use tower::ServiceExt;

use super::{
    session_table::{Lookup, Session},
    sessions::{self, SessionGuard},
    stream,
    wire::{self, SessionRevision},
};
use crate::auth::Principal;

/// Where the client POSTs its messages.
pub const MESSAGES_PATH: &str = "/messages";
/// The only revision this transport speaks.
pub const LEGACY_REVISION: &str = "2024-11-05";
/// Marks a POST forwarded by another task: it is served here or refused,
/// never forwarded again.
const FORWARDED_HEADER: &str = "x-mcp-gateway-forwarded";
/// How long a forwarded POST may take to be accepted by the holder.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long asking ECS for the task's address may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(2);
/// Answers waiting for a slow client before the stream is given up.
const QUEUE: usize = 256;

/// How a task tells the others where to reach it.
#[derive(Debug, Clone, Default)]
pub struct PeerAddress {
    /// `PEER_URL`, when set.
    pub configured: Option<String>,
    /// `ECS_CONTAINER_METADATA_URI_V4`, set by ECS in every task.
    pub ecs_metadata: Option<String>,
    /// The address the gateway listens on.
    pub listening: Option<SocketAddr>,
}

#[derive(Clone)]
pub struct LegacySse(Arc<Inner>);

struct Inner {
    guard: SessionGuard,
    /// `/mcp`'s handler (with the wire layer), called for every message.
    handler: Router,
    hosts: Vec<String>,
    origins: Vec<String>,
    /// The path of `MESSAGES_PATH` under `PUBLIC_URL` (which may have a prefix).
    messages_path: String,
    /// The stream of each session this task holds.
    streams: Mutex<HashMap<String, mpsc::Sender<Bytes>>>,
    peer: PeerAddress,
    own_url: OnceCell<Option<String>>,
    http: reqwest::Client,
    /// Longest a message may run before its caller gets an error.
    message_timeout: Duration,
}

pub struct Settings {
    pub hosts: Vec<String>,
    pub origins: Vec<String>,
    pub messages_path: String,
    pub peer: PeerAddress,
    pub message_timeout: Duration,
}

#[derive(Deserialize)]
struct SessionQuery {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

impl LegacySse {
    #[expect(
        clippy::disallowed_methods,
        reason = "a client for the gateway's own tasks and ECS task metadata on the private network, not for Google"
    )]
    pub fn new(guard: SessionGuard, handler: Router, settings: Settings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(FORWARD_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self(Arc::new(Inner {
            guard,
            handler,
            hosts: settings.hosts,
            origins: settings.origins,
            messages_path: settings.messages_path,
            streams: Mutex::default(),
            peer: settings.peer,
            own_url: OnceCell::new(),
            http,
            message_timeout: settings.message_timeout,
        })))
    }

    /// `GET /sse` and `POST /messages` (the bearer check is layered by the caller).
    pub fn router<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        Router::new()
            .route(crate::oauth::LEGACY_SSE_PATH, get(open))
            .route(MESSAGES_PATH, post(message))
            .with_state(self)
    }

    /// How many legacy streams this task holds.
    pub fn streams(&self) -> usize {
        self.0.streams.lock().expect("legacy streams lock").len()
    }

    async fn own_url(&self) -> Option<String> {
        self.0
            .own_url
            .get_or_init(|| resolve_own_url(&self.0.peer, &self.0.http))
            .await
            .clone()
    }
}

/// The URL other tasks use to reach this one (see the module docs).
async fn resolve_own_url(peer: &PeerAddress, http: &reqwest::Client) -> Option<String> {
    if let Some(url) = &peer.configured {
        return Some(url.trim_end_matches('/').to_owned());
    }
    let port = peer.listening.map(|a| a.port())?;
    if let Some(uri) = &peer.ecs_metadata {
        match ecs_task_ip(http, uri).await {
            Some(ip) => return Some(format!("http://{ip}:{port}")),
            None => tracing::warn!(
                "ECS task metadata named no IPv4 address: legacy SSE messages are served only on the task holding the stream"
            ),
        }
    }
    let ip = peer.listening?.ip();
    if ip.is_unspecified() {
        return None;
    }
    Some(format!("http://{}", SocketAddr::new(ip, port)))
}

async fn ecs_task_ip(http: &reqwest::Client, metadata_uri: &str) -> Option<String> {
    let answer = http
        .get(metadata_uri)
        .timeout(METADATA_TIMEOUT)
        .send()
        .await
        .ok()?
        .json::<Value>()
        .await
        .ok()?;
    answer
        .get("Networks")?
        .as_array()?
        .iter()
        .find_map(|n| n.get("IPv4Addresses")?.get(0)?.as_str())
        .map(str::to_owned)
}

fn forbidden(message: &str) -> Response {
    wire::error(StatusCode::FORBIDDEN, Value::Null, -32600, message)
}

/// The Host and Origin checks `/mcp` makes (DNS rebinding protection): the
/// refusal, if any.
fn refuse_host_or_origin(inner: &Inner, headers: &HeaderMap) -> Option<Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(host_without_port)
        .unwrap_or_default();
    if !inner.hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return Some(forbidden("Forbidden: Host header is not allowed"));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .ok()
            .and_then(|o| url::Url::parse(o).ok())
            .is_some_and(|o| origin_allowed(&o, &inner.origins));
        if !allowed {
            return Some(forbidden("Forbidden: Origin is not allowed"));
        }
    }
    None
}

fn host_without_port(authority: &str) -> String {
    let authority = authority.trim();
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.to_ascii_lowercase()
}

/// `allowed` entries are `scheme://host:port` or `scheme://host:*`.
fn origin_allowed(origin: &url::Url, allowed: &[String]) -> bool {
    let (Some(host), Some(port)) = (origin.host_str(), origin.port_or_known_default()) else {
        return false;
    };
    let exact = format!("{}://{}:{}", origin.scheme(), host, port);
    let any_port = format!("{}://{}:*", origin.scheme(), host);
    allowed
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&exact) || a.eq_ignore_ascii_case(&any_port))
}

/// `GET /sse`: a new session and its stream.
async fn open(State(sse): State<LegacySse>, req: Request) -> Response {
    let inner = &sse.0;
    if let Some(refused) = refuse_host_or_origin(inner, req.headers()) {
        return refused;
    }
    let owner = Principal::owner_key(req.extensions().get::<Principal>());
    let guard = &inner.guard;
    if guard.table.len() >= guard.max_sessions {
        return sessions::at_capacity();
    }
    let holder = sse.own_url().await;
    let session = match guard
        .table
        .create(&owner, LEGACY_REVISION, Value::Null, holder)
        .await
    {
        Ok(s) => s,
        Err(e) => return sessions::store_unavailable(&e),
    };
    guard.enforce_user_cap(&owner).await;
    let (tx, rx) = mpsc::channel(QUEUE);
    inner
        .streams
        .lock()
        .expect("legacy streams lock")
        .insert(session.id.clone(), tx);
    let endpoint = format!(
        "event: endpoint\ndata: {}?sessionId={}\n\n",
        inner.messages_path, session.id
    );
    tracing::debug!("legacy SSE stream opened");
    let feed = Feed {
        first: Some(Bytes::from(endpoint)),
        rx,
        tick: tokio::time::interval_at(
            tokio::time::Instant::now() + guard.keep_alive,
            guard.keep_alive,
        ),
        draining: guard.draining.clone(),
        done: false,
        open: OpenStream {
            sse: sse.clone(),
            session: session.clone(),
        },
    };
    let body = futures::stream::unfold(feed, Feed::next).map(Ok::<_, std::convert::Infallible>);
    stream::event_stream(Body::from_stream(body))
}

/// What the stream of one session sends next.
struct Feed {
    first: Option<Bytes>,
    rx: mpsc::Receiver<Bytes>,
    tick: tokio::time::Interval,
    draining: tokio_util::sync::CancellationToken,
    done: bool,
    open: OpenStream,
}

impl Feed {
    async fn next(mut self) -> Option<(Bytes, Self)> {
        if let Some(first) = self.first.take() {
            return Some((first, self));
        }
        if self.done {
            return None;
        }
        let session = self.open.session.clone();
        tokio::select! {
            biased;
            message = self.rx.recv() => message.map(|m| (m, self)),
            _ = session.ended.cancelled() => None,
            _ = stream::expiry(&session) => None,
            _ = self.draining.cancelled() => {
                self.done = true;
                Some((Bytes::from_static(stream::RETRY), self))
            }
            _ = self.tick.tick() => {
                if self.open.sse.0.guard.table.ended_elsewhere(&session) {
                    return None;
                }
                Some((Bytes::from_static(b": keep-alive\n\n"), self))
            }
        }
    }
}

/// Held by a stream while it is open: when the client goes away (or the
/// stream ends), the session ends everywhere.
struct OpenStream {
    sse: LegacySse,
    session: Arc<Session>,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        let inner = self.sse.0.clone();
        let id = self.session.id.clone();
        inner
            .streams
            .lock()
            .expect("legacy streams lock")
            .remove(&id);
        tracing::debug!("legacy SSE stream closed");
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = inner.guard.table.end(&inner.guard.repo, &id).await {
                    tracing::warn!(error = %e, "ending a closed legacy SSE session failed");
                }
            });
        }
    }
}

/// `POST /messages?sessionId=…`: one JSON-RPC message (or batch) for a session.
async fn message(
    State(sse): State<LegacySse>,
    Query(query): Query<SessionQuery>,
    req: Request,
) -> Response {
    let inner = &sse.0;
    if let Some(refused) = refuse_host_or_origin(inner, req.headers()) {
        return refused;
    }
    let Some(id) = query.session_id.filter(|id| !id.is_empty()) else {
        return wire::error(
            StatusCode::BAD_REQUEST,
            Value::Null,
            wire::INVALID_REQUEST,
            "sessionId is required: use the endpoint URL the stream's first event names",
        );
    };
    let owner = Principal::owner_key(req.extensions().get::<Principal>());
    let session = match inner.guard.table.find(&id, &owner).await {
        Ok(s) if s.revision == LEGACY_REVISION => s,
        Ok(_) | Err(Lookup::NotFound) => return sessions::session_not_found(),
        Err(Lookup::Unavailable(e)) => return sessions::store_unavailable(&e),
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, inner.guard.max_body).await else {
        return wire::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            Value::Null,
            wire::INVALID_REQUEST,
            format!(
                "Request body exceeds the limit of {} bytes",
                inner.guard.max_body
            ),
        );
    };
    if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
        return wire::error(
            StatusCode::BAD_REQUEST,
            Value::Null,
            wire::PARSE_ERROR,
            "Parse error: the body is not JSON",
        );
    }
    inner.guard.table.touch(&session).await;
    let stream = inner
        .streams
        .lock()
        .expect("legacy streams lock")
        .get(&session.id)
        .cloned();
    if let Some(stream) = stream {
        tokio::spawn(deliver(sse.clone(), session, parts, bytes, stream));
        return (StatusCode::ACCEPTED, "Accepted").into_response();
    }
    if parts.headers.contains_key(FORWARDED_HEADER) {
        return sessions::session_not_found();
    }
    match (&session.holder, sse.own_url().await) {
        (Some(holder), own) if own.as_ref() != Some(holder) => {
            forward(&sse, &session, holder, &parts.headers, bytes).await
        }
        // Held here once, and its stream is gone.
        _ => sessions::session_not_found(),
    }
}

/// Runs one message through `/mcp`'s handler on this task and puts its
/// answers on the session's stream.
async fn deliver(
    sse: LegacySse,
    session: Arc<Session>,
    parts: axum::http::request::Parts,
    body: Bytes,
    stream: mpsc::Sender<Bytes>,
) {
    let inner = &sse.0;
    let mut req = Request::new(Body::from(body.clone()));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = axum::http::Uri::from_static("/mcp");
    *req.extensions_mut() = parts.extensions;
    req.extensions_mut()
        .insert(SessionRevision(LEGACY_REVISION.to_owned()));
    let headers = req.headers_mut();
    for name in [header::HOST, header::USER_AGENT] {
        if let Some(v) = parts.headers.get(&name) {
            headers.insert(name, v.clone());
        }
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static("application/json, text/event-stream"),
    );
    let handled = inner.handler.clone().oneshot(req);
    let response = tokio::select! {
        r = tokio::time::timeout(inner.message_timeout, handled) => r,
        // The client went away: stop the work.
        _ = session.ended.cancelled() => return,
    };
    let messages = match response {
        Ok(Ok(response)) => wire::response_messages(response).await,
        Ok(Err(never)) => match never {},
        Err(_) => timed_out(&body),
    };
    for message in messages {
        let event = format!("event: message\ndata: {message}\n\n");
        if stream.send(Bytes::from(event)).await.is_err() {
            return;
        }
    }
}

/// The error each request of a message that ran too long gets.
fn timed_out(body: &[u8]) -> Vec<Value> {
    let messages = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(batch)) => batch,
        Ok(one) => vec![one],
        Err(_) => Vec::new(),
    };
    messages
        .into_iter()
        .filter_map(|m| m.get("id").cloned())
        .map(|id| {
            serde_json::json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": {"code": -32603, "message": "The request timed out on the gateway; retry it"},
            })
        })
        .collect()
}

/// Hands a message to the task holding the session's stream.
async fn forward(
    sse: &LegacySse,
    session: &Session,
    holder: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let url = format!("{holder}{MESSAGES_PATH}?sessionId={}", session.id);
    let mut request = sse
        .0
        .http
        .post(url)
        .header(FORWARDED_HEADER, "1")
        .body(body);
    for name in [
        header::AUTHORIZATION,
        header::CONTENT_TYPE,
        header::HOST,
        header::ORIGIN,
        header::USER_AGENT,
    ] {
        if let Some(v) = headers.get(&name) {
            request = request.header(name, v.clone());
        }
    }
    match request.send().await {
        Ok(answer) => {
            let status = answer.status();
            let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
            let body = answer.bytes().await.unwrap_or_default();
            let mut response = (status, body).into_response();
            if let Some(ct) = content_type {
                response.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            response
        }
        Err(e) if e.is_connect() => {
            // The holder is gone, and the stream with it.
            tracing::info!("the task holding a legacy SSE stream is gone; its session ends");
            let guard = &sse.0.guard;
            if let Err(e) = guard.table.end(&guard.repo, &session.id).await {
                tracing::warn!(error = %e, "ending a legacy SSE session failed");
            }
            sessions::session_not_found()
        }
        Err(e) => {
            // Without the URL: its query names the session.
            let e = e.without_url();
            tracing::warn!(error = %e, "forwarding a legacy SSE message failed");
            let mut r = wire::error(
                StatusCode::SERVICE_UNAVAILABLE,
                Value::Null,
                -32603,
                "The gateway could not reach the task holding this session's stream; retry shortly",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        mcp::session_table::SessionTable,
        repo::Repo,
        store::{Store, sqlite::SqliteStore},
    };
    use http_body_util::BodyExt;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn hosts_and_origins_are_matched_like_the_mcp_endpoint() {
        assert_eq!(host_without_port("Example.com:8080"), "example.com");
        assert_eq!(host_without_port("[::1]:3000"), "::1");
        assert_eq!(host_without_port("localhost"), "localhost");
        let allowed = vec![
            "http://localhost:*".to_owned(),
            "https://mcp.example.com:443".to_owned(),
        ];
        let ok = |o: &str| origin_allowed(&url::Url::parse(o).unwrap(), &allowed);
        assert!(ok("http://localhost:5173"));
        assert!(ok("https://mcp.example.com"));
        assert!(!ok("https://mcp.example.com:8443"));
        assert!(!ok("https://evil.example"));
        assert!(!ok("http://mcp.example.com"));
    }

    /// The transport over an in-memory store, with a handler that answers
    /// every request with its own id.
    fn transport(idle: Duration) -> (Router, SessionTable) {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let table = SessionTable::new(store.clone(), None, idle);
        let guard = SessionGuard {
            table: table.clone(),
            repo: Repo::new(store),
            max_sessions: 10,
            max_sessions_per_user: 5,
            max_body: 1 << 20,
            keep_alive: Duration::from_secs(30),
            draining: CancellationToken::new(),
        };
        let echo = Router::new().route(
            "/mcp",
            post(|body: Bytes| async move {
                let message: Value = serde_json::from_slice(&body).unwrap();
                axum::Json(serde_json::json!({"jsonrpc": "2.0", "id": message["id"], "result": {}}))
            }),
        );
        let settings = Settings {
            hosts: vec!["localhost".into()],
            origins: Vec::new(),
            messages_path: MESSAGES_PATH.into(),
            peer: PeerAddress::default(),
            message_timeout: Duration::from_secs(5),
        };
        let sse = LegacySse::new(guard, echo, settings).unwrap();
        (sse.router(), table)
    }

    fn request(method: Method, uri: &str, user: &str, body: &str) -> Request {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "localhost")
            .body(Body::from(body.to_owned()))
            .unwrap();
        req.extensions_mut().insert(Principal {
            user_id: user.into(),
            email: format!("{user}@example.com"),
            client_id: "c".into(),
            scopes: vec!["mcp".into()],
            family_id: "f".into(),
        });
        req
    }

    async fn next_frame(body: &mut Body) -> String {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("a frame in time")
            .expect("the stream is open")
            .unwrap();
        String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()
    }

    async fn gone(table: &SessionTable, id: &str) -> bool {
        for _ in 0..50 {
            if matches!(table.find(id, "ann").await, Err(Lookup::NotFound)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    #[tokio::test]
    async fn answers_come_on_the_stream_of_their_owner_and_a_closed_stream_ends_the_session() {
        let (router, table) = transport(Duration::from_secs(3600));
        let opened = router
            .clone()
            .oneshot(request(Method::GET, "/sse", "ann", ""))
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::OK);
        let mut body = opened.into_body();
        let endpoint = next_frame(&mut body).await;
        let id = endpoint
            .trim()
            .strip_prefix("event: endpoint\ndata: /messages?sessionId=")
            .expect("the endpoint event first")
            .to_owned();

        let post_as = |user: &str, id: &str, rpc_id: u32| {
            request(
                Method::POST,
                &format!("/messages?sessionId={id}"),
                user,
                &format!(r#"{{"jsonrpc":"2.0","id":{rpc_id},"method":"ping"}}"#),
            )
        };
        let refused = router
            .clone()
            .oneshot(post_as("bob", &id, 1))
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::NOT_FOUND,
            "another user's session"
        );
        let unknown = router
            .clone()
            .oneshot(post_as("ann", "nope", 2))
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let accepted = router
            .clone()
            .oneshot(post_as("ann", &id, 3))
            .await
            .unwrap();
        assert_eq!(accepted.status(), StatusCode::ACCEPTED);
        let answer = next_frame(&mut body).await;
        assert_eq!(
            answer, "event: message\ndata: {\"id\":3,\"jsonrpc\":\"2.0\",\"result\":{}}\n\n",
            "only the owner's message was answered"
        );

        drop(body);
        assert!(gone(&table, &id).await, "the session ends with its stream");
    }

    #[tokio::test]
    async fn a_stream_held_past_the_idle_time_ends_cleanly() {
        let (router, table) = transport(Duration::from_secs(1));
        let opened = router
            .oneshot(request(Method::GET, "/sse", "ann", ""))
            .await
            .unwrap();
        let all = tokio::time::timeout(Duration::from_secs(5), opened.into_body().collect())
            .await
            .expect("the stream ends after the idle time")
            .expect("without an error")
            .to_bytes();
        let text = String::from_utf8(all.to_vec()).unwrap();
        let id = text
            .split("sessionId=")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .unwrap()
            .to_owned();
        assert!(gone(&table, &id).await);
    }
}
