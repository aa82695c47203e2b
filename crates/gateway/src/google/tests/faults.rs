//! Errors, rate limits and timeouts injected at the fake Google.

use std::time::{Duration, Instant};

use fake_google::{Fault, TOKEN_PATH};
use url::Url;

use super::*;

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
