//! Sign-ins the gateway must refuse, each with its specific error and
//! without leaving a user, a credential, a grant or a code behind.
//! (Wrong `iss` and expired ID tokens need a key only Google holds; they are
//! covered with locally signed tokens in `google::tests::local_keys`.)

use fake_google::{APPROVE_PATH, AUTHORIZE_PATH, Fault, OAuthClient, TOKEN_PATH};
use mcp_gateway::config;
use serde_json::Value;

use crate::google_flow::{
    ANN, BOB, CAROL, Client, DAVE, ERIN, Env, GOOGLE_CLIENT_ID, no_redirects, query,
};
use crate::helpers::CLIENT_SECRET;

async fn refused(env: &Env, email: &str, error: &str, description: &str) {
    let client = env.register().await;
    let flow = env.authorize_as(&client, email, &[]).await;
    let got = flow.assert_error(&client, error);
    assert!(got.contains(description), "{got:?}");
    assert_eq!(flow.params()["iss"], env.public);
    env.assert_nothing_stored_for(email).await;
}

#[tokio::test]
async fn another_workspace_domain_is_refused() {
    let env = Env::start().await;
    refused(&env, BOB, "access_denied", "domain other.example may not").await;
}

#[tokio::test]
async fn consumer_account_is_refused() {
    let env = Env::start().await;
    refused(&env, CAROL, "access_denied", "personal Google accounts").await;
}

#[tokio::test]
async fn unverified_email_is_refused() {
    let env = Env::start().await;
    refused(&env, DAVE, "access_denied", "not verified").await;
}

#[tokio::test]
async fn allowed_emails_refuses_others_in_the_domain() {
    let env = Env::start_with(&[(config::ALLOWED_EMAILS, ANN)]).await;
    refused(&env, ERIN, "access_denied", "not on the list").await;
    env.sign_in(ANN).await;
}

#[tokio::test]
async fn forged_hd_parameter_does_not_admit_another_domain() {
    let env = Env::start().await;
    // The attacker rewrites the hint on Google's URL and signs in as bob.
    for hd in ["example.com", "other.example"] {
        let client = env.register().await;
        let r = env
            .http
            .get(env.authorize_url(&client, &[]))
            .send()
            .await
            .unwrap();
        let google_url = r.headers()["location"].to_str().unwrap().to_owned();
        let mut u = url::Url::parse(&google_url).unwrap();
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != "hd")
            .collect();
        u.query_pairs_mut()
            .clear()
            .extend_pairs(pairs)
            .append_pair("hd", hd);
        env.google.set_auto_approve(Some(BOB));
        let flow = env.follow(u.to_string()).await;
        assert_eq!(env.google.last_authorize().unwrap().param("hd"), Some(hd));
        let got = flow.assert_error(&client, "access_denied");
        assert!(got.contains("other.example"), "{got}");
    }
    env.assert_nothing_stored_for(BOB).await;
}

#[tokio::test]
async fn consent_denied_at_google_returns_access_denied_with_state() {
    let env = Env::start().await;
    let client = env.register().await;
    // No auto-approve: Google shows its chooser, where the user cancels.
    let r = env
        .http
        .get(env.authorize_url(&client, &[]))
        .send()
        .await
        .unwrap();
    let google_url = r.headers()["location"].to_str().unwrap().to_owned();
    let chooser = env.http.get(&google_url).send().await.unwrap();
    assert_eq!(chooser.status(), 200);
    let mut form: Vec<(String, String)> = query(&google_url).into_iter().collect();
    form.push(("email".into(), ANN.into()));
    form.push(("action".into(), "deny".into()));
    let r = env
        .http
        .post(env.google.url(APPROVE_PATH))
        .form(&form)
        .send()
        .await
        .unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(query(&callback)["error"], "access_denied");
    let flow = env.follow(callback).await;
    let got = flow.assert_error(&client, "access_denied");
    assert!(got.contains("cancelled"), "{got}");
    env.assert_nothing_stored_for(ANN).await;
}

/// A genuine token response from the fake for `client_id` (approving as
/// `email`), obtained outside the gateway's flow.
async fn foreign_token_response(env: &Env, client_id: &str, secret: &str, nonce: &str) -> Value {
    let http = no_redirects();
    env.google.set_auto_approve(Some(ANN));
    let redirect_uri = env.url("/oauth/callback");
    let r = http
        .get(crate::google_flow::with_query(
            &env.google.url(AUTHORIZE_PATH),
            &[
                ("client_id", client_id),
                ("redirect_uri", &redirect_uri),
                ("response_type", "code"),
                ("scope", "openid email profile"),
                ("nonce", nonce),
                ("state", "outside"),
            ],
        ))
        .send()
        .await
        .unwrap();
    env.google.set_auto_approve(None);
    let code = query(r.headers()["location"].to_str().unwrap())["code"].clone();
    http.post(env.google.url(TOKEN_PATH))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", client_id),
            ("client_secret", secret),
            ("redirect_uri", &redirect_uri),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs a sign-in where Google's token endpoint answers `body` once.
async fn sign_in_with_token_answer(env: &Env, body: &Value) -> (Client, crate::google_flow::Flow) {
    env.google.inject(
        Fault::status(TOKEN_PATH, 200)
            .body(body.to_string())
            .times(1),
    );
    let client = env.register().await;
    let flow = env.authorize_as(&client, ANN, &[]).await;
    (client, flow)
}

#[tokio::test]
async fn id_token_with_another_nonce_is_refused() {
    let env = Env::start().await;
    // An ID token replayed from another sign-in attempt.
    let replayed = foreign_token_response(&env, GOOGLE_CLIENT_ID, CLIENT_SECRET, "old-nonce").await;
    assert!(replayed["id_token"].is_string(), "{replayed}");
    let (client, flow) = sign_in_with_token_answer(&env, &replayed).await;
    let got = flow.assert_error(&client, "access_denied");
    assert!(got.contains("nonce"), "{got}");
    env.assert_nothing_stored_for(ANN).await;
}

#[tokio::test]
async fn id_token_for_another_audience_is_refused() {
    let env = Env::start().await;
    env.google.add_client(
        OAuthClient::new("other-app.apps.googleusercontent.com", "other-secret")
            .redirect_uri(env.url("/oauth/callback")),
    );
    let theirs = foreign_token_response(
        &env,
        "other-app.apps.googleusercontent.com",
        "other-secret",
        "n",
    )
    .await;
    let (client, flow) = sign_in_with_token_answer(&env, &theirs).await;
    let got = flow.assert_error(&client, "access_denied");
    assert!(got.contains("another application"), "{got}");
    env.assert_nothing_stored_for(ANN).await;
}

#[tokio::test]
async fn id_token_with_a_bad_signature_is_refused() {
    let env = Env::start().await;
    let mut answer = foreign_token_response(&env, GOOGLE_CLIENT_ID, CLIENT_SECRET, "n").await;
    let id_token = answer["id_token"].as_str().unwrap().to_owned();
    let (head, sig) = id_token.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { 'B' } else { 'A' };
    answer["id_token"] = format!("{head}.{flipped}{}", &sig[1..]).into();
    let (client, flow) = sign_in_with_token_answer(&env, &answer).await;
    let got = flow.assert_error(&client, "access_denied");
    assert!(got.contains("signature"), "{got}");
    env.assert_nothing_stored_for(ANN).await;
}

#[tokio::test]
async fn unknown_and_reused_callback_state_show_an_error_page() {
    let env = Env::start().await;
    let r = env
        .http
        .get(env.url("/oauth/callback?state=made-up&code=4/0Axyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("unknown, expired or already used")
    );

    let client = env.register().await;
    let flow = env.authorize_as(&client, ANN, &[]).await;
    assert!(flow.params().contains_key("code"));
    let callback = flow.hops[2].clone();
    assert!(callback.contains("/oauth/callback?"), "{callback}");
    let tokens_before = env.google.requests(TOKEN_PATH);
    let again = env.http.get(&callback).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.headers().get("location").is_none());
    // The replay reached neither Google nor the code table.
    assert_eq!(env.google.requests(TOKEN_PATH), tokens_before);
    assert_eq!(env.count(mcp_gateway::store::Kind::AuthCode).await, 1);
}

/// Parameters to change, the expected error, and a part of its description.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[tokio::test]
async fn authorization_requests_with_bad_parameters_are_refused() {
    let env = Env::start().await;
    let client = env.register().await;
    let other_resource = format!("{}/other", env.public);
    let cases: &[Case] = &[
        (
            &[("code_challenge_method", "plain")],
            "invalid_request",
            "S256",
        ),
        (&[("code_challenge_method", "")], "invalid_request", "S256"),
        (
            &[("code_challenge", "")],
            "invalid_request",
            "PKCE is required",
        ),
        (&[("code_challenge", "short")], "invalid_request", "43"),
        (
            &[("resource", "")],
            "invalid_target",
            "resource is required",
        ),
        (
            &[("resource", "https://evil.example/mcp")],
            "invalid_target",
            "only issues",
        ),
        (
            &[("resource", &other_resource)],
            "invalid_target",
            "only issues",
        ),
        (
            &[("response_type", "token")],
            "unsupported_response_type",
            "code",
        ),
        (&[("scope", "drive")], "invalid_scope", "drive"),
    ];
    for (extra, error, description) in cases {
        let r = env
            .http
            .get(env.authorize_url(&client, extra))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{extra:?}: {}", r.status());
        let location = r.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with(&client.redirect_uri),
            "{extra:?}: {location}"
        );
        let p = query(location);
        assert_eq!(p["error"], *error, "{extra:?}: {p:?}");
        assert!(
            p["error_description"].contains(description),
            "{extra:?}: {p:?}"
        );
        assert_eq!(p["state"], client.state);
        assert_eq!(p["iss"], env.public);
    }
    // None of them reached Google or left a pending authorization.
    assert_eq!(env.google.requests(AUTHORIZE_PATH), 0);
    assert_eq!(env.count(mcp_gateway::store::Kind::PendingAuth).await, 0);
}

#[tokio::test]
async fn unregistered_redirect_uris_get_a_page_never_a_redirect() {
    let env = Env::start().await;
    let client = env.register().await;
    let other_path = client.redirect_uri.replace("/callback", "/elsewhere");
    let other_host = client.redirect_uri.replace("127.0.0.1", "localhost");
    for bad in [
        "https://evil.example/callback",
        "https://evil.example",
        "javascript:alert(1)",
        other_path.as_str(),
        other_host.as_str(),
    ] {
        let r = env
            .http
            .get(env.authorize_url(&client, &[("redirect_uri", bad)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.headers().get("location").is_none(), "{bad}");
        let body = r.text().await.unwrap();
        assert!(body.contains("not registered"), "{bad}: {body}");
    }
    // Unknown client: also a page.
    let stranger = Client::new("gwc_unknown", &client.redirect_uri);
    let r = env
        .http
        .get(env.authorize_url(&stranger, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // A loopback redirect on another port is the same registration (RFC 8252).
    let any_port = Client::new(&client.client_id, "http://127.0.0.1:1/callback");
    let flow = env.authorize_as(&any_port, ANN, &[]).await;
    assert!(flow.params().contains_key("code"), "{flow:?}");
    assert_eq!(env.google.requests(AUTHORIZE_PATH), 1);
}
