//! Tests against the fake Google on loopback, and against a local JWKS server
//! for tokens the fake cannot produce.

mod faults;
mod flow;
mod jwks_cache;
mod local_keys;

use fake_google::{FakeGoogle, FakeGoogleHandle, FakeUser, OAuthClient};
use url::Url;

use super::*;
use crate::secret::Secret;

pub(super) const CLIENT_ID: &str = "gateway-client.apps.googleusercontent.com";
pub(super) const CLIENT_SECRET: &str = "gateway-secret-value";
pub(super) const OTHER_CLIENT_ID: &str = "other-client.apps.googleusercontent.com";
pub(super) const OTHER_SECRET: &str = "other-secret-value";
pub(super) const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth/callback";
pub(super) const DRIVE: &str = "https://www.googleapis.com/auth/drive.readonly";
pub(super) const CALENDAR: &str = "https://www.googleapis.com/auth/calendar.readonly";

pub(super) fn fake_config() -> fake_google::FakeGoogleConfig {
    FakeGoogle::builder()
        .user(FakeUser::workspace("alice@example.com", "example.com").name("Alice Example"))
        .user(FakeUser::workspace("bob@other.example", "other.example"))
        .user(FakeUser::consumer("carol@gmail.com"))
        .user(FakeUser::workspace("dave@example.com", "example.com").email_verified(false))
        .user(FakeUser::workspace("erin@example.com", "example.com").untick(CALENDAR))
        .client(OAuthClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(REDIRECT_URI))
        .client(OAuthClient::new(OTHER_CLIENT_ID, OTHER_SECRET).redirect_uri(REDIRECT_URI))
}

pub(super) async fn start_fake() -> FakeGoogleHandle {
    fake_config().start().await.expect("fake google starts")
}

pub(super) fn endpoints(fake: &FakeGoogle) -> GoogleEndpoints {
    GoogleEndpoints::under(&Url::parse(fake.base_url()).unwrap())
}

pub(super) fn oauth_for(fake: &FakeGoogle, client_id: &str, secret: &str) -> GoogleOAuth {
    GoogleOAuth::new(
        endpoints(fake),
        client_id,
        Secret::new(secret),
        Url::parse(REDIRECT_URI).unwrap(),
        GoogleOAuth::http_client().unwrap(),
    )
}

pub(super) fn oauth(fake: &FakeGoogle) -> GoogleOAuth {
    oauth_for(fake, CLIENT_ID, CLIENT_SECRET)
}

pub(super) fn policy() -> SignInPolicy {
    SignInPolicy::new(["example.com"], Vec::<String>::new())
}

/// A completed sign-in: Google's token response and the nonce that was sent.
pub(super) struct SignIn {
    pub(super) tokens: TokenResponse,
    pub(super) nonce: String,
}

impl SignIn {
    pub(super) fn id_token(&self) -> &str {
        self.tokens.id_token.as_deref().expect("an ID token")
    }
}

/// Runs the browser part of the flow with auto-approve and exchanges the code.
#[expect(
    clippy::disallowed_methods,
    reason = "the user's browser in the test, not the gateway's Google client"
)]
pub(super) async fn sign_in(
    fake: &FakeGoogle,
    oauth: &GoogleOAuth,
    email: &str,
    consent: bool,
) -> SignIn {
    fake.set_auto_approve(Some(email));
    let verifier = pkce::verifier();
    let request = AuthorizationRequest {
        state: random_token(16),
        nonce: random_token(16),
        code_challenge: pkce::challenge_s256(&verifier),
        scopes: vec![
            "openid".into(),
            "email".into(),
            "profile".into(),
            DRIVE.into(),
            CALENDAR.into(),
        ],
        hd: Some("example.com".into()),
        login_hint: None,
        prompt_consent: consent,
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
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = Url::parse(
        response.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(request.state.as_str()));
    let code = param("code").unwrap_or_else(|| panic!("no code in {location}"));
    let tokens = oauth.exchange_code(&code, &verifier).await.unwrap();
    SignIn {
        tokens,
        nonce: request.nonce,
    }
}

#[test]
fn policy_from_lists_is_lowercase() {
    let p = SignInPolicy::new([" Example.COM "], ["Ann@Example.com"]);
    assert_eq!(p.allowed_domains, ["example.com"]);
    assert_eq!(p.hd_hint().as_deref(), Some("example.com"));
    assert!(p.allows_domain("EXAMPLE.com"));
    assert!(p.allows_email("ann@example.COM"));
    assert!(!p.allows_email("bob@example.com"));
    assert!(SignInPolicy::new(["a.example"], Vec::<String>::new()).allows_email("x@a.example"));
    assert!(!SignInPolicy::default().allows_domain("example.com"));
}
