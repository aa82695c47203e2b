//! Many users at once: every reply arrives, on its own session, naming its
//! own user. (Gateways that shared one MCP server object across sessions lost
//! or misrouted replies under exactly this load.)

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use fake_google::{AutoApprove, FakeUser};
use serde_json::json;

use crate::{
    google_flow::Env,
    helpers::{LEGACY, tool_names},
};

const USERS: usize = 32;

#[expect(
    clippy::disallowed_methods,
    reason = "how long the load runs is the test runner's choice"
)]
fn run_seconds() -> u64 {
    std::env::var("CONCURRENCY_TEST_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_users_each_get_their_own_replies_on_their_own_sessions() {
    let env = Arc::new(
        Env::start_with(&[
            ("OAUTH_REGISTRATION_BURST", "64"),
            ("OAUTH_REQUEST_BURST", "100000"),
            // Each user calls as fast as the gateway answers; the per-user
            // limits have tests of their own (rate_limits.rs).
            ("RATE_LIMIT_BURST", "1000000"),
            ("RATE_LIMIT_REQUEST_BURST", "1000000"),
        ])
        .await,
    );
    for i in 0..USERS {
        env.fake().add_user(FakeUser::workspace(
            format!("user{i}@example.com"),
            "example.com",
        ));
    }
    env.fake().set_auto_approve_mode(AutoApprove::FromLoginHint);
    let deadline = Instant::now() + Duration::from_secs(run_seconds());
    let rounds = Arc::new(AtomicU64::new(0));

    let mut tasks = Vec::new();
    for i in 0..USERS {
        let env = env.clone();
        let rounds = rounds.clone();
        tasks.push(tokio::spawn(async move {
            let email = format!("user{i}@example.com");
            let client = env.register().await;
            let mut done = 0u64;
            let mut sessions = std::collections::HashSet::new();
            while Instant::now() < deadline {
                // Sign in (a new token each round), then a fresh session.
                let flow = env
                    .follow(env.authorize_url(&client, &[("login_hint", &email)]))
                    .await;
                let code = flow
                    .params()
                    .get("code")
                    .unwrap_or_else(|| panic!("{email}: no code: {flow:?}"))
                    .clone();
                let (status, body) = env.redeem(&client, &code).await;
                assert_eq!(status, 200, "{email}: token: {body}");
                let token = body["access_token"].as_str().unwrap().to_owned();

                let mut mcp = env.mcp(&token);
                let init = mcp.initialize().await;
                assert_eq!(
                    init["id"], 1,
                    "{email}: initialize reply carries another id"
                );
                assert_eq!(init["result"]["protocolVersion"], LEGACY);
                let session = mcp.session.clone().unwrap();
                assert!(
                    sessions.insert(session.clone()),
                    "{email}: session id reused"
                );

                let id = 1000 + done;
                let list = mcp.request(id, "tools/list", json!({})).await;
                assert_eq!(list.status, 200, "{email}: tools/list: {}", list.body);
                let list = list.message();
                assert_eq!(
                    list["id"], id,
                    "{email}: tools/list reply for another request"
                );
                assert!(tool_names(&list).contains(&"whoami".to_owned()));

                let id = 2000 + done;
                let call = mcp
                    .request(id, "tools/call", json!({"name": "whoami", "arguments": {}}))
                    .await;
                assert_eq!(call.status, 200, "{email}: whoami: {}", call.body);
                let call = call.message();
                assert_eq!(call["id"], id, "{email}: whoami reply for another request");
                assert_eq!(
                    call["result"]["structuredContent"]["email"], email,
                    "{email}: whoami answered for someone else on session {session}"
                );
                done += 1;
                rounds.fetch_add(1, Ordering::Relaxed);
            }
            done
        }));
    }
    let mut per_user = Vec::new();
    for t in tasks {
        per_user.push(t.await.expect("no user task failed"));
    }
    let total = rounds.load(Ordering::Relaxed);
    eprintln!(
        "{USERS} users, {} s: {total} rounds of sign-in + initialize + tools/list + whoami (min {} per user)",
        run_seconds(),
        per_user.iter().min().unwrap()
    );
    assert!(
        per_user.iter().all(|n| *n >= 1),
        "a user completed no round: {per_user:?}"
    );
}
