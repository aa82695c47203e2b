//! The Google token lifecycle across several gateway tasks sharing one store:
//! one refresh at Google for many concurrent callers, invalid_grant handling,
//! sign-out revoking at Google, and a warm path that touches nothing.

use mcp_gateway::{
    app::open_vault,
    config::{Config, join},
    google::{
        GoogleOAuth,
        credentials::{CredentialError, Credentials, REFRESH_AHEAD},
    },
    repo::{CredentialRecord, UserRecord},
    store::{Kind, now_unix},
};

use crate::{
    google_flow::{ANN, Env},
    helpers::raw_config,
};

/// A gateway task's view of Google credentials: its own vault instance
/// (same key file), its own Google client, the shared store.
async fn task(env: &Env) -> Credentials {
    let config = Config::from_raw(&raw_config(
        &env.app.data_dir,
        &[
            ("PUBLIC_URL", env.public.as_str()),
            ("GOOGLE_BASE_URL", env.google.base_url()),
        ],
    ))
    .unwrap();
    Credentials::new(
        env.app.state.oauth.repo.clone(),
        open_vault(&config).await.unwrap(),
        GoogleOAuth::from_config(&config).unwrap(),
        join(&config.public_url, "/oauth/login").to_string(),
    )
}

/// Makes the stored Google access token of `sub` about to expire.
async fn make_expiring(env: &Env, sub: &str) {
    env.app
        .state
        .oauth
        .repo
        .update::<CredentialRecord, _>(Kind::Credential, sub, |c| {
            c.access_expires_at = Some(now_unix() + REFRESH_AHEAD / 2);
        })
        .await
        .unwrap()
        .expect("credentials stored at sign-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_calls_on_three_tasks_refresh_once() {
    let env = Env::start().await;
    env.sign_in(ANN).await;
    let sub = env.sub(ANN);
    let tasks = [task(&env).await, task(&env).await, task(&env).await];
    make_expiring(&env, &sub).await;
    env.fake().reset_counters();

    let mut calls = Vec::new();
    for i in 0..50 {
        let creds = tasks[i % 3].clone();
        let sub = sub.clone();
        calls.push(tokio::spawn(async move { creds.access_token(&sub).await }));
    }
    let mut tokens = Vec::new();
    for c in calls {
        tokens.push(c.await.unwrap().expect("a token").expose().to_owned());
    }
    assert_eq!(
        env.fake().requests("/token"),
        1,
        "exactly one refresh at Google"
    );
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "every caller got the refreshed token"
    );
    let refreshes: u64 = tasks.iter().map(|t| t.stats().refreshes).sum();
    assert_eq!(refreshes, 1);

    // The refreshed token is stored sealed for every other task.
    let stored = env
        .app
        .state
        .oauth
        .repo
        .get::<CredentialRecord>(Kind::Credential, &sub)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.value.access_expires_at.unwrap() - now_unix() > REFRESH_AHEAD);
    let fresh_task = task(&env).await;
    assert_eq!(
        fresh_task.access_token(&sub).await.unwrap().expose(),
        tokens[0]
    );
    assert_eq!(env.fake().requests("/token"), 1);
}

#[tokio::test]
async fn the_warm_path_reads_nothing() {
    let env = Env::start().await;
    env.sign_in(ANN).await;
    let sub = env.sub(ANN);
    let creds = task(&env).await;
    creds.access_token(&sub).await.unwrap();
    let cold = creds.stats();
    assert_eq!(cold.store_reads, 1, "the cold path reads the store once");
    for _ in 0..100 {
        creds.access_token(&sub).await.unwrap();
    }
    let warm = creds.stats();
    assert_eq!(
        warm.store_reads, cold.store_reads,
        "no store read on the warm path"
    );
    assert_eq!(warm.memory_hits, cold.memory_hits + 100);
    assert_eq!(warm.refreshes, 0);
}

#[tokio::test]
async fn invalid_grant_asks_the_user_to_sign_in_again() {
    let env = Env::start().await;
    let tokens = env.sign_in(ANN).await;
    let sub = env.sub(ANN);
    let creds = task(&env).await;
    env.fake().revoke_all_for(ANN);
    make_expiring(&env, &sub).await;

    let err = creds.access_token(&sub).await.unwrap_err();
    let CredentialError::SignInRequired { sign_in_url } = &err else {
        panic!("expected SignInRequired, got {err:?}");
    };
    assert_eq!(sign_in_url, &format!("{}/oauth/login", env.public));
    assert!(err.to_string().contains("Sign in again at"), "{err}");
    let user = env
        .app
        .state
        .oauth
        .repo
        .get::<UserRecord>(Kind::User, &sub)
        .await
        .unwrap()
        .unwrap();
    assert!(user.value.needs_reauth);
    // Later calls fail fast without asking Google again.
    env.fake().reset_counters();
    assert!(matches!(
        creds.access_token(&sub).await,
        Err(CredentialError::SignInRequired { .. })
    ));
    assert_eq!(env.fake().requests("/token"), 0);
    // whoami tells the user.
    let me = env.whoami(&tokens.access).await;
    assert_eq!(me["needs_sign_in"], true, "{me}");

    // Signing in again clears it.
    env.sign_in(ANN).await;
    assert!(creds.access_token(&sub).await.is_ok());
}

#[tokio::test]
async fn sign_out_revokes_at_google_and_every_gateway_token() {
    let env = Env::start().await;
    let tokens = env.sign_in(ANN).await;
    let sub = env.sub(ANN);
    let creds = task(&env).await;
    assert_eq!(env.mcp_status(&tokens.access).await, 200);
    env.fake().reset_counters();

    creds
        .sign_out(&sub, std::time::Duration::from_secs(1800))
        .await
        .unwrap();
    assert_eq!(
        env.fake().requests("/revoke"),
        1,
        "the Google grant is revoked"
    );
    assert_eq!(env.fake().refresh_token_count(ANN), 0);
    assert!(
        env.app
            .state
            .oauth
            .repo
            .get::<CredentialRecord>(Kind::Credential, &sub)
            .await
            .unwrap()
            .is_none()
    );
    // Other tasks learn of it from the store (this one reloads at once).
    env.app
        .state
        .oauth
        .revocations
        .reload(&env.app.state.oauth.repo)
        .await
        .unwrap();
    assert_eq!(env.mcp_status(&tokens.access).await, 401);
    let (status, body) = env.refresh(&tokens.client, &tokens.refresh).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_token_google_refuses_is_refreshed_once_and_the_call_retried() {
    let env = Env::start_with(&[("TOOLS", "all")]).await;
    let gm = crate::gmail_support::Gm::sign_in(&env, ANN).await;
    gm.ok("gmail_list_labels", serde_json::json!({})).await;
    // Google invalidates the access token early (it may, at any time).
    env.fake().expire_access_tokens_for(ANN);
    env.fake().reset_counters();
    let (labels, _) = gm.ok("gmail_list_labels", serde_json::json!({})).await;
    assert!(labels["labels"].as_array().is_some_and(|l| !l.is_empty()));
    assert_eq!(
        env.fake().requests("/token"),
        1,
        "one refresh after the 401"
    );
    assert_eq!(
        env.fake().requests("/gmail/v1/users/me/labels"),
        2,
        "the refused call and its retry"
    );
}
