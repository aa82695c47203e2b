//! Test hooks: counters, fault injection, discovery, lifecycle.

use std::time::{Duration, Instant};

use fake_google::{FakeUser, Fault};
use reqwest::{Method, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn discovery_points_at_the_base_url() {
    let fake = start().await;
    let doc: serde_json::Value = http()
        .get(fake.url(fake_google::DISCOVERY_PATH))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], "https://accounts.google.com");
    let base = fake.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    for (field, path) in [
        ("authorization_endpoint", "/o/oauth2/v2/auth"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/v1/userinfo"),
        ("revocation_endpoint", "/revoke"),
        ("jwks_uri", "/oauth2/v3/certs"),
    ] {
        assert_eq!(doc[field], format!("{base}{path}"), "{field}");
    }
    assert!(
        doc["code_challenge_methods_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "S256")
    );
}

#[tokio::test]
async fn faults_replace_responses_for_n_requests_and_counters_count() {
    let fake = start().await;
    fake.inject(
        Fault::status(fake_google::TOKEN_PATH, 503)
            .method(Method::POST)
            .retry_after(7)
            .times(1),
    );
    let code = code_for(&fake, ALICE, &base_params()).await;
    let response = http()
        .post(fake.url(fake_google::TOKEN_PATH))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].is_string());
    // Only once: the code still works.
    assert_eq!(exchange(&fake, &code).await.0, StatusCode::OK);
    assert_eq!(fake.requests(fake_google::TOKEN_PATH), 2);
    assert_eq!(fake.requests(fake_google::APPROVE_PATH), 1);
    assert_eq!(
        fake.last_request(fake_google::TOKEN_PATH)
            .unwrap()
            .param("code"),
        Some(code.as_str())
    );

    fake.inject(
        Fault::status(fake_google::JWKS_PATH, 429)
            .body(r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}"#),
    );
    for _ in 0..2 {
        let response = http()
            .get(fake.url(fake_google::JWKS_PATH))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.text().await.unwrap(),
            r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}"#
        );
    }
    fake.clear_faults();
    assert_eq!(jwks(&fake).await.keys.len(), 1);

    fake.reset_counters();
    assert_eq!(fake.requests(fake_google::TOKEN_PATH), 0);
    assert_eq!(fake.requests(fake_google::JWKS_PATH), 0);
}

#[tokio::test]
async fn latency_only_fault_delays_but_answers() {
    let fake = start().await;
    fake.inject(
        Fault::new(fake_google::DISCOVERY_PATH)
            .latency(Duration::from_millis(300))
            .times(1),
    );
    let started = Instant::now();
    let response = http()
        .get(fake.url(fake_google::DISCOVERY_PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    http()
        .get(fake.url(fake_google::DISCOVERY_PATH))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn users_added_at_runtime_can_sign_in() {
    let fake = start().await;
    fake.add_user(FakeUser::workspace("dave@example.com", "example.com").email_verified(false));
    let body = sign_in(&fake, "dave@example.com", &[]).await;
    let claims = verify_id_token(
        &jwks(&fake).await,
        body["id_token"].as_str().unwrap(),
        fake.issuer(),
    )
    .unwrap();
    assert_eq!(claims["email_verified"], false);
    assert_eq!(claims["sub"].as_str().unwrap().len(), 21);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let fake = start().await;
    let url = fake.url(fake_google::DISCOVERY_PATH);
    assert!(http().get(&url).send().await.is_ok());
    fake.shutdown().await;
    assert!(http().get(&url).send().await.is_err());
}

#[tokio::test]
async fn router_can_be_mounted_in_another_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/google", listener.local_addr().unwrap());
    let fake = fake_google::FakeGoogle::new(config(), &base);
    let app = axum::Router::new().nest("/google", fake.router());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let doc: serde_json::Value = http()
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["token_endpoint"], format!("{base}/token"));
    let html = http()
        .get(format!("{base}/o/oauth2/v2/auth"))
        .query(&base_params())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(ALICE));
    server.abort();
}
