//! The Google token lifecycle: a fresh Google access token for a user, from
//! the task's memory, else the store, else a refresh at Google that only one
//! task in the whole fleet performs at a time.
//!
//! - Access tokens are cached in memory per task and shared (sealed) through
//!   the store; they are refreshed [`REFRESH_AHEAD`] before they expire.
//! - A refresh is guarded by a lease in the store (`google-refresh:<user>`):
//!   the task holding it refreshes and writes the result; the others wait for
//!   the stored token to change and reuse it. Within a task, a per-user lock
//!   coalesces concurrent callers into one store read.
//! - Google answering `invalid_grant` means the refresh token is dead: the user
//!   is marked as needing to sign in again, and every tool call says so with
//!   the sign-in link.
//! - Signing a user out (or an admin revoking them) revokes the grant at Google
//!   too.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use base64::Engine;

use crate::{
    google::{GoogleError, GoogleOAuth},
    repo::{CredentialRecord, GrantRecord, Repo, UserRecord, revocation_key_user},
    secret::Secret,
    store::{Expect, Kind, StoreError, now_unix},
    vault::{Purpose, SealContext, Vault},
};

/// Refresh this long before Google's access token expires.
pub const REFRESH_AHEAD: i64 = 300;
/// How long a refresh lease holds if its task dies mid-refresh.
pub const LEASE_TTL: i64 = 20;
/// How long a caller waits for another task's refresh.
pub const REFRESH_WAIT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error(
        "Google no longer accepts this gateway's access to your account (or you have not signed in yet). Sign in again at {sign_in_url}"
    )]
    SignInRequired { sign_in_url: String },
    #[error("Google is unavailable right now ({0}); try again shortly")]
    GoogleUnavailable(String),
    #[error("the gateway's store is unavailable ({0}); try again shortly")]
    StoreUnavailable(String),
    #[error("the gateway's key service is unavailable ({0}); try again shortly")]
    KeysUnavailable(String),
}

impl From<StoreError> for CredentialError {
    fn from(e: StoreError) -> Self {
        CredentialError::StoreUnavailable(e.to_string())
    }
}

#[derive(Clone)]
struct Cached {
    token: Secret,
    expires_at: i64,
}

/// Counters for tests and benchmarks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CredentialStats {
    pub memory_hits: u64,
    pub store_reads: u64,
    pub refreshes: u64,
}

#[derive(Default)]
struct Counters {
    memory_hits: AtomicU64,
    store_reads: AtomicU64,
    refreshes: AtomicU64,
}

struct Inner {
    repo: Repo,
    vault: Arc<Vault>,
    google: GoogleOAuth,
    sign_in_url: String,
    cache: Mutex<HashMap<String, Cached>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    task_id: String,
    counters: Counters,
}

/// Google credentials of every user, for one gateway task. Cheap to clone.
#[derive(Clone)]
pub struct Credentials {
    inner: Arc<Inner>,
}

/// The detail (which may name the key) goes to the log, not to the user.
fn keys_unavailable(e: crate::vault::VaultError) -> CredentialError {
    tracing::warn!(error = %e, "the vault could not seal or open a Google credential");
    CredentialError::KeysUnavailable("sealing or opening credentials failed".into())
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Credentials {
    pub fn new(repo: Repo, vault: Arc<Vault>, google: GoogleOAuth, sign_in_url: String) -> Self {
        Self {
            inner: Arc::new(Inner {
                repo,
                vault,
                google,
                sign_in_url,
                cache: Mutex::new(HashMap::new()),
                locks: Mutex::new(HashMap::new()),
                task_id: crate::google::pkce::random_token(9),
                counters: Counters::default(),
            }),
        }
    }

    pub fn sign_in_url(&self) -> &str {
        &self.inner.sign_in_url
    }

    pub fn stats(&self) -> CredentialStats {
        let c = &self.inner.counters;
        CredentialStats {
            memory_hits: c.memory_hits.load(Ordering::Relaxed),
            store_reads: c.store_reads.load(Ordering::Relaxed),
            refreshes: c.refreshes.load(Ordering::Relaxed),
        }
    }

    fn sign_in_required(&self) -> CredentialError {
        CredentialError::SignInRequired {
            sign_in_url: self.inner.sign_in_url.clone(),
        }
    }

    fn cached(&self, user: &str) -> Option<Secret> {
        let cache = self.inner.cache.lock().expect("credential cache lock");
        cache
            .get(user)
            .filter(|c| c.expires_at - now_unix() > REFRESH_AHEAD)
            .map(|c| c.token.clone())
    }

    fn remember(&self, user: &str, token: Secret, expires_at: i64) {
        let mut cache = self.inner.cache.lock().expect("credential cache lock");
        if cache.len() > 100_000 {
            let now = now_unix();
            cache.retain(|_, c| c.expires_at > now);
        }
        cache.insert(user.to_owned(), Cached { token, expires_at });
    }

    /// Drops the task's cached token of `user` (another task's revocation,
    /// sign-out).
    pub fn forget(&self, user: &str) {
        self.inner
            .cache
            .lock()
            .expect("credential cache lock")
            .remove(user);
    }

    fn user_lock(&self, user: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.inner.locks.lock().expect("credential locks lock");
        if locks.len() > 100_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(user.to_owned()).or_default().clone()
    }

    async fn open(
        &self,
        user: &str,
        sealed_b64: &str,
        purpose: Purpose,
    ) -> Result<Secret, CredentialError> {
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(sealed_b64)
            .map_err(|_| CredentialError::KeysUnavailable("stored credential is damaged".into()))?;
        let plain = self
            .inner
            .vault
            .open(&sealed, &SealContext::new(user, purpose))
            .await
            .map_err(keys_unavailable)?;
        Ok(Secret::new(String::from_utf8_lossy(&plain).into_owned()))
    }

    async fn seal(
        &self,
        user: &str,
        value: &str,
        purpose: Purpose,
    ) -> Result<String, CredentialError> {
        self.inner
            .vault
            .seal(value.as_bytes(), &SealContext::new(user, purpose))
            .await
            .map(|c| b64(&c))
            .map_err(keys_unavailable)
    }

    /// A Google access token for `user` valid for at least [`REFRESH_AHEAD`].
    pub async fn access_token(&self, user: &str) -> Result<Secret, CredentialError> {
        if let Some(t) = self.cached(user) {
            self.inner
                .counters
                .memory_hits
                .fetch_add(1, Ordering::Relaxed);
            return Ok(t);
        }
        let lock = self.user_lock(user);
        let _guard = lock.lock().await;
        if let Some(t) = self.cached(user) {
            self.inner
                .counters
                .memory_hits
                .fetch_add(1, Ordering::Relaxed);
            return Ok(t);
        }
        self.fresh_token(user, None).await
    }

    /// Google refused `rejected` (HTTP 401): get a different, fresh token,
    /// refreshing unless another task already did.
    pub async fn after_rejection(
        &self,
        user: &str,
        rejected: &Secret,
    ) -> Result<Secret, CredentialError> {
        let lock = self.user_lock(user);
        let _guard = lock.lock().await;
        if let Some(t) = self.cached(user)
            && t.expose() != rejected.expose()
        {
            return Ok(t);
        }
        self.forget(user);
        self.fresh_token(user, Some(rejected)).await
    }

    /// The stored token if usable, else a refresh under the fleet-wide lease.
    async fn fresh_token(
        &self,
        user: &str,
        rejected: Option<&Secret>,
    ) -> Result<Secret, CredentialError> {
        let deadline = tokio::time::Instant::now() + REFRESH_WAIT;
        let lease_key = format!("google-refresh:{user}");
        loop {
            self.inner
                .counters
                .store_reads
                .fetch_add(1, Ordering::Relaxed);
            let record = self
                .inner
                .repo
                .get::<CredentialRecord>(Kind::Credential, user)
                .await?
                .ok_or_else(|| self.sign_in_required())?;
            let cred = &record.value;
            if let (Some(sealed), Some(exp)) = (&cred.access_token, cred.access_expires_at)
                && exp - now_unix() > REFRESH_AHEAD
            {
                let token = self.open(user, sealed, Purpose::GoogleAccessToken).await?;
                if rejected.is_none_or(|r| r.expose() != token.expose()) {
                    self.remember(user, token.clone(), exp);
                    return Ok(token);
                }
            }
            if cred.refresh_token.is_none() {
                return Err(self.sign_in_required());
            }
            let now = now_unix();
            match self
                .inner
                .repo
                .put(
                    Kind::Lease,
                    &lease_key,
                    &self.inner.task_id,
                    None,
                    Some(now + LEASE_TTL),
                    Expect::Absent,
                )
                .await
            {
                Ok(version) => {
                    let result = self.refresh(user, record.version).await;
                    let _ = self
                        .inner
                        .repo
                        .delete(Kind::Lease, &lease_key, Expect::Version(version))
                        .await;
                    return result;
                }
                Err(StoreError::Conflict) => {
                    // Another task is refreshing: wait for its result.
                    if tokio::time::Instant::now() >= deadline {
                        return Err(CredentialError::GoogleUnavailable(
                            "a refresh of your Google access took too long".into(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Refreshes at Google (the caller holds the lease) and stores the result.
    async fn refresh(&self, user: &str, seen_version: u64) -> Result<Secret, CredentialError> {
        // Re-read under the lease: another task may have just finished.
        let record = self
            .inner
            .repo
            .get::<CredentialRecord>(Kind::Credential, user)
            .await?
            .ok_or_else(|| self.sign_in_required())?;
        if record.version != seen_version
            && let (Some(sealed), Some(exp)) =
                (&record.value.access_token, record.value.access_expires_at)
            && exp - now_unix() > REFRESH_AHEAD
        {
            let token = self.open(user, sealed, Purpose::GoogleAccessToken).await?;
            self.remember(user, token.clone(), exp);
            return Ok(token);
        }
        let sealed_refresh = record
            .value
            .refresh_token
            .clone()
            .ok_or_else(|| self.sign_in_required())?;
        let refresh_token = self
            .open(user, &sealed_refresh, Purpose::GoogleRefreshToken)
            .await?;
        self.inner
            .counters
            .refreshes
            .fetch_add(1, Ordering::Relaxed);
        let answer = self.inner.google.refresh(refresh_token.expose()).await;
        crate::metrics::token_refresh(answer.is_ok());
        let answer = match answer {
            Ok(a) => a,
            Err(GoogleError::InvalidGrant { .. }) => {
                tracing::info!(
                    user,
                    "Google refused the refresh token; the user must sign in again"
                );
                self.mark_needs_sign_in(user).await;
                return Err(self.sign_in_required());
            }
            Err(e) => return Err(CredentialError::GoogleUnavailable(e.to_string())),
        };
        let expires_at = now_unix() + answer.expires_in.as_secs() as i64;
        let mut updated = record.value.clone();
        updated.access_token = Some(
            self.seal(
                user,
                answer.access_token.expose(),
                Purpose::GoogleAccessToken,
            )
            .await?,
        );
        updated.access_expires_at = Some(expires_at);
        if let Some(rt) = &answer.refresh_token {
            updated.refresh_token = Some(
                self.seal(user, rt.expose(), Purpose::GoogleRefreshToken)
                    .await?,
            );
        }
        updated.updated_at = now_unix();
        match self
            .inner
            .repo
            .put(
                Kind::Credential,
                user,
                &updated,
                None,
                None,
                Expect::Version(record.version),
            )
            .await
        {
            Ok(_) | Err(StoreError::Conflict) => {}
            Err(e) => tracing::warn!(error = %e, "storing a refreshed Google token failed"),
        }
        if !answer.scopes.is_empty() {
            let scopes = answer.scopes.clone();
            let _ = self
                .inner
                .repo
                .update::<UserRecord, _>(Kind::User, user, |u| u.google_scopes = scopes.clone())
                .await;
        }
        self.remember(user, answer.access_token.clone(), expires_at);
        Ok(answer.access_token)
    }

    async fn mark_needs_sign_in(&self, user: &str) {
        self.forget(user);
        let _ = self
            .inner
            .repo
            .update::<UserRecord, _>(Kind::User, user, |u| u.needs_reauth = true)
            .await;
        let _ = self
            .inner
            .repo
            .update::<CredentialRecord, _>(Kind::Credential, user, |c| {
                c.refresh_token = None;
                c.access_token = None;
                c.access_expires_at = None;
            })
            .await;
    }

    /// Signs `user` out everywhere: revokes the grant at Google, deletes the
    /// stored Google tokens and every gateway token family of the user, and
    /// records a revocation every task applies within a minute.
    pub async fn sign_out(
        &self,
        user: &str,
        access_token_ttl: Duration,
    ) -> Result<(), CredentialError> {
        self.forget(user);
        let repo = &self.inner.repo;
        if let Some(record) = repo.get::<CredentialRecord>(Kind::Credential, user).await? {
            let token = match &record.value.refresh_token {
                Some(s) => Some(self.open(user, s, Purpose::GoogleRefreshToken).await?),
                None => match &record.value.access_token {
                    Some(s) => Some(self.open(user, s, Purpose::GoogleAccessToken).await?),
                    None => None,
                },
            };
            if let Some(token) = token
                && let Err(e) = self.inner.google.revoke(token.expose()).await
            {
                tracing::warn!(error = %e, "revoking the Google grant failed; local tokens are removed anyway");
            }
            repo.delete(Kind::Credential, user, Expect::Any).await?;
        }
        let until = now_unix() + access_token_ttl.as_secs() as i64 + 120;
        repo.revoke(&revocation_key_user(user), until).await?;
        for (family, _) in repo.list_group::<GrantRecord>(Kind::Grant, user).await? {
            repo.delete_family(&family).await?;
        }
        let _ = repo
            .update::<UserRecord, _>(Kind::User, user, |u| u.needs_reauth = true)
            .await;
        Ok(())
    }
}
