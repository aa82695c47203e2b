//! The company's policy (`POLICY_FILE`): guard rails the gateway holds
//! whatever a model asks for. Outbound mail, Drive sharing and Calendar
//! guests outside the company, attachment sizes, daily caps on mail sent and
//! files shared, and who gets which tools. How to write one:
//! `docs/policy.md`.
//!
//! - [`file`] reads the TOML and reports every mistake with its line.
//! - [`access`] decides, per person, which tools are listed and callable.
//! - [`rules`] checks an outward action (recipients, grantees, guests).
//! - [`reload`] watches the file: a good change applies within
//!   `POLICY_RELOAD_SECONDS`, a bad one is logged and the last good policy
//!   stays.
//!
//! A refusal is a [`Refusal`]: the rule's name (also the audit reason) and
//! text that says what the person can do instead.
//!
//! A leaf beside the catalogue: it imports nothing of the gateway but
//! [`crate::catalog`].

pub mod access;
pub mod file;
pub mod reload;
pub mod rules;

use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
};

use crate::catalog::{Service, Tier};

pub use file::PolicyError;

/// The compiled policy. [`Policy::default`] allows everything (no file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The Workspace domains allowed to sign in: always internal.
    pub company_domains: Vec<String>,
    pub mail: MailRules,
    pub drive: DriveRules,
    pub calendar: CalendarRules,
    /// Named lists of addresses (`[groups]`).
    pub groups: BTreeMap<String, Vec<String>>,
    /// Access rules, in file order: the first one naming a person applies.
    pub access: Vec<AccessRule>,
}

/// What happens to an address outside the company.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum External {
    #[default]
    Allow,
    /// Refused unless its domain is in `allowed_domains`.
    Deny,
    /// Allowed once the person confirmed (`confirm: true`).
    Confirm,
}

/// One rule on addresses outside the company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRule {
    pub external: External,
    /// The value as written in the file (for messages and `check-config`).
    pub setting: &'static str,
    /// Domains treated as internal by this rule.
    pub allowed_domains: Vec<String>,
}

impl Default for ExternalRule {
    fn default() -> Self {
        Self {
            external: External::Allow,
            setting: "allow",
            allowed_domains: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailRules {
    pub outbound: ExternalRule,
    /// Most bytes of attachments in one message.
    pub max_attachment_bytes: Option<u64>,
    /// Messages one person may send a day (UTC), across every task.
    pub daily_send_limit: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriveRules {
    pub external_sharing: ExternalRule,
    /// Shares one person may make a day (UTC), across every task.
    pub daily_share_limit: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarRules {
    pub external_guests: ExternalRule,
}

/// Which tools an access rule leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolSet {
    Tier(Tier),
    Names(Vec<&'static str>),
}

/// `[[access]]`: what the people it names may use, within what the gateway
/// offers (`TOOLS`, `READ_ONLY`, `SERVICES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRule {
    pub name: String,
    /// Addresses (lowercase), or `*` for everyone.
    pub users: Vec<String>,
    /// Names of `[groups]`.
    pub groups: Vec<String>,
    pub tools: Option<ToolSet>,
    pub read_only: bool,
    /// Services left on; `None`: all.
    pub services: Option<Vec<Service>>,
}

/// A refused action: which rule refused it and what the person can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The rule, e.g. `mail.outbound` (also the audit event's reason).
    pub rule: &'static str,
    pub message: String,
}

/// The policy in force, swapped whole when the file changes.
#[derive(Debug, Clone, Default)]
pub struct PolicyHandle(Arc<RwLock<Arc<Policy>>>);

impl PolicyHandle {
    pub fn new(policy: Policy) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(policy))))
    }

    /// The policy now (a snapshot: one call sees one policy throughout).
    pub fn current(&self) -> Arc<Policy> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn replace(&self, policy: Policy) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(policy);
    }
}

impl Policy {
    /// Whether any rule applies at all (no file, or an empty one: none).
    pub fn is_empty(&self) -> bool {
        let empty = Policy {
            company_domains: self.company_domains.clone(),
            ..Policy::default()
        };
        *self == empty
    }

    /// One line per setting, for `check-config`: group members are counted,
    /// not listed.
    pub fn describe(&self) -> Vec<(String, String)> {
        let domains = |rule: &ExternalRule| {
            if rule.allowed_domains.is_empty() {
                rule.setting.to_owned()
            } else {
                format!(
                    "{} (also allowed: {})",
                    rule.setting,
                    rule.allowed_domains.join(", ")
                )
            }
        };
        let limit = |v: Option<u32>| v.map_or_else(|| "none".to_owned(), |n| n.to_string());
        let mut out = vec![
            ("mail.outbound".to_owned(), domains(&self.mail.outbound)),
            (
                "mail.max_attachment_mb".to_owned(),
                self.mail
                    .max_attachment_bytes
                    .map_or_else(|| "none".to_owned(), |b| (b / (1024 * 1024)).to_string()),
            ),
            (
                "mail.daily_send_limit".to_owned(),
                limit(self.mail.daily_send_limit),
            ),
            (
                "drive.external_sharing".to_owned(),
                domains(&self.drive.external_sharing),
            ),
            (
                "drive.daily_share_limit".to_owned(),
                limit(self.drive.daily_share_limit),
            ),
            (
                "calendar.external_guests".to_owned(),
                domains(&self.calendar.external_guests),
            ),
        ];
        for (name, members) in &self.groups {
            out.push((
                format!("groups.{name}"),
                format!("{} members", members.len()),
            ));
        }
        for rule in &self.access {
            out.push((format!("access.{}", rule.name), rule.summary()));
        }
        out
    }
}

#[cfg(test)]
mod tests;
