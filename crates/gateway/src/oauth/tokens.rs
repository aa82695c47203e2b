//! The gateway's own tokens. Access tokens are short-lived JWTs (HS256 with a
//! key derived from `SESSION_SECRET`), audience-bound to the MCP endpoint and
//! validated without a store read. Refresh tokens and authorization codes are
//! opaque random strings; the store keeps only their SHA-256.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{google::pkce::random_token, secret::Secret};

/// Prefix of gateway access tokens (never a Google token shape).
const ACCESS_PREFIX: &str = "gwa.";
/// Prefix of gateway refresh tokens.
const REFRESH_PREFIX: &str = "gwr.";

/// Claims of a gateway access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    /// The MCP endpoint URL this token is for.
    pub aud: String,
    /// The user (Google `sub`).
    pub sub: String,
    pub email: String,
    pub client_id: String,
    pub scope: String,
    /// The refresh-token family (grant) this token belongs to.
    pub fam: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl AccessClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_whitespace()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is malformed or its signature is invalid")]
    Invalid,
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is for another resource")]
    WrongAudience,
    #[error("the access token was issued by another server")]
    WrongIssuer,
}

/// Issues and validates access tokens.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl AccessTokens {
    pub fn new(session_secret: &Secret, issuer: &str, audience: &str, ttl: Duration) -> Self {
        // A dedicated key, so SESSION_SECRET itself never signs anything.
        let mut mac = Hmac::<Sha256>::new_from_slice(session_secret.expose().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(b"mcp-gateway access token signing key v1");
        let key = mac.finalize().into_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs a token for `sub` now.
    pub fn issue(
        &self,
        sub: &str,
        email: &str,
        client_id: &str,
        scope: &str,
        family_id: &str,
    ) -> (String, AccessClaims) {
        let iat = crate::store::now_unix();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            email: email.to_owned(),
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
            fam: family_id.to_owned(),
            iat,
            exp: iat + self.ttl.as_secs() as i64,
            jti: random_token(12),
        };
        let jwt = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail");
        (format!("{ACCESS_PREFIX}{jwt}"), claims)
    }

    /// Validates signature, issuer, audience and expiry. No I/O.
    pub fn validate(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let jwt = token
            .strip_prefix(ACCESS_PREFIX)
            .ok_or(TokenError::Invalid)?;
        match jsonwebtoken::decode::<AccessClaims>(jwt, &self.decoding, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(e) => Err(match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                jsonwebtoken::errors::ErrorKind::InvalidAudience => TokenError::WrongAudience,
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
                _ => TokenError::Invalid,
            }),
        }
    }
}

/// A new refresh token for `family_id`: `gwr.<family>.<random>`.
pub fn new_refresh_token(family_id: &str) -> String {
    format!("{REFRESH_PREFIX}{family_id}.{}", random_token(32))
}

/// The family a refresh token claims to belong to (unverified until looked up).
pub fn refresh_token_family(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(REFRESH_PREFIX)?;
    let (family, secret) = rest.split_once('.')?;
    (!family.is_empty() && !secret.is_empty()).then_some(family)
}

pub fn is_access_token_shape(token: &str) -> bool {
    token.starts_with(ACCESS_PREFIX)
}

/// SHA-256 of a secret, hex: the store key for codes, refresh tokens and
/// client secrets.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// RFC 7636: 43 to 128 characters of `[A-Z a-z 0-9 - . _ ~]`.
pub fn is_valid_pkce_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Constant-time string comparison.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    fn tokens(secret: &str, aud: &str) -> AccessTokens {
        AccessTokens::new(
            &Secret::new(secret),
            "https://gw.example.com",
            aud,
            Duration::from_secs(600),
        )
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef-secret";

    #[test]
    fn access_token_round_trip() {
        let t = tokens(SECRET, "https://gw.example.com/mcp");
        let (token, claims) = t.issue("sub-1", "ann@example.com", "client", "mcp", "fam-1");
        assert!(token.starts_with("gwa."));
        let back = t.validate(&token).unwrap();
        assert_eq!(back, claims);
        assert_eq!(back.scopes().collect::<Vec<_>>(), vec!["mcp"]);
    }

    #[test]
    fn tokens_from_another_secret_or_audience_are_refused() {
        let t = tokens(SECRET, "https://gw.example.com/mcp");
        let (token, _) = t.issue("sub-1", "a@example.com", "c", "mcp", "f");
        assert_eq!(
            tokens(
                "another-secret-another-secret-another-secret",
                "https://gw.example.com/mcp"
            )
            .validate(&token),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            tokens(SECRET, "https://other.example.com/mcp").validate(&token),
            Err(TokenError::WrongAudience)
        );
    }

    #[test]
    fn tampered_and_foreign_tokens_are_refused() {
        let t = tokens(SECRET, "https://gw.example.com/mcp");
        let (token, _) = t.issue("sub-1", "a@example.com", "c", "mcp", "f");
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(t.validate(&tampered), Err(TokenError::Invalid));
        // A Google access token, or the JWT without our prefix, is not ours.
        assert_eq!(t.validate("ya29.a0AfH6SMBx"), Err(TokenError::Invalid));
        assert_eq!(t.validate(&token[4..]), Err(TokenError::Invalid));
        // alg=none
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        let payload = token.split('.').nth(2).unwrap();
        assert_eq!(
            t.validate(&format!("gwa.{header}.{payload}.")),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let t = AccessTokens::new(
            &Secret::new(SECRET),
            "https://gw.example.com",
            "https://gw.example.com/mcp",
            Duration::from_secs(0),
        );
        let (mut token, _) = t.issue("s", "a@example.com", "c", "mcp", "f");
        // Re-sign with an expiry in the past beyond the leeway.
        let mut claims = t.validate(&token).unwrap();
        claims.exp -= 120;
        token = format!(
            "gwa.{}",
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &t.encoding).unwrap()
        );
        assert_eq!(t.validate(&token), Err(TokenError::Expired));
    }

    #[test]
    fn refresh_tokens_carry_their_family() {
        let r = new_refresh_token("fam123");
        assert_eq!(refresh_token_family(&r), Some("fam123"));
        assert_eq!(refresh_token_family("gwr.nodot"), None);
        assert_eq!(refresh_token_family("1//0abc"), None);
        assert_ne!(new_refresh_token("f"), new_refresh_token("f"));
    }

    #[test]
    fn secret_hash_is_sha256_hex() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn pkce_matches_rfc_7636_example() {
        assert_eq!(
            crate::google::pkce::challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_valid_pkce_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!is_valid_pkce_verifier("short"));
        assert!(!is_valid_pkce_verifier(&"a".repeat(129)));
        assert!(!is_valid_pkce_verifier(&format!("{}+", "a".repeat(50))));
    }
}
