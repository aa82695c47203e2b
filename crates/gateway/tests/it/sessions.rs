use std::sync::Arc;

use mcp_gateway::store::{Expect, Kind, Put, now_unix};
use serde_json::json;

use crate::helpers::{Mcp, TestApp, assert_default_tools, tool_names};

#[tokio::test(flavor = "multi_thread")]
async fn a_session_created_on_one_gateway_is_served_by_another_sharing_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let a = TestApp::spawn_in(tmp.path(), &[]).await;
    let b = TestApp::spawn_in(tmp.path(), &[]).await;

    let mut on_a = Mcp::new(&a);
    on_a.initialize().await;
    let list = on_a.request(2, "tools/list", json!({})).await.message();
    assert_default_tools(&tool_names(&list));

    // Same session, other gateway: restored transparently, no new handshake.
    let on_b = same_session(&b, &on_a);
    let reply = on_b.request(3, "tools/list", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_default_tools(&tool_names(&reply.message()));
    let call = on_b
        .request(
            4,
            "tools/call",
            json!({"name": "server_info", "arguments": {}}),
        )
        .await
        .message();
    assert_eq!(
        call["result"]["structuredContent"]["name"],
        "workspace-mcp-gateway"
    );

    // DELETE on B ends the session on B at once, and on A (which served it
    // from memory) at A's next revocation reload.
    assert_eq!(on_b.delete().await, 204);
    let after = on_b.request(6, "tools/list", json!({})).await;
    assert_eq!(after.status, 404, "{}", after.body);
    a.state
        .oauth
        .revocations
        .reload(&a.state.oauth.repo)
        .await
        .unwrap();
    let after = on_a.request(5, "tools/list", json!({})).await;
    assert_eq!(after.status, 404, "{}", after.body);
}

#[tokio::test]
async fn unknown_session_is_404_with_a_json_rpc_error() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    mcp.session = Some("0b7f7f3e-no-such-session".into());
    mcp.protocol = Some("2025-06-18".into());
    let reply = mcp.request(1, "tools/list", json!({})).await;
    assert_eq!(reply.status, 404);
    let msg = reply.message();
    assert!(
        msg["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Session not found")
    );
}

#[tokio::test]
async fn expired_session_is_not_served_even_if_still_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_in(tmp.path(), &[]).await;
    let other = TestApp::spawn_in(tmp.path(), &[]).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let id = mcp.session.clone().unwrap();
    let record = app.store.get(Kind::McpSession, &id).await.unwrap().unwrap();
    app.store
        .put(Put {
            kind: Kind::McpSession,
            key: &id,
            value: &record.value,
            group: record.group.as_deref(),
            expires_at: Some(now_unix() - 1),
            expect: Expect::Version(record.version),
        })
        .await
        .unwrap();
    // A task that did not know the session reads the store and refuses it.
    let elsewhere = same_session(&other, &mcp);
    let reply = elsewhere.request(2, "tools/list", json!({})).await;
    assert_eq!(reply.status, 404, "{}", reply.body);
}

#[tokio::test]
async fn sessions_are_persisted_with_their_owner_and_an_expiry() {
    let app = TestApp::spawn_with(&[("MCP_SESSION_IDLE_SECONDS", "3600")]).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let id = mcp.session.clone().unwrap();
    let record = app.store.get(Kind::McpSession, &id).await.unwrap().unwrap();
    assert_eq!(record.group.as_deref(), Some(crate::helpers::TEST_USER));
    let exp = record.expires_at.unwrap();
    assert!((exp - now_unix() - 3600).abs() < 10, "{exp}");
    let stored: serde_json::Value = serde_json::from_slice(&record.value).unwrap();
    assert_eq!(stored["init"]["clientInfo"]["name"], "it");
}

#[tokio::test]
async fn per_user_cap_ends_the_oldest_sessions() {
    let app = TestApp::spawn_with(&[("MAX_MCP_SESSIONS_PER_USER", "2")]).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut mcp = Mcp::new(&app);
        mcp.initialize().await;
        clients.push(mcp);
        // Distinct creation seconds are not required: versions break ties.
    }
    let oldest = clients[0].request(9, "tools/list", json!({})).await;
    assert_eq!(oldest.status, 404, "{}", oldest.body);
    for c in &clients[1..] {
        let r = c.request(9, "tools/list", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let live = app
        .store
        .list_group(Kind::McpSession, crate::helpers::TEST_USER)
        .await
        .unwrap();
    assert_eq!(live.len(), 2);
}

#[tokio::test]
async fn total_cap_refuses_new_sessions_with_503_and_retry_after() {
    let app = TestApp::spawn_with(&[
        ("MAX_MCP_SESSIONS", "2"),
        ("MAX_MCP_SESSIONS_PER_USER", "10"),
    ])
    .await;
    for _ in 0..2 {
        Mcp::new(&app).initialize().await;
    }
    let reply = Mcp::new(&app)
        .post(json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "it", "version": "1"}}
        }))
        .await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(reply.headers.contains_key("retry-after"));
}

/// Two gateways over one store that can be made to fail.
async fn two_apps_over_a_flaky_store() -> (
    tempfile::TempDir,
    Arc<crate::helpers::FlakyStore>,
    TestApp,
    TestApp,
) {
    let tmp = tempfile::tempdir().unwrap();
    let config =
        mcp_gateway::config::Config::from_raw(&crate::helpers::raw_config(tmp.path(), &[]))
            .unwrap();
    let flaky =
        crate::helpers::FlakyStore::new(mcp_gateway::app::open_store(&config).await.unwrap());
    let a = TestApp::spawn_with_store(tmp.path(), &[], flaky.clone()).await;
    let b = TestApp::spawn_with_store(tmp.path(), &[], flaky.clone()).await;
    (tmp, flaky, a, b)
}

/// A client of `session`'s session on `app`.
fn same_session(app: &TestApp, session: &Mcp) -> Mcp {
    let mut other = Mcp::new(app);
    other.session = session.session.clone();
    other.protocol = session.protocol.clone();
    other
}

#[tokio::test]
async fn store_outage_gives_503_not_a_hang_and_warm_sessions_go_on() {
    let (_tmp, flaky, app, other) = two_apps_over_a_flaky_store().await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    flaky.set_down(true);
    // The task that knows the session serves it without the store.
    let reply = mcp.request(2, "tools/list", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A task that must look it up answers 503 with Retry-After, never hangs.
    let elsewhere = same_session(&other, &mcp);
    let reply = elsewhere.request(3, "tools/list", json!({})).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(reply.headers.contains_key("retry-after"));
    flaky.set_down(false);
    let reply = elsewhere.request(4, "tools/list", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn a_warm_session_request_reads_nothing_from_the_store() {
    let (_tmp, flaky, app, other) = two_apps_over_a_flaky_store().await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let whoami = json!({"name": "whoami", "arguments": {}});
    // whoami's first call reads the account once.
    mcp.request(9, "tools/call", whoami.clone()).await;
    let before = flaky.reads();
    let started = std::time::Instant::now();
    for id in 0..20 {
        let reply = mcp.request(10 + id, "tools/list", json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let me = mcp
            .request(100 + id, "tools/call", whoami.clone())
            .await
            .message();
        assert_eq!(
            me["result"]["structuredContent"]["email"],
            crate::helpers::TEST_EMAIL,
            "{me}"
        );
    }
    assert_eq!(
        flaky.reads() - before,
        0,
        "warm session requests (tools/list, whoami) read the store"
    );
    // The per-user rate limit shares counts in the background: a read when
    // the task meets the user, one per quarter burst of calls (7 of the
    // default 30), and at most one a second near the limit.
    let seconds = started.elapsed().as_secs() as usize;
    assert!(
        flaky.limit_reads() <= 1 + 21 / 7 + seconds + 1,
        "{} rate-limit reads in {seconds} s",
        flaky.limit_reads()
    );
    // Another task reads the session once, then serves it from memory.
    let elsewhere = same_session(&other, &mcp);
    let before = flaky.reads();
    for id in 0..20 {
        let reply = elsewhere.request(40 + id, "tools/list", json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(
        flaky.reads() - before,
        1,
        "a cold session costs one read, once"
    );
}
