//! Every request body is read (up to a bound) before any handler answers.
//!
//! A handler that refuses a request without reading its body (a missing
//! bearer token, a rate limit, a bad parameter) leaves hyper unable to find
//! the next request on the connection, so hyper closes it after the answer;
//! a client that already reused the kept-alive connection sees "server
//! disconnected". Reading the body first keeps every refusal on a usable
//! connection. A body over the bound is answered with 413 and
//! `Connection: close`, so the client never reuses that connection.

use axum::{
    Json,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde_json::json;

/// The largest body each part of the gateway accepts.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// `/mcp` and the legacy `/messages` (`MAX_REQUEST_BODY_BYTES`).
    pub mcp: usize,
    /// Everything else (the OAuth endpoints' forms and registrations).
    pub other: usize,
}

impl BodyLimits {
    fn for_path(&self, path: &str) -> usize {
        if is_mcp(path) { self.mcp } else { self.other }
    }
}

/// The paths that take JSON-RPC messages.
fn is_mcp(path: &str) -> bool {
    path == "/mcp" || path == crate::mcp::legacy_sse::MESSAGES_PATH
}

fn may_have_body(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !req.headers().contains_key(header::TRANSFER_ENCODING)
    {
        return req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    }
    true
}

/// Why a body was not read.
enum Unread {
    TooLarge,
    Broken,
}

/// A refusal in the shape of the endpoint's protocol, closing the connection.
fn refuse(path: &str, status: StatusCode, message: &str) -> Response {
    let body = if is_mcp(path) {
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": message}})
    } else {
        json!({"error": crate::oauth::error::ErrorCode::InvalidRequest.as_str(), "error_description": message})
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Reads the body before the rest of the stack sees the request.
pub async fn read_body_first(
    State(limits): State<BodyLimits>,
    req: Request,
    next: Next,
) -> Response {
    if !may_have_body(&req) {
        return next.run(req).await;
    }
    let limit = limits.for_path(req.uri().path());
    let path = req.uri().path().to_owned();
    let (parts, body) = req.into_parts();
    match read_bounded(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(Unread::TooLarge) => refuse(
            &path,
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body exceeds the limit of {limit} bytes"),
        ),
        Err(Unread::Broken) => refuse(
            &path,
            StatusCode::BAD_REQUEST,
            &format!(
                "the request body could not be read within {} s",
                READ_TIME.as_secs()
            ),
        ),
    }
}

/// How long a client may take to send a body within the limit.
const READ_TIME: std::time::Duration = std::time::Duration::from_secs(60);
/// How much of an oversized body is read and thrown away so the client sees
/// the 413 rather than a reset connection; beyond it the connection just closes.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;
/// How long draining an oversized body may take.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// The whole body when it fits `limit` (after draining what a client may
/// still be sending when it does not).
async fn read_bounded(body: Body, limit: usize) -> Result<Bytes, Unread> {
    let mut body = body.into_data_stream();
    let mut collected = BytesMut::new();
    let fits = tokio::time::timeout(READ_TIME, async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.ok()?;
            if collected.len() + chunk.len() > limit {
                return Some(false);
            }
            collected.extend_from_slice(&chunk);
        }
        Some(true)
    })
    .await;
    match fits {
        Ok(Some(true)) => Ok(collected.freeze()),
        Ok(Some(false)) => {
            let _ = tokio::time::timeout(DRAIN_TIME, async {
                let mut drained = 0usize;
                while let Some(Ok(chunk)) = body.next().await {
                    drained += chunk.len();
                    if drained > DRAIN_LIMIT {
                        break;
                    }
                }
            })
            .await;
            Err(Unread::TooLarge)
        }
        _ => Err(Unread::Broken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().method(method).uri("/mcp");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn bodiless_requests_are_passed_through() {
        assert!(!may_have_body(&request(Method::GET, &[])));
        assert!(!may_have_body(&request(
            Method::GET,
            &[("content-length", "0")]
        )));
        assert!(may_have_body(&request(
            Method::GET,
            &[("content-length", "5")]
        )));
        assert!(may_have_body(&request(Method::POST, &[])));
        assert!(may_have_body(&request(Method::DELETE, &[])));
    }

    #[test]
    fn oversized_answers_close_the_connection_in_the_endpoint_shape() {
        let r = refuse("/mcp", StatusCode::PAYLOAD_TOO_LARGE, "too large");
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.headers()[header::CONNECTION], "close");
        let r = refuse("/oauth/token", StatusCode::PAYLOAD_TOO_LARGE, "too large");
        assert_eq!(r.headers()[header::CONNECTION], "close");
    }
}
