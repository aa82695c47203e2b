//! Secrets at rest: envelope encryption with AES-256-GCM.
//!
//! A [`Vault`] seals each secret with a 32-byte *data key*; a
//! [`KeyProvider`] (the embedded [`LocalKeyProvider`] or AWS KMS, [`KmsKeyProvider`]) wraps
//! data keys under a *master key* it holds. Every value is bound to a
//! [`SealContext`] (user and [`Purpose`]): the context is part of the AEAD
//! associated data of the value and is handed to the provider as an
//! [`EncryptionContext`] when it wraps or unwraps the data key (KMS enforces
//! it on decrypt).
//!
//! # Ciphertext format, version 1
//!
//! ```text
//! offset        size   field
//! 0             1      format version = 0x01
//! 1             1      K = key id length (1..=255)
//! 2             K      key id, UTF-8: the master key that wrapped the data key
//! 2+K           4      context check: SHA-256("mcp-gateway vault context check\0" || C)[..4]
//! 6+K           2      W = wrapped data key length, big-endian (1..=65535)
//! 8+K           W      wrapped data key (opaque, provider specific)
//! 8+K+W         12     nonce (random)
//! 20+K+W        n+16   AES-256-GCM ciphertext of the n-byte plaintext, then the tag
//! ```
//!
//! The header is every byte before the ciphertext. The payload's associated
//! data is `header || C`, where `C` is the canonical encoding of the
//! encryption context ([`EncryptionContext::to_bytes`]): pairs in key order,
//! each key and value as a big-endian `u16` length and its bytes. Context
//! today is `{"purpose": <Purpose::as_str>, "user": <user>}`.
//!
//! The context check is not a security control (the AEAD is): it lets
//! opening report [`VaultError::WrongContext`] instead of a bare
//! authentication failure when a value is opened for the wrong user or
//! purpose. Other detected failures: [`VaultError::Malformed`] (empty or
//! truncated input), [`VaultError::UnsupportedVersion`],
//! [`VaultError::UnknownKey`] (the provider lacks the key id);
//! anything else that fails is [`VaultError::AuthenticationFailed`].
//!
//! # Caching
//!
//! The vault reuses one data key per context for sealing (up to
//! [`VaultOptions::max_key_age`] and [`VaultOptions::max_uses_per_key`],
//! and only while its key id is the provider's current one), and keeps
//! unwrapped data keys for opening, keyed by a digest of key id, wrapped
//! key and context. Both caches hold at most
//! [`VaultOptions::max_cached_keys`] entries. A warm path makes no provider
//! call; [`Vault::stats`] counts the calls. Cached keys live only as AES key
//! schedules, which are zeroized on drop.
//!
//! # Rotation
//!
//! Make the new key current and list the old one as previous; everything
//! still opens. [`Vault::needs_rewrap`] and [`Vault::key_id_of`] find values
//! under old keys, [`Vault::rewrap`] re-seals them under the current key.

mod cache;
mod context;
mod crypto;
mod envelope;
mod error;
mod format;
mod kms;
mod local;
mod provider;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub use context::{EncryptionContext, MAX_USER_LEN, Purpose, SealContext};
pub use envelope::{Vault, VaultOptions, VaultStats};
pub use error::VaultError;
pub use kms::KmsKeyProvider;
pub use local::{KEY_FILE_NAME, LocalKeyProvider, parse_master_key};
pub use provider::{DataKey, KeyProvider};
