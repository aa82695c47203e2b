//! One log line per request: request id, method, path (never the query,
//! which may carry codes), status and latency.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of the current request, stored in its extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
    .then(|| s.to_owned())
}

pub async fn log_requests(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(acceptable_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    let status = response.status().as_u16();
    crate::metrics::http_request(
        route.as_ref().map(MatchedPath::as_str),
        &method,
        status,
        started.elapsed(),
    );
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    if path == "/health" {
        tracing::debug!(request_id = %id, method = %method, path = %path, status, latency_ms, "request");
    } else if status >= 500 {
        tracing::warn!(request_id = %id, method = %method, path = %path, status, latency_ms, "request");
    } else {
        tracing::info!(request_id = %id, method = %method, path = %path, status, latency_ms, "request");
    }
    response
}
