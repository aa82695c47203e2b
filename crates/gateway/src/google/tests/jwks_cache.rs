//! Caching and refetching of the fake Google's signing keys.

use fake_google::{Fault, JWKS_PATH};

use super::*;

#[tokio::test]
async fn jwks_is_cached_between_verifications() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let first = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let second = sign_in(&fake, &oauth, "erin@example.com", false).await;
    fake.reset_counters();
    oauth
        .verify_id_token(first.id_token(), &first.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 1);
    // A clone shares the cache.
    oauth
        .clone()
        .verify_id_token(second.id_token(), &second.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 1);
}

#[tokio::test]
async fn key_rotation_triggers_exactly_one_refetch() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let before = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.reset_counters();
    oauth
        .verify_id_token(before.id_token(), &before.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 1);

    let fake_for_rotation = fake.fake();
    let new_kid = tokio::task::spawn_blocking(move || fake_for_rotation.rotate_signing_key())
        .await
        .unwrap();
    let after = sign_in(&fake, &oauth, "alice@example.com", false).await;
    let header = jsonwebtoken::decode_header(after.id_token()).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));

    oauth
        .verify_id_token(after.id_token(), &after.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 2, "one refetch for the new kid");
    oauth
        .verify_id_token(after.id_token(), &after.nonce, &policy())
        .await
        .unwrap();
    oauth
        .verify_id_token(before.id_token(), &before.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 2);
}

#[tokio::test]
async fn concurrent_cache_misses_share_one_fetch() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.reset_counters();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let oauth = oauth.clone();
            let token = signed.id_token().to_string();
            let nonce = signed.nonce.clone();
            tokio::spawn(async move { oauth.verify_id_token(&token, &nonce, &policy()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(fake.requests(JWKS_PATH), 1);
}

#[tokio::test]
async fn jwks_fetch_is_retried_once_on_a_server_error() {
    let fake = start_fake().await;
    let oauth = oauth(&fake);
    let signed = sign_in(&fake, &oauth, "alice@example.com", false).await;
    fake.reset_counters();
    fake.inject(Fault::status(JWKS_PATH, 503).times(1));
    oauth
        .verify_id_token(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap();
    assert_eq!(fake.requests(JWKS_PATH), 2);

    // A JWKS that stays down: the verifier (with a cold cache) says so.
    let cold = IdTokenVerifier::new(
        CLIENT_ID,
        endpoints(&fake).jwks_url,
        GoogleOAuth::http_client().unwrap(),
    );
    fake.inject(Fault::status(JWKS_PATH, 500));
    let err = cold
        .verify(signed.id_token(), &signed.nonce, &policy())
        .await
        .unwrap_err();
    assert!(matches!(err, IdTokenError::JwksUnavailable(_)), "{err:?}");
}
