//! The MCP sessions (`Mcp-Session-Id`) this task knows, served from memory.
//!
//! A session is only who owns it, the protocol revision it negotiated, the
//! client's `initialize` parameters and when it expires: nothing a tool does
//! depends on more, so every request is served by the same stateless handler
//! and the session costs a few hundred bytes here. The store is the shared
//! truth: a session unknown to this task costs one store read, once; a warm
//! request reads nothing. A session ended on one task (DELETE, the per-user
//! cap) is deleted from the store and recorded as a revocation, which every
//! task reloads every `REVOCATION_POLL_SECONDS`; the task that ended it
//! forgets it at once. A user's revocation ends their sessions the same way.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::{
    oauth::bearer::Revocations,
    repo::{Repo, revocation_key_session},
    store::{Expect, Kind, Put, Store, StoreError, now_unix},
};

/// How often (at most) a session's expiry is pushed forward while in use.
const TOUCH_INTERVAL: i64 = 300;

/// The revision a session negotiated when its record names none.
const OLDEST_REVISION: &str = "2025-03-26";

/// What the store keeps per session.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionRecord {
    pub owner: String,
    pub created_at: i64,
    /// The negotiated protocol revision.
    #[serde(default)]
    pub revision: Option<String>,
    /// The client's `initialize` parameters (client name and capabilities).
    #[serde(default)]
    pub init: serde_json::Value,
    /// For a legacy SSE session (2024-11-05): the URL at which the task
    /// holding its stream takes messages from the other tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

impl SessionRecord {
    fn revision(&self) -> String {
        self.revision
            .clone()
            .or_else(|| {
                self.init
                    .get("protocolVersion")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| OLDEST_REVISION.to_owned())
    }
}

/// One live session as this task holds it.
#[derive(Debug)]
pub struct Session {
    pub id: String,
    pub owner: String,
    pub revision: String,
    pub created_at: i64,
    /// See [`SessionRecord::holder`].
    pub holder: Option<String>,
    expires_at: AtomicI64,
    /// The stored record's version, for the compare-and-set that extends it.
    version: AtomicU64,
    /// The stored record, written back when the expiry moves.
    value: Bytes,
    /// Cancelled when the session ends here: its GET streams close.
    pub ended: CancellationToken,
}

impl Session {
    pub fn expires_at(&self) -> i64 {
        self.expires_at.load(Ordering::Relaxed)
    }
}

/// Why a session could not be looked up.
#[derive(Debug)]
pub enum Lookup {
    /// Unknown, ended, expired, or another user's.
    NotFound,
    Unavailable(StoreError),
}

#[derive(Clone)]
pub struct SessionTable {
    store: Arc<dyn Store>,
    revocations: Option<Revocations>,
    idle: Duration,
    map: Arc<RwLock<HashMap<String, Arc<Session>>>>,
}

impl SessionTable {
    pub fn new(store: Arc<dyn Store>, revocations: Option<Revocations>, idle: Duration) -> Self {
        Self {
            store,
            revocations,
            idle,
            map: Arc::default(),
        }
    }

    /// How many sessions this task holds.
    pub fn len(&self) -> usize {
        self.map.read().expect("session table lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the session was ended on another task, or its user revoked.
    pub fn ended_elsewhere(&self, s: &Session) -> bool {
        self.revocations
            .as_ref()
            .is_some_and(|r| r.is_session_revoked(&s.id, &s.owner, s.created_at))
    }

    /// The session `id` of `owner`: from memory when this task knows it,
    /// else from the store (once).
    pub async fn find(&self, id: &str, owner: &str) -> Result<Arc<Session>, Lookup> {
        let now = now_unix();
        let known = self
            .map
            .read()
            .expect("session table lock")
            .get(id)
            .cloned();
        if let Some(session) = known {
            if self.ended_elsewhere(&session) {
                self.forget(id);
                return Err(Lookup::NotFound);
            }
            if session.expires_at() > now {
                // Never serve (or reveal) another user's session.
                return if session.owner == owner {
                    Ok(session)
                } else {
                    Err(Lookup::NotFound)
                };
            }
            // Expired here; another task may have extended it.
            self.forget(id);
        }
        let record = self
            .store
            .get(Kind::McpSession, id)
            .await
            .map_err(Lookup::Unavailable)?
            .ok_or(Lookup::NotFound)?;
        let parsed: SessionRecord =
            serde_json::from_slice(&record.value).map_err(|_| Lookup::NotFound)?;
        let session = Arc::new(Session {
            id: id.to_owned(),
            owner: parsed.owner.clone(),
            revision: parsed.revision(),
            created_at: parsed.created_at,
            holder: parsed.holder,
            expires_at: AtomicI64::new(record.expires_at.unwrap_or(i64::MAX)),
            version: AtomicU64::new(record.version),
            value: Bytes::from(record.value),
            ended: CancellationToken::new(),
        });
        if self.ended_elsewhere(&session) || session.expires_at() <= now {
            return Err(Lookup::NotFound);
        }
        let replaced = self
            .map
            .write()
            .expect("session table lock")
            .insert(id.to_owned(), session.clone());
        if replaced.is_none() {
            crate::metrics::session_opened();
        }
        if session.owner != owner {
            return Err(Lookup::NotFound);
        }
        Ok(session)
    }

    /// Creates a session for `owner`: after a successful `initialize`, or
    /// when a legacy SSE stream opens (with the `holder` of its stream).
    pub async fn create(
        &self,
        owner: &str,
        revision: &str,
        init: serde_json::Value,
        holder: Option<String>,
    ) -> Result<Arc<Session>, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_unix();
        let record = SessionRecord {
            owner: owner.to_owned(),
            created_at: now,
            revision: Some(revision.to_owned()),
            init,
            holder: holder.clone(),
        };
        let value = serde_json::to_vec(&record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let expires_at = now + self.idle.as_secs() as i64;
        let version = self
            .store
            .put(Put {
                kind: Kind::McpSession,
                key: &id,
                value: &value,
                group: Some(owner),
                expires_at: Some(expires_at),
                expect: Expect::Absent,
            })
            .await?;
        let session = Arc::new(Session {
            id: id.clone(),
            owner: owner.to_owned(),
            revision: revision.to_owned(),
            created_at: now,
            holder,
            expires_at: AtomicI64::new(expires_at),
            version: AtomicU64::new(version),
            value: Bytes::from(value),
            ended: CancellationToken::new(),
        });
        let replaced = self
            .map
            .write()
            .expect("session table lock")
            .insert(id, session.clone());
        if replaced.is_none() {
            crate::metrics::session_opened();
        }
        Ok(session)
    }

    /// Pushes the session's expiry forward, at most every [`TOUCH_INTERVAL`].
    pub async fn touch(&self, session: &Session) {
        let now = now_unix();
        let idle = self.idle.as_secs() as i64;
        if session.expires_at() - now >= idle - TOUCH_INTERVAL {
            return;
        }
        let expires_at = now + idle;
        let result = self
            .store
            .put(Put {
                kind: Kind::McpSession,
                key: &session.id,
                value: &session.value,
                group: Some(&session.owner),
                expires_at: Some(expires_at),
                expect: Expect::Version(session.version.load(Ordering::Relaxed)),
            })
            .await;
        match result {
            Ok(version) => {
                session.version.store(version, Ordering::Relaxed);
                session.expires_at.store(expires_at, Ordering::Relaxed);
            }
            // Another task extended (or ended) it: read it afresh next time.
            Err(StoreError::Conflict) => self.forget(&session.id),
            Err(e) => tracing::debug!(error = %e, "extending a session failed"),
        }
    }

    /// Ends a session everywhere: deleted from the store, recorded as ended
    /// for the other tasks, forgotten here at once.
    pub async fn end(&self, repo: &Repo, id: &str) -> Result<(), StoreError> {
        self.forget(id);
        self.store.delete(Kind::McpSession, id, Expect::Any).await?;
        let until = now_unix() + self.idle.as_secs() as i64;
        repo.revoke(&revocation_key_session(id), until).await?;
        if let Some(r) = &self.revocations {
            r.end_session_locally(id);
        }
        Ok(())
    }

    /// Drops the session from this task's memory and closes its streams.
    pub fn forget(&self, id: &str) {
        let removed = self.map.write().expect("session table lock").remove(id);
        if let Some(session) = removed {
            crate::metrics::session_closed();
            session.ended.cancel();
        }
    }

    /// Drops expired and ended sessions from memory.
    pub fn sweep(&self) {
        let now = now_unix();
        let stale: Vec<String> = self
            .map
            .read()
            .expect("session table lock")
            .values()
            .filter(|s| s.expires_at() <= now || self.ended_elsewhere(s))
            .map(|s| s.id.clone())
            .collect();
        for id in stale {
            self.forget(&id);
        }
    }

    /// Sweeps every `every` until `stop` fires.
    pub fn spawn_sweeper(&self, every: Duration, stop: CancellationToken) {
        let this = self.clone();
        crate::periodic::every(every, stop, move || {
            this.sweep();
            async {}
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    fn table() -> (SessionTable, Revocations) {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let revocations = Revocations::default();
        let table = SessionTable::new(store, Some(revocations.clone()), Duration::from_secs(3600));
        (table, revocations)
    }

    #[tokio::test]
    async fn a_session_is_its_owners_until_it_ends_anywhere_or_its_user_is_revoked() {
        let (table, revocations) = table();
        let ann = table
            .create("ann", "2025-11-25", serde_json::json!({}), None)
            .await
            .unwrap();
        assert_eq!(
            table.find(&ann.id, "ann").await.unwrap().revision,
            "2025-11-25"
        );
        assert!(matches!(
            table.find(&ann.id, "bob").await,
            Err(Lookup::NotFound)
        ));
        // Ended on another task: its revocation record arrives with the poll.
        revocations.end_session_locally(&ann.id);
        assert!(matches!(
            table.find(&ann.id, "ann").await,
            Err(Lookup::NotFound)
        ));
        assert!(ann.ended.is_cancelled(), "its streams close");

        let bob = table
            .create("bob", "2025-06-18", serde_json::json!({}), None)
            .await
            .unwrap();
        assert!(table.find(&bob.id, "bob").await.is_ok());
        revocations.revoke_user_locally("bob");
        assert!(matches!(
            table.find(&bob.id, "bob").await,
            Err(Lookup::NotFound)
        ));
        assert!(table.is_empty());
    }
}
