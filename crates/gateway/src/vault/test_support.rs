//! Helpers for the vault tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use zeroize::Zeroizing;

use super::{DataKey, EncryptionContext, KeyProvider, LocalKeyProvider, VaultError};

/// A directory under the system temp dir, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new() -> Self {
        let mut name = [0u8; 8];
        super::crypto::fill_random(&mut name).unwrap();
        let path = std::env::temp_dir().join(format!("vault-test-{}", hex::encode(name)));
        std::fs::create_dir(&path).unwrap();
        TempDir(path)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A [`LocalKeyProvider`] that counts calls and whose keys can be replaced.
pub(super) struct CountingProvider {
    inner: RwLock<Arc<LocalKeyProvider>>,
    pub(super) generated: AtomicU64,
    pub(super) decrypted: AtomicU64,
}

impl CountingProvider {
    pub(super) fn new(inner: LocalKeyProvider) -> Arc<Self> {
        Arc::new(CountingProvider {
            inner: RwLock::new(Arc::new(inner)),
            generated: AtomicU64::new(0),
            decrypted: AtomicU64::new(0),
        })
    }

    pub(super) fn replace(&self, inner: LocalKeyProvider) {
        *self.inner.write().unwrap() = Arc::new(inner);
    }

    pub(super) fn calls(&self) -> (u64, u64) {
        (
            self.generated.load(Ordering::SeqCst),
            self.decrypted.load(Ordering::SeqCst),
        )
    }

    fn current(&self) -> Arc<LocalKeyProvider> {
        self.inner.read().unwrap().clone()
    }
}

#[async_trait]
impl KeyProvider for CountingProvider {
    fn name(&self) -> &'static str {
        "counting"
    }

    fn current_key_id(&self) -> String {
        self.current().current_key_id()
    }

    async fn generate_data_key(&self, ctx: &EncryptionContext) -> Result<DataKey, VaultError> {
        self.generated.fetch_add(1, Ordering::SeqCst);
        self.current().generate_data_key(ctx).await
    }

    async fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        self.decrypted.fetch_add(1, Ordering::SeqCst);
        self.current().decrypt_data_key(key_id, wrapped, ctx).await
    }

    async fn ping(&self) -> Result<(), VaultError> {
        self.current().ping().await
    }
}
