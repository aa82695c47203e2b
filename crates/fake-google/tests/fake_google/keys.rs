//! JWKS publication and signing-key rotation.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn jwks_has_google_shape_and_cache_control() {
    let fake = start().await;
    let response = http()
        .get(fake.url(fake_google::JWKS_PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    let body: serde_json::Value = response.json().await.unwrap();
    let key = &body["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    assert_eq!(key["kid"], fake.signing_kid().as_str());
}

#[tokio::test]
async fn rotation_publishes_new_key_and_keeps_old_until_retired() {
    let fake = start().await;
    let old_kid = fake.signing_kid();
    let before = sign_in(&fake, ALICE, &[]).await;
    let old_jwks = jwks(&fake).await;

    let new_kid = fake.rotate_signing_key();
    assert_ne!(new_kid, old_kid);
    assert_eq!(fake.signing_kid(), new_kid);
    let after = sign_in(&fake, BOB, &[]).await;
    let header = jsonwebtoken::decode_header(after["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));

    // A verifier holding the old JWKS sees an unknown kid and must refetch.
    assert!(
        verify_id_token(
            &old_jwks,
            after["id_token"].as_str().unwrap(),
            fake.issuer()
        )
        .is_err()
    );
    let both = jwks(&fake).await;
    assert!(both.find(&old_kid).is_some() && both.find(&new_kid).is_some());
    verify_id_token(&both, after["id_token"].as_str().unwrap(), fake.issuer()).unwrap();
    verify_id_token(&both, before["id_token"].as_str().unwrap(), fake.issuer()).unwrap();

    fake.retire_old_keys();
    let current = jwks(&fake).await;
    assert!(current.find(&old_kid).is_none());
    assert_eq!(fake.published_kids(), vec![new_kid]);
    assert!(
        verify_id_token(
            &current,
            before["id_token"].as_str().unwrap(),
            fake.issuer()
        )
        .is_err()
    );
}
