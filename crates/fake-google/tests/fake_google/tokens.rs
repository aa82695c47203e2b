//! The token, revocation, userinfo and tokeninfo endpoints.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

fn scope_list(body: &Value) -> Vec<String> {
    body["scope"]
        .as_str()
        .unwrap()
        .split(' ')
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn code_flow_with_pkce_returns_google_token_response() {
    let fake = start().await;
    let body = sign_in(&fake, ALICE, &[]).await;
    assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("1//"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let scopes = scope_list(&body);
    for s in [
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
    ] {
        assert!(scopes.contains(&s.to_string()), "{scopes:?}");
    }

    let claims = verify_id_token(
        &jwks(&fake).await,
        body["id_token"].as_str().unwrap(),
        fake.issuer(),
    )
    .unwrap();
    let alice = fake.user(ALICE).unwrap();
    assert_eq!(claims["iss"], "https://accounts.google.com");
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["azp"], CLIENT_ID);
    assert_eq!(claims["sub"], alice.sub.as_str());
    assert_eq!(claims["email"], ALICE);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["hd"], "example.com");
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["name"], "Alice Example");
    assert!(claims["at_hash"].is_string());
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);

    let response = http()
        .get(fake.url(fake_google::USERINFO_V3_PATH))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["sub"], alice.sub.as_str());
    assert_eq!(info["email"], ALICE);
    assert_eq!(info["hd"], "example.com");
}

#[tokio::test]
async fn id_token_carries_hd_only_for_workspace_users() {
    let fake = start().await;
    let keys = jwks(&fake).await;
    for (email, hd) in [
        (ALICE, Some("example.com")),
        (BOB, Some("other.example")),
        (CAROL, None),
    ] {
        let body = sign_in(&fake, email, &[]).await;
        let claims =
            verify_id_token(&keys, body["id_token"].as_str().unwrap(), fake.issuer()).unwrap();
        assert_eq!(claims["email"], email);
        assert_eq!(claims.get("hd").and_then(Value::as_str), hd, "{email}");
    }
}

#[tokio::test]
async fn bare_issuer_form_is_supported() {
    let fake = config()
        .issuer(fake_google::Issuer::Bare)
        .start()
        .await
        .unwrap();
    let body = sign_in(&fake, ALICE, &[]).await;
    let claims = verify_id_token(
        &jwks(&fake).await,
        body["id_token"].as_str().unwrap(),
        "accounts.google.com",
    )
    .unwrap();
    assert_eq!(claims["iss"], "accounts.google.com");
}

#[tokio::test]
async fn refresh_token_only_on_first_consent_or_prompt_consent() {
    let fake = start().await;
    // Online access never gets one.
    let online = sign_in(&fake, BOB, &[("access_type", "online")]).await;
    assert!(online.get("refresh_token").is_none());

    let first = sign_in(&fake, ALICE, &[]).await;
    assert!(first.get("refresh_token").is_some());
    let second = sign_in(&fake, ALICE, &[]).await;
    assert!(second.get("refresh_token").is_none(), "{second}");
    let forced = sign_in(&fake, ALICE, &[("prompt", "consent")]).await;
    assert!(forced.get("refresh_token").is_some());
    assert_ne!(forced["refresh_token"], first["refresh_token"]);
    assert_eq!(fake.refresh_token_count(ALICE), 2);
}

#[tokio::test]
async fn refresh_grant_returns_new_access_and_id_token_without_refresh_token() {
    let fake = start().await;
    let first = sign_in(&fake, ALICE, &[]).await;
    let (status, body) = refresh(&fake, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(body["access_token"], first["access_token"]);
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["scope"], first["scope"]);
    assert_eq!(body["token_type"], "Bearer");
    let claims = verify_id_token(
        &jwks(&fake).await,
        body["id_token"].as_str().unwrap(),
        fake.issuer(),
    )
    .unwrap();
    assert_eq!(claims["email"], ALICE);
    assert!(claims.get("nonce").is_none());
}

#[tokio::test]
async fn code_is_single_use() {
    let fake = start().await;
    let code = code_for(&fake, ALICE, &base_params()).await;
    assert_eq!(exchange(&fake, &code).await.0, StatusCode::OK);
    let (status, body) = exchange(&fake, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "Bad Request");
    let (_, body) = exchange(&fake, "garbage").await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let fake = config()
        .code_ttl(std::time::Duration::ZERO)
        .start()
        .await
        .unwrap();
    let code = code_for(&fake, ALICE, &base_params()).await;
    let (status, body) = exchange(&fake, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn pkce_verifier_is_checked() {
    let fake = start().await;
    let code = code_for(&fake, ALICE, &base_params()).await;
    let exchange_with = |verifier: Option<&'static str>| {
        let code = code.clone();
        let fake = fake.fake();
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            post_token(&fake, &form).await
        }
    };
    let (status, body) =
        exchange_with(Some("wrong-verifier-wrong-verifier-wrong-verifier-x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    let (_, body) = exchange_with(None).await;
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "Missing code verifier.");
    assert_eq!(exchange_with(Some(VERIFIER)).await.0, StatusCode::OK);

    // plain is supported too.
    let plain = with(
        base_params(),
        &[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
    );
    let code = code_for(&fake, ALICE, &plain).await;
    assert_eq!(exchange(&fake, &code).await.0, StatusCode::OK);
}

#[tokio::test]
async fn client_authentication_errors() {
    let fake = start().await;
    let code = code_for(&fake, ALICE, &base_params()).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f = base.to_vec();
        f.extend_from_slice(extra);
        f
    };
    let (status, body) = post_token(
        &fake,
        &form(&[("client_id", CLIENT_ID), ("client_secret", "wrong")]),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body) = post_token(
        &fake,
        &form(&[("client_id", "other"), ("client_secret", CLIENT_SECRET)]),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body) = post_token(&fake, &form(&[("client_id", CLIENT_ID)])).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = post_token(
        &fake,
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );

    // HTTP Basic works as well as the form.
    let response = http()
        .post(fake.url(fake_google::TOKEN_PATH))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&base)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
}

#[tokio::test]
async fn redirect_uri_must_match_the_authorization_request() {
    let fake = start().await;
    let code = code_for(&fake, ALICE, &base_params()).await;
    let (status, body) = post_token(
        &fake,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "redirect_uri_mismatch");
}

#[tokio::test]
async fn unticked_scopes_are_not_granted() {
    let fake = start().await;
    let scope = format!("openid email profile {DRIVE} {GMAIL}");
    let url = approve(&fake, PICKY, &with(base_params(), &[("scope", &scope)])).await;
    let redirect_scope = query(&url, "scope").unwrap();
    assert!(!redirect_scope.contains(DRIVE));
    let (_, body) = exchange(&fake, &query(&url, "code").unwrap()).await;
    let scopes = scope_list(&body);
    assert!(scopes.contains(&GMAIL.to_string()));
    assert!(!scopes.contains(&DRIVE.to_string()));
    assert!(scopes.contains(&"openid".to_string()));

    let body = sign_in(&fake, ALICE, &[("scope", &scope)]).await;
    assert!(scope_list(&body).contains(&DRIVE.to_string()));
}

#[tokio::test]
async fn include_granted_scopes_adds_earlier_grants() {
    let fake = start().await;
    let first_scope = format!("openid email {DRIVE}");
    sign_in(&fake, ALICE, &[("scope", &first_scope)]).await;
    let body = sign_in(
        &fake,
        ALICE,
        &[
            ("scope", "openid email"),
            ("include_granted_scopes", "true"),
        ],
    )
    .await;
    assert!(scope_list(&body).contains(&DRIVE.to_string()));
    let body = sign_in(&fake, ALICE, &[("scope", "openid email")]).await;
    assert!(!scope_list(&body).contains(&DRIVE.to_string()));
}

async fn revoke(fake: &fake_google::FakeGoogle, token: &str) -> (StatusCode, Value) {
    let response = http()
        .post(fake.url(fake_google::REVOKE_PATH))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn userinfo_status(fake: &fake_google::FakeGoogle, token: &str) -> reqwest::Response {
    http()
        .get(fake.url(fake_google::USERINFO_PATH))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn revoke_kills_the_grant_and_next_sign_in_gets_a_refresh_token() {
    let fake = start().await;
    let first = sign_in(&fake, ALICE, &[]).await;
    let refresh_token = first["refresh_token"].as_str().unwrap();
    assert_eq!(
        revoke(&fake, refresh_token).await,
        (StatusCode::OK, serde_json::json!({}))
    );

    let (status, body) = refresh(&fake, refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        body["error_description"],
        "Token has been expired or revoked."
    );
    let response = userinfo_status(&fake, first["access_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let (status, body) = revoke(&fake, refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_token");

    let again = sign_in(&fake, ALICE, &[]).await;
    assert!(again.get("refresh_token").is_some());
}

#[tokio::test]
async fn revoke_all_and_expiry_hooks() {
    let fake = start().await;
    let alice = sign_in(&fake, ALICE, &[]).await;
    let bob = sign_in(&fake, BOB, &[]).await;

    fake.expire_refresh_tokens_for(ALICE);
    let (_, body) = refresh(&fake, alice["refresh_token"].as_str().unwrap()).await;
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        userinfo_status(&fake, alice["access_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    assert!(
        sign_in(&fake, ALICE, &[])
            .await
            .get("refresh_token")
            .is_some()
    );

    fake.expire_access_tokens_for(BOB);
    let response = userinfo_status(&fake, bob["access_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    fake.revoke_all_for(BOB);
    let (_, body) = refresh(&fake, bob["refresh_token"].as_str().unwrap()).await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn access_token_ttl_is_adjustable() {
    let fake = start().await;
    fake.set_access_token_ttl(std::time::Duration::from_secs(60));
    let body = sign_in(&fake, ALICE, &[]).await;
    assert_eq!(body["expires_in"], 60);
}

#[tokio::test]
async fn userinfo_rejects_missing_and_unknown_tokens() {
    let fake = start().await;
    let response = http()
        .get(fake.url(fake_google::USERINFO_PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("www-authenticate"));
    let response = userinfo_status(&fake, "ya29.unknown").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn tokeninfo_describes_access_tokens() {
    let fake = start().await;
    let body = sign_in(&fake, CAROL, &[]).await;
    let info: Value = http()
        .get(fake.url(fake_google::TOKENINFO_V1_PATH))
        .query(&[("access_token", body["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["audience"], CLIENT_ID);
    assert_eq!(info["email"], CAROL);
    assert_eq!(info["access_type"], "offline");
    let response = http()
        .get(fake.url(fake_google::TOKENINFO_V3_PATH))
        .query(&[("access_token", "ya29.nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
