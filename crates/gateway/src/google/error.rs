//! Errors of the Google OAuth client and of ID token verification. Messages
//! never carry tokens or the client secret.

use std::time::Duration;

/// A failed call to Google's token or revocation endpoint.
#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    /// The refresh token is dead (revoked, expired, or the user removed the
    /// app), or the authorization code or PKCE verifier is bad. The user must
    /// sign in and consent again.
    #[error("Google refused the grant (invalid_grant: {description}); the user must sign in again")]
    InvalidGrant { description: String },
    /// Google does not accept the gateway's client id or secret.
    #[error("Google rejected the gateway's OAuth client id or secret (invalid_client)")]
    InvalidClient,
    /// Any other OAuth error Google answered with.
    #[error("Google answered {status} {error}: {description}")]
    Oauth {
        error: String,
        description: String,
        status: u16,
    },
    /// Google asked us to slow down (HTTP 429).
    #[error("Google rate limited the request{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// Google could not be reached or failed (5xx, timeout, connection error).
    #[error("Google is unavailable: {0}")]
    Unavailable(String),
    /// Google answered with something we cannot understand.
    #[error("unexpected answer from Google: {0}")]
    InvalidResponse(String),
}

/// Why an ID token was not accepted. Each variant can be explained to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// Not a well-formed ID token, or a required claim is missing or wrong.
    #[error("the Google ID token is malformed: {0}")]
    Malformed(String),
    /// The signature does not verify, or the token is not signed with RS256.
    #[error("the Google ID token's signature is not valid")]
    BadSignature,
    /// The token is signed with a key Google does not publish.
    #[error("the Google ID token is signed with an unknown key")]
    UnknownKey,
    /// Google's signing keys could not be fetched.
    #[error("Google's signing keys are unavailable: {0}")]
    JwksUnavailable(String),
    #[error("the ID token was not issued by Google")]
    WrongIssuer,
    #[error("the ID token was issued to another application")]
    WrongAudience,
    #[error("the Google sign-in has expired; please sign in again")]
    Expired,
    /// `iat` lies in the future beyond the allowed clock skew.
    #[error("the ID token's issue time lies in the future; check the server clock")]
    IssuedInFuture,
    #[error("the sign-in response does not belong to this sign-in attempt (nonce mismatch)")]
    NonceMismatch,
    #[error("the Google account's email address is not verified")]
    EmailNotVerified,
    /// The account is not in an allowed Workspace domain (`hd` is `None` for a
    /// consumer account such as gmail.com).
    #[error("{}", match hd {
        Some(hd) => format!("accounts of the Google Workspace domain {hd} may not use this gateway"),
        None => "personal Google accounts may not use this gateway; sign in with your work account".to_string(),
    })]
    DomainNotAllowed { hd: Option<String> },
    #[error("this Google account is not on the list of accounts allowed to use this gateway")]
    EmailNotAllowed,
}

impl IdTokenError {
    /// A short code for the audit trail (no domain, email or claim in it).
    pub fn code(&self) -> &'static str {
        match self {
            IdTokenError::DomainNotAllowed { hd: Some(_) } => "domain_not_allowed",
            IdTokenError::DomainNotAllowed { hd: None } => "personal_account",
            IdTokenError::EmailNotAllowed => "email_not_allowed",
            IdTokenError::EmailNotVerified => "email_not_verified",
            IdTokenError::NonceMismatch => "nonce_mismatch",
            IdTokenError::JwksUnavailable(_) => "google_keys_unavailable",
            _ => "id_token_invalid",
        }
    }
}
