//! What every REST API of the fake shares: bearer authentication, scope checks
//! per method, query parameters, paging, JSON answers and Google's error shape.

pub mod error;
pub mod methods;

use std::time::SystemTime;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use error::ApiError;

use crate::form::parse_pairs;
use crate::{FakeGoogle, scopes};

/// Result of an API handler.
pub type ApiResult = Result<Response, ApiError>;

/// The user behind a valid access token, with the token's scopes.
#[derive(Debug, Clone)]
pub struct Caller {
    pub email: String,
    pub name: String,
    /// Workspace domain of the user (`None` for consumer accounts).
    pub hd: Option<String>,
    pub scopes: Vec<String>,
}

impl Caller {
    /// Fails with 403 `insufficientPermissions` unless the token holds one of
    /// the scopes Google accepts for `method` (a discovery method id).
    pub fn require(&self, method: &str) -> Result<(), ApiError> {
        let accepted = methods::method_scopes(method).unwrap_or(&[]);
        if accepted.iter().any(|s| scopes::has(&self.scopes, s)) {
            return Ok(());
        }
        let service = match method.split('.').next() {
            Some("gmail") => "gmail.googleapis.com",
            Some("drive") => "drive.googleapis.com",
            Some("docs") => "docs.googleapis.com",
            Some("sheets") => "sheets.googleapis.com",
            Some("slides") => "slides.googleapis.com",
            Some("tasks") => "tasks.googleapis.com",
            Some("people") => "people.googleapis.com",
            Some("forms") => "forms.googleapis.com",
            Some("chat") => "chat.googleapis.com",
            _ => "calendar-json.googleapis.com",
        };
        Err(ApiError::insufficient_scope(service, method, accepted))
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        scopes::has(&self.scopes, scope)
    }

    /// Whether `user_id` (`me` or an address) names the caller.
    pub fn is_self(&self, user_id: &str) -> bool {
        user_id == "me" || user_id.eq_ignore_ascii_case(&self.email)
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let from_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
    from_header.or_else(|| {
        parse_pairs(parts.uri.query().unwrap_or_default().as_bytes())
            .into_iter()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v)
    })
}

impl FromRequestParts<FakeGoogle> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, fake: &FakeGoogle) -> Result<Self, ApiError> {
        let Some(token) = bearer(parts) else {
            return Err(ApiError::unauthenticated(false));
        };
        fake.with_state(|s| {
            let t = s.access.get(&token)?;
            if t.expires_at <= SystemTime::now() {
                return None;
            }
            let user = s.user_by_sub(&t.sub)?;
            Some(Caller {
                email: user.email.to_ascii_lowercase(),
                name: user.name.clone(),
                hd: user.hd.clone(),
                scopes: t.scopes.clone(),
            })
        })
        .ok_or_else(|| ApiError::unauthenticated(true))
    }
}

/// Decoded query parameters (repeated names kept).
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<&str>) -> Self {
        Params(parse_pairs(query.unwrap_or_default().as_bytes()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
            Some(v) => Err(ApiError::invalid_argument(format!(
                "Invalid value at '{name}' (TYPE_BOOL), \"{v}\""
            ))),
        }
    }

    /// An unsigned count, `default` when absent, at most `max`.
    pub fn count(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(0) => Ok(default),
                Ok(n) => Ok(n.min(max)),
                Err(_) => Err(ApiError::invalid_argument(format!(
                    "Invalid value at '{name}' (TYPE_UINT32), \"{v}\""
                ))),
            },
        }
    }
}

/// One page of `items` starting at the offset `page_token` encodes.
pub fn page<T>(
    items: Vec<T>,
    page_token: Option<&str>,
    max: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = match page_token {
        None => 0,
        Some(token) => token
            .strip_prefix("p")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid_argument("Invalid pageToken"))?,
    };
    let total = items.len();
    let end = (start + max).min(total);
    let next = (end < total).then(|| format!("p{end:010}"));
    Ok((items.into_iter().skip(start).take(max).collect(), next))
}

/// A 200 JSON answer as Google's APIs send it.
pub fn ok_json(body: &Value) -> Response {
    json_with(StatusCode::OK, body)
}

pub fn json_with(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json; charset=UTF-8"),
            (header::CACHE_CONTROL, "private"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `204 No Content`.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Parses a JSON request body (an empty body is `{}`).
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_argument(format!("Invalid JSON payload received. {e}")))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
