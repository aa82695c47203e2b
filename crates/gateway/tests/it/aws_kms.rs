//! The KMS key provider against moto's KMS, through the vault.

use std::sync::Arc;

use mcp_gateway::vault::{
    EncryptionContext, KeyProvider, KmsKeyProvider, Purpose, SealContext, Vault, VaultError,
};

use crate::aws_moto::{moto_url, new_kms_key, sdk, unique};

async fn kms(url: &str) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&sdk(url).await)
}

fn ctx(user: &str, purpose: Purpose) -> SealContext {
    SealContext::new(user, purpose)
}

#[tokio::test]
async fn values_round_trip_through_the_vault() {
    let Some(url) = moto_url("values_round_trip_through_the_vault") else {
        return;
    };
    let client = kms(&url).await;
    let arn = new_kms_key(&client).await;
    let provider = KmsKeyProvider::connect(client, &arn).await.unwrap();
    assert_eq!(provider.current_key_id(), arn);
    let vault = Vault::new(Arc::new(provider));
    vault.ping().await.unwrap();
    let alice = ctx("alice", Purpose::GoogleRefreshToken);
    let sealed = vault.seal(b"1//refresh-token", &alice).await.unwrap();
    assert_eq!(Vault::key_id_of(&sealed).unwrap(), arn);
    assert!(!vault.needs_rewrap(&sealed));
    assert_eq!(
        &vault.open(&sealed, &alice).await.unwrap()[..],
        b"1//refresh-token"
    );
    // A cold vault on the same key unwraps through KMS.
    let cold = Vault::new(Arc::new(KmsKeyProvider::new(kms(&url).await, &arn)));
    assert_eq!(
        &cold.open(&sealed, &alice).await.unwrap()[..],
        b"1//refresh-token"
    );
    assert_eq!(cold.stats().decrypt_data_key_calls, 1);
    let bob = ctx("bob", Purpose::GoogleRefreshToken);
    assert!(matches!(
        cold.open(&sealed, &bob).await,
        Err(VaultError::WrongContext)
    ));
}

#[tokio::test]
async fn an_alias_resolves_to_the_key_arn() {
    let Some(url) = moto_url("an_alias_resolves_to_the_key_arn") else {
        return;
    };
    let client = kms(&url).await;
    let arn = new_kms_key(&client).await;
    let alias = format!("alias/{}", unique("gateway"));
    client
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&arn)
        .send()
        .await
        .unwrap();
    let provider = KmsKeyProvider::connect(client, &alias).await.unwrap();
    assert_eq!(provider.current_key_id(), arn);
    let vault = Vault::new(Arc::new(provider));
    let sealed = vault
        .seal(b"secret", &ctx("u", Purpose::SessionState))
        .await
        .unwrap();
    assert_eq!(Vault::key_id_of(&sealed).unwrap(), arn);
    assert!(!vault.needs_rewrap(&sealed));
}

#[tokio::test]
async fn kms_enforces_the_encryption_context() {
    let Some(url) = moto_url("kms_enforces_the_encryption_context") else {
        return;
    };
    let client = kms(&url).await;
    let arn = new_kms_key(&client).await;
    let provider = KmsKeyProvider::connect(client, &arn).await.unwrap();
    let alice = EncryptionContext::from(&ctx("alice", Purpose::GoogleAccessToken));
    let key = provider.generate_data_key(&alice).await.unwrap();
    assert_eq!(key.key_id, arn);
    let unwrapped = provider
        .decrypt_data_key(&key.key_id, &key.wrapped, &alice)
        .await
        .unwrap();
    assert_eq!(*unwrapped, *key.plaintext);
    for other in [
        ctx("bob", Purpose::GoogleAccessToken),
        ctx("alice", Purpose::GoogleRefreshToken),
    ] {
        let other = EncryptionContext::from(&other);
        let err = provider
            .decrypt_data_key(&key.key_id, &key.wrapped, &other)
            .await
            .unwrap_err();
        assert!(matches!(err, VaultError::AuthenticationFailed), "{err:?}");
    }
    let mut tampered = key.wrapped.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let err = provider
        .decrypt_data_key(&key.key_id, &tampered, &alice)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::AuthenticationFailed | VaultError::Provider { .. }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_warm_path_makes_no_kms_call() {
    let Some(url) = moto_url("the_warm_path_makes_no_kms_call") else {
        return;
    };
    let client = kms(&url).await;
    let arn = new_kms_key(&client).await;
    let vault = Vault::new(Arc::new(KmsKeyProvider::new(client, &arn)));
    let users: Vec<SealContext> = (0..3)
        .map(|i| ctx(&format!("user-{i}"), Purpose::SessionState))
        .collect();
    let mut sealed = Vec::new();
    for user in &users {
        let value = vault.seal(user.user.as_bytes(), user).await.unwrap();
        vault.open(&value, user).await.unwrap();
        sealed.push(value);
    }
    let cold = vault.stats();
    assert_eq!(cold.generate_data_key_calls, 3, "one data key per context");
    for _ in 0..20 {
        for (user, value) in users.iter().zip(&sealed) {
            let again = vault.seal(b"next value", user).await.unwrap();
            assert_eq!(&vault.open(&again, user).await.unwrap()[..], b"next value");
            assert_eq!(
                &vault.open(value, user).await.unwrap()[..],
                user.user.as_bytes()
            );
        }
    }
    let warm = vault.stats();
    assert_eq!(warm.provider_calls(), cold.provider_calls(), "{warm:?}");
    assert!(
        warm.seal_cache_hits >= 60 && warm.open_cache_hits >= 120,
        "{warm:?}"
    );
}

#[tokio::test]
async fn values_under_a_previous_key_still_open_and_need_rewrap() {
    let Some(url) = moto_url("values_under_a_previous_key_still_open_and_need_rewrap") else {
        return;
    };
    let client = kms(&url).await;
    let key_a = new_kms_key(&client).await;
    let key_b = new_kms_key(&client).await;
    let user = ctx("alice", Purpose::GoogleRefreshToken);
    let under_a = Vault::new(Arc::new(KmsKeyProvider::new(client.clone(), &key_a)))
        .seal(b"sealed under A", &user)
        .await
        .unwrap();

    let vault_b = Vault::new(Arc::new(KmsKeyProvider::new(client.clone(), &key_b)));
    assert_eq!(vault_b.current_key_id(), key_b);
    assert!(vault_b.needs_rewrap(&under_a));
    assert_eq!(
        &vault_b.open(&under_a, &user).await.unwrap()[..],
        b"sealed under A"
    );
    let rewrapped = vault_b.rewrap(&under_a, &user).await.unwrap();
    assert_eq!(Vault::key_id_of(&rewrapped).unwrap(), key_b);
    assert!(!vault_b.needs_rewrap(&rewrapped));
    assert_eq!(
        &vault_b.open(&rewrapped, &user).await.unwrap()[..],
        b"sealed under A"
    );

    // A key KMS does not know is reported as such.
    let provider = KmsKeyProvider::new(client, &key_b);
    let missing =
        key_a.rsplit_once('/').unwrap().0.to_owned() + "/00000000-0000-0000-0000-000000000000";
    let err = provider
        .decrypt_data_key(
            &missing,
            b"not a ciphertext",
            &EncryptionContext::from(&user),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::UnknownKey { .. } | VaultError::AuthenticationFailed
        ),
        "{err:?}"
    );
}
