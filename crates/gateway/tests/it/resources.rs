//! MCP resources on the 2026-07-28 wire: one person's files are never marked
//! for a shared cache, and a URI the gateway does not serve is an error,
//! never content. (Reading each kind, completions and prompts: the Python
//! SDK's tests/python/test_resources_prompts.py.)

use mcp_gateway::config;
use serde_json::{Value, json};

use crate::google_flow::{ANN, Env};
use crate::helpers::{STATELESS, stateless_meta};

async fn request(env: &Env, token: &str, method: &str, params: Value) -> Value {
    let mut mcp = env.mcp(token);
    mcp.protocol = Some(STATELESS.to_owned());
    let mut params = params;
    params["_meta"] = stateless_meta();
    let reply = mcp.request(1, method, params).await;
    assert_eq!(reply.status, 200, "{method}: {}", reply.body);
    reply.message()
}

#[tokio::test]
async fn a_persons_files_are_private_to_caches_and_unknown_uris_are_not_found() {
    let env = Env::start_with(&[(config::TOOLS, "all")]).await;
    let token = env.sign_in(ANN).await.access;
    let listed = request(&env, &token, "resources/list", json!({})).await;
    let result = &listed["result"];
    assert_eq!(result["cacheScope"], "private", "{listed}");
    assert_eq!(result["ttlMs"], 0, "{listed}");
    let uri = result["resources"][0]["uri"]
        .as_str()
        .expect("a file")
        .to_owned();
    assert!(uri.starts_with("gdrive:///"), "{uri}");

    let read = request(&env, &token, "resources/read", json!({"uri": uri})).await;
    assert_eq!(read["result"]["cacheScope"], "private", "{read}");
    assert!(read["result"]["contents"][0]["text"].is_string(), "{read}");

    for uri in [
        "file:///etc/passwd",
        "gdrive:///no-such-file",
        "gmail:///messages/1",
    ] {
        let refused = request(&env, &token, "resources/read", json!({"uri": uri})).await;
        let error = &refused["error"];
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Resource not found")),
            "{uri}: {refused}"
        );
        assert!(refused.get("result").is_none(), "{uri}: {refused}");
    }
}
