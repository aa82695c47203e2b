//! Everything the gateway keeps, behind one small trait with two backends.
//!
//! The trait is deliberately low level: namespaced records with a version
//! number, an optional group (used for listing, e.g. all grants of a user)
//! and an optional expiry. Typed repositories (users, clients, codes, ...)
//! are built on top of it once and work on every backend, so each backend
//! only has to get a handful of primitives exactly right.
//!
//! Contract (checked by [`conformance`] against every backend):
//! - A record whose `expires_at` lies in the past is absent for every
//!   operation, whether or not the backend has deleted it yet.
//! - `put` with [`Expect::Absent`] succeeds only if no live record exists
//!   (an expired one counts as absent); with [`Expect::Version`] only if the
//!   live record has exactly that version. Otherwise it fails with
//!   [`StoreError::Conflict`] and changes nothing. Of several concurrent
//!   conditional writers, exactly one wins.
//! - Every successful `put` gives the record a new version, greater than any
//!   version it had before.
//! - `delete` with a condition follows the same rules; an unconditional
//!   delete of an absent record is not an error.
//! - Values are opaque bytes. Secrets are encrypted by the vault before they
//!   reach a store; a store never sees plaintext secrets.

pub mod dynamodb;
pub mod instrumented;
pub mod sqlite;

#[cfg(any(test, feature = "test-support"))]
pub mod conformance;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

use std::fmt;

use async_trait::async_trait;

/// The closed set of record kinds. The string form is part of the on-disk
/// format of every backend: never change an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A signed-in person, keyed by Google `sub`.
    User,
    /// A user's encrypted Google credentials (refresh and access token).
    Credential,
    /// A registered OAuth client of the gateway's authorization server.
    Client,
    /// An authorization in progress (between `/oauth/authorize` and Google's callback).
    PendingAuth,
    /// A one-time gateway authorization code.
    AuthCode,
    /// A user's grant to one client; grouped by user.
    Grant,
    /// A gateway refresh token (hashed key); grouped by token family.
    RefreshToken,
    /// A legacy MCP session (`Mcp-Session-Id`); grouped by user.
    McpSession,
    /// A short lease guarding work that only one task may do at a time.
    Lease,
    /// Revocation markers that every task polls (tokens issued before are void).
    Revocation,
    /// A user's tool-call rate-limit bucket, shared by every task.
    RateLimit,
    /// An audit event (tool call or security event); grouped by user, keyed
    /// `<user>#<unix millis>#<random>`.
    Audit,
    /// A user's count of one capped action on one day (mail sent, files
    /// shared), shared by every task; keyed `<user>#<action>#<yyyy-mm-dd>`.
    Quota,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::User,
        Kind::Credential,
        Kind::Client,
        Kind::PendingAuth,
        Kind::AuthCode,
        Kind::Grant,
        Kind::RefreshToken,
        Kind::McpSession,
        Kind::Lease,
        Kind::Revocation,
        Kind::RateLimit,
        Kind::Audit,
        Kind::Quota,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Credential => "cred",
            Kind::Client => "client",
            Kind::PendingAuth => "pending",
            Kind::AuthCode => "code",
            Kind::Grant => "grant",
            Kind::RefreshToken => "refresh",
            Kind::McpSession => "session",
            Kind::Lease => "lease",
            Kind::Revocation => "revocation",
            Kind::RateLimit => "ratelimit",
            Kind::Audit => "audit",
            Kind::Quota => "quota",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored record as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub value: Vec<u8>,
    /// Increases on every write of this key.
    pub version: u64,
    /// Optional grouping key used by [`Store::list_group`].
    pub group: Option<String>,
    /// Unix seconds after which the record is treated as absent.
    pub expires_at: Option<i64>,
}

/// What a record must look like for a conditional write to go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No condition.
    Any,
    /// No live record (an expired record counts as absent).
    Absent,
    /// A live record with exactly this version.
    Version(u64),
}

/// A write request.
#[derive(Debug, Clone)]
pub struct Put<'a> {
    pub kind: Kind,
    pub key: &'a str,
    pub value: &'a [u8],
    pub group: Option<&'a str>,
    pub expires_at: Option<i64>,
    pub expect: Expect,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write found the record in another state. Nothing was changed.
    #[error("conditional write failed: the record was changed by someone else")]
    Conflict,
    /// The backend could not be reached or failed; the operation may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be understood (corruption or an incompatible format).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The storage seam. See the module docs for the contract.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A short name for logs and readiness output (`sqlite`, `dynamodb`).
    fn backend(&self) -> &'static str;

    /// Reads the live record, strongly consistent.
    async fn get(&self, kind: Kind, key: &str) -> StoreResult<Option<Record>>;

    /// Writes a record if `put.expect` holds; returns the new version.
    async fn put(&self, put: Put<'_>) -> StoreResult<u64>;

    /// Deletes a record if `expect` holds. Returns whether a live record was deleted.
    async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool>;

    /// All live records of `kind` in `group`, as `(key, record)`, in no particular order.
    async fn list_group(&self, kind: Kind, group: &str) -> StoreResult<Vec<(String, Record)>>;

    /// All live records of `kind` (administrative listings; not for hot paths).
    async fn list_kind(&self, kind: Kind) -> StoreResult<Vec<(String, Record)>>;

    /// Physically removes expired records. Returns how many were removed.
    async fn purge_expired(&self) -> StoreResult<u64>;

    /// A cheap round trip proving the backend works (readiness).
    async fn ping(&self) -> StoreResult<()>;
}

/// Current time in Unix seconds, the unit of every expiry in the store.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
