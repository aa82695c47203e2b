//! The key provider seam: who holds the master keys that wrap data keys.

use std::fmt;

use async_trait::async_trait;
use zeroize::Zeroizing;

use super::{EncryptionContext, VaultError};

/// A fresh data key: the plaintext key for local AES-256-GCM and the same
/// key wrapped by the provider's current master key.
pub struct DataKey {
    /// Id of the master key that wrapped `wrapped` (1 to 255 bytes of UTF-8).
    pub key_id: String,
    /// The plaintext data key; zeroized on drop.
    pub plaintext: Zeroizing<[u8; 32]>,
    /// The wrapped data key, opaque to the vault (1 to 65535 bytes).
    pub wrapped: Vec<u8>,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("key_id", &self.key_id)
            .field("wrapped_len", &self.wrapped.len())
            .finish_non_exhaustive()
    }
}

/// Holder of the master keys (the embedded [`LocalKeyProvider`] or a KMS).
///
/// Contract:
/// - `generate_data_key` returns a new random 32-byte key, wrapped under the
///   current master key and bound to `ctx`.
/// - `decrypt_data_key` returns that key only for the same `key_id`,
///   wrapped bytes and context. A key id the provider does not hold gives
///   [`VaultError::UnknownKey`]; wrapped bytes that do not authenticate
///   under that key and context give [`VaultError::AuthenticationFailed`].
/// - Transient failures give [`VaultError::ProviderUnavailable`]; other
///   refusals [`VaultError::Provider`].
/// - Errors never contain key material.
///
/// [`LocalKeyProvider`]: super::LocalKeyProvider
#[async_trait]
pub trait KeyProvider: Send + Sync + 'static {
    /// Short name for errors and logs, for example `"local"` or `"kms"`.
    fn name(&self) -> &'static str;

    /// Id of the master key new data keys are wrapped with.
    fn current_key_id(&self) -> String;

    /// A new data key wrapped under the current master key and bound to `ctx`.
    async fn generate_data_key(&self, ctx: &EncryptionContext) -> Result<DataKey, VaultError>;

    /// Unwraps a data key wrapped under master key `key_id` for `ctx`.
    async fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Zeroizing<[u8; 32]>, VaultError>;

    /// Readiness: `Ok` when keys can be generated and unwrapped now.
    async fn ping(&self) -> Result<(), VaultError>;
}
