//! Tests against the fake Google on loopback, and against a local JWKS server
//! for tokens the fake cannot produce.

use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fake_google::{
    FakeGoogle, FakeGoogleHandle, FakeUser, Fault, Issuer, JWKS_PATH, OAuthClient, TOKEN_PATH,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use url::Url;

use super::*;
use crate::config::Secret;

const CLIENT_ID: &str = "gateway-client.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "gateway-secret-value";
const OTHER_CLIENT_ID: &str = "other-client.apps.googleusercontent.com";
const OTHER_SECRET: &str = "other-secret-value";
const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth/callback";
const DRIVE: &str = "https://www.googleapis.com/auth/drive.readonly";
const CALENDAR: &str = "https://www.googleapis.com/auth/calendar.readonly";

fn fake_config() -> fake_google::FakeGoogleConfig {
    FakeGoogle::builder()
        .user(FakeUser::workspace("alice@example.com", "example.com").name("Alice Example"))
        .user(FakeUser::workspace("bob@other.example", "other.example"))
        .user(FakeUser::consumer("carol@gmail.com"))
        .user(FakeUser::workspace("dave@example.com", "example.com").email_verified(false))
        .user(FakeUser::workspace("erin@example.com", "example.com").untick(CALENDAR))
        .client(OAuthClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(REDIRECT_URI))
        .client(OAuthClient::new(OTHER_CLIENT_ID, OTHER_SECRET).redirect_uri(REDIRECT_URI))
}

async fn start_fake() -> FakeGoogleHandle {
    fake_config().start().await.expect("fake google starts")
}

fn endpoints(fake: &FakeGoogle) -> GoogleEndpoints {
    GoogleEndpoints::under(&Url::parse(fake.base_url()).unwrap())
}

fn oauth_for(fake: &FakeGoogle, client_id: &str, secret: &str) -> GoogleOAuth {
    GoogleOAuth::new(
        endpoints(fake),
        client_id,
        Secret::new(secret),
        Url::parse(REDIRECT_URI).unwrap(),
        GoogleOAuth::http_client().unwrap(),
    )
}

fn oauth(fake: &FakeGoogle) -> GoogleOAuth {
    oauth_for(fake, CLIENT_ID, CLIENT_SECRET)
}

fn policy() -> SignInPolicy {
    SignInPolicy::new(["example.com"], Vec::<String>::new())
}

/// A completed sign-in: Google's token response and the nonce that was sent.
struct SignIn {
    tokens: TokenResponse,
    nonce: String,
}

impl SignIn {
    fn id_token(&self) -> &str {
        self.tokens.id_token.as_deref().expect("an ID token")
    }
}

/// Runs the browser part of the flow with auto-approve and exchanges the code.
async fn sign_in(fake: &FakeGoogle, oauth: &GoogleOAuth, email: &str, consent: bool) -> SignIn {
    fake.set_auto_approve(Some(email));
    let verifier = pkce::verifier();
    let request = AuthorizationRequest {
        state: random_token(16),
        nonce: random_token(16),
        code_challenge: pkce::challenge_s256(&verifier),
        scopes: vec![
            "openid".into(),
            "email".into(),
            "profile".into(),
            DRIVE.into(),
            CALENDAR.into(),
        ],
        hd: Some("example.com".into()),
        login_hint: None,
        prompt_consent: consent,
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser
        .get(oauth.authorization_url(&request))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = Url::parse(
        response.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(request.state.as_str()));
    let code = param("code").unwrap_or_else(|| panic!("no code in {location}"));
    let tokens = oauth.exchange_code(&code, &verifier).await.unwrap();
    SignIn {
        tokens,
        nonce: request.nonce,
    }
}

// ---- code exchange and ID token verification at the fake ----

#[tokio::test]
async fn code_exchange_with_pkce_verifies_a_workspace_user() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;

    let form = fake.last_request(TOKEN_PATH).unwrap();
    assert_eq!(form.param("grant_type"), Some("authorization_code"));
    assert_eq!(form.param("client_secret"), Some(CLIENT_SECRET));
    assert_eq!(form.param("redirect_uri"), Some(REDIRECT_URI));
    assert!(form.param("code_verifier").is_some());
    assert!(form.headers.get("authorization").is_none());

    let tokens = &signed.tokens;
    assert!(
        tokens.refresh_token.is_some(),
        "first consent gives a refresh token"
    );
    assert!(tokens.expires_in > Duration::from_secs(3000));
    assert!(tokens.scopes.iter().any(|s| s == DRIVE));
    assert!(tokens.scopes.iter().any(|s| s == "openid"));

    let identity = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap();
    let alice = fake.user("alice@example.com").unwrap();
    assert_eq!(identity.sub, alice.sub);
    assert_eq!(identity.email, "alice@example.com");
    assert!(identity.email_verified);
    assert_eq!(identity.hd, "example.com");
    assert_eq!(identity.name.as_deref(), Some("Alice Example"));
}

#[tokio::test]
async fn wrong_pkce_verifier_is_an_invalid_grant() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    fake.set_auto_approve(Some("alice@example.com"));
    let request = AuthorizationRequest {
        state: "s".into(),
        nonce: "n".into(),
        code_challenge: pkce::challenge_s256(&pkce::verifier()),
        scopes: vec!["openid".into(), "email".into()],
        hd: None,
        login_hint: None,
        prompt_consent: false,
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser
        .get(oauth.authorization_url(&request))
        .send()
        .await
        .unwrap();
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let err = oauth
        .exchange_code(&code, &pkce::verifier())
        .await
        .unwrap_err();
    assert!(matches!(err, GoogleError::InvalidGrant { .. }), "{err:?}");
}

#[tokio::test]
async fn consumer_account_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "carol@gmail.com", false).await;
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::DomainNotAllowed { hd: None });
    assert!(err.to_string().contains("personal Google accounts"));
}

#[tokio::test]
async fn other_domain_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "bob@other.example", false).await;
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        IdTokenError::DomainNotAllowed {
            hd: Some("other.example".into())
        }
    );
    // Several allowed domains, compared without case.
    let both = SignInPolicy::new(["example.com", "Other.Example"], Vec::<String>::new());
    assert_eq!(both.hd_hint().as_deref(), Some("*"));
    let identity = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &both)
        .await
        .unwrap();
    assert_eq!(identity.hd, "other.example");
}

#[tokio::test]
async fn unverified_email_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "dave@example.com", false).await;
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::EmailNotVerified);
}

#[tokio::test]
async fn allowed_emails_restrict_sign_in() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let only_erin = SignInPolicy::new(["example.com"], ["erin@example.com"]);
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &only_erin)
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::EmailNotAllowed);
    let with_alice = SignInPolicy::new(["example.com"], ["erin@example.com", "ALICE@example.com"]);
    oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &with_alice)
        .await
        .unwrap();
}

#[tokio::test]
async fn wrong_nonce_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    for nonce in ["another-nonce", ""] {
        let err = oauth
            .verify_id_token(signed.id_token(), nonce, &policy())
            .await
            .unwrap_err();
        assert_eq!(err, IdTokenError::NonceMismatch);
    }
}

#[tokio::test]
async fn token_for_another_client_is_refused() {
    let fake = start_fake().await;
    let other = oauth_for(&fake, OTHER_CLIENT_ID, OTHER_SECRET);
    let signed = sign_in(&fake, &other, "alice@example.com", false).await;
    let ours = oauth(&fake);
    let err = ours
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::WrongAudience);
}

#[tokio::test]
async fn bare_issuer_form_is_accepted() {
    let fake = fake_config().issuer(Issuer::Bare).start().await.unwrap();
    assert_eq!(fake.issuer(), "accounts.google.com");
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap();
}

// ---- JWKS cache ----

#[tokio::test]
async fn jwks_is_cached_between_verifications() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let first = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let second = sign_in(&fake, &oauth, "erin@example.com", false).await;
    fake.reset_counters();
    oauth
        .verify_id_token(first.id_token(), &first.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 1);
    // A clone shares the cache.
    oauth
        .clone()
        .verify_id_token(second.id_token(), &second.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 1);
}

#[tokio::test]
async fn key_rotation_triggers_exactly_one_refetch() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let before = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.reset_counters();
    oauth
        .verify_id_token(before.id_token(), &before.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 1);

    let fake_for_rotation = fake.fake();
    let new_kid = tokio::task::spawn_blocking(move || fake_for_rotation.rotate_signing_key())
        .await
        .unwrap();
    let after = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let header = jsonwebtoken::decode_header(after.id_token()).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));

    oauth
        .verify_id_token(after.id_token(), &after.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 2, "one refetch for the new kid");
    oauth
        .verify_id_token(after.id_token(), &after.nonce, &policy())
        .await
        .unwrap();
    oauth
        .verify_id_token(before.id_token(), &before.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 2);
}

#[tokio::test]
async fn concurrent_cache_misses_share_one_fetch() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.reset_counters();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let oauth = oauth.clone();
            let token = signed.id_token().to_string();
            let nonce = signed.nonce.clone();
            tokio::spawn(async move { oauth.verify_id_token(&token, &nonce, &policy()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(fake.requests(JWKS_PATH), 1);
}

#[tokio::test]
async fn jwks_fetch_is_retried_once_on_a_server_error() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.reset_counters();
    fake.inject(Fault::status(JWKS_PATH, 503).times(1));
    oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 2);

    // A JWKS that stays down: the verifier (with a cold cache) says so.
    let cold = IdTokenVerifier::new(
        CLIENT_ID,
        endpoints(&fake).jwks_url,
        GoogleOAuth::http_client().unwrap(),
    );
    fake.inject(Fault::status(JWKS_PATH, 500));
    let err = cold
        .verify(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert!(matches!(err, IdTokenError::JwksUnavailable(_)), "{err:?}");
}

// ---- refresh and revocation ----

#[tokio::test]
async fn refresh_returns_a_new_access_token_and_the_granted_scopes() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "erin@example.com", false).await;
    assert!(
        !signed.tokens.scopes.iter().any(|s| s == CALENDAR),
        "unticked"
    );
    let refresh_token = signed.tokens.refresh_token.clone().unwrap();
    let refreshed = oauth.refresh(refresh_token.expose()).await.unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        signed.tokens.access_token.expose()
    );
    assert!(refreshed.refresh_token.is_none());
    assert!(refreshed.scopes.iter().any(|s| s == DRIVE));
    assert!(!refreshed.scopes.iter().any(|s| s == CALENDAR));
    let form = fake.last_request(TOKEN_PATH).unwrap();
    assert_eq!(form.param("grant_type"), Some("refresh_token"));
    assert_eq!(form.param("client_id"), Some(CLIENT_ID));
}

#[tokio::test]
async fn refresh_after_the_user_revoked_access_is_an_invalid_grant() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.revoke_all_for("alice@example.com");
    let refresh_token = signed.tokens.refresh_token.unwrap();
    let err = oauth.refresh(refresh_token.expose()).await.unwrap_err();
    let GoogleError::InvalidGrant { description } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(description, "Token has been expired or revoked.");
    assert!(!err.to_string().contains(refresh_token.expose()));
}

#[tokio::test]
async fn revoke_ends_the_grant_and_is_idempotent() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let refresh_token = signed.tokens.refresh_token.unwrap();
    assert_eq!(fake.refresh_token_count("alice@example.com"), 1);
    oauth.revoke(refresh_token.expose()).await.unwrap();
    assert_eq!(fake.refresh_token_count("alice@example.com"), 0);
    let form = fake.last_request(fake_google::REVOKE_PATH).unwrap();
    assert_eq!(form.form.first().map(|(k, _)| k.as_str()), Some("token"));
    // Already revoked: Google answers 400 invalid_token, which counts as done.
    oauth.revoke(refresh_token.expose()).await.unwrap();
    let err = oauth.refresh(refresh_token.expose()).await.unwrap_err();
    assert!(matches!(err, GoogleError::InvalidGrant { .. }));
}

#[tokio::test]
async fn prompt_consent_brings_a_new_refresh_token() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let first = sign_in(&fake, &oauth, "alice@example.com", false).await;
    assert!(first.tokens.refresh_token.is_some());
    let again = sign_in(&fake, &oauth, "alice@example.com", false).await;
    assert!(again.tokens.refresh_token.is_none());
    let consent = sign_in(&fake, &oauth, "alice@example.com", true).await;
    assert!(consent.tokens.refresh_token.is_some());
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let fake = start_fake().await;
    let oauth = oauth_for(&fake, CLIENT_ID, "not-the-secret");
    let err = oauth.refresh("1//0whatever").await.unwrap_err();
    assert!(matches!(err, GoogleError::InvalidClient), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("not-the-secret"));
}

// ---- authorization URL ----

#[tokio::test]
async fn authorization_url_carries_the_required_parameters() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let request = AuthorizationRequest {
        state: "state-1".into(),
        nonce: "nonce-1".into(),
        code_challenge: pkce::challenge_s256("v".repeat(43).as_str()),
        scopes: vec!["openid".into(), "email".into(), DRIVE.into()],
        hd: Some("example.com".into()),
        login_hint: Some("alice@example.com".into()),
        prompt_consent: true,
    };
    let url = oauth.authorization_url(&request);
    assert!(
        url.as_str()
            .starts_with(&format!("{}/o/oauth2/v2/auth?", fake.base_url()))
    );
    let params: std::collections::HashMap<String, String> =
        url.query_pairs().into_owned().collect();
    let expect = [
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("response_type", "code"),
        ("access_type", "offline"),
        ("include_granted_scopes", "true"),
        ("prompt", "consent"),
        ("hd", "example.com"),
        ("login_hint", "alice@example.com"),
        ("code_challenge_method", "S256"),
        ("state", "state-1"),
        ("nonce", "nonce-1"),
    ];
    for (k, v) in expect {
        assert_eq!(params.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(params["code_challenge"], request.code_challenge);
    assert_eq!(params["scope"], format!("openid email {DRIVE}"));

    // The fake receives the same parameters.
    fake.set_auto_approve(Some("alice@example.com"));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    browser.get(url).send().await.unwrap();
    let seen = fake.last_authorize().unwrap();
    assert_eq!(seen.param("access_type"), Some("offline"));
    assert_eq!(seen.param("code_challenge_method"), Some("S256"));
    assert_eq!(seen.param("hd"), Some("example.com"));

    let quiet = oauth.authorization_url(&AuthorizationRequest {
        prompt_consent: false,
        hd: None,
        login_hint: None,
        ..request
    });
    let keys: Vec<String> = quiet.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert!(
        !keys
            .iter()
            .any(|k| k == "prompt" || k == "hd" || k == "login_hint")
    );
}

// ---- faults ----

#[tokio::test]
async fn token_endpoint_server_error_is_unavailable_and_not_retried() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    fake.inject(Fault::status(TOKEN_PATH, 500));
    fake.reset_counters();
    let err = oauth.refresh("1//0token").await.unwrap_err();
    assert!(matches!(err, GoogleError::Unavailable(_)), "{err:?}");
    assert_eq!(fake.requests(TOKEN_PATH), 1);
}

#[tokio::test]
async fn token_endpoint_rate_limit_carries_retry_after() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    fake.inject(Fault::status(TOKEN_PATH, 429).retry_after(7));
    let err = oauth.refresh("1//0token").await.unwrap_err();
    let GoogleError::RateLimited { retry_after } = err else {
        panic!("{err:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn slow_token_endpoint_times_out() {
    let fake = start_fake().await;
    let http =
        GoogleOAuth::http_client_with(Duration::from_secs(1), Duration::from_millis(300)).unwrap();
    let oauth = GoogleOAuth::new(
        endpoints(&fake),
        CLIENT_ID,
        Secret::new(CLIENT_SECRET),
        Url::parse(REDIRECT_URI).unwrap(),
        http,
    );
    fake.inject(Fault::new(TOKEN_PATH).latency(Duration::from_secs(3)));
    let started = Instant::now();
    let err = oauth.refresh("1//0token").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, GoogleError::Unavailable(ref m) if m.contains("timed out")),
        "{err:?}"
    );
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn unreachable_google_is_unavailable() {
    // A port nobody listens on: bind, read the port, close.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let oauth = GoogleOAuth::new(
        GoogleEndpoints::under(&base),
        CLIENT_ID,
        Secret::new(CLIENT_SECRET),
        Url::parse(REDIRECT_URI).unwrap(),
        GoogleOAuth::http_client().unwrap(),
    );
    let err = oauth
        .exchange_code("4/0code", "verifier")
        .await
        .unwrap_err();
    assert!(matches!(err, GoogleError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains(CLIENT_SECRET));
}

#[test]
fn token_response_debug_hides_tokens() {
    let tokens = TokenResponse {
        access_token: Secret::new("ya29.secret-access"),
        expires_in: Duration::from_secs(3599),
        refresh_token: Some(Secret::new("1//0secret-refresh")),
        scopes: vec!["openid".into()],
        id_token: Some("eyJ.secret.idtoken".into()),
    };
    let debug = format!("{tokens:?}");
    assert!(!debug.contains("secret"), "{debug}");
    assert!(debug.contains("openid"));
}

// ---- tokens the fake cannot produce: a local key and JWKS server ----

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

#[test]
fn policy_from_lists_is_lowercase() {
    let p = SignInPolicy::new([" Example.COM "], ["Ann@Example.com"]);
    assert_eq!(p.allowed_domains, ["example.com"]);
    assert_eq!(p.hd_hint().as_deref(), Some("example.com"));
    assert!(p.allows_domain("EXAMPLE.com"));
    assert!(p.allows_email("ann@example.COM"));
    assert!(!p.allows_email("bob@example.com"));
    assert!(SignInPolicy::new(["a.example"], Vec::<String>::new()).allows_email("x@a.example"));
    assert!(!SignInPolicy::default().allows_domain("example.com"));
}
