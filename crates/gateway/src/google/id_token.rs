//! Verification of Google ID tokens and the sign-in policy.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use url::Url;

use super::error::IdTokenError;
use super::jwks::JwksCache;
use super::policy::SignInPolicy;

/// The two `iss` values Google uses.
pub const GOOGLE_ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];

/// Allowed clock skew for `exp` and `iat`.
const LEEWAY: Duration = Duration::from_secs(60);
/// Least time between two refetches of the JWKS caused by an unknown `kid`.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// A Google account whose ID token verified and passed the sign-in policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleIdentity {
    /// Google's stable account id: the user key (not the email).
    pub sub: String,
    pub email: String,
    /// Always `true` for an identity that passed verification.
    pub email_verified: bool,
    /// The Workspace domain, lowercase.
    pub hd: String,
    pub name: Option<String>,
    pub picture: Option<String>,
}

/// Verifies Google ID tokens for one OAuth client. Cheap to clone; clones
/// share the JWKS cache.
#[derive(Clone)]
pub struct IdTokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    jwks: JwksCache,
}

impl fmt::Debug for IdTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenVerifier")
            .field("client_id", &self.inner.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    azp: Option<String>,
    nonce: Option<String>,
    email: Option<String>,
    email_verified: Option<Flag>,
    hd: Option<String>,
    name: Option<String>,
    picture: Option<String>,
}

/// `email_verified` is a JSON boolean, though older tokens carried a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(String),
}

impl Flag {
    fn is_true(&self) -> bool {
        match self {
            Flag::Bool(b) => *b,
            Flag::Text(s) => s.eq_ignore_ascii_case("true"),
        }
    }
}

impl IdTokenVerifier {
    /// A verifier for tokens issued to `client_id`, with keys from `jwks_url`.
    pub fn new(client_id: impl Into<String>, jwks_url: Url, http: reqwest::Client) -> Self {
        Self::with_refetch_interval(client_id, jwks_url, http, MIN_REFETCH_INTERVAL)
    }

    /// Like [`new`](Self::new), with another least interval between refetches
    /// of the JWKS caused by unknown key ids (default 10 s).
    pub fn with_refetch_interval(
        client_id: impl Into<String>,
        jwks_url: Url,
        http: reqwest::Client,
        min_refetch_interval: Duration,
    ) -> Self {
        IdTokenVerifier {
            inner: Arc::new(Inner {
                client_id: client_id.into(),
                jwks: JwksCache::new(jwks_url, http, min_refetch_interval),
            }),
        }
    }

    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// Verifies `id_token` (RS256 signature by a key of Google's JWKS, `iss`,
    /// `aud`/`azp`, `exp`, `iat`, `nonce`) and applies `policy` (verified
    /// email, `hd` claim among the allowed domains, allowed addresses).
    pub async fn verify(
        &self,
        id_token: &str,
        expected_nonce: &str,
        policy: &SignInPolicy,
    ) -> Result<GoogleIdentity, IdTokenError> {
        let header = header(id_token)?;
        // Only RS256: `none`, HMAC (keyed with a public key) and others are refused
        // before any key is looked up.
        if header.alg != "RS256" {
            return Err(IdTokenError::BadSignature);
        }
        let kid = header
            .kid
            .ok_or_else(|| IdTokenError::Malformed("the token header has no key id".into()))?;
        let key = self.inner.jwks.key(&kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY.as_secs();
        validation.set_issuer(&GOOGLE_ISSUERS);
        validation.set_audience(&[&self.inner.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(id_token, &key, &validation)
            .map_err(|e| jwt_error(e.into_kind()))?
            .claims;

        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        if claims.iat > now + LEEWAY.as_secs() {
            return Err(IdTokenError::IssuedInFuture);
        }
        if claims
            .azp
            .as_deref()
            .is_some_and(|azp| azp != self.inner.client_id)
        {
            return Err(IdTokenError::WrongAudience);
        }
        let nonce_ok = !expected_nonce.is_empty()
            && claims
                .nonce
                .as_deref()
                .is_some_and(|n| bool::from(n.as_bytes().ct_eq(expected_nonce.as_bytes())));
        if !nonce_ok {
            return Err(IdTokenError::NonceMismatch);
        }
        let email = claims.email.ok_or_else(|| {
            IdTokenError::Malformed("the token has no email (the email scope is required)".into())
        })?;
        if !claims.email_verified.is_some_and(|f| f.is_true()) {
            return Err(IdTokenError::EmailNotVerified);
        }
        let hd = match claims.hd {
            Some(hd) if policy.allows_domain(&hd) => hd.to_ascii_lowercase(),
            hd => {
                return Err(IdTokenError::DomainNotAllowed {
                    hd: hd.map(|h| h.to_ascii_lowercase()),
                });
            }
        };
        if !policy.allows_email(&email) {
            return Err(IdTokenError::EmailNotAllowed);
        }
        Ok(GoogleIdentity {
            sub: claims.sub,
            email,
            email_verified: true,
            hd,
            name: claims.name,
            picture: claims.picture,
        })
    }
}

/// The JOSE header, read without trusting it.
fn header(token: &str) -> Result<Header, IdTokenError> {
    let malformed = || IdTokenError::Malformed("not a signed JWT".into());
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|_| malformed())?;
    serde_json::from_slice(&bytes).map_err(|_| malformed())
}

fn jwt_error(kind: ErrorKind) -> IdTokenError {
    match kind {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => IdTokenError::BadSignature,
        ErrorKind::ExpiredSignature => IdTokenError::Expired,
        ErrorKind::ImmatureSignature => IdTokenError::IssuedInFuture,
        ErrorKind::InvalidIssuer => IdTokenError::WrongIssuer,
        ErrorKind::InvalidAudience => IdTokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => {
            IdTokenError::Malformed(format!("the token has no `{claim}` claim"))
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            IdTokenError::Malformed(format!("the token's `{claim}` claim is invalid"))
        }
        ErrorKind::Json(e) => IdTokenError::Malformed(format!(
            "the token's claims could not be read ({})",
            serde_error_category(&e)
        )),
        _ => IdTokenError::Malformed("not a signed JWT".into()),
    }
}

/// Describes a claims parsing error without quoting values from the token.
fn serde_error_category(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find("missing field") {
        Some(at) => text[at..]
            .split(" at line")
            .next()
            .unwrap_or("missing field")
            .to_string(),
        None => "unexpected claim types".to_string(),
    }
}
