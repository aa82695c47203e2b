//! Per-user rate limits on `/mcp`: tool calls beyond the limit are tool
//! errors naming when to retry; a flood of protocol requests gets 429 with
//! `Retry-After`; each user has limits of their own.

use mcp_gateway::config;
use serde_json::{Value, json};

use crate::helpers::{Mcp, STATELESS, TestApp, sign_in_directly, stateless_meta};

fn stateless(app: &TestApp, token: &str) -> Mcp {
    let mut mcp = Mcp::new(app);
    mcp.token = Some(token.to_owned());
    mcp.protocol = Some(STATELESS.to_owned());
    mcp
}

async fn call(mcp: &Mcp, id: u64, name: &str) -> Value {
    let reply = mcp
        .request(
            id,
            "tools/call",
            json!({"name": name, "arguments": {}, "_meta": stateless_meta()}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.message()["result"].clone()
}

#[tokio::test]
async fn tool_calls_beyond_the_burst_are_tool_errors_naming_the_wait() {
    let app = TestApp::spawn_with(&[
        (config::RATE_LIMIT_TOOL_CALLS_PER_MINUTE, "6"),
        (config::RATE_LIMIT_BURST, "3"),
    ])
    .await;
    let ann = stateless(&app, &app.token);
    for id in 0..3 {
        let result = call(&ann, id, "server_info").await;
        assert_ne!(result["isError"], true, "{result}");
    }
    let refused = call(&ann, 9, "server_info").await;
    assert_eq!(refused["isError"], true, "{refused}");
    let text = refused["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("6 tool calls a minute (3 at once)") && text.contains("Retry in 10 s"),
        "{text}"
    );
    // Listing tools is not a tool call.
    let list = ann
        .request(10, "tools/list", json!({"_meta": stateless_meta()}))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    // Another person has a limit of their own.
    let bob_token = sign_in_directly(
        &app.state,
        "100000000000000000002",
        "bob@example.com",
        "mcp",
    )
    .await;
    let bob = stateless(&app, &bob_token);
    let result = call(&bob, 11, "server_info").await;
    assert_ne!(result["isError"], true, "{result}");
}

#[tokio::test]
async fn a_request_flood_gets_429_with_retry_after() {
    let app = TestApp::spawn_with(&[
        (config::RATE_LIMIT_REQUESTS_PER_MINUTE, "60"),
        (config::RATE_LIMIT_REQUEST_BURST, "5"),
    ])
    .await;
    let ann = stateless(&app, &app.token);
    for id in 0..5 {
        let reply = ann
            .request(id, "tools/list", json!({"_meta": stateless_meta()}))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let reply = ann
        .request(6, "tools/list", json!({"_meta": stateless_meta()}))
        .await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_eq!(reply.headers["retry-after"], "1");
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("retry in 1 s"),
        "{body}"
    );
    // Another person is not refused.
    let bob_token = sign_in_directly(
        &app.state,
        "100000000000000000002",
        "bob@example.com",
        "mcp",
    )
    .await;
    let bob = stateless(&app, &bob_token);
    let reply = bob
        .request(7, "tools/list", json!({"_meta": stateless_meta()}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A second later the first is served again.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let reply = ann
        .request(8, "tools/list", json!({"_meta": stateless_meta()}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}
