//! What a secret is for and whom it belongs to: the authenticated context of
//! every sealed value.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::VaultError;

/// Longest accepted user identifier, in bytes.
pub const MAX_USER_LEN: usize = 1024;

/// What a sealed secret is. The string forms are stored (inside KMS
/// encryption contexts and the authenticated data of every ciphertext), so
/// they must never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// A Google OAuth refresh token.
    GoogleRefreshToken,
    /// A Google OAuth access token.
    GoogleAccessToken,
    /// An OAuth client secret.
    ClientSecret,
    /// State of an MCP session.
    SessionState,
    /// State of an authorization still in flight (for example the PKCE
    /// verifier of the upstream Google sign-in).
    PendingAuthorization,
}

impl Purpose {
    /// Every purpose, in declaration order.
    pub const ALL: [Purpose; 5] = [
        Purpose::GoogleRefreshToken,
        Purpose::GoogleAccessToken,
        Purpose::ClientSecret,
        Purpose::SessionState,
        Purpose::PendingAuthorization,
    ];

    /// The stable string form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::GoogleRefreshToken => "google_refresh_token",
            Purpose::GoogleAccessToken => "google_access_token",
            Purpose::ClientSecret => "client_secret",
            Purpose::SessionState => "session_state",
            Purpose::PendingAuthorization => "pending_authorization",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = VaultError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(VaultError::InvalidContext("unknown purpose"))
    }
}

/// Whom a secret belongs to and what it is for. Opening requires the same
/// context that sealing used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SealContext {
    /// Stable identifier of the owning user (1 to [`MAX_USER_LEN`] bytes).
    /// Secrets that belong to no user use a fixed name such as the client id.
    pub user: String,
    /// What the secret is.
    pub purpose: Purpose,
}

impl SealContext {
    /// A context for `user` and `purpose`; checked when used.
    pub fn new(user: impl Into<String>, purpose: Purpose) -> Self {
        SealContext {
            user: user.into(),
            purpose,
        }
    }

    pub(super) fn validate(&self) -> Result<(), VaultError> {
        if self.user.is_empty() {
            return Err(VaultError::InvalidContext("the user is empty"));
        }
        if self.user.len() > MAX_USER_LEN {
            return Err(VaultError::InvalidContext("the user is too long"));
        }
        Ok(())
    }
}

/// The context handed to a [`KeyProvider`](super::KeyProvider): an ordered
/// map of string pairs, exactly the shape of an AWS KMS encryption context
/// (`{"purpose": ..., "user": ...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl EncryptionContext {
    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The map itself.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// Canonical, unambiguous bytes for use as AEAD associated data: for
    /// each pair in key order, a big-endian `u16` length and the bytes of
    /// the key, then the same for the value.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            self.0
                .iter()
                .map(|(k, v)| 4 + k.len() + v.len())
                .sum::<usize>(),
        );
        for (k, v) in &self.0 {
            for part in [k, v] {
                let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&part.as_bytes()[..usize::from(len)]);
            }
        }
        out
    }
}

impl From<&SealContext> for EncryptionContext {
    fn from(ctx: &SealContext) -> Self {
        EncryptionContext(BTreeMap::from([
            ("purpose".to_owned(), ctx.purpose.as_str().to_owned()),
            ("user".to_owned(), ctx.user.clone()),
        ]))
    }
}
