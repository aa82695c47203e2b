//! The authorization endpoint: validation, chooser, auto-approve, consent outcomes.

use fake_google::AutoApprove;
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn auto_approve_redirects_with_code_state_scope_and_hd() {
    let fake = start().await;
    fake.set_auto_approve(Some(ALICE));
    let response = authorize_raw(&fake, &base_params()).await;
    let url = location(&response);
    assert!(url.as_str().starts_with(REDIRECT_URI));
    assert_eq!(query(&url, "state").as_deref(), Some("st-123"));
    assert!(query(&url, "code").unwrap().starts_with("4/0A"));
    assert_eq!(query(&url, "authuser").as_deref(), Some("0"));
    assert_eq!(query(&url, "hd").as_deref(), Some("example.com"));
    assert_eq!(query(&url, "prompt").as_deref(), Some("consent"));
    let scope = query(&url, "scope").unwrap();
    for s in [
        "openid",
        "email",
        "https://www.googleapis.com/auth/userinfo.email",
    ] {
        assert!(scope.split(' ').any(|x| x == s), "{scope}");
    }

    let seen = fake.last_authorize().expect("recorded");
    assert_eq!(seen.param("access_type"), Some("offline"));
    assert_eq!(seen.param("code_challenge_method"), Some("S256"));
    assert_eq!(seen.param("nonce"), Some("n-456"));
    assert_eq!(
        seen.param("code_challenge"),
        Some(challenge(VERIFIER).as_str())
    );
}

#[tokio::test]
async fn consumer_account_redirect_has_no_hd() {
    let fake = start().await;
    let url = approve(&fake, CAROL, &base_params()).await;
    assert!(query(&url, "code").is_some());
    assert_eq!(query(&url, "hd"), None);
}

#[tokio::test]
async fn login_hint_selects_the_user() {
    let fake = start().await;
    fake.set_auto_approve_mode(AutoApprove::FromLoginHint);
    let params = with(base_params(), &[("login_hint", BOB), ("hd", "example.com")]);
    let url = location(&authorize_raw(&fake, &params).await);
    // hd in the request is only a hint: Bob's own domain comes back.
    assert_eq!(query(&url, "hd").as_deref(), Some("other.example"));
    assert_eq!(
        fake.last_authorize().unwrap().param("hd"),
        Some("example.com")
    );

    // Without a hint the chooser is shown.
    let response = authorize_raw(&fake, &base_params()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn chooser_page_lists_users_and_posts_to_approve() {
    let fake = start().await;
    let response = authorize_raw(&fake, &base_params()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    for email in [ALICE, BOB, CAROL] {
        assert!(html.contains(email), "{email} listed");
    }
    assert!(html.contains("action=\"auth/approve\""));
    assert!(html.contains("name=\"nonce\" value=\"n-456\""));
}

#[tokio::test]
async fn unknown_client_gets_an_error_page_not_a_redirect() {
    let fake = start().await;
    let params = with(
        base_params(),
        &[("client_id", "nope.apps.googleusercontent.com")],
    );
    let response = authorize_raw(&fake, &params).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.text().await.unwrap().contains("invalid_client"));
}

#[tokio::test]
async fn unregistered_redirect_uri_is_never_redirected_to() {
    let fake = start().await;
    fake.set_auto_approve(Some(ALICE));
    for uri in [
        "http://evil.example/cb",
        "http://127.0.0.1:9/oauth/callback/",
        "http://127.0.0.1:9/oauth/callback?x=1",
    ] {
        let params = with(base_params(), &[("redirect_uri", uri)]);
        let response = authorize_raw(&fake, &params).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert!(response.headers().get("location").is_none());
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("redirect_uri_mismatch")
        );
    }
}

#[tokio::test]
async fn errors_after_redirect_validation_are_redirected() {
    let fake = start().await;
    let cases: [(&'static str, &str, &str); 4] = [
        ("response_type", "token", "unsupported_response_type"),
        ("scope", "openid bogus", "invalid_scope"),
        ("code_challenge_method", "S512", "invalid_request"),
        ("access_type", "sometimes", "invalid_request"),
    ];
    for (name, value, error) in cases {
        let params = with(base_params(), &[(name, value)]);
        let url = location(&authorize_raw(&fake, &params).await);
        assert!(url.as_str().starts_with(REDIRECT_URI));
        assert_eq!(
            query(&url, "error").as_deref(),
            Some(error),
            "{name}={value}"
        );
        assert_eq!(query(&url, "state").as_deref(), Some("st-123"));
        assert_eq!(query(&url, "code"), None);
    }
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied() {
    let fake = start().await;
    let url = approve(&fake, DENIER, &base_params()).await;
    assert_eq!(query(&url, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&url, "state").as_deref(), Some("st-123"));

    // The chooser's Cancel button.
    let mut form = base_params();
    form.push(("action", "deny".into()));
    let response = http()
        .post(fake.url(fake_google::APPROVE_PATH))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        query(&location(&response), "error").as_deref(),
        Some("access_denied")
    );

    fake.set_auto_approve(Some(DENIER));
    let url = location(&authorize_raw(&fake, &base_params()).await);
    assert_eq!(query(&url, "error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn prompt_none_needs_an_earlier_grant() {
    let fake = start().await;
    let silent = with(base_params(), &[("prompt", "none")]);
    let url = location(&authorize_raw(&fake, &silent).await);
    assert_eq!(query(&url, "error").as_deref(), Some("login_required"));

    fake.set_auto_approve(Some(ALICE));
    let url = location(&authorize_raw(&fake, &silent).await);
    assert_eq!(query(&url, "error").as_deref(), Some("consent_required"));

    sign_in(&fake, ALICE, &[]).await;
    let url = location(&authorize_raw(&fake, &silent).await);
    assert!(query(&url, "code").is_some());
    assert_eq!(query(&url, "prompt").as_deref(), Some("none"));

    fake.set_auto_approve(None);
    let response = authorize_raw(&fake, &base_params()).await;
    assert_eq!(response.status(), StatusCode::OK, "chooser again");
}
