use serde_json::{Value, json};

use crate::helpers::{
    LEGACY, Mcp, STATELESS, TestApp, assert_default_tools, client, stateless_meta, tool_names,
};

#[tokio::test]
async fn legacy_handshake_lists_and_calls_server_info() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    let init = mcp.initialize().await;
    assert_eq!(init["result"]["protocolVersion"], LEGACY);
    assert_eq!(
        init["result"]["serverInfo"]["name"],
        "workspace-mcp-gateway"
    );

    let list = mcp.request(2, "tools/list", json!({})).await.message();
    assert_default_tools(&tool_names(&list));
    let tool = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "server_info")
        .unwrap();
    assert_eq!(tool["annotations"]["readOnlyHint"], true);
    assert!(tool["outputSchema"].is_object(), "{tool}");

    let call = mcp
        .request(
            3,
            "tools/call",
            json!({"name": "server_info", "arguments": {}}),
        )
        .await
        .message();
    let info = &call["result"]["structuredContent"];
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["allowed_domains"], json!(["example.com"]));
    assert_eq!(info["mcp_url"], "http://localhost:0/mcp");
}

#[tokio::test]
async fn each_legacy_revision_is_negotiated() {
    let app = TestApp::spawn().await;
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let mcp = Mcp::new(&app);
        let reply = mcp
            .post(json!({
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "it", "version": "1"}}
            }))
            .await;
        assert_eq!(reply.status, 200, "{version}: {}", reply.body);
        assert_eq!(reply.message()["result"]["protocolVersion"], version);
        assert!(reply.headers.contains_key("mcp-session-id"));
    }
}

#[tokio::test]
async fn stateless_2026_07_28_requests_need_no_session() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    mcp.protocol = Some(STATELESS.to_owned());
    let reply = mcp
        .request(1, "tools/list", json!({"_meta": stateless_meta()}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(!reply.headers.contains_key("mcp-session-id"));
    assert_default_tools(&tool_names(&reply.message()));

    let call = mcp
        .request(
            2,
            "tools/call",
            json!({"name": "server_info", "arguments": {}, "_meta": stateless_meta()}),
        )
        .await;
    assert_eq!(call.status, 200, "{}", call.body);
    assert_eq!(
        call.message()["result"]["structuredContent"]["name"],
        "workspace-mcp-gateway"
    );
    // GET has no stateless stream to offer: 405, never 400 or 404.
    let get = client()
        .get(app.url("/mcp"))
        .bearer_auth(&app.token)
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", STATELESS)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn get_without_or_with_unknown_session_is_405_never_400_or_404() {
    let app = TestApp::spawn().await;
    let get = |session: Option<&'static str>| {
        let mut r = client()
            .get(app.url("/mcp"))
            .bearer_auth(&app.token)
            .header("accept", "text/event-stream");
        if let Some(s) = session {
            r = r.header("mcp-session-id", s);
        }
        r.send()
    };
    for session in [None, Some("no-such-session")] {
        let r = get(session).await.unwrap();
        assert_eq!(r.status(), 405, "{session:?}");
        assert!(r.headers().contains_key("allow"));
    }
}

#[tokio::test]
async fn get_with_a_session_streams_sse_with_keep_alives() {
    let app = TestApp::spawn_with(&[("SSE_KEEP_ALIVE_SECONDS", "1")]).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let mut response = mcp.get_stream().send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                // A keep-alive is an SSE comment line (": ...").
                if seen.lines().filter(|l| l.starts_with(':')).count() >= 2 {
                    return;
                }
            }
            _ => break,
        }
    }
    panic!("fewer than two keep-alives in 5 s: {seen:?}");
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = TestApp::spawn_with(&[("MAX_REQUEST_BODY_BYTES", "2048")]).await;
    let big = "x".repeat(4096);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"pad": big}});
    // Without a session (the guard reads the body) ...
    let mcp = Mcp::new(&app);
    let reply = mcp.post(body.clone()).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    // ... and within a session (rmcp enforces the limit while streaming).
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let reply = mcp
        .request(
            2,
            "tools/call",
            json!({"name": "server_info", "arguments": {"pad": big}}),
        )
        .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
}

#[tokio::test]
async fn foreign_host_header_is_refused() {
    let app = TestApp::spawn().await;
    let r = client()
        .post(app.url("/mcp"))
        .bearer_auth(&app.token)
        .header("host", "evil.example")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn public_host_is_allowed() {
    let app = TestApp::spawn_with(&[("PUBLIC_URL", "https://mcp.example.com")]).await;
    let r = client()
        .post(app.url("/mcp")).bearer_auth(&app.token)
        .header("host", "mcp.example.com")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(
            json!({
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "it", "version": "1"}}
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn malformed_json_is_a_json_rpc_parse_error() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let r = client()
        .post(app.url("/mcp"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", mcp.session.clone().unwrap())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if !body.is_null() {
        assert!(body["error"]["code"].is_i64(), "{body}");
    }
}
