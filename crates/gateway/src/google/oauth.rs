//! The OAuth 2.0 client: authorization URL, code exchange, refresh, revocation.
//!
//! Token and revocation POSTs are not retried, since they may have taken effect
//! (a code is single use), except once when the connection could not be
//! established, as the request was then never sent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde::Deserialize;
use url::Url;

use super::endpoints::GoogleEndpoints;
use super::error::{GoogleError, IdTokenError};
use super::id_token::{GoogleIdentity, IdTokenVerifier};
use super::policy::SignInPolicy;
use crate::{config::Config, secret::Secret};

/// Connect timeout of [`GoogleOAuth::http_client`].
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Total request timeout of [`GoogleOAuth::http_client`].
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What goes into Google's authorization URL besides the client's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub state: String,
    pub nonce: String,
    /// PKCE S256 challenge (see [`super::pkce::challenge_s256`]).
    pub code_challenge: String,
    pub scopes: Vec<String>,
    /// `hd` hint: the allowed domain, or `*` when there are several. Only a hint
    /// for the account chooser; the ID token's `hd` claim decides.
    pub hd: Option<String>,
    pub login_hint: Option<String>,
    /// `prompt=consent`: show the consent screen again, which also makes Google
    /// issue a new refresh token. Otherwise no `prompt` is sent.
    pub prompt_consent: bool,
}

/// A successful answer of Google's token endpoint. `Debug` hides the tokens.
#[derive(Clone)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub expires_in: Duration,
    /// Present on first consent and with `prompt=consent`, never on refresh.
    pub refresh_token: Option<Secret>,
    /// The scopes actually granted (users can untick some).
    pub scopes: Vec<String>,
    pub id_token: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("scopes", &self.scopes)
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Deserialize)]
struct RawTokenResponse {
    access_token: String,
    expires_in: u64,
    refresh_token: Option<String>,
    scope: Option<String>,
    id_token: Option<String>,
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct RawError {
    error: String,
    error_description: Option<String>,
}

/// Google's OAuth client for the gateway. Cheap to clone.
#[derive(Clone)]
pub struct GoogleOAuth {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: GoogleEndpoints,
    client_id: String,
    client_secret: Secret,
    redirect_uri: Url,
    http: reqwest::Client,
    id_tokens: IdTokenVerifier,
}

impl fmt::Debug for GoogleOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleOAuth")
            .field("client_id", &self.inner.client_id)
            .field("redirect_uri", &self.inner.redirect_uri.as_str())
            .field("token_url", &self.inner.endpoints.token_url.as_str())
            .finish_non_exhaustive()
    }
}

impl GoogleOAuth {
    /// A client sharing `http` (see [`http_client`](Self::http_client)) with an
    /// [`IdTokenVerifier`] for the same client id.
    pub fn new(
        endpoints: GoogleEndpoints,
        client_id: impl Into<String>,
        client_secret: Secret,
        redirect_uri: Url,
        http: reqwest::Client,
    ) -> Self {
        let client_id = client_id.into();
        let id_tokens =
            IdTokenVerifier::new(client_id.clone(), endpoints.jwks_url.clone(), http.clone());
        GoogleOAuth {
            inner: Arc::new(Inner {
                endpoints,
                client_id,
                client_secret,
                redirect_uri,
                http,
                id_tokens,
            }),
        }
    }

    /// From the gateway configuration (`GOOGLE_BASE_URL` picks the endpoints),
    /// with a new [`http_client`](Self::http_client).
    pub fn from_config(config: &Config) -> Result<Self, GoogleError> {
        Ok(Self::new(
            GoogleEndpoints::from_base_url(config.google_base_url.as_ref()),
            config.google_client_id.clone(),
            config.google_client_secret.clone(),
            config.google_redirect_uri.clone(),
            Self::http_client()?,
        ))
    }

    /// An HTTP client with a 5 s connect timeout and a 15 s total timeout.
    pub fn http_client() -> Result<reqwest::Client, GoogleError> {
        Self::http_client_with(CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// An HTTP client with the given timeouts.
    pub fn http_client_with(
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<reqwest::Client, GoogleError> {
        super::http_client_builder()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .build()
            .map_err(|e| GoogleError::Unavailable(format!("cannot build the HTTP client: {e}")))
    }

    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    pub fn endpoints(&self) -> &GoogleEndpoints {
        &self.inner.endpoints
    }

    pub fn redirect_uri(&self) -> &Url {
        &self.inner.redirect_uri
    }

    /// The verifier of ID tokens issued to this client (shares the JWKS cache).
    pub fn id_tokens(&self) -> &IdTokenVerifier {
        &self.inner.id_tokens
    }

    /// Shorthand for [`IdTokenVerifier::verify`].
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        expected_nonce: &str,
        policy: &SignInPolicy,
    ) -> Result<GoogleIdentity, IdTokenError> {
        self.inner
            .id_tokens
            .verify(id_token, expected_nonce, policy)
            .await
    }

    /// Google's authorization URL for `request`, always with
    /// `response_type=code`, `access_type=offline`, `include_granted_scopes=true`
    /// and `code_challenge_method=S256`.
    pub fn authorization_url(&self, request: &AuthorizationRequest) -> Url {
        let mut url = self.inner.endpoints.auth_url.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.inner.client_id)
                .append_pair("redirect_uri", self.inner.redirect_uri.as_str())
                .append_pair("response_type", "code")
                .append_pair("scope", &request.scopes.join(" "))
                .append_pair("state", &request.state)
                .append_pair("nonce", &request.nonce)
                .append_pair("code_challenge", &request.code_challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("access_type", "offline")
                .append_pair("include_granted_scopes", "true");
            if let Some(hd) = &request.hd {
                q.append_pair("hd", hd);
            }
            if let Some(login_hint) = &request.login_hint {
                q.append_pair("login_hint", login_hint);
            }
            if request.prompt_consent {
                q.append_pair("prompt", "consent");
            }
        }
        url
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
    ) -> Result<TokenResponse, GoogleError> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", code_verifier),
            ("redirect_uri", self.inner.redirect_uri.as_str()),
        ])
        .await
    }

    /// A new access token from a refresh token. [`GoogleError::InvalidGrant`]
    /// means the refresh token is dead: the user must consent again.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, GoogleError> {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Revokes a token (access or refresh; Google revokes the whole grant).
    /// A token Google reports as already invalid (`400 invalid_token`) counts
    /// as revoked.
    pub async fn revoke(&self, token: &str) -> Result<(), GoogleError> {
        let url = &self.inner.endpoints.revoke_url;
        let response = self.post_form(url, &[("token", token)]).await?;
        if response.status().is_success() {
            return Ok(());
        }
        match error_from(response, "revocation endpoint").await {
            GoogleError::Oauth { error, status, .. }
                if status == StatusCode::BAD_REQUEST.as_u16() && error == "invalid_token" =>
            {
                Ok(())
            }
            other => Err(other),
        }
    }

    /// POSTs to the token endpoint with the client credentials in the body.
    async fn token_request(&self, params: &[(&str, &str)]) -> Result<TokenResponse, GoogleError> {
        let mut form = Vec::with_capacity(params.len() + 2);
        form.extend_from_slice(params);
        form.push(("client_id", self.inner.client_id.as_str()));
        form.push(("client_secret", self.inner.client_secret.expose()));
        let response = self
            .post_form(&self.inner.endpoints.token_url, &form)
            .await?;
        if !response.status().is_success() {
            return Err(error_from(response, "token endpoint").await);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error("token endpoint", &e))?;
        let raw: RawTokenResponse = serde_json::from_slice(&body).map_err(|e| {
            GoogleError::InvalidResponse(format!(
                "token response is not the expected JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if raw
            .token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(GoogleError::InvalidResponse(
                "token response is not a Bearer token".into(),
            ));
        }
        Ok(TokenResponse {
            access_token: Secret::new(raw.access_token),
            expires_in: Duration::from_secs(raw.expires_in),
            refresh_token: raw.refresh_token.map(Secret::new),
            scopes: raw
                .scope
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            id_token: raw.id_token,
        })
    }

    /// Sends a form POST, retrying once only when the connection failed.
    async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
    ) -> Result<reqwest::Response, GoogleError> {
        let what = url.path();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.inner.http.post(url.clone()).form(form).send().await {
                Ok(response) => return Ok(response),
                Err(e) if e.is_connect() && attempt < 2 => {
                    tracing::debug!(endpoint = what, "connection to Google failed; retrying");
                }
                Err(e) => return Err(transport_error(what, &e)),
            }
        }
    }
}

fn transport_error(what: &str, e: &reqwest::Error) -> GoogleError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    // The error's URL is an endpoint (tokens travel in bodies only).
    GoogleError::Unavailable(format!("{what}: {kind} ({e})"))
}

/// Maps a non-success answer to an error.
async fn error_from(response: reqwest::Response, what: &str) -> GoogleError {
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return GoogleError::RateLimited { retry_after };
    }
    if status.is_server_error() {
        return GoogleError::Unavailable(format!("{what} answered HTTP {status}"));
    }
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => return transport_error(what, &e),
    };
    let Ok(raw) = serde_json::from_slice::<RawError>(&body) else {
        return GoogleError::InvalidResponse(format!(
            "{what} answered HTTP {status} without an OAuth error"
        ));
    };
    let description = raw.error_description.unwrap_or_default();
    match raw.error.as_str() {
        "invalid_grant" => GoogleError::InvalidGrant { description },
        "invalid_client" => GoogleError::InvalidClient,
        _ => GoogleError::Oauth {
            error: raw.error,
            description,
            status: status.as_u16(),
        },
    }
}
