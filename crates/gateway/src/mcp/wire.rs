//! The JSON-RPC wire in front of rmcp: errors in the shape the protocol
//! says, and batches for the revision that has them.
//!
//! - A body that is not JSON: 400 with a parse error (-32700, `id` null).
//! - JSON that is not a JSON-RPC message: 400 with -32600 (the `id` when one
//!   can be read). A request whose parameters rmcp cannot read: a JSON-RPC
//!   error -32602 for its `id`. rmcp itself answers all of these with 415
//!   and plain text; the happy path pays nothing for the translation, which
//!   runs only on rmcp's refusals.
//! - Every other refusal rmcp answers in plain text (406, 415 for a wrong
//!   content type, 404) keeps its status and gets a JSON-RPC error body.
//! - A JSON array is a batch. Revision 2025-03-26 requires servers to accept
//!   them: in a session negotiated at that revision each message is handed
//!   to rmcp on its own (concurrently) and the answers come back as one JSON
//!   array (202 when the batch held no request). Later revisions removed
//!   batches: they are refused with -32600.

use axum::{
    Json,
    body::Body,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use serde_json::{Value, json};

/// The protocol revision a session was negotiated at, put in the request's
/// extensions by the session guard.
#[derive(Debug, Clone)]
pub struct SessionRevision(pub String);

/// The one revision whose sessions accept JSON-RPC batches.
pub const BATCH_REVISION: &str = "2025-03-26";

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const INVALID_PARAMS: i64 = -32602;

/// Answers of rmcp that are bounded and small; anything larger is passed on.
const MAX_REWRITTEN_BODY: usize = 64 * 1024;

/// A JSON-RPC error response with an HTTP status.
pub fn error(status: StatusCode, id: Value, code: i64, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code, "message": message.into()},
        })),
    )
        .into_response()
}

pub(crate) fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json") || v.to_ascii_lowercase().ends_with("+json")
        })
}

pub(crate) fn is_batch(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Runs on every `/mcp` request, in front of rmcp.
pub async fn wire(req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return reshape_refusal(next.run(req).await).await;
    }
    let json_body = is_json_content_type(req.headers());
    let (parts, body) = req.into_parts();
    // The body was read (and bounded) before routing: this only moves it.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error(
            StatusCode::BAD_REQUEST,
            Value::Null,
            INVALID_REQUEST,
            "the request body could not be read",
        );
    };
    if json_body && is_batch(&bytes) {
        return batch(parts, bytes, next).await;
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    if json_body && response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return invalid_message(&bytes);
    }
    reshape_refusal(response).await
}

/// The body as JSON, or the parse error (-32700) that answers it.
fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(bytes).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            Value::Null,
            PARSE_ERROR,
            format!("Parse error: the body is not JSON ({e})"),
        ))
    })
}

/// Explains why a JSON body rmcp refused is not a message it can take.
pub fn invalid_message(bytes: &[u8]) -> Response {
    let value: Value = match parse(bytes) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let Value::Object(message) = &value else {
        return error(
            StatusCode::BAD_REQUEST,
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: a JSON-RPC message is a JSON object",
        );
    };
    let id = message
        .get("id")
        .filter(|id| id.is_string() || id.is_i64() || id.is_u64())
        .cloned();
    let invalid = |why: &str| {
        error(
            StatusCode::BAD_REQUEST,
            id.clone().unwrap_or(Value::Null),
            INVALID_REQUEST,
            format!("Invalid Request: {why}"),
        )
    };
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid("\"jsonrpc\" must be \"2.0\"");
    }
    if message.get("id").is_some_and(|v| !v.is_null()) && id.is_none() {
        return invalid("\"id\" must be a string or an integer");
    }
    match message.get("method") {
        Some(Value::String(method)) => {
            let detail = serde_json::from_slice::<rmcp::model::ClientJsonRpcMessage>(bytes)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            let text = format!("Invalid params for {method}: {detail}");
            match id {
                // A request: the error is its answer.
                Some(id) => error(StatusCode::OK, id, INVALID_PARAMS, text),
                None => error(StatusCode::BAD_REQUEST, Value::Null, INVALID_PARAMS, text),
            }
        }
        Some(_) => invalid("\"method\" must be a string"),
        None if message.contains_key("result") || message.contains_key("error") => {
            invalid("a response must carry an \"id\" of a request and a valid result or error")
        }
        None => invalid(
            "a message needs a \"method\" (request or notification) or a \"result\" or \"error\" (response)",
        ),
    }
}

/// Gives rmcp's plain-text refusals a JSON-RPC error body, keeping the status.
async fn reshape_refusal(response: Response) -> Response {
    let status = response.status();
    if !status.is_client_error() || is_json_content_type(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_REWRITTEN_BODY).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_owned(),
        Err(_) => String::new(),
    };
    let text = if text.is_empty() {
        status.canonical_reason().unwrap_or("refused").to_owned()
    } else {
        text
    };
    let mut reshaped = error(status, Value::Null, INVALID_REQUEST, text);
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            reshaped.headers_mut().insert(name, v.clone());
        }
    }
    reshaped
}

async fn batch(parts: axum::http::request::Parts, bytes: Bytes, next: Next) -> Response {
    let revision = parts
        .extensions
        .get::<SessionRevision>()
        .map(|r| r.0.as_str());
    if revision != Some(BATCH_REVISION) {
        let why = match revision {
            Some(r) => format!("this session speaks revision {r}, which has no batches"),
            None => "batches are only accepted inside a session negotiated at revision 2025-03-26 (initialize is never batched)".to_owned(),
        };
        return error(
            StatusCode::BAD_REQUEST,
            Value::Null,
            INVALID_REQUEST,
            format!("Invalid Request: {why}; send one JSON-RPC message per request"),
        );
    }
    let messages: Vec<Value> = match parse(&bytes) {
        Ok(m) => m,
        Err(answer) => return *answer,
    };
    if messages.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: an empty batch",
        );
    }
    let answers = futures::future::join_all(messages.into_iter().map(|message| {
        let next = next.clone();
        let mut parts = parts.clone();
        parts.headers.remove(header::CONTENT_LENGTH);
        async move { one_of_batch(parts, message, next).await }
    }))
    .await;
    let answers: Vec<Value> = answers.into_iter().flatten().collect();
    if answers.is_empty() {
        return StatusCode::ACCEPTED.into_response();
    }
    let mut response = Json(Value::Array(answers)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Hands one message of a batch to rmcp and returns its answers.
async fn one_of_batch(parts: axum::http::request::Parts, message: Value, next: Next) -> Vec<Value> {
    let bytes = Bytes::from(serde_json::to_vec(&message).unwrap_or_default());
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let status = response.status();
    if status == StatusCode::ACCEPTED {
        return Vec::new();
    }
    let response = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        invalid_message(&bytes)
    } else {
        reshape_refusal(response).await
    };
    response_messages(response)
        .await
        .into_iter()
        .filter(|v| v.get("id").is_some())
        .collect()
}

/// The JSON-RPC messages of an answer of rmcp: one JSON message, a JSON
/// array of them, or an SSE body; none for a 202.
pub(crate) async fn response_messages(response: Response) -> Vec<Value> {
    if response.status() == StatusCode::ACCEPTED {
        return Vec::new();
    }
    let is_sse = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let Ok(body) = axum::body::to_bytes(response.into_body(), usize::MAX).await else {
        return Vec::new();
    };
    if is_sse {
        return sse_messages(&body);
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(batch)) => batch,
        Ok(Value::Null) | Err(_) => Vec::new(),
        Ok(one) => vec![one],
    }
}

/// The JSON-RPC responses in an SSE body (`data:` lines of each event).
pub(crate) fn sse_messages(body: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(body);
    text.split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            serde_json::from_str::<Value>(&data.join("\n")).ok()
        })
        .filter(|v| {
            v.get("id").is_some() && (v.get("result").is_some() || v.get("error").is_some())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(bytes: &[u8]) -> (StatusCode, Value) {
        let r = invalid_message(bytes);
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn not_json_is_a_parse_error() {
        let (status, body) = answer(b"{\"jsonrpc\": ").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], PARSE_ERROR);
        assert_eq!(body["id"], Value::Null);
    }

    #[tokio::test]
    async fn json_that_is_no_message_is_an_invalid_request() {
        for bad in [
            &b"42"[..],
            b"{\"jsonrpc\": \"1.0\", \"id\": 1, \"method\": \"ping\"}",
            b"{\"jsonrpc\": \"2.0\", \"id\": {}, \"method\": \"ping\"}",
            b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": 7}",
            b"{\"jsonrpc\": \"2.0\"}",
        ] {
            let (status, body) = answer(bad).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(body["error"]["code"], INVALID_REQUEST, "{body}");
        }
        let (_, body) = answer(b"{\"jsonrpc\": \"1.0\", \"id\": 7, \"method\": \"ping\"}").await;
        assert_eq!(body["id"], 7);
    }

    #[tokio::test]
    async fn a_request_with_unreadable_params_gets_invalid_params_for_its_id() {
        let (status, body) = answer(
            br#"{"jsonrpc": "2.0", "id": "a", "method": "tools/call", "params": {"name": 5}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["error"]["code"], INVALID_PARAMS);
        assert_eq!(body["id"], "a");
    }

    #[test]
    fn sse_bodies_yield_their_responses() {
        let body =
            b"id: 0\ndata: \n\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n";
        let messages = sse_messages(body);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0]["id"], 3);
    }
}
