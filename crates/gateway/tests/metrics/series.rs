//! The Prometheus series, moved by requests to a gateway.

use mcp_gateway::config;
use serde_json::json;

use crate::{
    google_flow::{ANN, Env},
    helpers::{FlakyStore, Mcp, TestApp, client},
    scrape::{SERIAL, scrape, scrape_at},
};

const WHOAMI_OK: &str = r#"tool_calls_total{tool="whoami",outcome="ok"}"#;

async fn call(mcp: &Mcp, id: u64, name: &str, args: serde_json::Value) -> serde_json::Value {
    let reply = mcp
        .request(id, "tools/call", json!({"name": name, "arguments": args}))
        .await;
    assert_eq!(reply.status, 200, "{name}: {}", reply.body);
    reply.message()["result"].clone()
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let _serial = SERIAL.lock().await;
    let app = TestApp::spawn_with(&[(config::METRICS_PORT, "0")]).await;
    let metrics = app.metrics.expect("a metrics listener");
    assert_ne!(metrics.port(), app.port);
    assert!(metrics.ip().is_loopback(), "bound on HOST");
    let public = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404, "never on the public port");
    let (_, text) = scrape_at(metrics).await;
    assert!(text.contains("# TYPE tool_calls_total counter"), "{text}");
    let other = client()
        .get(format!("http://{metrics}/mcp"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404, "only /metrics there");
}

#[tokio::test]
async fn tool_calls_sessions_and_requests_are_counted_by_tool_and_route_template() {
    let _serial = SERIAL.lock().await;
    let app = TestApp::spawn_with(&[(config::METRICS_PORT, "0")]).await;
    let before = scrape(&app).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let opened = scrape(&app).await;
    assert_eq!(opened.delta(&before, "mcp_sessions_live"), 1.0);
    for id in 0..3 {
        let result = call(&mcp, 10 + id, "whoami", json!({})).await;
        assert_ne!(result["isError"], true, "{result}");
    }
    let bad = call(&mcp, 20, "gmail_search", json!({"query": 5})).await;
    assert_eq!(bad["isError"], true, "{bad}");
    let unknown = client().get(app.url("/nope/123")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    let (after, text) = scrape_at(app.metrics.unwrap()).await;
    assert_eq!(after.delta(&before, WHOAMI_OK), 3.0);
    assert_eq!(
        after.delta(
            &before,
            r#"tool_call_duration_seconds_count{tool="whoami"}"#
        ),
        3.0
    );
    assert_eq!(
        after.delta(
            &before,
            r#"tool_calls_total{tool="gmail_search",outcome="invalid_arguments"}"#
        ),
        1.0
    );
    assert_eq!(
        after.delta(&before, r#"tool_errors_total{kind="invalid_arguments"}"#),
        1.0
    );
    // initialize, the initialized notification and four calls.
    assert_eq!(
        after.delta(
            &before,
            r#"http_requests_total{route="/mcp",method="POST",status="2xx"}"#
        ),
        6.0
    );
    assert_eq!(
        after.delta(
            &before,
            r#"http_request_duration_seconds_count{route="/mcp",method="POST"}"#
        ),
        6.0
    );
    assert_eq!(
        after.delta(
            &before,
            r#"http_requests_total{route="unmatched",method="GET",status="4xx"}"#
        ),
        1.0
    );
    assert!(!text.contains("/nope"), "a raw path in a label: {text}");
    assert!(
        !text.contains(crate::helpers::TEST_EMAIL),
        "an email in a label"
    );

    assert!(mcp.delete().await.is_success());
    let closed = scrape(&app).await;
    assert_eq!(closed.delta(&before, "mcp_sessions_live"), 0.0);
}

#[tokio::test]
async fn store_calls_and_their_errors_are_counted() {
    let _serial = SERIAL.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let raw = crate::helpers::raw_config(tmp.path(), &[]);
    let config = config::Config::from_raw(&raw).unwrap();
    let flaky = FlakyStore::new(mcp_gateway::app::open_store(&config).await.unwrap());
    let app =
        TestApp::spawn_with_store(tmp.path(), &[(config::METRICS_PORT, "0")], flaky.clone()).await;
    const PINGS: &str = r#"store_calls_total{op="ping",backend="sqlite"}"#;
    const PING_ERRORS: &str = r#"store_errors_total{op="ping",backend="sqlite"}"#;
    let before = scrape(&app).await;
    let ready = client().get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    flaky.set_down(true);
    let ready = client().get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    flaky.set_down(false);
    let after = scrape(&app).await;
    assert_eq!(after.delta(&before, PINGS), 2.0);
    assert_eq!(after.delta(&before, PING_ERRORS), 1.0);
    assert_eq!(
        after.delta(
            &before,
            r#"store_call_duration_seconds_count{op="ping",backend="sqlite"}"#
        ),
        2.0
    );
}

#[tokio::test]
async fn oauth_refusals_are_counted_as_rate_limited() {
    let _serial = SERIAL.lock().await;
    let app = TestApp::spawn_with(&[
        (config::METRICS_PORT, "0"),
        (config::TRUSTED_PROXY_HOPS, "0"),
        (config::OAUTH_REQUEST_BURST, "2"),
        (config::OAUTH_REQUESTS_PER_MINUTE, "1"),
    ])
    .await;
    let before = scrape(&app).await;
    let mut refused = 0;
    for _ in 0..4 {
        let r = client()
            .post(app.url("/oauth/token"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
            .send()
            .await
            .unwrap();
        refused += u32::from(r.status() == 429);
    }
    assert_eq!(refused, 2);
    let after = scrape(&app).await;
    assert_eq!(
        after.delta(&before, r#"rate_limited_total{kind="oauth"}"#),
        2.0
    );
    assert_eq!(
        after.delta(
            &before,
            r#"http_requests_total{route="/oauth/token",method="POST",status="4xx"}"#
        ),
        4.0
    );
}

#[tokio::test]
async fn google_calls_429s_retries_and_refreshes_are_counted() {
    let _serial = SERIAL.lock().await;
    let env = Env::start_with(&[(config::METRICS_PORT, "0"), (config::TOOLS, "all")]).await;
    let tokens = env.sign_in(ANN).await;
    let mut mcp = env.mcp(&tokens.access);
    mcp.initialize().await;
    const LABELS: &str = "/gmail/v1/users/me/labels";
    const GMAIL_2XX: &str = r#"google_api_calls_total{api="gmail",status="2xx"}"#;
    const GMAIL_4XX: &str = r#"google_api_calls_total{api="gmail",status="4xx"}"#;
    const GMAIL_429: &str = r#"google_api_rate_limited_total{api="gmail"}"#;
    const GMAIL_RETRIES: &str = r#"google_api_retries_total{api="gmail"}"#;
    const REFRESHED: &str = r#"google_token_refreshes_total{result="success"}"#;
    const NOT_REFRESHED: &str = r#"google_token_refreshes_total{result="failure"}"#;

    // Google says 429 once; the retry succeeds.
    let before = scrape(&env.app).await;
    env.fake()
        .inject(fake_google::Fault::status(LABELS, 429).times(1));
    let result = call(&mcp, 10, "gmail_list_labels", json!({})).await;
    assert_ne!(result["isError"], true, "{result}");
    let after = scrape(&env.app).await;
    assert_eq!(after.delta(&before, GMAIL_429), 1.0);
    assert_eq!(after.delta(&before, GMAIL_RETRIES), 1.0);
    assert_eq!(after.delta(&before, GMAIL_4XX), 1.0);
    assert_eq!(after.delta(&before, GMAIL_2XX), 1.0);
    assert_eq!(after.delta(&before, REFRESHED), 0.0);

    // Google drops the access token early: one refresh, one retry.
    let before = after;
    env.fake().expire_access_tokens_for(ANN);
    let result = call(&mcp, 11, "gmail_list_labels", json!({})).await;
    assert_ne!(result["isError"], true, "{result}");
    let after = scrape(&env.app).await;
    assert_eq!(after.delta(&before, REFRESHED), 1.0);
    assert_eq!(after.delta(&before, NOT_REFRESHED), 0.0);
    assert_eq!(after.delta(&before, GMAIL_RETRIES), 1.0);
    assert_eq!(after.delta(&before, GMAIL_429), 0.0);

    // The refresh token is dead too: the refresh fails.
    let before = after;
    env.fake().expire_refresh_tokens_for(ANN);
    env.fake().expire_access_tokens_for(ANN);
    let result = call(&mcp, 12, "gmail_list_labels", json!({})).await;
    assert_eq!(result["isError"], true, "{result}");
    let after = scrape(&env.app).await;
    assert_eq!(after.delta(&before, NOT_REFRESHED), 1.0);
    assert_eq!(
        after.delta(
            &before,
            r#"tool_calls_total{tool="gmail_list_labels",outcome="google_error"}"#
        ),
        1.0
    );
}
