//! The per-user limit on tool calls, shared by every task.
//!
//! Each user has one bucket of `burst` calls refilled at `per_minute`, kept
//! as a GCRA "theoretical arrival time" (the moment the bucket would be full
//! again). A call is decided in this task's memory and never waits on the
//! store. A background sync adds the calls this task admitted for a user to
//! the user's record in the store (a read and a conditional write) and takes
//! back the combined time, so every task soon acts on every task's calls. It
//! shares a user only when that matters: a user new to this task (the record
//! is read, to learn what the others used) and every quarter of a burst of
//! calls made here, at once; while this task's view of the bucket is less
//! than half full, once a second. A user this task has met in the last ten minutes who
//! stays well within the limit costs no store request.
//!
//! Tolerance: a task acts on what it knew at its last sync, so across N
//! tasks a user may get up to a quarter burst, plus the calls made while a
//! sync runs, per other task beyond the limit (less than one burst per
//! task); a sync then charges the overshoot and the user waits it out. A
//! task that starts (or meets a user) reads the user's record at once and
//! admits only the calls made while that read runs, so a restart never lets
//! a user exceed the limit by more than one burst. When the store cannot be reached, each task limits on its own and
//! syncs again when it can.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Rate;
use crate::{
    repo::Repo,
    store::{Expect, Kind, StoreError, StoreResult},
};

/// How often admitted calls are added to the shared record.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

/// How long a task remembers a user after their last call: a user seen
/// again within it costs no read of the shared record.
const REMEMBER_MS: i64 = 10 * 60 * 1000;

/// Conditional-write attempts per user and sync when tasks race.
const SYNC_ATTEMPTS: usize = 4;

/// A user's shared bucket as stored: when it is full again (Unix ms).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct BucketRecord {
    pub full_at_ms: i64,
}

#[derive(Debug, Clone, Copy)]
struct UserState {
    /// When this task's view of the bucket is full again (Unix ms).
    full_at: i64,
    /// Calls admitted here since the last sync.
    unsynced: u32,
    /// Whether the shared record was read since this task met the user.
    known: bool,
    /// The user's last call here (Unix ms).
    last_call: i64,
}

/// The per-user tool-call limit (see the module docs).
pub struct ToolCallLimiter {
    rate: Rate,
    /// Milliseconds one call's token takes to come back.
    per_call_ms: i64,
    users: Mutex<HashMap<String, UserState>>,
    repo: Option<Repo>,
    /// Wakes the sync when a user's calls became worth sharing.
    wake: Notify,
}

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

impl ToolCallLimiter {
    /// A limiter shared through `repo` (`None`: this task alone).
    pub fn new(rate: Rate, repo: Option<Repo>) -> Self {
        Self {
            rate,
            per_call_ms: (60_000 / i64::from(rate.per_minute.max(1))).max(1),
            users: Mutex::new(HashMap::new()),
            repo,
            wake: Notify::new(),
        }
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Admits one call of `user`, or says how long to wait.
    pub fn check(&self, user: &str) -> Result<(), Duration> {
        self.check_at(user, now_ms())
    }

    fn check_at(&self, user: &str, now: i64) -> Result<(), Duration> {
        let mut users = self.users.lock().expect("tool-call limiter lock");
        if !users.contains_key(user) {
            let met = UserState {
                full_at: now,
                unsynced: 0,
                known: false,
                last_call: now,
            };
            users.insert(user.to_owned(), met);
        }
        let state = users.get_mut(user).expect("inserted above");
        state.last_call = now;
        let full_at = state.full_at.max(now) + self.per_call_ms;
        let limit = now + i64::from(self.rate.burst) * self.per_call_ms;
        if full_at > limit {
            return Err(Duration::from_millis((full_at - limit) as u64));
        }
        state.full_at = full_at;
        state.unsynced += 1;
        // Wake the sync for a user new here, and once per quarter burst of
        // calls; a user who stays near the limit is synced every second.
        let share =
            self.repo.is_some() && (!state.known || i64::from(state.unsynced) % self.batch() == 0);
        drop(users);
        if share {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Whether a user's calls here should be shared now: the user is new to
    /// this task (read what the others used), a quarter burst of calls was
    /// made here, or this task's view of the bucket is less than half full.
    fn worth_sharing(&self, state: &UserState, now: i64) -> bool {
        let half_full = i64::from(self.rate.burst) * self.per_call_ms / 2;
        let owed = (state.full_at - now).max(0);
        !state.known
            || (state.unsynced > 0
                && (i64::from(state.unsynced) >= self.batch() || owed > half_full))
    }

    /// A quarter of a burst of calls (at least one).
    fn batch(&self) -> i64 {
        i64::from(self.rate.burst).div_euclid(4).max(1)
    }

    /// Adds this task's admitted calls to the shared records and takes back
    /// the combined state. Returns how many users were synced.
    pub async fn sync_once(&self) -> StoreResult<usize> {
        let Some(repo) = &self.repo else {
            return Ok(0);
        };
        let now = now_ms();
        let todo: Vec<(String, u32)> = {
            let mut users = self.users.lock().expect("tool-call limiter lock");
            // Forget users gone quiet whose bucket is full again.
            users.retain(|_, s| s.full_at > now || s.last_call > now - REMEMBER_MS);
            users
                .iter_mut()
                .filter(|(_, s)| self.worth_sharing(s, now))
                // A user new here is read first; the calls follow once known.
                .map(|(user, s)| {
                    let calls = if s.known {
                        std::mem::take(&mut s.unsynced)
                    } else {
                        0
                    };
                    (user.clone(), calls)
                })
                .collect()
        };
        let mut first_error = None;
        let mut synced = 0;
        for (user, calls) in todo {
            let result = self.push(repo, &user, calls, now).await;
            let mut users = self.users.lock().expect("tool-call limiter lock");
            let Some(state) = users.get_mut(&user) else {
                continue;
            };
            match result {
                Ok(shared) => {
                    let since = i64::from(state.unsynced) * self.per_call_ms;
                    state.full_at = state.full_at.max(shared + since);
                    state.known = true;
                    synced += 1;
                }
                Err(e) => {
                    state.unsynced += calls;
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(synced),
        }
    }

    /// Adds `calls` made by `user` at about `now` to the shared record;
    /// returns when the shared bucket is full again.
    async fn push(&self, repo: &Repo, user: &str, calls: u32, now: i64) -> StoreResult<i64> {
        for _ in 0..SYNC_ATTEMPTS {
            let found = repo.get::<BucketRecord>(Kind::RateLimit, user).await?;
            let (shared, expect) = match &found {
                Some(r) => (r.value.full_at_ms, Expect::Version(r.version)),
                None => (0, Expect::Absent),
            };
            if calls == 0 {
                return Ok(shared);
            }
            let full_at_ms = shared.max(now) + i64::from(calls) * self.per_call_ms;
            let record = BucketRecord { full_at_ms };
            // Past `full_at_ms` the bucket is full, which is what no record means.
            let expires = full_at_ms.div_euclid(1000) + 2;
            match repo
                .put(Kind::RateLimit, user, &record, None, Some(expires), expect)
                .await
            {
                Ok(_) => return Ok(full_at_ms),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Syncs every [`SYNC_EVERY`] until `stop` fires.
    pub fn spawn_sync(self: &Arc<Self>, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            if this.repo.is_none() {
                return;
            }
            let mut failing = false;
            let mut tick = tokio::time::interval(SYNC_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = tick.tick() => {}
                    () = this.wake.notified() => {}
                }
                match this.sync_once().await {
                    Ok(_) if failing => {
                        failing = false;
                        tracing::info!("tool-call rate limits are shared across tasks again");
                    }
                    Ok(_) => {}
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!(error = %e, "cannot share tool-call rate limits through the store; each task limits alone until it can");
                    }
                    Err(_) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::sqlite::SqliteStore;

    const RATE: Rate = Rate {
        per_minute: 60,
        burst: 5,
    };

    fn repo() -> Repo {
        Repo::new(Arc::new(SqliteStore::open_in_memory().expect("open")))
    }

    fn admitted(l: &ToolCallLimiter, user: &str, tries: usize) -> usize {
        (0..tries).filter(|_| l.check(user).is_ok()).count()
    }

    /// Syncs until nothing is left worth sharing; returns the store round trips.
    async fn settle(l: &ToolCallLimiter) -> usize {
        let mut trips = 0;
        for _ in 0..4 {
            match l.sync_once().await.expect("sync") {
                0 => break,
                n => trips += n,
            }
        }
        trips
    }

    async fn shared(repo: &Repo, user: &str) -> Option<i64> {
        repo.get::<BucketRecord>(Kind::RateLimit, user)
            .await
            .expect("get")
            .map(|r| r.value.full_at_ms)
    }

    #[test]
    fn a_burst_then_one_call_per_token_with_the_wait_named() {
        let l = ToolCallLimiter::new(RATE, None);
        let now = now_ms();
        for _ in 0..5 {
            l.check_at("ann", now).expect("within the burst");
        }
        let wait = l.check_at("ann", now).expect_err("over the burst");
        assert_eq!(wait, Duration::from_secs(1));
        // A token comes back a second later, and only one.
        l.check_at("ann", now + 1_000).expect("refilled");
        assert!(l.check_at("ann", now + 1_000).is_err());
        // Another user has a bucket of their own.
        assert_eq!(admitted(&l, "bob", 10), 5);
    }

    #[tokio::test]
    async fn tasks_share_one_bucket_through_the_store() {
        let repo = repo();
        let a = ToolCallLimiter::new(RATE, Some(repo.clone()));
        let b = ToolCallLimiter::new(RATE, Some(repo.clone()));
        assert_eq!(admitted(&a, "ann", 5), 5);
        settle(&a).await;
        // B meets ann: its first call is admitted while it reads her record;
        // from then on it refuses what A used up.
        assert!(b.check("ann").is_ok());
        settle(&b).await;
        assert_eq!(admitted(&b, "ann", 5), 0);
        // All six calls are charged to the one bucket.
        let full_at = shared(&repo, "ann").await.expect("record");
        assert!(full_at - now_ms() > 5_000, "{}", full_at - now_ms());
        // Other users are untouched.
        assert_eq!(admitted(&b, "bob", 5), 5);
    }

    #[tokio::test]
    async fn a_user_met_before_and_well_within_the_limit_costs_no_store_request() {
        let repo = repo();
        let l = ToolCallLimiter::new(
            Rate {
                per_minute: 120,
                burst: 30,
            },
            Some(repo.clone()),
        );
        // Meeting ann costs one read.
        l.check("ann").expect("admitted");
        assert_eq!(settle(&l).await, 1);
        // Five more calls: nothing to share yet.
        assert_eq!(admitted(&l, "ann", 5), 5);
        assert_eq!(l.sync_once().await.expect("sync"), 0);
        assert!(shared(&repo, "ann").await.is_none());
        // The seventh call is a quarter burst (30 / 4): shared.
        l.check("ann").expect("admitted");
        assert_eq!(l.sync_once().await.expect("sync"), 1);
        assert!(shared(&repo, "ann").await.is_some());
    }

    #[tokio::test]
    async fn a_restarted_task_admits_at_most_one_burst_beyond_the_limit() {
        let repo = repo();
        let before = ToolCallLimiter::new(RATE, Some(repo.clone()));
        assert_eq!(admitted(&before, "ann", 20), 5);
        settle(&before).await;
        drop(before);
        // A new task (the same one restarted) knows nothing in memory; even
        // if every call arrives before its first read, it admits one burst.
        let after = ToolCallLimiter::new(RATE, Some(repo.clone()));
        let early = admitted(&after, "ann", 20);
        assert!(early <= 5, "{early} calls before the first read");
        settle(&after).await;
        assert_eq!(admitted(&after, "ann", 20), 0);
        // Both tasks' calls are charged: the bucket is full again only after
        // every one of them has been paid back.
        let owed = shared(&repo, "ann").await.expect("record") - now_ms();
        assert!(owed > 5_000 + (early as i64 - 1) * 1_000, "{owed} ms");
    }

    #[tokio::test]
    async fn without_the_store_each_task_limits_alone_and_keeps_its_count() {
        let failing = Repo::new(Arc::new(crate::store::test_support::Failing));
        let l = ToolCallLimiter::new(RATE, Some(failing));
        assert_eq!(admitted(&l, "ann", 10), 5);
        assert!(l.sync_once().await.is_err());
        assert_eq!(admitted(&l, "ann", 10), 0);
        let unsynced = l.users.lock().unwrap()["ann"].unsynced;
        assert_eq!(
            unsynced, 5,
            "calls not yet shared are kept for the next sync"
        );
    }
}
