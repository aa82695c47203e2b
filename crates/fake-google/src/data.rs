//! Per-user API data (mailboxes, calendars, sent mail, Drive with Docs and
//! Sheets, task lists, contacts) and Chat spaces, seeded on first use.

use std::collections::HashMap;

use crate::FakeGoogle;
use crate::calendar::store::CalendarSet;
use crate::chat::store::{ChatWorld, Member};
use crate::drive::store::Workspace;
use crate::gmail::settings::MailSettings;
use crate::gmail::store::Mailbox;
use crate::seed;
use crate::tasks::store::TaskSet;

/// What the APIs keep per user, keyed by lowercased email.
#[derive(Default)]
pub(crate) struct ApiData {
    pub mail: HashMap<String, Mailbox>,
    /// Filters, vacation responder and send-as addresses.
    pub mail_settings: HashMap<String, MailSettings>,
    pub calendars: HashMap<String, CalendarSet>,
    /// Drive files with the Docs and Sheets behind them.
    pub workspaces: HashMap<String, Workspace>,
    /// Raw RFC 2822 messages each user sent, in order.
    pub sent: HashMap<String, Vec<Vec<u8>>>,
    pub tasks: HashMap<String, TaskSet>,
    /// People API `Person` resources of the user's contacts.
    pub contacts: HashMap<String, Vec<serde_json::Value>>,
    /// Chat spaces, shared by their members.
    pub chat: ChatWorld,
}

/// Who a user is, as the seed needs it.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub email: String,
    pub name: String,
    pub hd: Option<String>,
}

impl FakeGoogle {
    pub(crate) fn person(&self, email: &str) -> Person {
        let email = email.to_ascii_lowercase();
        self.with_state(|s| match s.user_by_email(&email) {
            Some(u) => Person {
                email: email.clone(),
                name: u.name.clone(),
                hd: u.hd.clone(),
            },
            None => Person {
                name: email.split('@').next().unwrap_or_default().to_string(),
                hd: None,
                email: email.clone(),
            },
        })
    }

    /// Whether `email` is a user of this fake.
    pub(crate) fn knows(&self, email: &str) -> bool {
        self.with_state(|s| s.user_by_email(email).is_some())
    }

    pub(crate) fn with_data<R>(&self, f: impl FnOnce(&mut ApiData) -> R) -> R {
        let mut data = self.shared.data.lock().expect("fake google data poisoned");
        f(&mut data)
    }

    /// Runs `f` on the user's mailbox, seeding it on first use.
    pub(crate) fn with_mailbox<R>(&self, email: &str, f: impl FnOnce(&mut Mailbox) -> R) -> R {
        let person = self.person(email);
        self.with_data(|d| {
            let mailbox = d
                .mail
                .entry(person.email.clone())
                .or_insert_with(|| seed::mail::mailbox(&person));
            f(mailbox)
        })
    }

    /// Runs `f` on the user's mail settings, seeding them on first use.
    pub(crate) fn with_mail_settings<R>(
        &self,
        email: &str,
        f: impl FnOnce(&mut MailSettings) -> R,
    ) -> R {
        let person = self.person(email);
        self.with_data(|d| {
            let settings = d
                .mail_settings
                .entry(person.email.clone())
                .or_insert_with(|| seed::mail_settings::settings(&person));
            f(settings)
        })
    }

    /// Runs `f` on the user's calendars, seeding them on first use.
    pub(crate) fn with_calendars<R>(
        &self,
        email: &str,
        f: impl FnOnce(&mut CalendarSet) -> R,
    ) -> R {
        let person = self.person(email);
        self.with_data(|d| {
            let set = d
                .calendars
                .entry(person.email.clone())
                .or_insert_with(|| seed::calendar::calendars(&person));
            f(set)
        })
    }

    /// Runs `f` on the user's Drive (with its Docs and Sheets), seeding it on first use.
    pub(crate) fn with_workspace<R>(&self, email: &str, f: impl FnOnce(&mut Workspace) -> R) -> R {
        let person = self.person(email);
        self.with_data(|d| {
            let ws = d
                .workspaces
                .entry(person.email.clone())
                .or_insert_with(|| seed::drive::workspace(&person));
            f(ws)
        })
    }

    /// Runs `f` on the user's task lists, seeding them on first use.
    pub(crate) fn with_tasks<R>(&self, email: &str, f: impl FnOnce(&mut TaskSet) -> R) -> R {
        let person = self.person(email);
        self.with_data(|d| {
            let set = d
                .tasks
                .entry(person.email.clone())
                .or_insert_with(|| seed::tasks::tasks(&person));
            f(set)
        })
    }

    /// Runs `f` on the user's contacts, seeding them on first use.
    pub(crate) fn with_contacts<R>(
        &self,
        email: &str,
        f: impl FnOnce(&mut Vec<serde_json::Value>) -> R,
    ) -> R {
        let person = self.person(email);
        self.with_data(|d| {
            let contacts = d
                .contacts
                .entry(person.email.clone())
                .or_insert_with(|| seed::contacts::contacts(&person));
            f(contacts)
        })
    }

    /// Runs `f` on every Chat space, after seeding the user's.
    pub(crate) fn with_chat<R>(&self, email: &str, f: impl FnOnce(&mut ChatWorld) -> R) -> R {
        let person = self.person(email);
        self.with_data(|d| {
            seed::chat::plant(&mut d.chat, &person);
            f(&mut d.chat)
        })
    }

    /// The fake's users of `domain`.
    pub(crate) fn domain_users(&self, domain: &str) -> Vec<Member> {
        self.with_state(|s| {
            s.users
                .iter()
                .filter(|u| u.hd.as_deref() == Some(domain))
                .map(|u| Member {
                    email: u.email.to_ascii_lowercase(),
                    name: u.name.clone(),
                })
                .collect()
        })
    }

    /// Whom a user of `domain` can reach in Chat: the domain's users and
    /// the seeded colleagues (theirs and the shared spaces').
    pub(crate) fn reachable_people(&self, email: &str, domain: &str) -> Vec<Member> {
        let mut known = self.domain_users(domain);
        for seed in [email.to_string(), format!("team@{domain}")] {
            known.extend(seed::colleagues(&seed).into_iter().map(|c| Member {
                email: c.email.to_ascii_lowercase(),
                name: c.name,
            }));
        }
        known
    }
}
