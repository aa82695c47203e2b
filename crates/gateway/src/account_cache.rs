//! The records `whoami` shows (the user's account and the connection's
//! grant), kept per task for a short while, so a warm `whoami` reads nothing
//! from the store. What it shows may lag a change made elsewhere (new
//! Google scopes after a sign-in, a Google grant found dead) by at most
//! [`ACCOUNT_CACHE_TTL`]; access decisions never read this cache.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use crate::{
    repo::{GrantRecord, Repo, UserRecord},
    store::{Kind, StoreError},
};

pub const ACCOUNT_CACHE_TTL: Duration = Duration::from_secs(30);
/// Entries kept at most; beyond it, expired ones are dropped first.
const MAX_ENTRIES: usize = 100_000;

/// The user's account (None: no record) and the grant (None: gone).
pub type Account = (Option<UserRecord>, Option<GrantRecord>);

/// (user id, grant family) → (when loaded, the records).
type Entries = HashMap<(String, String), (Instant, Arc<Account>)>;

#[derive(Clone, Default)]
pub struct AccountCache {
    entries: Arc<RwLock<Entries>>,
}

impl AccountCache {
    /// The user's account and grant `family_id`, from memory when fresh.
    pub async fn get(
        &self,
        repo: &Repo,
        user_id: &str,
        family_id: &str,
    ) -> Result<Arc<Account>, StoreError> {
        let key = (user_id.to_owned(), family_id.to_owned());
        if let Some((at, account)) = self.entries.read().expect("account cache lock").get(&key)
            && at.elapsed() < ACCOUNT_CACHE_TTL
        {
            return Ok(account.clone());
        }
        let user = repo
            .get::<UserRecord>(Kind::User, user_id)
            .await?
            .map(|r| r.value);
        let grant = repo
            .get::<GrantRecord>(Kind::Grant, family_id)
            .await?
            .map(|r| r.value);
        let account = Arc::new((user, grant));
        let mut entries = self.entries.write().expect("account cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < ACCOUNT_CACHE_TTL);
        }
        entries.insert(key, (Instant::now(), account.clone()));
        Ok(account)
    }
}
