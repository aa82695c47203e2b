//! Tokens the fake cannot produce, signed with a local key served by a local JWKS server.

use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use url::Url;

use super::*;

const LOCAL_KID: &str = "local-test-key";

struct LocalKey {
    encoding: EncodingKey,
    public_der: Vec<u8>,
    jwk: Value,
}

static LOCAL_KEY: LazyLock<LocalKey> = LazyLock::new(|| {
    let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let der = private.to_pkcs1_der().unwrap();
    let public_der = private
        .to_public_key()
        .to_pkcs1_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    let jwk = json!({
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": LOCAL_KID,
        "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
    });
    LocalKey {
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        public_der,
        jwk,
    }
});

/// A JWKS server publishing the local key; counts its requests.
struct LocalJwks {
    url: Url,
    hits: Arc<AtomicUsize>,
}

async fn local_jwks() -> LocalJwks {
    let jwk = tokio::task::spawn_blocking(|| LOCAL_KEY.jwk.clone())
        .await
        .unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/oauth2/v3/certs",
        get(move || {
            let counter = counter.clone();
            let jwk = jwk.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                (
                    [("cache-control", "public, max-age=3600")],
                    axum::Json(json!({ "keys": [jwk] })),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    LocalJwks {
        url: Url::parse(&format!("http://{addr}/oauth2/v3/certs")).unwrap(),
        hits,
    }
}

fn local_verifier(jwks: &LocalJwks) -> IdTokenVerifier {
    IdTokenVerifier::new(
        CLIENT_ID,
        jwks.url.clone(),
        GoogleOAuth::http_client().unwrap(),
    )
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Google-shaped claims for alice with `changes` applied (`null` removes a claim).
fn claims(changes: Value) -> Value {
    let now = now();
    let mut claims = json!({
        "iss": "https://accounts.google.com",
        "azp": CLIENT_ID,
        "aud": CLIENT_ID,
        "sub": "110000000000000000001",
        "hd": "example.com",
        "email": "alice@example.com",
        "email_verified": true,
        "nonce": "nonce-1",
        "name": "Alice",
        "iat": now,
        "exp": now + 3600,
    });
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

fn sign(claims: &Value, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &LOCAL_KEY.encoding).unwrap()
}

fn local_token(changes: Value) -> String {
    sign(&claims(changes), LOCAL_KID)
}

async fn verify_local(token: &str) -> Result<GoogleIdentity, IdTokenError> {
    let jwks = local_jwks().await;
    local_verifier(&jwks)
        .verify(token, "nonce-1", &policy())
        .await
}

#[tokio::test]
async fn local_token_with_both_issuer_forms_verifies() {
    for iss in ["https://accounts.google.com", "accounts.google.com"] {
        let token = local_token(json!({ "iss": iss }));
        let identity = verify_local(&token).await.unwrap();
        assert_eq!(identity.sub, "110000000000000000001");
        assert_eq!(identity.picture, None);
    }
    // An older token form: `email_verified` as a string.
    let token = local_token(json!({ "email_verified": "true" }));
    verify_local(&token).await.unwrap();
}

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let token = local_token(json!({ "iss": "https://evil.example" }));
    assert_eq!(
        verify_local(&token).await.unwrap_err(),
        IdTokenError::WrongIssuer
    );
}

#[tokio::test]
async fn expired_token_is_refused_beyond_the_leeway() {
    let token = local_token(json!({ "iat": now() - 7200, "exp": now() - 120 }));
    assert_eq!(
        verify_local(&token).await.unwrap_err(),
        IdTokenError::Expired
    );
    // Within the 60 s leeway.
    let token = local_token(json!({ "iat": now() - 3600, "exp": now() - 10 }));
    verify_local(&token).await.unwrap();
}

#[tokio::test]
async fn token_issued_in_the_future_is_refused() {
    let token = local_token(json!({ "iat": now() + 600, "exp": now() + 4200 }));
    assert_eq!(
        verify_local(&token).await.unwrap_err(),
        IdTokenError::IssuedInFuture
    );
}

#[tokio::test]
async fn other_audience_or_authorized_party_is_refused() {
    let token = local_token(json!({ "aud": OTHER_CLIENT_ID, "azp": OTHER_CLIENT_ID }));
    assert_eq!(
        verify_local(&token).await.unwrap_err(),
        IdTokenError::WrongAudience
    );
    let token = local_token(json!({ "azp": OTHER_CLIENT_ID }));
    assert_eq!(
        verify_local(&token).await.unwrap_err(),
        IdTokenError::WrongAudience
    );
    let token = local_token(json!({ "azp": null }));
    verify_local(&token).await.unwrap();
}

#[tokio::test]
async fn tampered_token_has_a_bad_signature() {
    let token = local_token(json!({}));
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let forged = claims(json!({ "email": "mallory@example.com" }));
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    let forged = parts.join(".");
    assert_eq!(
        verify_local(&forged).await.unwrap_err(),
        IdTokenError::BadSignature
    );
}

#[tokio::test]
async fn hmac_token_keyed_with_the_public_key_is_refused() {
    let public_der = tokio::task::spawn_blocking(|| LOCAL_KEY.public_der.clone())
        .await
        .unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(LOCAL_KID.to_string());
    let token = jsonwebtoken::encode(
        &header,
        &claims(json!({})),
        &EncodingKey::from_secret(&public_der),
    )
    .unwrap();
    assert_eq!(
        verify_local(&token).await.unwrap_err(),
        IdTokenError::BadSignature
    );
}

#[tokio::test]
async fn unsigned_token_is_refused() {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "kid": LOCAL_KID }).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims(json!({})).to_string());
    for token in [format!("{header}.{body}."), format!("{header}.{body}.c2ln")] {
        assert_eq!(
            verify_local(&token).await.unwrap_err(),
            IdTokenError::BadSignature
        );
    }
}

#[tokio::test]
async fn malformed_tokens_are_refused() {
    for token in ["", "abc", "a.b", "a.b.c.d", "!!!.e30.c2ln"] {
        let err = verify_local(token).await.unwrap_err();
        assert!(
            matches!(err, IdTokenError::Malformed(_)),
            "{token}: {err:?}"
        );
    }
    let no_email = local_token(json!({ "email": null, "email_verified": null }));
    let err = verify_local(&no_email).await.unwrap_err();
    assert!(matches!(err, IdTokenError::Malformed(_)), "{err:?}");
    let no_sub = local_token(json!({ "sub": null }));
    let err = verify_local(&no_sub).await.unwrap_err();
    assert!(
        matches!(err, IdTokenError::Malformed(ref m) if m.contains("sub")),
        "{err:?}"
    );
    let missing_nonce = local_token(json!({ "nonce": null }));
    assert_eq!(
        verify_local(&missing_nonce).await.unwrap_err(),
        IdTokenError::NonceMismatch
    );
}

#[tokio::test]
async fn unknown_kid_refetches_at_most_once_per_interval() {
    let jwks = local_jwks().await;
    let verifier = local_verifier(&jwks);
    let good = local_token(json!({}));
    verifier.verify(&good, "nonce-1", &policy()).await.unwrap();
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 1);

    let stranger = sign(&claims(json!({})), "unknown-kid");
    let err = verifier
        .verify(&stranger, "nonce-1", &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::UnknownKey);
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 2, "one refetch");
    let err = verifier
        .verify(&stranger, "nonce-1", &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::UnknownKey);
    assert_eq!(
        jwks.hits.load(Ordering::SeqCst),
        2,
        "no refetch within 10 s"
    );
    verifier.verify(&good, "nonce-1", &policy()).await.unwrap();
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 2);

    // With no minimum interval, every unknown kid refetches.
    let eager = IdTokenVerifier::with_refetch_interval(
        CLIENT_ID,
        jwks.url.clone(),
        GoogleOAuth::http_client().unwrap(),
        Duration::ZERO,
    );
    eager.verify(&good, "nonce-1", &policy()).await.unwrap();
    for _ in 0..2 {
        let _ = eager.verify(&stranger, "nonce-1", &policy()).await;
    }
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 5);
}
