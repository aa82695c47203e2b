//! The whole sign-in as an MCP client sees it, against the fake Google:
//! discovery, registration, authorization, the code exchange and `/mcp`.

use base64::Engine;
use fake_google::{AUTHORIZE_PATH, AutoApprove, TOKEN_PATH};
use mcp_gateway::{
    store::{Expect, Kind},
    vault::{Purpose, SealContext},
};
use serde_json::{Value, json};

use crate::google_flow::{ANN, End, Env, query};
use crate::helpers::tool_names;

#[tokio::test]
async fn discovery_registration_authorization_and_whoami() {
    let env = Env::start().await;

    // 1. Discovery from an unauthenticated request.
    let r = env
        .http
        .post(env.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let metadata_url = env.url("/.well-known/oauth-protected-resource/mcp");
    assert!(
        challenge.starts_with(&format!("Bearer resource_metadata=\"{metadata_url}\"")),
        "{challenge}"
    );
    let pr: Value = env
        .http
        .get(&metadata_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pr["resource"], env.url("/mcp"));
    assert_eq!(pr["authorization_servers"], json!([env.public]));
    let issuer = pr["authorization_servers"][0].as_str().unwrap().to_owned();
    let asm: Value = env
        .http
        .get(format!("{issuer}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(asm["issuer"], issuer);

    // 2. Registration at the advertised endpoint.
    let redirect_uri = "http://127.0.0.1:49152/callback";
    let reg: Value = env
        .http
        .post(asm["registration_endpoint"].as_str().unwrap())
        .json(&json!({"client_name": "it", "redirect_uris": [redirect_uri], "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = crate::google_flow::Client::new(reg["client_id"].as_str().unwrap(), redirect_uri);

    // 3. Authorization: gateway → Google → gateway callback → client.
    env.google.set_auto_approve(Some(ANN));
    let start = env.authorize_url(&client, &[]);
    assert!(start.starts_with(asm["authorization_endpoint"].as_str().unwrap()));
    let flow = env.follow(start).await;
    assert_eq!(flow.hops.len(), 3, "{:#?}", flow.hops);
    assert!(flow.hops[1].starts_with(&env.google.url(AUTHORIZE_PATH)));
    assert!(flow.hops[2].starts_with(&env.url("/oauth/callback?")));
    let p = flow.params();
    assert_eq!(p["state"], client.state);
    assert_eq!(p["iss"], issuer, "RFC 9207 iss");
    assert!(!p.contains_key("error"), "{p:?}");

    // What Google was asked for.
    let google_req = env.google.last_authorize().unwrap();
    let q = google_req.params();
    assert_eq!(q["client_id"], crate::google_flow::GOOGLE_CLIENT_ID);
    assert_eq!(q["redirect_uri"], env.url("/oauth/callback"));
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["include_granted_scopes"], "true");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["nonce"].len() >= 16, "{q:?}");
    assert_eq!(q["hd"], "example.com");
    assert!(
        !q.contains_key("prompt"),
        "first sign-in needs no prompt: {q:?}"
    );
    assert_ne!(q["state"], client.state, "the gateway uses its own state");
    // Google's code was exchanged with the verifier and the client secret.
    let exchange = env.google.last_request(TOKEN_PATH).unwrap();
    assert_eq!(exchange.param("grant_type"), Some("authorization_code"));
    assert_eq!(
        crate::google_flow::s256(exchange.param("code_verifier").unwrap()),
        q["code_challenge"]
    );

    // 4. The code exchange.
    let (status, tokens) = env.redeem(&client, &p["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "mcp");
    assert!(tokens["expires_in"].as_u64().unwrap() > 0);
    let access = tokens["access_token"].as_str().unwrap();
    assert!(!access.starts_with("ya29."));

    // 5. /mcp with the token.
    let mut mcp = env.mcp(access);
    mcp.initialize().await;
    let list = mcp.request(2, "tools/list", json!({})).await.message();
    assert!(tool_names(&list).contains(&"whoami".to_owned()), "{list}");
    let me = mcp
        .request(3, "tools/call", json!({"name": "whoami", "arguments": {}}))
        .await
        .message()["result"]["structuredContent"]
        .clone();
    assert_eq!(me["email"], ANN);
    assert_eq!(me["domain"], "example.com");
    assert_eq!(me["user_id"], env.sub(ANN));
    assert_eq!(me["client_id"], client.client_id);
    assert_eq!(me["client_name"], "it");
    assert_eq!(me["scopes"], json!(["mcp"]));
    let granted: Vec<&str> = me["google_scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(granted.contains(&"openid"), "{granted:?}");
    assert!(
        granted.contains(&"https://www.googleapis.com/auth/userinfo.email"),
        "{granted:?}"
    );
    assert_eq!(me["needs_sign_in"], false);
}

#[tokio::test]
async fn metadata_documents_at_every_path() {
    let env = Env::start().await;
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let r = env.http.get(env.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let d: Value = r.json().await.unwrap();
        assert_eq!(d["resource"], env.url("/mcp"), "{path}");
        assert_eq!(d["authorization_servers"], json!([env.public]), "{path}");
        assert_eq!(d["scopes_supported"], json!(["mcp"]), "{path}");
        assert_eq!(d["bearer_methods_supported"], json!(["header"]), "{path}");
    }
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/mcp",
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration/mcp",
        "/mcp/.well-known/openid-configuration",
    ] {
        let r = env.http.get(env.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let d: Value = r.json().await.unwrap();
        assert_eq!(d["issuer"], env.public, "{path}");
        assert_eq!(d["authorization_endpoint"], env.url("/oauth/authorize"));
        assert_eq!(d["token_endpoint"], env.url("/oauth/token"));
        assert_eq!(d["registration_endpoint"], env.url("/oauth/register"));
        assert_eq!(d["revocation_endpoint"], env.url("/oauth/revoke"));
        assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(d["response_types_supported"], json!(["code"]));
        assert_eq!(d["client_id_metadata_document_supported"], true);
        assert_eq!(d["authorization_response_iss_parameter_supported"], true);
        let grants = d["grant_types_supported"].as_array().unwrap();
        assert!(grants.contains(&json!("authorization_code")));
        assert!(grants.contains(&json!("refresh_token")));
        assert!(
            d["token_endpoint_auth_methods_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("none"))
        );
    }
}

#[tokio::test]
async fn google_refresh_token_is_stored_sealed() {
    let env = Env::start().await;
    let tokens = env.sign_in(ANN).await;
    assert_eq!(env.google.refresh_token_count(ANN), 1);
    let cred = env.credential(ANN).await.expect("credential record");
    let sealed = cred.refresh_token.expect("a sealed refresh token");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&sealed)
        .unwrap();
    assert!(!raw.windows(4).any(|w| w == b"1//0"), "not sealed");
    // It opens (bound to the user and purpose) to Google's refresh token.
    let plain = env
        .app
        .state
        .vault
        .open(
            &raw,
            &SealContext::new(env.sub(ANN), Purpose::GoogleRefreshToken),
        )
        .await
        .unwrap();
    assert!(plain.starts_with(b"1//0"));
    assert!(
        env.app
            .state
            .vault
            .open(
                &raw,
                &SealContext::new("someone-else", Purpose::GoogleRefreshToken)
            )
            .await
            .is_err()
    );
    assert!(cred.access_token.is_some());
    // The gateway's tokens are its own, never Google's.
    assert!(!tokens.access.starts_with("ya29.") && !tokens.refresh.starts_with("1//"));

    // No Google token appears anywhere in the database file.
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(env.app.state.config.data_dir.clone()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(!bytes.is_empty());
    for needle in [&b"1//0"[..], b"ya29.", b"GOCSPX-"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} found in the data directory",
            String::from_utf8_lossy(needle)
        );
    }
}

#[tokio::test]
async fn browser_login_ends_on_the_signed_in_page() {
    let env = Env::start().await;
    let r = env.http.get(env.url("/oauth/login")).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let google_url = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(google_url.starts_with(&env.google.url(AUTHORIZE_PATH)));
    assert_eq!(query(&google_url)["access_type"], "offline");
    env.google.set_auto_approve(Some(ANN));
    let flow = env.follow(google_url).await;
    let (status, body) = flow.page();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(ANN), "{body}");
    assert!(body.contains(&env.url("/mcp")), "{body}");
    assert!(env.user(ANN).await.is_some());
    assert!(env.credential(ANN).await.unwrap().refresh_token.is_some());
    // A browser sign-in issues no code and no grant.
    assert_eq!(env.count(Kind::AuthCode).await, 0);
    assert!(env.grants(ANN).await.is_empty());
}

#[tokio::test]
async fn missing_refresh_token_sends_the_user_back_with_prompt_consent() {
    let env = Env::start().await;
    // First sign-in: Google issues a refresh token without prompt=consent.
    env.sign_in(ANN).await;
    assert!(env.credential(ANN).await.unwrap().refresh_token.is_some());
    let first = env.google.last_authorize().unwrap();
    assert_eq!(first.param("prompt"), None);

    // The gateway loses the refresh token; Google will not send another
    // without prompt=consent.
    let deleted = env
        .app
        .store
        .delete(Kind::Credential, &env.sub(ANN), Expect::Any)
        .await
        .unwrap();
    assert!(deleted);
    env.google.reset_counters();
    let client = env.register().await;
    env.google
        .set_auto_approve_mode(AutoApprove::As(ANN.into()));
    let flow = env.follow(env.authorize_url(&client, &[])).await;
    let p = flow.params();
    assert!(p.contains_key("code"), "{p:?}");
    assert_eq!(p["state"], client.state);
    let google_hops = flow.google_authorize_hops();
    assert_eq!(google_hops.len(), 2, "{:#?}", flow.hops);
    assert_eq!(env.google.requests(AUTHORIZE_PATH), 2);
    let second = query(google_hops[1]);
    assert_eq!(second["prompt"], "consent");
    assert_eq!(second["login_hint"], ANN);
    assert_eq!(second["access_type"], "offline");
    assert_ne!(query(google_hops[0])["state"], second["state"]);
    assert!(env.credential(ANN).await.unwrap().refresh_token.is_some());
    let (status, body) = env.redeem(&client, &p["code"]).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn google_token_endpoint_down_gives_temporarily_unavailable() {
    let env = Env::start().await;
    env.google
        .inject(fake_google::Fault::status(TOKEN_PATH, 503));
    let client = env.register().await;
    let started = std::time::Instant::now();
    let flow = env.authorize_as(&client, ANN, &[]).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    flow.assert_error(&client, "temporarily_unavailable");
    assert_eq!(flow.params()["iss"], env.public);
    env.assert_nothing_stored_for(ANN).await;
    // Once Google is back the same client signs in.
    env.google.clear_faults();
    let client = crate::google_flow::Client::new(&client.client_id, &client.redirect_uri);
    let flow = env.authorize_as(&client, ANN, &[]).await;
    assert!(matches!(flow.end, End::Client(ref p) if p.contains_key("code")));
}
