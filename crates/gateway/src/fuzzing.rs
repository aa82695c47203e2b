//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz), compiled only
//! with the `fuzzing` feature. Each is a thin wrapper around a crate-private
//! parser or builder, so the targets reach it without it being public; the
//! public ones (`oauth::redirect`, `oauth::tokens`, `tools::docs`,
//! `tools::sheets::a1`, …) the targets call directly. docs/fuzzing.md lists
//! the targets and what each asserts.

use axum::{
    body::Body,
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    mcp::wire,
    oauth::{
        bearer,
        params::{OAuthForm, OAuthQuery},
    },
    tools::{
        ToolResult,
        drive::SearchArgs as DriveSearchArgs,
        gmail::{ComposeArgs, SearchArgs as GmailSearchArgs},
    },
};

/// An HTTP answer: status, headers, and the body read as JSON
/// (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

fn answer(response: Response) -> Answer {
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let bytes =
        futures::executor::block_on(axum::body::to_bytes(body, usize::MAX)).unwrap_or_default();
    Answer {
        status,
        headers: parts.headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

// ---- JSON-RPC wire (mcp::wire) ----

/// Whether `/mcp` reads a JSON body as a batch.
pub fn jsonrpc_is_batch(body: &[u8]) -> bool {
    wire::is_batch(body)
}

/// Whether a `Content-Type` value names JSON (`None`: not a header value).
pub fn jsonrpc_is_json(content_type: &[u8]) -> Option<bool> {
    let value = HeaderValue::from_bytes(content_type).ok()?;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, value);
    Some(wire::is_json_content_type(&headers))
}

/// The JSON-RPC error `/mcp` answers a JSON body rmcp refused with.
pub fn jsonrpc_invalid_message(body: &[u8]) -> Answer {
    answer(wire::invalid_message(body))
}

/// The JSON-RPC responses read from an SSE body.
pub fn jsonrpc_sse_messages(body: &[u8]) -> Vec<Value> {
    wire::sse_messages(body)
}

// ---- OAuth parameters (oauth::params) ----

/// An OAuth form body (`/oauth/token`, `/oauth/revoke`) read as `T`, or the
/// refusal.
pub fn oauth_form<T: DeserializeOwned>(
    content_type: Option<&[u8]>,
    body: &[u8],
) -> Result<T, Box<Answer>> {
    let mut req = Request::builder().method("POST").uri("/oauth/token");
    if let Some(ct) = content_type.and_then(|ct| HeaderValue::from_bytes(ct).ok()) {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let req = req
        .body(Body::from(body.to_vec()))
        .expect("a request of a fixed method and URI");
    futures::executor::block_on(OAuthForm::<T>::from_request(req, &()))
        .map(|OAuthForm(t)| t)
        .map_err(|r| Box::new(answer(r)))
}

/// The query of a browser endpoint (`/oauth/authorize`, …) read as `T`:
/// `None` when `query` cannot be a URI's query, else the parameters or the
/// refusal's OAuth error code.
pub fn oauth_query<T: DeserializeOwned>(query: &str) -> Option<Result<T, String>> {
    let (mut parts, ()) = Request::builder()
        .uri(format!("/oauth/authorize?{query}"))
        .body(())
        .ok()?
        .into_parts();
    Some(
        futures::executor::block_on(OAuthQuery::<T>::from_request_parts(&mut parts, &()))
            .map(|OAuthQuery(t)| t)
            .map_err(|e| e.error().code.as_str().to_owned()),
    )
}

// ---- Bearer tokens (oauth::bearer) ----

/// The token `/mcp` reads from an `Authorization` header value.
pub fn bearer_token(authorization: &str) -> Option<&str> {
    bearer::bearer_token(authorization)
}

// ---- Gmail: building and reading messages (tools::gmail) ----

/// A message built by `gmail_send` / `gmail_create_draft`.
#[derive(Debug, Clone)]
pub struct ComposedMessage {
    /// The RFC 5322 message, as sent in `raw`.
    pub raw: Vec<u8>,
    pub subject: String,
    /// To, Cc and Bcc addresses, in that order.
    pub recipients: Vec<String>,
    pub message_id: String,
    pub thread_id: Option<String>,
}

/// Builds the message for `args` as the tools do, `original` standing for
/// Gmail's `format=metadata` answer about the message replied to.
pub fn gmail_compose(
    args: &ComposeArgs,
    original: Option<&Value>,
    sender: Option<&str>,
) -> Result<ComposedMessage, String> {
    use crate::tools::gmail::compose::{Original, compose_with};
    let fetch = |id: String| async move {
        match original {
            Some(m) => Ok(Original::from_metadata(m)),
            None => Err(crate::tools::ToolError::invalid(
                "reply_to_message_id",
                format!("no message to reply to with id {id}"),
            )),
        }
    };
    futures::executor::block_on(compose_with(args, sender, fetch))
        .map(|c| ComposedMessage {
            raw: c.raw,
            subject: c.subject,
            recipients: c.recipients,
            message_id: c.message_id,
            thread_id: c.thread_id,
        })
        .map_err(|e| e.to_string())
}

/// `(display name, address)` of one recipient argument.
pub fn gmail_parse_address(s: &str) -> Option<(Option<String>, String)> {
    crate::tools::gmail::compose::parse_address(s)
}

/// A recipient list given as one string, split into addresses.
pub fn gmail_split_addresses(s: &str) -> Vec<String> {
    crate::tools::gmail::compose::split_addresses(s)
}

/// Decodes base64url or standard base64, padded or not.
pub fn gmail_decode_base64(data: &str) -> Option<Vec<u8>> {
    crate::tools::gmail::message::decode_base64(data)
}

/// Decodes RFC 2047 encoded words in a header value.
pub fn gmail_decode_header(value: &str) -> String {
    crate::tools::gmail::message::decode_header(value)
}

/// What `gmail_read_message` shows of a `format=full` message resource:
/// the plain and HTML bodies as text, the attachments' names, the headers
/// From, To and Subject, the date.
pub fn gmail_read(message: &Value) -> (Option<String>, Option<String>, Vec<String>, Vec<String>) {
    use crate::tools::gmail::message::{
        PartData, header, html_to_text, internal_date, parts, to_string, without_quotes,
    };
    let p = parts(&message["payload"]);
    let text = |t: Option<crate::tools::gmail::message::TextPart>| {
        t.map(|t| match t.data {
            PartData::Inline(bytes) => to_string(&bytes, t.charset.as_deref()),
            PartData::Attachment(id) => id,
        })
    };
    let plain = text(p.plain).map(|s| without_quotes(&s));
    let html = text(p.html).map(|s| html_to_text(&s));
    let names = p.attachments.into_iter().map(|a| a.filename).collect();
    let headers = ["From", "To", "Subject"]
        .iter()
        .map(|h| header(&message["payload"], h))
        .chain([internal_date(message)])
        .collect();
    (plain, html, names, headers)
}

/// Cuts a body to `limit` characters, with a note; whether it was cut.
pub fn gmail_cut(text: &mut String, limit: usize) -> bool {
    crate::tools::gmail::message::cut(text, limit)
}

// ---- Gmail and Drive queries ----

/// The messages.list URL `gmail_search` calls, under `base`.
pub fn gmail_search_url(base: &url::Url, args: &GmailSearchArgs) -> ToolResult<url::Url> {
    crate::tools::gmail::search::list_url(base, args)
}

/// Label ids for label names or ids, as `gmail_search` and
/// `gmail_modify_labels` resolve them against the mailbox's `(id, name)`s.
pub fn gmail_resolve_labels(
    labels: &[(String, String)],
    wanted: &[String],
) -> ToolResult<Vec<String>> {
    crate::tools::gmail::labels::resolve(labels, wanted, "label_ids")
}

/// Drive's `q` for `drive_search`'s arguments.
pub fn drive_query(args: &DriveSearchArgs) -> ToolResult<String> {
    crate::tools::drive::search::query(args)
}
