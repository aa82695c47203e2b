//! Master-key rotation: values sealed under an old key stay readable, and
//! `keys rewrap` re-encrypts them under the current key.

use base64::Engine;
use mcp_gateway::{
    admin::rewrap_secrets,
    repo::CredentialRecord,
    store::{Expect, Kind},
    vault::{LocalKeyProvider, Purpose, SealContext, Vault},
};
use std::sync::Arc;

use crate::helpers::TestApp;

const OLD: [u8; 32] = [7; 32];
const NEW: [u8; 32] = [9; 32];

#[tokio::test]
async fn rewrap_moves_credentials_to_the_current_key() {
    let app = TestApp::spawn().await;
    let repo = &app.state.oauth.repo;
    let b64 = base64::engine::general_purpose::STANDARD;
    let old_vault = Vault::new(Arc::new(LocalKeyProvider::new(OLD, vec![])));
    let ctx = SealContext::new("user-1", Purpose::GoogleRefreshToken);
    let sealed = old_vault.seal(b"1//0-refresh-token", &ctx).await.unwrap();
    let record = CredentialRecord {
        refresh_token: Some(b64.encode(&sealed)),
        access_token: None,
        access_expires_at: None,
        updated_at: 0,
    };
    repo.put(
        Kind::Credential,
        "user-1",
        &record,
        None,
        None,
        Expect::Absent,
    )
    .await
    .unwrap();

    // The key is rotated: NEW is current, OLD still readable.
    let vault = Vault::new(Arc::new(LocalKeyProvider::new(NEW, vec![OLD])));
    assert!(vault.needs_rewrap(&sealed));
    assert_eq!(
        &*vault.open(&sealed, &ctx).await.unwrap(),
        b"1//0-refresh-token"
    );

    assert_eq!(rewrap_secrets(repo, &vault).await.unwrap(), (1, 0));
    let stored = repo
        .get::<CredentialRecord>(Kind::Credential, "user-1")
        .await
        .unwrap()
        .unwrap()
        .value;
    let resealed = b64.decode(stored.refresh_token.unwrap()).unwrap();
    assert!(!vault.needs_rewrap(&resealed));
    assert_eq!(
        &*vault.open(&resealed, &ctx).await.unwrap(),
        b"1//0-refresh-token"
    );
    // Without the old key, the re-encrypted value still opens.
    let only_new = Vault::new(Arc::new(LocalKeyProvider::new(NEW, vec![])));
    assert!(only_new.open(&resealed, &ctx).await.is_ok());
    assert!(only_new.open(&sealed, &ctx).await.is_err());
    // A second run finds nothing to do.
    assert_eq!(rewrap_secrets(repo, &vault).await.unwrap(), (0, 1));
}
