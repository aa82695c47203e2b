//! Daily caps on outward actions (the policy's `mail.daily_send_limit` and
//! `drive.daily_share_limit`): one counter per person, action and UTC day in
//! the store, shared by every task. Taking one is a read and a conditional
//! write (retried when tasks race), so two tasks never both take the last
//! one. A counter expires a day after its day ends.
//!
//! Fails closed: when the store cannot be reached the action is refused (a
//! cap that every task could exceed while the store is down is no cap).

use serde::{Deserialize, Serialize};

use crate::{
    repo::Repo,
    store::{Expect, Kind, Put, StoreError, now_unix},
};

/// Conditional-write attempts when tasks race for the same counter.
const ATTEMPTS: usize = 8;

/// A capped action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    MailSent,
    FileShared,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::MailSent => "mail",
            Action::FileShared => "share",
        }
    }
}

/// Why an action could not be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DailyError {
    #[error("the daily limit of {0} is reached")]
    Reached(u32),
    #[error("the daily count could not be checked: {0}")]
    Unavailable(String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Count {
    count: u32,
}

/// The daily counters of every person.
#[derive(Clone)]
pub struct DailyCaps {
    repo: Repo,
}

impl DailyCaps {
    pub fn new(repo: Repo) -> Self {
        Self { repo }
    }

    /// Counts one `action` for `user` today, if fewer than `cap` were counted.
    pub async fn take(&self, user: &str, action: Action, cap: u32) -> Result<u32, DailyError> {
        self.change(user, action, |count| {
            if count >= cap {
                Err(DailyError::Reached(cap))
            } else {
                Ok(count + 1)
            }
        })
        .await
    }

    /// Gives back one `action` taken today (the action failed).
    pub async fn give_back(&self, user: &str, action: Action) {
        if let Err(e) = self
            .change(user, action, |count| Ok(count.saturating_sub(1)))
            .await
        {
            tracing::warn!(error = %e, "a daily count could not be given back");
        }
    }

    async fn change(
        &self,
        user: &str,
        action: Action,
        next: impl Fn(u32) -> Result<u32, DailyError>,
    ) -> Result<u32, DailyError> {
        let now = now_unix();
        let day = now.div_euclid(86_400);
        let key = format!("{user}#{}#{}", action.as_str(), date(day));
        let unavailable = |e: StoreError| DailyError::Unavailable(e.to_string());
        for _ in 0..ATTEMPTS {
            let current = self
                .repo
                .store
                .get(Kind::Quota, &key)
                .await
                .map_err(unavailable)?;
            let (count, expect) = match &current {
                None => (0, Expect::Absent),
                Some(r) => (
                    serde_json::from_slice::<Count>(&r.value)
                        .map(|c| c.count)
                        .unwrap_or(0),
                    Expect::Version(r.version),
                ),
            };
            let count = next(count)?;
            let value = serde_json::to_vec(&Count { count }).unwrap_or_default();
            let put = Put {
                kind: Kind::Quota,
                key: &key,
                value: &value,
                group: None,
                expires_at: Some((day + 2) * 86_400),
                expect,
            };
            match self.repo.store.put(put).await {
                Ok(_) => return Ok(count),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(DailyError::Unavailable(
            "too many tasks changed it at once; try again".to_owned(),
        ))
    }
}

/// `yyyy-mm-dd` of the UTC day number `day`.
fn date(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * 86_400)
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_else(|_| day.to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::sqlite::SqliteStore;

    fn caps() -> DailyCaps {
        DailyCaps::new(Repo::new(Arc::new(SqliteStore::open_in_memory().unwrap())))
    }

    #[tokio::test]
    async fn a_cap_holds_per_person_and_action_and_a_failed_action_gives_its_count_back() {
        let caps = caps();
        assert_eq!(caps.take("u1", Action::MailSent, 2).await, Ok(1));
        assert_eq!(caps.take("u1", Action::MailSent, 2).await, Ok(2));
        assert_eq!(
            caps.take("u1", Action::MailSent, 2).await,
            Err(DailyError::Reached(2))
        );
        // Another person, another action: their own counts.
        assert_eq!(caps.take("u2", Action::MailSent, 2).await, Ok(1));
        assert_eq!(caps.take("u1", Action::FileShared, 2).await, Ok(1));
        caps.give_back("u1", Action::MailSent).await;
        assert_eq!(caps.take("u1", Action::MailSent, 2).await, Ok(2));
    }

    #[tokio::test]
    async fn racing_tasks_never_take_more_than_the_cap() {
        let store: Arc<dyn crate::store::Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let caps = DailyCaps::new(Repo::new(store.clone()));
                tokio::spawn(async move {
                    loop {
                        match caps.take("u1", Action::FileShared, 5).await {
                            Err(DailyError::Unavailable(_)) => tokio::task::yield_now().await,
                            done => return done,
                        }
                    }
                })
            })
            .collect();
        let mut taken = 0;
        for t in tasks {
            if t.await.unwrap().is_ok() {
                taken += 1;
            }
        }
        assert_eq!(taken, 5);
    }

    #[test]
    fn days_are_utc_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(20_427), "2025-12-05");
    }
}
