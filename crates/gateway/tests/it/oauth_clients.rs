//! OAuth clients: dynamic registration as real MCP clients do it, client ID
//! metadata documents served from loopback, malformed and oversized requests,
//! and the registration rate limit.

use std::time::{Duration, Instant};

use axum::{Router, http::header, response::IntoResponse, routing::get};
use mcp_gateway::store::Kind;
use serde_json::{Value, json};

use crate::google_flow::{ANN, Client, Env};

#[tokio::test]
async fn real_clients_register_their_redirect_uris() {
    let env = Env::start().await;
    let cases: &[&[&str]] = &[
        // Cursor registers these three together and fails if one is refused.
        &[
            "cursor://anysphere.cursor-mcp/oauth/callback",
            "https://www.cursor.com/agents/mcp/oauth/callback",
            "http://localhost:54321/callback",
        ],
        // VS Code.
        &["http://127.0.0.1:33418/", "https://vscode.dev/redirect"],
        // Claude.
        &["https://claude.ai/api/mcp/auth_callback"],
        // Loopback on any port.
        &[
            "http://127.0.0.1:1/cb",
            "http://localhost:65535/oauth/callback",
        ],
        &["http://[::1]:8080/callback"],
    ];
    for uris in cases {
        let (status, body) = env
            .register_raw(json!({"client_name": "x", "redirect_uris": uris}))
            .await;
        assert_eq!(status, 201, "{uris:?}: {body}");
        assert_eq!(body["redirect_uris"], json!(uris));
        assert_eq!(body["token_endpoint_auth_method"], "none");
        assert!(body["client_id"].as_str().unwrap().starts_with("gwc_"));
        assert!(body.get("client_secret").is_none());
    }
    assert_eq!(env.count(Kind::Client).await, cases.len());
}

#[tokio::test]
async fn dangerous_redirect_uris_are_refused() {
    let env = Env::start().await;
    for uri in [
        "https://evil.example/callback",
        "http://evil.example/callback",
        "javascript:alert(1)",
        "data:text/html,hi",
        "myapp://callback",
        "http://localhost:3000/cb#fragment",
    ] {
        // One bad URI refuses the whole registration.
        let (status, body) = env
            .register_raw(json!({"redirect_uris": ["http://localhost:1234/cb", uri]}))
            .await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert_eq!(body["error"], "invalid_redirect_uri", "{uri}");
        assert!(body["error_description"].as_str().unwrap().len() > 10);
    }
    let (status, body) = env.register_raw(json!({"redirect_uris": []})).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_redirect_uri"))
    );
    assert_eq!(env.count(Kind::Client).await, 0);
}

#[tokio::test]
async fn confidential_client_authenticates_at_the_token_endpoint() {
    let env = Env::start().await;
    let redirect_uri = "http://127.0.0.1:40000/callback";
    let (status, reg) = env
        .register_raw(json!({"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_post"}))
        .await;
    assert_eq!(status, 201, "{reg}");
    let secret = reg["client_secret"].as_str().unwrap().to_owned();
    let client = Client::new(reg["client_id"].as_str().unwrap(), redirect_uri);
    let flow = env.authorize_as(&client, ANN, &[]).await;
    let code = flow.params()["code"].clone();
    let resource = env.url("/mcp");
    let form = |secret: &str| {
        [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", client.verifier.as_str()),
            ("client_id", client.client_id.as_str()),
            ("resource", resource.as_str()),
            ("client_secret", secret),
        ]
        .map(|(k, v)| (k, v.to_owned()))
    };
    let env = &env;
    let send = |form: [(&'static str, String); 7]| {
        let pairs: Vec<(&str, String)> = form.to_vec();
        async move {
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            env.token_raw(&borrowed).await
        }
    };
    let (status, body) = send(form("gws_wrong")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = send(form(&secret)).await;
    assert_eq!(status, 200, "{body}");
}

/// Serves `body` (with `content_type`) at `/client.json` on loopback.
async fn serve_document(body: impl Fn(&str) -> String + Send + Sync + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/client.json", listener.local_addr().unwrap());
    let doc = body(&url);
    let app = Router::new().route(
        "/client.json",
        get(move || {
            let doc = doc.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], doc).into_response() }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn document(client_id: &str, redirect_uri: &str) -> Value {
    json!({
        "client_id": client_id,
        "client_name": "Metadata Client",
        "redirect_uris": [redirect_uri],
        "token_endpoint_auth_method": "none",
    })
}

const DOC_REDIRECT: &str = "http://127.0.0.1:45678/callback";

#[tokio::test]
async fn client_id_metadata_document_client_signs_in() {
    let env = Env::start().await;
    let url = serve_document(|url| document(url, DOC_REDIRECT).to_string()).await;
    let client = Client::new(&url, DOC_REDIRECT);
    let flow = env.authorize_as(&client, ANN, &[]).await;
    let code = flow.params()["code"].clone();
    let (status, body) = env.redeem(&client, &code).await;
    assert_eq!(status, 200, "{body}");
    let me = env.whoami(body["access_token"].as_str().unwrap()).await;
    assert_eq!(me["client_id"], url);
    assert_eq!(me["email"], ANN);
}

async fn assert_document_refused(env: &Env, url: &str, needle: &str) {
    let client = Client::new(url, DOC_REDIRECT);
    let r = env
        .http
        .get(env.authorize_url(&client, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "{url}");
    assert!(r.headers().get("location").is_none());
    let body = r.text().await.unwrap();
    assert!(body.contains(needle), "{body}");
    assert_eq!(env.count(Kind::Client).await, 0);
    assert_eq!(env.count(Kind::PendingAuth).await, 0);
}

#[tokio::test]
async fn metadata_document_with_another_client_id_is_refused() {
    let env = Env::start().await;
    let url = serve_document(|_| {
        document("https://claude.ai/oauth/client.json", DOC_REDIRECT).to_string()
    })
    .await;
    assert_document_refused(&env, &url, "does not equal its URL").await;
}

#[tokio::test]
async fn metadata_document_that_is_not_json_is_refused_and_not_cached() {
    let env = Env::start().await;
    let url = serve_document(|_| "<html>Sign in</html>".to_owned()).await;
    assert_document_refused(&env, &url, "not valid JSON").await;
}

#[tokio::test]
async fn oversized_metadata_document_is_refused() {
    let env = Env::start().await;
    let url = serve_document(|url| {
        let mut d = document(url, DOC_REDIRECT);
        d["padding"] = json!("x".repeat(100 * 1024));
        d.to_string()
    })
    .await;
    assert_document_refused(&env, &url, "exceeds").await;
}

#[tokio::test]
async fn unreachable_metadata_document_is_refused_within_the_timeout() {
    let env = Env::start().await;
    // Nobody listens on this port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let started = Instant::now();
    assert_document_refused(
        &env,
        &format!("http://127.0.0.1:{closed}/client.json"),
        "could not connect",
    )
    .await;
    // A server that accepts but never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/client.json", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    assert_document_refused(&env, &url, "timed out").await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    hold.abort();
}

#[tokio::test]
async fn malformed_registration_and_token_requests() {
    let env = Env::start().await;
    let r = env
        .http
        .post(env.url("/oauth/register"))
        .header("content-type", "application/json")
        .body("{\"redirect_uris\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client_metadata", "{body}");

    let r = env
        .http
        .post(env.url("/oauth/token"))
        .json(&json!({"grant_type": "authorization_code", "code": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert_eq!(env.count(Kind::Client).await, 0);

    // A malformed token request is 400 whoever sends it, before the client is
    // authenticated (which would be 401 invalid_client).
    for (form, error) in [
        (vec![], "invalid_request"),
        (vec![("code", "x")], "invalid_request"),
        (
            vec![("client_id", "nobody"), ("code", "x")],
            "invalid_request",
        ),
        (vec![("grant_type", "password")], "unsupported_grant_type"),
        (
            vec![("grant_type", "x"), ("grant_type", "y")],
            "invalid_request",
        ),
    ] {
        let (status, body) = env.token_raw(&form).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some(error)),
            "{form:?}: {body}"
        );
    }
    // A well-formed request from an unknown client is the client's failure.
    let (status, body) = env
        .token_raw(&[("grant_type", "refresh_token"), ("client_id", "nobody")])
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_on_every_oauth_endpoint() {
    let env = Env::start().await;
    let big = "a".repeat(100 * 1024);
    for (path, content_type, body) in [
        (
            "/oauth/register",
            "application/json",
            format!("{{\"client_name\": \"{big}\"}}"),
        ),
        (
            "/oauth/token",
            "application/x-www-form-urlencoded",
            format!("grant_type=refresh_token&refresh_token={big}"),
        ),
        (
            "/oauth/revoke",
            "application/x-www-form-urlencoded",
            format!("token={big}"),
        ),
    ] {
        let r = env
            .http
            .post(env.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{path}");
    }
    // A normal-sized request still works.
    env.register().await;
}

#[tokio::test]
async fn registration_flood_gets_429_with_retry_after() {
    let env = Env::start().await;
    let body = json!({"redirect_uris": ["http://127.0.0.1:1/cb"]});
    for i in 0..20 {
        let (status, b) = env.register_raw(body.clone()).await;
        assert_eq!(status, 201, "registration {i}: {b}");
    }
    let r = env
        .http
        .post(env.url("/oauth/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let b: Value = r.json().await.unwrap();
    assert!(
        b["error_description"].as_str().unwrap().contains("retry"),
        "{b}"
    );
    assert_eq!(env.count(Kind::Client).await, 20);
}

/// A token request that the endpoint refuses on its merits (401: no client),
/// unless the address is over its limit (429).
async fn token_status(env: &Env, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut r = env
        .http
        .post(env.url("/oauth/token"))
        .form(&[("grant_type", "refresh_token")]);
    if let Some(ip) = forwarded_for {
        r = r.header("x-forwarded-for", ip);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn every_oauth_endpoint_is_limited_per_client_address() {
    let env = Env::start_with(&[
        ("OAUTH_REQUEST_BURST", "3"),
        ("OAUTH_REQUESTS_PER_MINUTE", "1"),
    ])
    .await;
    for i in 0..3 {
        assert_eq!(token_status(&env, None).await.status(), 401, "request {i}");
    }
    let refused = token_status(&env, None).await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "slow_down", "{body}");

    // A browser endpoint: a page, with the same hint.
    let page = env
        .http
        .get(env.url("/oauth/authorize"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers().contains_key("retry-after"));
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // Another address behind the load balancer (one trusted hop) has its own bucket;
    // discovery documents are not limited.
    assert_eq!(token_status(&env, Some("203.0.113.9")).await.status(), 401);
    let discovery = env
        .http
        .get(env.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(discovery.status(), 200);
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forwarded_address_is_ignored() {
    let env = Env::start_with(&[
        ("OAUTH_REQUEST_BURST", "2"),
        ("OAUTH_REQUESTS_PER_MINUTE", "1"),
        ("TRUSTED_PROXY_HOPS", "0"),
    ])
    .await;
    for (i, ip) in ["198.51.100.1", "198.51.100.2"].into_iter().enumerate() {
        assert_eq!(
            token_status(&env, Some(ip)).await.status(),
            401,
            "request {i}"
        );
    }
    // A client reaching the gateway directly cannot buy a new bucket with a header.
    assert_eq!(token_status(&env, Some("198.51.100.3")).await.status(), 429);
}
