//! Legacy MCP sessions (`Mcp-Session-Id`, revisions 2025-03-26 to 2025-11-25)
//! in front of rmcp's stateless handler.
//!
//! rmcp serves every request statelessly; [`guard`] gives the legacy
//! revisions their sessions: an `initialize` that succeeds creates one
//! (owned by the signed-in user, stored for every task), a request naming one
//! is served after a lookup in this task's [`SessionTable`] (no store read
//! when warm), `GET` opens the session's keep-alive stream, and `DELETE` ends
//! it everywhere. A session is only served to the user who created it.

use std::time::Duration;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{
    session_table::{Lookup, SessionRecord, SessionTable},
    stream,
    wire::{self, SessionRevision},
};
use crate::{
    auth::Principal,
    repo::Repo,
    store::{Kind, StoreError},
};

pub const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";
/// The revision whose clients send no `MCP-Protocol-Version` header.
const HEADERLESS_REVISION: &str = "2025-03-26";

/// Shared state of the session guard.
#[derive(Clone)]
pub struct SessionGuard {
    pub table: SessionTable,
    pub repo: Repo,
    pub max_sessions: usize,
    pub max_sessions_per_user: usize,
    pub max_body: usize,
    pub keep_alive: Duration,
    /// Fired when shutdown begins: standalone SSE streams end with a retry hint.
    pub draining: CancellationToken,
}

fn jsonrpc_error(status: StatusCode, code: i64, message: &str) -> Response {
    wire::error(status, Value::Null, code, message)
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

pub(super) fn session_not_found() -> Response {
    jsonrpc_error(
        StatusCode::NOT_FOUND,
        -32001,
        "Session not found: it ended or expired; start a new session with initialize",
    )
}

pub(super) fn store_unavailable(e: &StoreError) -> Response {
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

/// This task holds `MAX_MCP_SESSIONS` sessions.
pub(super) fn at_capacity() -> Response {
    let mut r = jsonrpc_error(
        StatusCode::SERVICE_UNAVAILABLE,
        -32000,
        "This gateway task holds its maximum number of MCP sessions; retry shortly",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    r
}

impl SessionGuard {
    /// Keeps the newest `max_sessions_per_user` sessions of `owner`, ending the rest.
    pub(super) async fn enforce_user_cap(&self, owner: &str) {
        let mut sessions = match self.repo.store.list_group(Kind::McpSession, owner).await {
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
        for (id, _) in sessions.into_iter().take(excess) {
            if let Err(e) = self.table.end(&self.repo, &id).await {
                tracing::warn!(error = %e, "ending a session over the per-user cap failed");
            }
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
            // A GET without a session has no stream to open; clients loop on
            // a 400. A stateless (2026-07-28) GET is answered by rmcp.
            Method::GET if !is_stateless_get(&req) => method_not_allowed(),
            Method::POST => new_or_stateless_post(guard, owner, req, next).await,
            _ => next.run(req).await,
        };
    };

    let session = match guard.table.find(&session_id, &owner).await {
        Ok(s) => s,
        Err(Lookup::NotFound) => {
            return match method {
                Method::GET => method_not_allowed(),
                _ => session_not_found(),
            };
        }
        Err(Lookup::Unavailable(e)) => return store_unavailable(&e),
    };
    match method {
        Method::DELETE => match guard.table.end(&guard.repo, &session.id).await {
            // Clients (the Python SDK among them) expect 200 or 204.
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => store_unavailable(&e),
        },
        Method::GET => {
            guard.table.touch(&session).await;
            stream::open(session, guard.keep_alive, guard.draining.clone())
        }
        Method::POST => {
            guard.table.touch(&session).await;
            if session.revision != HEADERLESS_REVISION
                && !req.headers().contains_key(VERSION_HEADER)
                && let Ok(v) = HeaderValue::from_str(&session.revision)
            {
                req.headers_mut().insert(VERSION_HEADER, v);
            }
            req.extensions_mut()
                .insert(SessionRevision(session.revision.clone()));
            next.run(req).await
        }
        _ => method_not_allowed(),
    }
}

fn is_stateless_get(req: &Request) -> bool {
    req.headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v >= "2026-07-28")
}

#[derive(Deserialize)]
struct InitializePeek {
    method: Option<String>,
    #[serde(default)]
    params: Value,
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
    // Parse here only when the body can be an initialize.
    let init = if bytes.windows(12).any(|w| w == b"\"initialize\"") {
        serde_json::from_slice::<InitializePeek>(&bytes)
            .ok()
            .filter(|m| m.method.as_deref() == Some("initialize"))
            .map(|m| m.params)
    } else {
        None
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    let Some(init) = init else {
        return next.run(req).await;
    };
    if guard.table.len() >= guard.max_sessions {
        return at_capacity();
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, guard.max_body).await else {
        return jsonrpc_error(StatusCode::BAD_GATEWAY, -32603, "initialize failed");
    };
    let Some(revision) = negotiated_revision(&parts.headers, &body) else {
        // An error answer: no session.
        return Response::from_parts(parts, Body::from(body));
    };
    let session = match guard.table.create(&owner, &revision, init, None).await {
        Ok(s) => s,
        Err(e) => return store_unavailable(&e),
    };
    guard.enforce_user_cap(&owner).await;
    if let Ok(v) = HeaderValue::from_str(&session.id) {
        parts.headers.insert(SESSION_HEADER, v);
    }
    Response::from_parts(parts, Body::from(body))
}

/// The `protocolVersion` of a successful initialize answer (JSON or SSE).
fn negotiated_revision(headers: &axum::http::HeaderMap, body: &[u8]) -> Option<String> {
    let is_sse = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let messages = if is_sse {
        wire::sse_messages(body)
    } else {
        serde_json::from_slice::<Value>(body).into_iter().collect()
    };
    messages.into_iter().find_map(|m| {
        m.get("result")?
            .get("protocolVersion")?
            .as_str()
            .map(str::to_owned)
    })
}
