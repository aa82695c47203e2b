//! Shared helpers: a started fake with known users and one client, and HTTP shortcuts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fake_google::{FakeGoogle, FakeGoogleConfig, FakeGoogleHandle, FakeUser, OAuthClient};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

pub const CLIENT_ID: &str = "test-client.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "test-secret";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth/callback";
pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@other.example";
pub const CAROL: &str = "carol@gmail.com";
pub const DENIER: &str = "denier@example.com";
pub const PICKY: &str = "picky@example.com";
pub const DRIVE: &str = "https://www.googleapis.com/auth/drive.readonly";
pub const GMAIL: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier";

pub fn config() -> FakeGoogleConfig {
    FakeGoogle::builder()
        .with_demo_users()
        .user(FakeUser::workspace(DENIER, "example.com").deny_consent())
        .user(FakeUser::workspace(PICKY, "example.com").untick(DRIVE))
        .client(OAuthClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(REDIRECT_URI))
}

pub async fn start() -> FakeGoogleHandle {
    config().start().await.expect("fake google starts")
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test's browser and API client against the fake"
)]
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The usual gateway request: openid email profile, PKCE S256, state, nonce, offline.
pub fn base_params() -> Vec<(&'static str, String)> {
    vec![
        ("client_id", CLIENT_ID.into()),
        ("redirect_uri", REDIRECT_URI.into()),
        ("response_type", "code".into()),
        ("scope", "openid email profile".into()),
        ("state", "st-123".into()),
        ("nonce", "n-456".into()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
        ("access_type", "offline".into()),
    ]
}

pub fn with(
    mut params: Vec<(&'static str, String)>,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    for (k, v) in extra {
        params.retain(|(pk, _)| pk != k);
        params.push((k, v.to_string()));
    }
    params
}

/// GET the authorization endpoint; returns the response (redirects are not followed).
pub async fn authorize_raw(fake: &FakeGoogle, params: &[(&str, String)]) -> reqwest::Response {
    http()
        .get(fake.url(fake_google::AUTHORIZE_PATH))
        .query(params)
        .send()
        .await
        .expect("authorize request")
}

/// The redirect target of a response that must be a 302.
pub fn location(response: &reqwest::Response) -> Url {
    assert_eq!(response.status(), StatusCode::FOUND, "expected a redirect");
    let location = response.headers()["location"].to_str().expect("ascii");
    Url::parse(location).expect("absolute location")
}

pub fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Signs in as `email` through the approve endpoint (as the chooser form does).
pub async fn approve(fake: &FakeGoogle, email: &str, params: &[(&str, String)]) -> Url {
    let mut form: Vec<(&str, String)> = params.to_vec();
    form.push(("email", email.to_string()));
    let response = http()
        .post(fake.url(fake_google::APPROVE_PATH))
        .form(&form)
        .send()
        .await
        .expect("approve request");
    location(&response)
}

/// Approves as `email` and returns the code.
pub async fn code_for(fake: &FakeGoogle, email: &str, params: &[(&str, String)]) -> String {
    let url = approve(fake, email, params).await;
    assert!(url.as_str().starts_with(REDIRECT_URI), "{url}");
    query(&url, "code").expect("code in redirect")
}

pub async fn post_token(fake: &FakeGoogle, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = http()
        .post(fake.url(fake_google::TOKEN_PATH))
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = response.status();
    (status, response.json().await.expect("json body"))
}

pub async fn exchange(fake: &FakeGoogle, code: &str) -> (StatusCode, Value) {
    post_token(
        fake,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

pub async fn refresh(fake: &FakeGoogle, refresh_token: &str) -> (StatusCode, Value) {
    post_token(
        fake,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .await
}

/// Full sign-in as `email` with the base parameters plus `extra`; returns the token response.
pub async fn sign_in(fake: &FakeGoogle, email: &str, extra: &[(&'static str, &str)]) -> Value {
    let code = code_for(fake, email, &with(base_params(), extra)).await;
    let (status, body) = exchange(fake, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub async fn jwks(fake: &FakeGoogle) -> JwkSet {
    http()
        .get(fake.url(fake_google::JWKS_PATH))
        .send()
        .await
        .expect("jwks request")
        .json()
        .await
        .expect("jwks json")
}

/// Verifies an ID token the way a relying party does, against the fetched JWKS.
pub fn verify_id_token(
    jwks: &JwkSet,
    id_token: &str,
    issuer: &str,
) -> Result<Value, jsonwebtoken::errors::Error> {
    let header = jsonwebtoken::decode_header(id_token)?;
    let kid = header.kid.expect("kid header");
    let jwk = jwks
        .find(&kid)
        .ok_or(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)?;
    let key = DecodingKey::from_jwk(jwk)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[issuer]);
    Ok(jsonwebtoken::decode::<Value>(id_token, &key, &validation)?.claims)
}
