//! Sign-in, refresh and revocation against the fake Google.

use std::time::Duration;

use fake_google::{Issuer, TOKEN_PATH};
use url::Url;

use super::*;

#[tokio::test]
async fn code_exchange_with_pkce_verifies_a_workspace_user() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;

    let form = fake.last_request(TOKEN_PATH).unwrap();
    assert_eq!(form.param("grant_type"), Some("authorization_code"));
    assert_eq!(form.param("client_secret"), Some(CLIENT_SECRET));
    assert_eq!(form.param("redirect_uri"), Some(REDIRECT_URI));
    assert!(form.param("code_verifier").is_some());
    assert!(form.headers.get("authorization").is_none());

    let tokens = &signed.tokens;
    assert!(
        tokens.refresh_token.is_some(),
        "first consent gives a refresh token"
    );
    assert!(tokens.expires_in > Duration::from_secs(3000));
    assert!(tokens.scopes.iter().any(|s| s == DRIVE));
    assert!(tokens.scopes.iter().any(|s| s == "openid"));

    let identity = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap();
    let alice = fake.user("alice@example.com").unwrap();
    assert_eq!(identity.sub, alice.sub);
    assert_eq!(identity.email, "alice@example.com");
    assert!(identity.email_verified);
    assert_eq!(identity.hd, "example.com");
    assert_eq!(identity.name.as_deref(), Some("Alice Example"));
}

#[tokio::test]
#[expect(
    clippy::disallowed_methods,
    reason = "the user's browser in the test, not the gateway's Google client"
)]
async fn wrong_pkce_verifier_is_an_invalid_grant() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    fake.set_auto_approve(Some("alice@example.com"));
    let request = AuthorizationRequest {
        state: "s".into(),
        nonce: "n".into(),
        code_challenge: pkce::challenge_s256(&pkce::verifier()),
        scopes: vec!["openid".into(), "email".into()],
        hd: None,
        login_hint: None,
        prompt_consent: false,
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser
        .get(oauth.authorization_url(&request))
        .send()
        .await
        .unwrap();
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let err = oauth
        .exchange_code(&code, &pkce::verifier())
        .await
        .unwrap_err();
    assert!(matches!(err, GoogleError::InvalidGrant { .. }), "{err:?}");
}

#[tokio::test]
async fn consumer_account_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "carol@gmail.com", false).await;
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::DomainNotAllowed { hd: None });
    assert!(err.to_string().contains("personal Google accounts"));
}

#[tokio::test]
async fn other_domain_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "bob@other.example", false).await;
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        IdTokenError::DomainNotAllowed {
            hd: Some("other.example".into())
        }
    );
    // Several allowed domains, compared without case.
    let both = SignInPolicy::new(["example.com", "Other.Example"], Vec::<String>::new());
    assert_eq!(both.hd_hint().as_deref(), Some("*"));
    let identity = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &both)
        .await
        .unwrap();
    assert_eq!(identity.hd, "other.example");
}

#[tokio::test]
async fn unverified_email_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "dave@example.com", false).await;
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::EmailNotVerified);
}

#[tokio::test]
async fn allowed_emails_restrict_sign_in() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let only_erin = SignInPolicy::new(["example.com"], ["erin@example.com"]);
    let err = oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &only_erin)
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::EmailNotAllowed);
    let with_alice = SignInPolicy::new(["example.com"], ["erin@example.com", "ALICE@example.com"]);
    oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &with_alice)
        .await
        .unwrap();
}

#[tokio::test]
async fn wrong_nonce_is_refused() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    for nonce in ["another-nonce", ""] {
        let err = oauth
            .verify_id_token(signed.id_token(), nonce, &policy())
            .await
            .unwrap_err();
        assert_eq!(err, IdTokenError::NonceMismatch);
    }
}

#[tokio::test]
async fn token_for_another_client_is_refused() {
    let fake = start_fake().await;
    let other = oauth_for(&fake, OTHER_CLIENT_ID, OTHER_SECRET);
    let signed = sign_in(&fake, &other, "alice@example.com", false).await;
    let ours = oauth(&fake);
    let err = ours
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert_eq!(err, IdTokenError::WrongAudience);
}

#[tokio::test]
async fn bare_issuer_form_is_accepted() {
    let fake = fake_config().issuer(Issuer::Bare).start().await.unwrap();
    assert_eq!(fake.issuer(), "accounts.google.com");
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap();
}

// ---- refresh and revocation ----

#[tokio::test]
async fn refresh_returns_a_new_access_token_and_the_granted_scopes() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "erin@example.com", false).await;
    assert!(
        !signed.tokens.scopes.iter().any(|s| s == CALENDAR),
        "unticked"
    );
    let refresh_token = signed.tokens.refresh_token.clone().unwrap();
    let refreshed = oauth.refresh(refresh_token.expose()).await.unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        signed.tokens.access_token.expose()
    );
    assert!(refreshed.refresh_token.is_none());
    assert!(refreshed.scopes.iter().any(|s| s == DRIVE));
    assert!(!refreshed.scopes.iter().any(|s| s == CALENDAR));
    let form = fake.last_request(TOKEN_PATH).unwrap();
    assert_eq!(form.param("grant_type"), Some("refresh_token"));
    assert_eq!(form.param("client_id"), Some(CLIENT_ID));
}

#[tokio::test]
async fn refresh_after_the_user_revoked_access_is_an_invalid_grant() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.revoke_all_for("alice@example.com");
    let refresh_token = signed.tokens.refresh_token.unwrap();
    let err = oauth.refresh(refresh_token.expose()).await.unwrap_err();
    let GoogleError::InvalidGrant { description } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(description, "Token has been expired or revoked.");
    assert!(!err.to_string().contains(refresh_token.expose()));
}

#[tokio::test]
async fn revoke_ends_the_grant_and_is_idempotent() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let refresh_token = signed.tokens.refresh_token.unwrap();
    assert_eq!(fake.refresh_token_count("alice@example.com"), 1);
    oauth.revoke(refresh_token.expose()).await.unwrap();
    assert_eq!(fake.refresh_token_count("alice@example.com"), 0);
    let form = fake.last_request(fake_google::REVOKE_PATH).unwrap();
    assert_eq!(form.form.first().map(|(k, _)| k.as_str()), Some("token"));
    // Already revoked: Google answers 400 invalid_token, which counts as done.
    oauth.revoke(refresh_token.expose()).await.unwrap();
    let err = oauth.refresh(refresh_token.expose()).await.unwrap_err();
    assert!(matches!(err, GoogleError::InvalidGrant { .. }));
}

#[tokio::test]
async fn prompt_consent_brings_a_new_refresh_token() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let first = sign_in(&fake, &oauth, "alice@example.com", false).await;
    assert!(first.tokens.refresh_token.is_some());
    let again = sign_in(&fake, &oauth, "alice@example.com", false).await;
    assert!(again.tokens.refresh_token.is_none());
    let consent = sign_in(&fake, &oauth, "alice@example.com", true).await;
    assert!(consent.tokens.refresh_token.is_some());
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let fake = start_fake().await;
    let oauth = oauth_for(&fake, CLIENT_ID, "not-the-secret");
    let err = oauth.refresh("1//0whatever").await.unwrap_err();
    assert!(matches!(err, GoogleError::InvalidClient), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("not-the-secret"));
}

// ---- authorization URL ----

#[tokio::test]
#[expect(
    clippy::disallowed_methods,
    reason = "the user's browser in the test, not the gateway's Google client"
)]
async fn authorization_url_carries_the_required_parameters() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let request = AuthorizationRequest {
        state: "state-1".into(),
        nonce: "nonce-1".into(),
        code_challenge: pkce::challenge_s256("v".repeat(43).as_str()),
        scopes: vec!["openid".into(), "email".into(), DRIVE.into()],
        hd: Some("example.com".into()),
        login_hint: Some("alice@example.com".into()),
        prompt_consent: true,
    };
    let url = oauth.authorization_url(&request);
    assert!(
        url.as_str()
            .starts_with(&format!("{}/o/oauth2/v2/auth?", fake.base_url()))
    );
    let params: std::collections::HashMap<String, String> =
        url.query_pairs().into_owned().collect();
    let expect = [
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("response_type", "code"),
        ("access_type", "offline"),
        ("include_granted_scopes", "true"),
        ("prompt", "consent"),
        ("hd", "example.com"),
        ("login_hint", "alice@example.com"),
        ("code_challenge_method", "S256"),
        ("state", "state-1"),
        ("nonce", "nonce-1"),
    ];
    for (k, v) in expect {
        assert_eq!(params.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(params["code_challenge"], request.code_challenge);
    assert_eq!(params["scope"], format!("openid email {DRIVE}"));

    // The fake receives the same parameters.
    fake.set_auto_approve(Some("alice@example.com"));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    browser.get(url).send().await.unwrap();
    let seen = fake.last_authorize().unwrap();
    assert_eq!(seen.param("access_type"), Some("offline"));
    assert_eq!(seen.param("code_challenge_method"), Some("S256"));
    assert_eq!(seen.param("hd"), Some("example.com"));

    let quiet = oauth.authorization_url(&AuthorizationRequest {
        prompt_consent: false,
        hd: None,
        login_hint: None,
        ..request
    });
    let keys: Vec<String> = quiet.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert!(
        !keys
            .iter()
            .any(|k| k == "prompt" || k == "hd" || k == "login_hint")
    );
}
