//! Errors of the vault. None of them carries key material or plaintext.

use std::io;
use std::path::PathBuf;

/// Why sealing, opening or loading keys failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The AEAD check failed. Cryptography cannot tell a modified ciphertext
    /// from one sealed for another context or under another key.
    #[error(
        "authentication failed: the ciphertext was altered, or it belongs to another user/purpose or key"
    )]
    AuthenticationFailed,

    /// The ciphertext is intact but was sealed for another user or purpose.
    #[error("wrong context: the ciphertext was sealed for another user or purpose")]
    WrongContext,

    /// The input is not a well-formed vault ciphertext (empty, truncated,
    /// inconsistent lengths).
    #[error("malformed ciphertext: {0}")]
    Malformed(&'static str),

    /// The format version byte is not one this build reads.
    #[error(
        "unsupported ciphertext format version {0}: not a vault ciphertext, or written by a newer release"
    )]
    UnsupportedVersion(u8),

    /// The key that wrapped the data key is not held by the provider.
    #[error(
        "key {key_id} is not available from the {provider} key provider; configure it as the current or a previous key"
    )]
    UnknownKey {
        /// Provider name.
        provider: &'static str,
        /// The key id named by the ciphertext.
        key_id: String,
    },

    /// The seal context is not acceptable.
    #[error("invalid seal context: {0}")]
    InvalidContext(&'static str),

    /// The key provider could not be reached or is not ready.
    #[error("key provider {provider} is unavailable: {reason}")]
    ProviderUnavailable {
        /// Provider name.
        provider: &'static str,
        /// What went wrong.
        reason: String,
    },

    /// The key provider answered with an error or an invalid result.
    #[error("key provider {provider} failed: {reason}")]
    Provider {
        /// Provider name.
        provider: &'static str,
        /// What went wrong.
        reason: String,
    },

    /// A master key given as text is not 32 bytes of base64.
    #[error(
        "invalid {which}: {reason} (expected 32 random bytes in base64, for example from `openssl rand -base64 32`)"
    )]
    InvalidMasterKey {
        /// Which key, for example "current master key" or "previous master key 2".
        which: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The key file can be read or written by group or others.
    #[error(
        "vault key file {} is accessible by group or others (mode {mode:o}); run `chmod 600 {}` or give the key through the environment instead",
        path.display(),
        path.display()
    )]
    KeyFilePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// The key file exists but does not hold a key.
    #[error(
        "vault key file {} is invalid: {reason}; restore the original file, or delete it to generate a new key if nothing was sealed with it",
        path.display()
    )]
    KeyFileInvalid {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Reading or creating the key file failed.
    #[error("vault key file {}: {source}", path.display())]
    KeyFileIo {
        /// The key file (or its directory).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// The operating system random number generator failed.
    #[error("the system random number generator failed")]
    Random,

    /// The plaintext exceeds what AES-GCM can encrypt under one nonce.
    #[error("the plaintext is too large to seal")]
    TooLarge,
}
