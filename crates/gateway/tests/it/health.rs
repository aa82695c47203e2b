use axum::extract::State;
use axum::response::IntoResponse;
use mcp_gateway::http::health;
use serde_json::Value;

use crate::helpers::{FlakyStore, TestApp, client, raw_config};

#[tokio::test]
async fn health_reports_status_timestamp_and_version() {
    let app = TestApp::spawn().await;
    let r = client().get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let ts = body["timestamp"].as_str().unwrap();
    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 timestamp");
}

#[tokio::test]
async fn ready_when_store_and_keys_work() {
    let app = TestApp::spawn().await;
    let r = client().get(app.url("/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_a_valid_one() {
    let app = TestApp::spawn().await;
    let r = client()
        .get(app.url("/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    let r = client()
        .get(app.url("/health"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "bad id with spaces");
    assert_eq!(id.len(), 36);
}

#[tokio::test]
async fn unknown_paths_get_a_json_404() {
    let app = TestApp::spawn().await;
    let r = client().get(app.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn without_metrics_port_there_is_no_metrics_listener_and_no_public_metrics() {
    let app = TestApp::spawn().await;
    assert_eq!(app.metrics, None);
    let r = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn ready_is_503_naming_the_store_while_it_fails_and_recovers_without_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let config = mcp_gateway::config::Config::from_raw(&raw_config(tmp.path(), &[])).unwrap();
    let flaky = FlakyStore::new(mcp_gateway::app::open_store(&config).await.unwrap());
    let app = TestApp::spawn_with_store(tmp.path(), &[], flaky.clone()).await;
    let ready = || async { client().get(app.url("/ready")).send().await.unwrap() };
    assert_eq!(ready().await.status(), 200);

    flaky.set_down(true);
    let r = ready().await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["failing"][0]["component"], "store", "{body}");
    assert_eq!(body["failing"][0]["backend"], "sqlite", "{body}");
    assert!(
        body["failing"][0]["error"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
    // Liveness does not depend on the store.
    assert_eq!(
        client()
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    flaky.set_down(false);
    assert_eq!(ready().await.status(), 200);
}

#[tokio::test]
async fn ready_is_503_while_draining() {
    let app = TestApp::spawn().await;
    app.shutdown.trigger();
    let response = health::ready(State(app.state.clone()))
        .await
        .into_response();
    assert_eq!(response.status(), 503);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "draining");
}

#[tokio::test]
async fn ready_waits_for_the_revocations_and_the_start_waits_on_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let config = mcp_gateway::config::Config::from_raw(&raw_config(tmp.path(), &[])).unwrap();
    let flaky = FlakyStore::new(mcp_gateway::app::open_store(&config).await.unwrap());
    // Built while the store is down: nothing on the start path needs it.
    flaky.set_down(true);
    let vault = mcp_gateway::app::open_vault(&config).await.unwrap();
    let app = mcp_gateway::app::Application::build_with(config, flaky.clone(), vault)
        .await
        .unwrap();
    flaky.set_down(false);
    let state = app.state().clone();
    let response = health::ready(State(state.clone())).await.into_response();
    assert_eq!(response.status(), 503);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["failing"][0]["component"], "revocations", "{body}");
    // Once the task runs, its first poll loads them and it is ready.
    let stop = app.shutdown();
    let run = tokio::spawn(app.run_until_stopped());
    let mut status = 0;
    for _ in 0..200 {
        status = health::ready(State(state.clone()))
            .await
            .into_response()
            .status()
            .as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status, 200);
    stop.trigger();
    let _ = run.await;
}

#[tokio::test]
async fn the_root_names_the_mcp_url_and_the_sign_in() {
    let app = TestApp::spawn().await;
    let r = client().get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.headers().contains_key("content-security-policy"));
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&app.state.config.mcp_url().to_string()),
        "{page}"
    );
    assert!(page.contains("/oauth/login"), "{page}");
}
