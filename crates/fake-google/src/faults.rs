//! Request counting, recording of the last request per path, and fault injection.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::FakeGoogle;
use crate::api::ApiError;
use crate::api::error::fault_body;
use crate::form::parse_pairs;

/// Gmail accepts messages up to 35 MB (base64 in JSON makes them bigger).
const MAX_RECORDED_BODY: usize = 64 << 20;

/// A scripted failure (or delay) for requests to one path, or to every path
/// under a prefix when `path` ends with `*` (e.g. `/gmail/v1/users/me/messages*`).
///
/// With `status` set, the next `times` matching requests (all of them when
/// `times` is `None`) get that status and `body` instead of the real answer.
/// Without `status`, matching requests are only delayed by `latency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub path: String,
    pub method: Option<Method>,
    pub status: Option<StatusCode>,
    /// Response body; sent as JSON when it parses as JSON, else as text.
    pub body: Option<String>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
    pub latency: Option<Duration>,
    pub times: Option<u32>,
}

impl Fault {
    /// A fault on `path` that, as built, does nothing: add a status or latency.
    pub fn new(path: impl Into<String>) -> Self {
        Fault {
            path: path.into(),
            method: None,
            status: None,
            body: None,
            retry_after: None,
            latency: None,
            times: None,
        }
    }

    /// Answers requests to `path` with `status` and Google's JSON error shape.
    pub fn status(path: impl Into<String>, status: u16) -> Self {
        let mut fault = Fault::new(path);
        fault.status = Some(StatusCode::from_u16(status).expect("valid status code"));
        fault
    }

    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Google's quota error: 403 `rateLimitExceeded` (or `userRateLimitExceeded`
    /// when `per_user`), in the API error shape.
    pub fn rate_limit(path: impl Into<String>, per_user: bool) -> Self {
        let (reason, message) = if per_user {
            ("userRateLimitExceeded", "User Rate Limit Exceeded")
        } else {
            ("rateLimitExceeded", "Rate Limit Exceeded")
        };
        let mut error = ApiError::new(StatusCode::FORBIDDEN, reason, message);
        error.domain = "usageLimits";
        Fault::status(path, 403).body(error.body().to_string())
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        let path_matches = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        };
        path_matches && self.method.as_ref().is_none_or(|m| m == method)
    }

    fn response(&self, status: StatusCode, path: &str) -> Response {
        let api = path.starts_with("/gmail/")
            || path.starts_with("/calendar/")
            || path.starts_with("/drive/")
            || path.starts_with("/v4/spreadsheets")
            || path.starts_with("/v1/documents")
            || path.starts_with("/v1/presentations")
            || path.starts_with("/upload/");
        let body = self.body.clone().unwrap_or_else(|| {
            if api {
                return fault_body(status).to_string();
            }
            let reason = status.canonical_reason().unwrap_or("Error");
            serde_json::json!({ "error": reason.to_ascii_lowercase().replace(' ', "_"), "error_description": reason })
                .to_string()
        });
        let content_type = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
            "application/json; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// What the fake last received on one path.
#[derive(Debug, Clone, Default)]
pub struct RecordedRequest {
    pub method: Method,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Decoded `application/x-www-form-urlencoded` body parameters, in order.
    pub form: Vec<(String, String)>,
    pub headers: HeaderMap,
}

impl RecordedRequest {
    /// The first value of `name` in the query string or, failing that, the form body.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(&self.form)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Query and form parameters as a map (first value wins).
    pub fn params(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        for (k, v) in self.query.iter().chain(&self.form) {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        map
    }
}

/// Middleware in front of every route: counts, records, applies faults.
pub(crate) async fn observe(
    State(fake): State<FakeGoogle>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_RECORDED_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let recorded = RecordedRequest {
        method: parts.method.clone(),
        query: parse_pairs(parts.uri.query().unwrap_or_default().as_bytes()),
        form: if is_form {
            parse_pairs(&bytes)
        } else {
            Vec::new()
        },
        headers: parts.headers.clone(),
    };
    let fault = fake.with_state(|s| {
        *s.counters.entry(path.clone()).or_default() += 1;
        s.last.insert(path.clone(), recorded);
        let index = s
            .faults
            .iter()
            .position(|f| f.matches(&parts.method, &path))?;
        let fault = s.faults[index].clone();
        if let Some(times) = s.faults[index].times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                s.faults.remove(index);
            }
        }
        Some(fault)
    });
    if let Some(fault) = &fault {
        if let Some(latency) = fault.latency {
            tokio::time::sleep(latency).await;
        }
        if let Some(status) = fault.status {
            return fault.response(status, &path);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
