//! OAuth errors: one enum of codes, one error type (code, description, and
//! the status where the code does not imply it), and one way to render each
//! of the forms an endpoint reports it in:
//!
//! - a JSON body at the token, registration and revocation endpoints
//!   (RFC 6749 section 5.2, RFC 7591 section 3.2.2, RFC 7009), with
//!   `Cache-Control: no-store` and the headers the code calls for
//!   ([`IntoResponse`]);
//! - the same body with a `WWW-Authenticate: Bearer` challenge in front of
//!   `/mcp` (RFC 6750, [`OAuthError::bearer`]);
//! - an HTML page where no redirect URI is trusted yet (never a redirect to an
//!   unverified URI, [`OAuthError::page`]);
//! - a redirect back to the client's verified redirect URI with `error`,
//!   `error_description`, `state` and `iss` (RFC 6749 section 4.1.2.1,
//!   RFC 9207, [`OAuthError::redirect`]).
//!
//! The browser-facing endpoints return [`BrowserError`], which is a page or a
//! redirect; the others return [`OAuthError`].

use std::fmt;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    pages,
    redirect::{ClientRedirect, found},
};
use crate::{store::StoreError, vault::VaultError};

/// The error codes the gateway answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // RFC 6749 sections 4.1.2.1 and 5.2.
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    ServerError,
    TemporarilyUnavailable,
    /// RFC 8707 section 2: a resource this server issues no tokens for.
    InvalidTarget,
    // RFC 7591 section 3.2.2.
    InvalidRedirectUri,
    InvalidClientMetadata,
    // RFC 6750 section 3.1.
    InvalidToken,
    InsufficientScope,
    /// RFC 8628 section 3.5: here, too many client registrations.
    SlowDown,
}

impl ErrorCode {
    /// Every code, for tests and documentation.
    pub const ALL: [ErrorCode; 16] = [
        Self::InvalidRequest,
        Self::InvalidClient,
        Self::InvalidGrant,
        Self::UnauthorizedClient,
        Self::UnsupportedGrantType,
        Self::UnsupportedResponseType,
        Self::InvalidScope,
        Self::AccessDenied,
        Self::ServerError,
        Self::TemporarilyUnavailable,
        Self::InvalidTarget,
        Self::InvalidRedirectUri,
        Self::InvalidClientMetadata,
        Self::InvalidToken,
        Self::InsufficientScope,
        Self::SlowDown,
    ];

    /// The code as the RFCs spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidTarget => "invalid_target",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::SlowDown => "slow_down",
        }
    }

    /// The HTTP status the code is answered with unless an error says
    /// otherwise.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::AccessDenied | Self::InsufficientScope => StatusCode::FORBIDDEN,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::SlowDown => StatusCode::TOO_MANY_REQUESTS,
            Self::InvalidRequest
            | Self::InvalidGrant
            | Self::UnauthorizedClient
            | Self::UnsupportedGrantType
            | Self::UnsupportedResponseType
            | Self::InvalidScope
            | Self::InvalidTarget
            | Self::InvalidRedirectUri
            | Self::InvalidClientMetadata => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Retry-After` of a 429 or 503 answer unless the error names its own.
const RETRY_AFTER_SECONDS: u64 = 10;

/// An OAuth error: its code, a description for the person or developer who
/// reads it, and the status where the code's usual one does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
    status: Option<StatusCode>,
    retry_after: Option<u64>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            status: None,
            retry_after: None,
        }
    }

    /// Answers with `status` instead of the code's usual one.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// Names the wait in `Retry-After` (in seconds, at least 1).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or(self.code.status())
    }

    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, d)
    }

    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, d)
    }

    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, d)
    }

    pub fn invalid_target(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidTarget, d)
    }

    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidScope, d)
    }

    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedGrantType, d)
    }

    pub fn unsupported_response_type(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedResponseType, d)
    }

    pub fn invalid_redirect_uri(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRedirectUri, d)
    }

    pub fn invalid_client_metadata(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClientMetadata, d)
    }

    pub fn invalid_token(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidToken, d)
    }

    pub fn insufficient_scope(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InsufficientScope, d)
    }

    pub fn access_denied(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::AccessDenied, d)
    }

    pub fn temporarily_unavailable(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::TemporarilyUnavailable, d)
    }

    pub fn server_error(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::ServerError, d)
    }

    pub fn slow_down(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::SlowDown, d)
    }

    /// The JSON body every JSON form carries.
    fn body(&self) -> Value {
        json!({"error": self.code.as_str(), "error_description": self.description})
    }

    /// The resource server's answer in front of `/mcp`: the JSON body with
    /// `challenge` as `WWW-Authenticate` (RFC 6750 section 3).
    pub fn bearer(&self, challenge: HeaderValue) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
        response
    }

    /// An HTML page: for errors before the client's redirect URI is trusted,
    /// and for the plain browser sign-in.
    pub fn page(&self) -> Response {
        pages::error(self.status(), self.code.as_str(), &self.description)
    }

    /// A `302` back to the client's verified redirect URI.
    pub fn redirect(&self, to: &ClientRedirect) -> Response {
        found(&to.url(&[
            ("error", self.code.as_str()),
            ("error_description", &self.description),
        ]))
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        tracing::warn!(error = %e, "store failure in the authorization server");
        match e {
            StoreError::Unavailable(_) => {
                Self::temporarily_unavailable("the gateway's store is unavailable; retry shortly")
            }
            StoreError::Conflict => Self::temporarily_unavailable("a concurrent change won; retry"),
            StoreError::Corrupt(_) => Self::server_error("stored data could not be read"),
        }
    }
}

impl From<VaultError> for OAuthError {
    fn from(e: VaultError) -> Self {
        tracing::warn!(error = %e, "key service failure in the authorization server");
        Self::temporarily_unavailable("the gateway's key service is unavailable; retry shortly")
    }
}

/// The JSON answer of the token, registration and revocation endpoints:
/// `Cache-Control: no-store`; `WWW-Authenticate: Basic` when client
/// authentication failed (RFC 6749 section 5.2); `Retry-After` on 429 and 503.
impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.body())).into_response();
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.code == ErrorCode::InvalidClient && status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"mcp-gateway\""),
            );
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            let seconds = self.retry_after.unwrap_or(RETRY_AFTER_SECONDS);
            h.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// An error of the endpoints a browser visits (`/oauth/authorize`,
/// `/oauth/login`, `/oauth/callback`): a page until the client's redirect URI
/// is trusted, a redirect back to it after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserError {
    Page(OAuthError),
    Redirect(OAuthError, ClientRedirect),
}

impl BrowserError {
    pub fn error(&self) -> &OAuthError {
        match self {
            Self::Page(e) | Self::Redirect(e, _) => e,
        }
    }
}

impl From<OAuthError> for BrowserError {
    fn from(e: OAuthError) -> Self {
        Self::Page(e)
    }
}

impl From<StoreError> for BrowserError {
    fn from(e: StoreError) -> Self {
        Self::Page(e.into())
    }
}

impl IntoResponse for BrowserError {
    fn into_response(self) -> Response {
        match self {
            Self::Page(e) => e.page(),
            Self::Redirect(e, to) => e.redirect(&to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Every code with the string RFC 6749, 6750, 7591, 8628 and 8707 give it.
    const SPELLED: [(ErrorCode, &str); 16] = [
        (ErrorCode::InvalidRequest, "invalid_request"),
        (ErrorCode::InvalidClient, "invalid_client"),
        (ErrorCode::InvalidGrant, "invalid_grant"),
        (ErrorCode::UnauthorizedClient, "unauthorized_client"),
        (ErrorCode::UnsupportedGrantType, "unsupported_grant_type"),
        (
            ErrorCode::UnsupportedResponseType,
            "unsupported_response_type",
        ),
        (ErrorCode::InvalidScope, "invalid_scope"),
        (ErrorCode::AccessDenied, "access_denied"),
        (ErrorCode::ServerError, "server_error"),
        (ErrorCode::TemporarilyUnavailable, "temporarily_unavailable"),
        (ErrorCode::InvalidTarget, "invalid_target"),
        (ErrorCode::InvalidRedirectUri, "invalid_redirect_uri"),
        (ErrorCode::InvalidClientMetadata, "invalid_client_metadata"),
        (ErrorCode::InvalidToken, "invalid_token"),
        (ErrorCode::InsufficientScope, "insufficient_scope"),
        (ErrorCode::SlowDown, "slow_down"),
    ];

    async fn body_of(r: Response) -> String {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn location_params(r: &Response) -> (String, HashMap<String, String>) {
        let location = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
        let url = url::Url::parse(&location).unwrap();
        let params = url.query_pairs().into_owned().collect();
        (location, params)
    }

    #[test]
    fn every_code_is_spelled_as_its_rfc_says() {
        assert_eq!(
            SPELLED.map(|(c, _)| c),
            ErrorCode::ALL,
            "the table lists every code"
        );
        for (code, spelled) in SPELLED {
            assert_eq!(code.as_str(), spelled);
            assert_eq!(code.to_string(), spelled);
        }
    }

    #[tokio::test]
    async fn every_code_renders_as_json_page_and_redirect() {
        let to = ClientRedirect::new(
            "http://127.0.0.1:5555/cb?keep=1",
            Some("st<1>"),
            "https://gw.example",
        );
        for (code, spelled) in SPELLED {
            let e = OAuthError::new(code, "why <it> & \"how\"");

            let r = e.clone().into_response();
            assert_eq!(r.status(), code.status(), "{spelled}");
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
            assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
            let body: Value = serde_json::from_str(&body_of(r).await).unwrap();
            assert_eq!(
                body,
                json!({"error": spelled, "error_description": "why <it> & \"how\""})
            );

            let r = e.page();
            assert_eq!(r.status(), code.status(), "{spelled}");
            assert!(r.headers().get(header::LOCATION).is_none());
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
            let html = body_of(r).await;
            assert!(
                html.contains(&format!("<code>{spelled}</code>")),
                "{spelled}: {html}"
            );
            assert!(
                html.contains("why &lt;it&gt; &amp; &quot;how&quot;"),
                "{html}"
            );

            let r = e.redirect(&to);
            assert_eq!(r.status(), StatusCode::FOUND);
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
            let (location, p) = location_params(&r);
            assert!(location.starts_with("http://127.0.0.1:5555/cb?keep=1&error="));
            assert_eq!(p["error"], spelled);
            assert_eq!(p["error_description"], "why <it> & \"how\"");
            assert_eq!(p["state"], "st<1>");
            assert_eq!(p["iss"], "https://gw.example");
            assert_eq!(p["keep"], "1");

            // A browser error is the page, or the redirect, of its error.
            assert_eq!(
                BrowserError::Redirect(e.clone(), to.clone())
                    .into_response()
                    .headers()[header::LOCATION],
                location
            );
            assert_eq!(
                BrowserError::from(e.clone()).into_response().status(),
                code.status()
            );
        }
    }

    #[test]
    fn headers_follow_the_code_and_status() {
        let h = |e: OAuthError| e.into_response().headers().clone();
        // Failed client authentication names the scheme; an unknown client
        // at the authorization endpoint (400) does not.
        let unauthorized = h(OAuthError::invalid_client("no"));
        assert_eq!(
            unauthorized[header::WWW_AUTHENTICATE],
            "Basic realm=\"mcp-gateway\""
        );
        let refused = OAuthError::invalid_client("no").with_status(StatusCode::BAD_REQUEST);
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert!(h(refused).get(header::WWW_AUTHENTICATE).is_none());
        assert!(
            h(OAuthError::invalid_grant("no"))
                .get(header::WWW_AUTHENTICATE)
                .is_none()
        );
        // 429 and 503 say when to come back.
        assert_eq!(
            h(OAuthError::temporarily_unavailable("later"))[header::RETRY_AFTER],
            "10"
        );
        assert_eq!(
            h(OAuthError::slow_down("later").with_retry_after(42))[header::RETRY_AFTER],
            "42"
        );
        assert!(
            h(OAuthError::invalid_request("no"))
                .get(header::RETRY_AFTER)
                .is_none()
        );
    }

    #[test]
    fn redirect_without_state_carries_iss_only() {
        let to = ClientRedirect::new(
            "https://claude.ai/api/mcp/auth_callback",
            None,
            "https://gw",
        );
        let r = OAuthError::access_denied("no").redirect(&to);
        let (location, p) = location_params(&r);
        assert_eq!(
            location,
            "https://claude.ai/api/mcp/auth_callback?error=access_denied&error_description=no&iss=https%3A%2F%2Fgw"
        );
        assert!(!p.contains_key("state"));
    }

    #[test]
    fn store_and_key_failures_convert_once() {
        let e = OAuthError::from(StoreError::Conflict);
        assert_eq!(e.code, ErrorCode::TemporarilyUnavailable);
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let e = OAuthError::from(StoreError::Corrupt("x".into()));
        assert_eq!(e.code, ErrorCode::ServerError);
        let e = BrowserError::from(StoreError::Conflict);
        assert_eq!(e.error().code, ErrorCode::TemporarilyUnavailable);
        let e = OAuthError::from(VaultError::AuthenticationFailed);
        assert_eq!(e.code, ErrorCode::TemporarilyUnavailable);
        assert!(e.description.contains("key service"));
    }
}
