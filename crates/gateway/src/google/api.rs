//! Calls to Google's Workspace REST APIs on behalf of one user: one shared,
//! pooled HTTP client; connect and total timeouts; retries with truncated
//! exponential backoff and full jitter on 429, 5xx and rate-limit 403s
//! (honouring a capped `Retry-After`); writes retried only when Google
//! certainly did not apply them; one token refresh and retry on 401. Every
//! call carries the calling user's own token.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::google::credentials::{CredentialError, Credentials};
use crate::metrics;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per call, including the first.
pub const MAX_ATTEMPTS: u32 = 4;
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(4);
/// The longest `Retry-After` the gateway waits; beyond it the call fails.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(10);

/// Base URLs of the Workspace APIs.
#[derive(Debug, Clone)]
pub struct ApiBases {
    pub gmail: Url,
    pub calendar: Url,
    pub drive: Url,
    pub docs: Url,
    pub sheets: Url,
    pub slides: Url,
    pub tasks: Url,
    pub people: Url,
    pub forms: Url,
    pub chat: Url,
}

impl ApiBases {
    pub fn google() -> Self {
        let u = |s: &str| Url::parse(s).expect("valid Google URL");
        Self {
            gmail: u("https://gmail.googleapis.com"),
            calendar: u("https://www.googleapis.com"),
            drive: u("https://www.googleapis.com"),
            docs: u("https://docs.googleapis.com"),
            sheets: u("https://sheets.googleapis.com"),
            slides: u("https://slides.googleapis.com"),
            tasks: u("https://tasks.googleapis.com"),
            people: u("https://people.googleapis.com"),
            forms: u("https://forms.googleapis.com"),
            chat: u("https://chat.googleapis.com"),
        }
    }

    /// Every API on one origin (the fake Google).
    pub fn under(base: &Url) -> Self {
        Self {
            gmail: base.clone(),
            calendar: base.clone(),
            drive: base.clone(),
            docs: base.clone(),
            sheets: base.clone(),
            slides: base.clone(),
            tasks: base.clone(),
            people: base.clone(),
            forms: base.clone(),
            chat: base.clone(),
        }
    }

    pub fn from_base_url(base: Option<&Url>) -> Self {
        base.map(Self::under).unwrap_or_else(Self::google)
    }
}

/// Joins an API path (e.g. `/gmail/v1/users/me/messages`) to a base URL.
pub fn api_url(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    let prefix = base.path().trim_end_matches('/');
    u.set_path(&format!("{prefix}{path}"));
    u
}

/// `api_url(base, prefix)` followed by `segments`, each percent-encoded as
/// one path segment (ids and A1 ranges may hold `/`, `#`, spaces, quotes).
pub fn api_url_segments(base: &Url, prefix: &str, segments: &[&str]) -> Url {
    let mut u = api_url(base, prefix);
    u.path_segments_mut()
        .expect("an http(s) base URL")
        .extend(segments);
    u
}

/// Why a Google API call failed, phrased for the person and model using a tool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Credentials(#[from] CredentialError),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("permission denied by Google: {0}")]
    PermissionDenied(String),
    #[error(
        "the gateway lacks the Google permission ({scope}) for this; grant it by signing in again at {sign_in_url}"
    )]
    MissingScope { scope: String, sign_in_url: String },
    #[error("Google rejected the request: {0}")]
    BadRequest(String),
    #[error(
        "Google's quota for this was exhausted after {attempts} attempts; try again in a minute"
    )]
    QuotaExhausted { attempts: u32 },
    #[error("Google is unavailable ({0}); try again shortly")]
    Unavailable(String),
    #[error("the item changed meanwhile ({0}); read it again and retry")]
    Conflict(String),
}

/// What a retry is allowed to assume about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads and idempotent writes: retry on 429, 5xx, rate-limit 403 and timeouts.
    Safe,
    /// Non-idempotent writes (send an email, create an event): retry only when
    /// Google rejected the request before acting on it (429, rate-limit 403).
    RejectedOnly,
}

/// The Google requests one tool call made: every request sent, and how many
/// of them repeated an earlier one (after a 429, a 5xx, a timeout or a
/// refreshed token).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub calls: u32,
    pub retries: u32,
}

tokio::task_local! {
    static USAGE: std::cell::Cell<Usage>;
}

/// Runs `fut`, counting the Google requests it sends from its own task.
pub async fn counting<F: std::future::Future>(fut: F) -> (F::Output, Usage) {
    USAGE
        .scope(std::cell::Cell::new(Usage::default()), async {
            let out = fut.await;
            (out, USAGE.with(std::cell::Cell::get))
        })
        .await
}

fn count_request(retry: bool) {
    let _ = USAGE.try_with(|u| {
        let mut v = u.get();
        v.calls += 1;
        v.retries += u32::from(retry);
        u.set(v);
    });
}

/// A Google API client for all users of one task. Cheap to clone.
#[derive(Clone)]
pub struct GoogleApi {
    http: reqwest::Client,
    credentials: Credentials,
    pub bases: ApiBases,
}

/// Google's JSON error body: `{"error": {"code", "message", "status", "errors": [{"reason"}]}}`.
fn error_parts(body: &Value) -> (String, String, Vec<String>) {
    let e = &body["error"];
    let message = e["message"].as_str().unwrap_or("").to_owned();
    let status = e["status"].as_str().unwrap_or("").to_owned();
    let reasons = e["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["reason"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (message, status, reasons)
}

fn is_rate_limit(status: StatusCode, reasons: &[String]) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::FORBIDDEN
            && reasons.iter().any(|r| {
                matches!(
                    r.as_str(),
                    "rateLimitExceeded" | "userRateLimitExceeded" | "quotaExceeded"
                )
            })
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Truncated exponential backoff with full jitter.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(1 << attempt.min(8))
        .min(BACKOFF_CAP);
    let jitter: f64 = rand::random();
    ceiling.mul_f64(jitter.max(0.1))
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Bytes { content_type: String, data: Vec<u8> },
}

impl GoogleApi {
    pub fn new(credentials: Credentials, bases: ApiBases) -> Result<Self, reqwest::Error> {
        let http = super::http_client_builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(concat!("workspace-mcp-gateway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            credentials,
            bases,
        })
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// GET returning JSON.
    pub async fn get(&self, user: &str, url: Url) -> Result<Value, ApiError> {
        self.call(user, Method::GET, url, None, Retry::Safe)
            .await
            .map(|(v, _)| v)
    }

    /// GET parsed straight into `T` (no intermediate JSON tree: cheaper for
    /// large answers whose shape is known).
    pub async fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        user: &str,
        url: Url,
    ) -> Result<T, ApiError> {
        let (_, (bytes, _)) = self
            .call_raw(user, Method::GET, url, None, Retry::Safe)
            .await?;
        serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::Unavailable("Google sent an unreadable answer".into()))
    }

    /// GET returning raw bytes and the content type (file downloads).
    pub async fn get_bytes(&self, user: &str, url: Url) -> Result<(Vec<u8>, String), ApiError> {
        let (_, (bytes, content_type)) = self
            .call_raw(user, Method::GET, url, None, Retry::Safe)
            .await?;
        Ok((bytes.to_vec(), content_type))
    }

    /// Any method with an optional body, returning JSON (`Null` for empty bodies).
    pub async fn call(
        &self,
        user: &str,
        method: Method,
        url: Url,
        body: Option<Body>,
        retry: Retry,
    ) -> Result<(Value, StatusCode), ApiError> {
        let created_at = (method != Method::GET).then(|| url.clone());
        let (status, (bytes, _)) = self.call_raw(user, method, url, body, retry).await?;
        if bytes.is_empty() {
            return Ok((Value::Null, status));
        }
        let answer: Value = serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::Unavailable("Google sent an unreadable answer".into()))?;
        if let Some(url) = created_at {
            super::touched::note_answer(&url, &answer);
        }
        Ok((answer, status))
    }

    async fn call_raw(
        &self,
        user: &str,
        method: Method,
        url: Url,
        body: Option<Body>,
        retry: Retry,
    ) -> Result<(StatusCode, (bytes::Bytes, String)), ApiError> {
        super::touched::note_request(&url);
        let mut token = self.credentials.access_token(user).await?;
        let mut refreshed = false;
        let mut attempt = 0;
        let mut sent = false;
        let api = metrics::labels::Api::of_path(url.path());
        loop {
            attempt += 1;
            let again = std::mem::replace(&mut sent, true);
            count_request(again);
            if again {
                metrics::google_retry(api);
            }
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.expose());
            match &body {
                Some(Body::Json(v)) => req = req.json(v),
                Some(Body::Bytes { content_type, data }) => {
                    req = req
                        .header(reqwest::header::CONTENT_TYPE, content_type)
                        .body(data.clone());
                }
                None => {}
            }
            let response = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    metrics::google_call(api, None);
                    // A connection that never opened cannot have changed anything.
                    let may_retry = retry == Retry::Safe || e.is_connect();
                    if may_retry && attempt < MAX_ATTEMPTS {
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    let what = if e.is_timeout() {
                        "no answer in time"
                    } else if e.is_connect() {
                        "cannot connect"
                    } else {
                        "the request failed"
                    };
                    return Err(ApiError::Unavailable(what.into()));
                }
            };
            let status = response.status();
            metrics::google_call(api, Some(status.as_u16()));
            let headers = response.headers();
            let content_type = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let retry_after = retry_after(headers);
            let bytes = response
                .bytes()
                .await
                .map_err(|_| ApiError::Unavailable("the answer was cut off".into()))?;
            if status.is_success() {
                return Ok((status, (bytes, content_type)));
            }
            let body_json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let (message, google_status, reasons) = error_parts(&body_json);
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                token = self.credentials.after_rejection(user, &token).await?;
                attempt -= 1;
                continue;
            }
            let rate_limited = is_rate_limit(status, &reasons);
            if rate_limited {
                metrics::google_rate_limited(api);
            }
            if rate_limited || status.is_server_error() {
                let allowed = rate_limited || retry == Retry::Safe;
                let wait = retry_after.unwrap_or_else(|| backoff(attempt));
                if allowed && attempt < MAX_ATTEMPTS && wait <= RETRY_AFTER_CAP {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                if rate_limited {
                    return Err(ApiError::QuotaExhausted { attempts: attempt });
                }
                return Err(ApiError::Unavailable(format!("HTTP {}", status.as_u16())));
            }
            let message = if message.is_empty() {
                format!("HTTP {}", status.as_u16())
            } else {
                message
            };
            return Err(match status {
                StatusCode::UNAUTHORIZED => {
                    ApiError::Credentials(CredentialError::SignInRequired {
                        sign_in_url: self.credentials.sign_in_url().to_owned(),
                    })
                }
                StatusCode::NOT_FOUND | StatusCode::GONE => ApiError::NotFound(message),
                StatusCode::FORBIDDEN
                    if google_status == "PERMISSION_DENIED"
                        && reasons.iter().any(|r| r == "insufficientPermissions")
                        || message.contains("insufficient authentication scopes") =>
                {
                    ApiError::MissingScope {
                        scope: scope_for(&url),
                        sign_in_url: self.credentials.sign_in_url().to_owned(),
                    }
                }
                StatusCode::FORBIDDEN => ApiError::PermissionDenied(message),
                StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED => {
                    ApiError::Conflict(message)
                }
                _ => ApiError::BadRequest(message),
            });
        }
    }
}

/// The Google service a URL belongs to, for error messages.
fn scope_for(url: &Url) -> String {
    let p = url.path();
    let service = if p.contains("/gmail/") {
        "Gmail"
    } else if p.contains("/calendar/") {
        "Calendar"
    } else if p.contains("/drive/") {
        "Drive"
    } else if p.contains("/documents") {
        "Docs"
    } else if p.contains("/spreadsheets") {
        "Sheets"
    } else if p.contains("/presentations") {
        "Slides"
    } else if p.contains("/tasks/") {
        "Tasks"
    } else if p.contains("/people") {
        "Contacts"
    } else if p.contains("/v1/forms") {
        "Forms"
    } else if p.contains("/v1/spaces") {
        "Chat"
    } else {
        "Google"
    };
    format!("{service} access")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        for attempt in 1..10 {
            let d = backoff(attempt);
            assert!(d <= BACKOFF_CAP, "{d:?}");
            assert!(d >= BACKOFF_BASE.mul_f64(0.1).min(BACKOFF_CAP.mul_f64(0.1)));
        }
        let samples: std::collections::HashSet<_> = (0..20).map(|_| backoff(3)).collect();
        assert!(samples.len() > 1, "no jitter");
    }

    #[test]
    fn rate_limits_are_recognised() {
        assert!(is_rate_limit(StatusCode::TOO_MANY_REQUESTS, &[]));
        assert!(is_rate_limit(
            StatusCode::FORBIDDEN,
            &["userRateLimitExceeded".into()]
        ));
        assert!(!is_rate_limit(StatusCode::FORBIDDEN, &["forbidden".into()]));
    }

    #[test]
    fn path_segments_are_encoded_one_by_one() {
        let base = Url::parse("http://127.0.0.1:9/_fake-google").unwrap();
        assert_eq!(
            api_url_segments(
                &base,
                "/v4/spreadsheets",
                &["id", "values", "'It's Q4'!A1/B"]
            )
            .as_str(),
            "http://127.0.0.1:9/_fake-google/v4/spreadsheets/id/values/'It's%20Q4'!A1%2FB"
        );
    }

    #[test]
    fn api_urls_keep_a_base_path() {
        let base = Url::parse("http://127.0.0.1:9/_fake-google").unwrap();
        assert_eq!(
            api_url(&base, "/gmail/v1/users/me/messages").as_str(),
            "http://127.0.0.1:9/_fake-google/gmail/v1/users/me/messages"
        );
    }
}
