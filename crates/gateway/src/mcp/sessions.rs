//! Legacy MCP sessions (`Mcp-Session-Id`) kept in the shared store, so any
//! gateway process can serve any session and a DELETE ends it everywhere.
//!
//! rmcp keeps a live session worker in the memory of the process that last
//! served it and, through [`StoreSessionStore`], persists the client's
//! `initialize` parameters; another process restores the session from them
//! transparently. [`guard`] runs before rmcp on every `/mcp` request and makes
//! the store the single source of truth: a session absent from the store (deleted
//! by another process, expired, or never created) is closed locally and
//! answered with 404, and a session is only served to the user who created it.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use rmcp::transport::streamable_http_server::session::{
    SessionId, SessionManager, SessionState, SessionStore, SessionStoreError,
    local::LocalSessionManager,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::{
    auth::Principal,
    store::{Expect, Kind, Put, Store, StoreError, now_unix},
};

pub const SESSION_HEADER: &str = "mcp-session-id";

tokio::task_local! {
    /// The owner of a session being created in the current request.
    static CREATING_OWNER: String;
}

/// What the store keeps per session.
#[derive(Debug, Serialize, Deserialize)]
struct SessionRecord {
    owner: String,
    created_at: i64,
    /// The client's `initialize` parameters, replayed on restore.
    init: serde_json::Value,
}

/// rmcp's session persistence, backed by our store.
pub struct StoreSessionStore {
    store: Arc<dyn Store>,
    idle: Duration,
}

impl StoreSessionStore {
    pub fn new(store: Arc<dyn Store>, idle: Duration) -> Self {
        Self { store, idle }
    }
}

fn boxed(e: impl std::error::Error + Send + Sync + 'static) -> SessionStoreError {
    Box::new(e)
}

#[async_trait::async_trait]
impl SessionStore for StoreSessionStore {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let Some(record) = self
            .store
            .get(Kind::McpSession, session_id)
            .await
            .map_err(boxed)?
        else {
            return Ok(None);
        };
        let record: SessionRecord = serde_json::from_slice(&record.value).map_err(boxed)?;
        let params = serde_json::from_value(record.init).map_err(boxed)?;
        Ok(Some(SessionState::new(params)))
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let owner = CREATING_OWNER
            .try_with(Clone::clone)
            .unwrap_or_else(|_| Principal::ANONYMOUS.to_owned());
        let record = SessionRecord {
            owner: owner.clone(),
            created_at: now_unix(),
            init: serde_json::to_value(&state.initialize_params).map_err(boxed)?,
        };
        let value = serde_json::to_vec(&record).map_err(boxed)?;
        self.store
            .put(Put {
                kind: Kind::McpSession,
                key: session_id,
                value: &value,
                group: Some(&owner),
                expires_at: Some(now_unix() + self.idle.as_secs() as i64),
                expect: Expect::Any,
            })
            .await
            .map_err(boxed)?;
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        self.store
            .delete(Kind::McpSession, session_id, Expect::Any)
            .await
            .map_err(boxed)?;
        Ok(())
    }
}

/// Shared state of the session guard.
#[derive(Clone)]
pub struct SessionGuard {
    pub store: Arc<dyn Store>,
    pub sessions: Arc<LocalSessionManager>,
    pub idle: Duration,
    pub max_sessions: usize,
    pub max_sessions_per_user: usize,
    pub max_body: usize,
    /// Fired when shutdown begins: standalone SSE streams end with a retry hint.
    pub draining: CancellationToken,
}

/// How often (at most) a session's expiry is pushed forward while in use.
const TOUCH_INTERVAL: i64 = 300;

fn jsonrpc_error(status: StatusCode, code: i64, message: &str) -> Response {
    super::wire::error(status, serde_json::Value::Null, code, message)
}

fn method_not_allowed() -> Response {
    let mut r = (
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed: this endpoint offers no standalone event stream for this request; use POST",
    )
        .into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
    r
}

fn session_not_found() -> Response {
    jsonrpc_error(
        StatusCode::NOT_FOUND,
        -32001,
        "Session not found: it ended or expired; start a new session with initialize",
    )
}

fn store_unavailable(e: &StoreError) -> Response {
    tracing::warn!(error = %e, "session lookup failed");
    let mut r = jsonrpc_error(
        StatusCode::SERVICE_UNAVAILABLE,
        -32603,
        "The gateway's session store is unavailable; retry shortly",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    r
}

impl SessionGuard {
    async fn close_local(&self, id: &str) {
        let id: SessionId = id.to_owned().into();
        if let Err(e) = self.sessions.close_session(&id).await {
            tracing::debug!(error = %e, "closing a local session failed");
        }
    }

    async fn local_count(&self) -> usize {
        self.sessions.sessions.read().await.len()
    }

    /// Keeps the newest `max_sessions_per_user` sessions of `owner`, ending the rest.
    async fn enforce_user_cap(&self, owner: &str) {
        let mut sessions = match self.store.list_group(Kind::McpSession, owner).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "could not list sessions to enforce the per-user cap");
                return;
            }
        };
        if sessions.len() <= self.max_sessions_per_user {
            return;
        }
        let created = |r: &crate::store::Record| {
            serde_json::from_slice::<SessionRecord>(&r.value)
                .map(|s| s.created_at)
                .unwrap_or(0)
        };
        sessions.sort_by_key(|(_, r)| (created(r), r.version));
        let excess = sessions.len() - self.max_sessions_per_user;
        for (id, record) in sessions.into_iter().take(excess) {
            let _ = self
                .store
                .delete(Kind::McpSession, &id, Expect::Version(record.version))
                .await;
            self.close_local(&id).await;
            tracing::info!("ended the oldest MCP session of a user over the per-user cap");
        }
    }
}

/// Runs before rmcp on every `/mcp` request. See the module docs.
pub async fn guard(State(guard): State<SessionGuard>, mut req: Request, next: Next) -> Response {
    let owner = Principal::owner_key(req.extensions().get::<Principal>());
    let session_id = req
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let method = req.method().clone();

    let Some(session_id) = session_id else {
        return match method {
            // rmcp answers a GET without a session with 400; clients loop on
            // that. A stateless (2026-07-28) GET is answered by rmcp with 405.
            Method::GET if !is_stateless_get(&req) => method_not_allowed(),
            Method::POST => new_or_stateless_post(guard, owner, req, next).await,
            _ => next.run(req).await,
        };
    };

    let record = match guard.store.get(Kind::McpSession, &session_id).await {
        Ok(r) => r,
        Err(e) => return store_unavailable(&e),
    };
    let parsed = record.as_ref().and_then(|r| {
        serde_json::from_slice::<SessionRecord>(&r.value)
            .ok()
            .map(|s| (s, r))
    });
    let Some((session, record)) = parsed else {
        guard.close_local(&session_id).await;
        return match method {
            Method::GET => method_not_allowed(),
            _ => session_not_found(),
        };
    };
    if session.owner != owner {
        // Never serve (or reveal) another user's session.
        return match method {
            Method::GET => method_not_allowed(),
            _ => session_not_found(),
        };
    }
    if method == Method::DELETE {
        // rmcp closes the local worker and deletes the stored state. Clients
        // (the Python SDK among them) expect 200 or 204 for a DELETE.
        let mut response = next.run(req).await;
        if response.status() == StatusCode::ACCEPTED {
            *response.status_mut() = StatusCode::NO_CONTENT;
            *response.body_mut() = Body::empty();
        }
        return response;
    }
    let now = now_unix();
    if let Some(exp) = record.expires_at
        && exp - now < guard.idle.as_secs() as i64 - TOUCH_INTERVAL
    {
        let value = record.value.clone();
        let _ = guard
            .store
            .put(Put {
                kind: Kind::McpSession,
                key: &session_id,
                value: &value,
                group: Some(&session.owner),
                expires_at: Some(now + guard.idle.as_secs() as i64),
                expect: Expect::Version(record.version),
            })
            .await;
    }
    if let Some(revision) = session.init.get("protocolVersion").and_then(|v| v.as_str()) {
        req.extensions_mut()
            .insert(super::wire::SessionRevision(revision.to_owned()));
    }
    let response = next.run(req).await;
    if method == Method::GET {
        return end_on_drain(response, guard.draining.clone());
    }
    response
}

fn is_stateless_get(req: &Request) -> bool {
    req.headers()
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v >= "2026-07-28")
}

#[derive(Deserialize)]
struct MethodPeek {
    method: Option<String>,
}

async fn new_or_stateless_post(
    guard: SessionGuard,
    owner: String,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, guard.max_body).await {
        Ok(b) => b,
        Err(_) => {
            return jsonrpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                -32600,
                &format!("Request body exceeds the limit of {} bytes", guard.max_body),
            );
        }
    };
    // rmcp parses the body again: parse here only when it can be an initialize.
    let is_initialize = bytes.windows(12).any(|w| w == b"\"initialize\"")
        && serde_json::from_slice::<MethodPeek>(&bytes)
            .ok()
            .and_then(|m| m.method)
            .is_some_and(|m| m == "initialize");
    let req = Request::from_parts(parts, Body::from(bytes));
    if !is_initialize {
        return next.run(req).await;
    }
    if guard.local_count().await >= guard.max_sessions {
        let mut r = jsonrpc_error(
            StatusCode::SERVICE_UNAVAILABLE,
            -32000,
            "This gateway task holds its maximum number of MCP sessions; retry shortly",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return r;
    }
    let response = CREATING_OWNER.scope(owner.clone(), next.run(req)).await;
    if response.headers().contains_key(SESSION_HEADER) {
        guard.enforce_user_cap(&owner).await;
    }
    response
}

/// Ends a standalone SSE stream when shutdown begins, after telling the
/// client to reconnect (to another task) in one second.
fn end_on_drain(response: Response, draining: CancellationToken) -> Response {
    let is_sse = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_sse {
        return response;
    }
    let (parts, body) = response.into_parts();
    let stream = body
        .into_data_stream()
        .take_until(draining.cancelled_owned())
        .chain(futures::stream::once(async {
            Ok(bytes::Bytes::from_static(b"retry: 1000\n\n"))
        }));
    Response::from_parts(parts, Body::from_stream(stream))
}
