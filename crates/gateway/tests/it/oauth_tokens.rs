//! The token endpoint after a real sign-in: code redemption, refresh-token
//! rotation, reuse detection, revocation, and what `/mcp` accepts.

use mcp_gateway::{
    config,
    repo::GrantRecord,
    store::{Expect, Kind, now_unix},
};
use serde_json::{Value, json};

use crate::google_flow::{ANN, Client, ERIN, Env, Tokens};

/// A completed authorization whose code was not redeemed yet.
async fn code_for(env: &Env, email: &str) -> (Client, String) {
    let client = env.register().await;
    let flow = env.authorize_as(&client, email, &[]).await;
    let code = flow.params()["code"].clone();
    (client, code)
}

fn access_and_refresh(body: &Value) -> (String, String) {
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn reused_code_is_refused_and_revokes_the_first_tokens() {
    let env = Env::start().await;
    let (client, code) = code_for(&env, ANN).await;
    let (status, first) = env.redeem(&client, &code).await;
    assert_eq!(status, 200, "{first}");
    let (access, refresh) = access_and_refresh(&first);
    assert_eq!(env.mcp_status(&access).await, 200);

    let (status, again) = env.redeem(&client, &code).await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant", "{again}");
    assert!(
        again["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    // Everything the first redemption issued is dead.
    let (status, r) = env.refresh(&client, &refresh).await;
    assert_eq!(
        (status.as_u16(), r["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(env.mcp_status(&access).await, 401);
    assert!(env.grants(ANN).await.is_empty());
}

#[tokio::test]
async fn code_redeemed_by_another_client_is_refused() {
    let env = Env::start().await;
    let (client, code) = code_for(&env, ANN).await;
    let thief = env.register().await;
    let thief = Client {
        verifier: client.verifier.clone(),
        redirect_uri: client.redirect_uri.clone(),
        ..thief
    };
    let (status, body) = env.redeem(&thief, &code).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("another client")
    );
    assert!(env.grants(ANN).await.is_empty());
    // The rightful client still redeems it.
    let (status, body) = env.redeem(&client, &code).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn wrong_pkce_verifier_is_refused() {
    let env = Env::start().await;
    let (client, code) = code_for(&env, ANN).await;
    let wrong = Client {
        verifier: crate::google_flow::random(48),
        ..client.clone()
    };
    let (status, body) = env.redeem(&wrong, &code).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier")
    );
    assert!(env.grants(ANN).await.is_empty());
    assert_eq!(env.count(Kind::RefreshToken).await, 0);
    // A missing verifier is an invalid request.
    let (status, body) = env
        .token_raw(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &client.redirect_uri),
            ("client_id", &client.client_id),
        ])
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"] == "invalid_request" || body["error"] == "invalid_grant",
        "{body}"
    );
}

/// The parameters of a redemption of `code` by `client`, with `change`
/// applied (`None` leaves a parameter out).
fn redemption<'a>(
    env: &Env,
    client: &'a Client,
    code: &'a str,
    change: (&'a str, Option<&'a str>),
) -> Vec<(&'a str, String)> {
    let mut form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.to_owned()),
        ("redirect_uri", client.redirect_uri.clone()),
        ("code_verifier", client.verifier.clone()),
        ("client_id", client.client_id.clone()),
        ("resource", env.url("/mcp")),
    ];
    form.retain(|(k, _)| *k != change.0);
    if let Some(v) = change.1 {
        form.push((change.0, v.to_owned()));
    }
    form
}

#[tokio::test]
async fn refused_redemptions_leave_the_code_to_its_rightful_client() {
    let env = Env::start().await;
    let (client, code) = code_for(&env, ANN).await;
    let wrong_verifier = crate::google_flow::random(48);
    let attempts: [(&str, Option<&str>, u16, &str); 6] = [
        ("code_verifier", Some(&wrong_verifier), 400, "invalid_grant"),
        ("code_verifier", Some("short"), 400, "invalid_grant"),
        ("code_verifier", None, 400, "invalid_request"),
        (
            "redirect_uri",
            Some("http://127.0.0.1:1/elsewhere"),
            400,
            "invalid_grant",
        ),
        ("redirect_uri", None, 400, "invalid_request"),
        (
            "resource",
            Some("https://other.example/mcp"),
            400,
            "invalid_target",
        ),
    ];
    for (name, value, status, error) in attempts {
        let form = redemption(&env, &client, &code, (name, value));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (got, body) = env.token_raw(&form).await;
        assert_eq!(
            (got.as_u16(), body["error"].as_str()),
            (status, Some(error)),
            "{name}={value:?}: {body}"
        );
    }
    assert!(env.grants(ANN).await.is_empty());
    // None of them spent the code.
    let (status, body) = env.redeem(&client, &code).await;
    assert_eq!(status, 200, "{body}");
    let (access, _) = access_and_refresh(&body);

    // Once spent, the code presented without its verifier is refused and
    // revokes nothing: a leaked code alone cannot sign its owner out.
    let form = redemption(
        &env,
        &client,
        &code,
        ("code_verifier", Some(&wrong_verifier)),
    );
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = env.token_raw(&form).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(env.mcp_status(&access).await, 200);
    assert_eq!(env.grants(ANN).await.len(), 1);
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_have_one_winner() {
    let env = Env::start().await;
    let (client, code) = code_for(&env, ANN).await;
    let attempts = (0..6).map(|_| env.redeem(&client, &code));
    let results = futures::future::join_all(attempts).await;
    let wins: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(wins.len(), 1, "{results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(status.as_u16(), 400);
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
    // The losers saw a reused code and revoked the winner's family: either way
    // at most one grant exists and nothing extra was issued.
    assert!(env.grants(ANN).await.len() <= 1);
}

#[tokio::test]
async fn refresh_rotation_and_reuse_revokes_the_family() {
    let env = Env::start().await;
    let Tokens {
        refresh,
        client,
        scope,
        ..
    } = env.sign_in(ANN).await;
    assert_eq!(scope, "mcp");
    let (status, second) = env.refresh(&client, &refresh).await;
    assert_eq!(status, 200, "{second}");
    let (access2, refresh2) = access_and_refresh(&second);
    assert_ne!(refresh2, refresh);
    assert_eq!(env.mcp_status(&access2).await, 200);
    // The new one works.
    let (status, third) = env.refresh(&client, &refresh2).await;
    assert_eq!(status, 200, "{third}");
    let (access3, refresh3) = access_and_refresh(&third);

    // Presenting a rotated token again within the grace (a client refreshing
    // from two places at once, or retrying a lost answer) gets working tokens
    // of its own; the family and the other tokens stay.
    let (status, body) = env.refresh(&client, &refresh2).await;
    assert_eq!(status, 200, "{body}");
    let (access_dup, refresh_dup) = access_and_refresh(&body);
    assert_ne!(refresh_dup, refresh3);
    assert_eq!(env.mcp_status(&access_dup).await, 200);
    assert_eq!(env.mcp_status(&access3).await, 200);
    assert_eq!(env.grants(ANN).await.len(), 1);

    // Replaying the first token later revokes the whole family.
    backdate_rotation(&env, &refresh).await;
    let (status, body) = env.refresh(&client, &refresh).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    let (status, body) = env.refresh(&client, &refresh3).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(env.mcp_status(&access3).await, 401);
    assert!(env.grants(ANN).await.is_empty());
}

/// Moves a rotated refresh token's rotation time past the grace period.
async fn backdate_rotation(env: &Env, refresh: &str) {
    use mcp_gateway::{oauth::tokens::hash_secret, repo::RefreshTokenRecord, store::Kind};
    env.app
        .state
        .oauth
        .repo
        .update::<RefreshTokenRecord, _>(Kind::RefreshToken, &hash_secret(refresh), |r| {
            r.used_at = r.used_at.map(|t| t - 60);
        })
        .await
        .unwrap()
        .expect("the rotated token is still stored");
}

#[tokio::test]
async fn concurrent_rotations_of_one_refresh_token_all_get_working_tokens() {
    let env = Env::start().await;
    let Tokens {
        refresh, client, ..
    } = env.sign_in(ANN).await;
    let results = futures::future::join_all((0..6).map(|_| env.refresh(&client, &refresh))).await;
    assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
    // Every answer works and can be refreshed again; one sign-in stays.
    for (_, body) in &results {
        let (access, refresh) = access_and_refresh(body);
        assert_eq!(env.mcp_status(&access).await, 200);
        let (status, body) = env.refresh(&client, &refresh).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(env.grants(ANN).await.len(), 1);
}

#[tokio::test]
async fn failed_refresh_request_does_not_consume_the_token() {
    let env = Env::start().await;
    let Tokens {
        refresh, client, ..
    } = env.sign_in(ANN).await;
    let (status, body) = env
        .token_raw(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client.client_id),
            ("resource", "https://evil.example/mcp"),
        ])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_target", "{body}");
    let (status, body) = env
        .token_raw(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client.client_id),
            ("scope", "mcp admin"),
        ])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope", "{body}");
    // The refused requests left the token usable.
    let (status, body) = env.refresh(&client, &refresh).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn revocation_endpoint_revokes_the_family_and_answers_200_for_unknown_tokens() {
    let env = Env::start().await;
    let Tokens {
        access,
        refresh,
        client,
        ..
    } = env.sign_in(ANN).await;
    let revoke = |token: String| {
        let env = &env;
        let client_id = client.client_id.clone();
        async move {
            env.http
                .post(env.url("/oauth/revoke"))
                .form(&[("token", token.as_str()), ("client_id", client_id.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(revoke("gwr.unknown.token".into()).await, 200);
    assert_eq!(revoke("something else".into()).await, 200);
    assert_eq!(env.grants(ANN).await.len(), 1);
    assert_eq!(revoke(refresh.clone()).await, 200);
    let (status, body) = env.refresh(&client, &refresh).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(env.mcp_status(&access).await, 401);
    assert!(env.grants(ANN).await.is_empty());
    // Revoking again is still 200.
    assert_eq!(revoke(refresh).await, 200);
}

#[tokio::test]
async fn google_tokens_are_never_gateway_tokens() {
    let env = Env::start().await;
    env.sign_in(ANN).await;
    // A genuine Google access token, as Google issues it for this user.
    let google_token = fake_google_access_token(&env).await;
    assert!(google_token.starts_with("ya29."));
    let r = env
        .http
        .post(env.url("/mcp"))
        .bearer_auth(&google_token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

/// A fresh Google access token for ANN from the fake (via the gateway's own
/// Google client id and secret, as a leaked token would be).
async fn fake_google_access_token(env: &Env) -> String {
    let http = crate::google_flow::no_redirects();
    env.google.set_auto_approve(Some(ANN));
    let redirect_uri = env.url("/oauth/callback");
    let r = http
        .get(crate::google_flow::with_query(
            &env.google.url(fake_google::AUTHORIZE_PATH),
            &[
                ("client_id", crate::google_flow::GOOGLE_CLIENT_ID),
                ("redirect_uri", &redirect_uri),
                ("response_type", "code"),
                ("scope", "openid email"),
            ],
        ))
        .send()
        .await
        .unwrap();
    let code = crate::google_flow::query(r.headers()["location"].to_str().unwrap())["code"].clone();
    let body: Value = http
        .post(env.google.url(fake_google::TOKEN_PATH))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", crate::google_flow::GOOGLE_CLIENT_ID),
            ("client_secret", crate::helpers::CLIENT_SECRET),
            ("redirect_uri", &redirect_uri),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn token_without_the_mcp_scope_gets_403_insufficient_scope() {
    let env = Env::start().await;
    let client = env.register().await;
    let flow = env
        .authorize_as(&client, ANN, &[("scope", "offline_access")])
        .await;
    let (status, body) = env.redeem(&client, &flow.params()["code"]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "offline_access");
    let r = env
        .http
        .post(env.url("/mcp"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(challenge.contains("scope=\"mcp\""), "{challenge}");
}

#[tokio::test]
async fn one_users_token_never_reaches_another_users_data() {
    let env = Env::start().await;
    let ann = env.sign_in(ANN).await;
    let erin = env.sign_in(ERIN).await;
    assert_eq!(env.whoami(&ann.access).await["email"], ANN);
    assert_eq!(env.whoami(&erin.access).await["email"], ERIN);

    // Ann's session id with Erin's token is not found.
    let mut ann_mcp = env.mcp(&ann.access);
    ann_mcp.initialize().await;
    let mut hijack = env.mcp(&erin.access);
    hijack.session = ann_mcp.session.clone();
    hijack.protocol = ann_mcp.protocol.clone();
    let r = hijack
        .request(5, "tools/call", json!({"name": "whoami", "arguments": {}}))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Ann's session still works for Ann.
    let r = ann_mcp
        .request(6, "tools/call", json!({"name": "whoami", "arguments": {}}))
        .await;
    assert_eq!(r.message()["result"]["structuredContent"]["email"], ANN);
    // Refresh tokens are bound to their client too.
    let (status, body) = env.refresh(&erin.client, &ann.refresh).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn expired_sign_in_refuses_refresh() {
    let env = Env::start_with(&[(config::SESSION_MAX_AGE, "300")]).await;
    let Tokens {
        refresh, client, ..
    } = env.sign_in(ANN).await;
    let grants = env.grants(ANN).await;
    assert_eq!(grants.len(), 1);
    let expires = grants[0].sign_in_expires_at.expect("a sign-in expiry");
    assert!((expires - now_unix() - 300).abs() <= 5, "{expires}");
    // Time passes: the sign-in is now older than SESSION_MAX_AGE.
    let family = grants[0].family_id.clone();
    let mut grant = grants[0].clone();
    grant.sign_in_expires_at = Some(now_unix() - 1);
    env.app
        .state
        .oauth
        .repo
        .put::<GrantRecord>(
            Kind::Grant,
            &family,
            &grant,
            Some(&grant.user_id),
            Some(now_unix() + 3600),
            Expect::Any,
        )
        .await
        .unwrap();
    let (status, body) = env.refresh(&client, &refresh).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    assert!(env.grants(ANN).await.is_empty());
}
