//! Demo data every user starts with: a mailbox, calendars, a Drive (with
//! Docs, Sheets and a form with responses), task lists, contacts and Chat
//! spaces with plausible
//! company content. Everything is derived from the user's email (names of
//! colleagues, ids, time zone), and times are relative to the moment of
//! seeding, so "this week" always has mail and meetings.

pub mod calendar;
pub mod chat;
pub mod contacts;
pub(crate) mod docs;
pub mod drive;
pub mod drive_notes;
pub mod forms;
pub mod mail;
pub mod mail_settings;
pub(crate) mod mime_build;
pub mod tasks;

use sha2::{Digest, Sha256};

use crate::data::Person;

/// A deterministic number from the user's email and a label.
pub(crate) fn hash(email: &str, label: &str) -> u64 {
    let digest = Sha256::digest(format!("{email}#{label}").as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// `n` deterministic bytes.
pub(crate) fn bytes(email: &str, label: &str, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 32);
    let mut counter = 0u64;
    while out.len() < n {
        out.extend_from_slice(&Sha256::digest(
            format!("{email}#{label}#{counter}").as_bytes(),
        ));
        counter += 1;
    }
    out.truncate(n);
    out
}

/// A colleague in the user's domain.
#[derive(Debug, Clone)]
pub struct Colleague {
    pub name: String,
    pub email: String,
}

const NAMES: &[(&str, &str)] = &[
    ("Priya Shah", "priya.shah"),
    ("Jonas Becker", "jonas.becker"),
    ("Marie Dubois", "marie.dubois"),
    ("Tom Nguyen", "tom.nguyen"),
    ("Sofia Rossi", "sofia.rossi"),
    ("Daniel Kim", "daniel.kim"),
    ("Amara Okafor", "amara.okafor"),
    ("Lukas Weber", "lukas.weber"),
];

/// The user's mail domain (the Workspace domain when there is one).
pub(crate) fn domain(person: &Person) -> String {
    person.hd.clone().unwrap_or_else(|| {
        person
            .email
            .split('@')
            .nth(1)
            .unwrap_or("example.com")
            .to_string()
    })
}

/// Six colleagues in the user's domain, picked and ordered by the user's email.
pub fn colleagues(email: &str) -> Vec<Colleague> {
    let domain = email.split('@').nth(1).unwrap_or("example.com");
    let start = (hash(email, "colleagues") % NAMES.len() as u64) as usize;
    (0..6)
        .map(|i| {
            let (name, local) = NAMES[(start + i) % NAMES.len()];
            Colleague {
                name: name.to_string(),
                email: format!("{local}@{domain}"),
            }
        })
        .collect()
}

/// The user's display name, falling back to the local part.
pub(crate) fn display_name(person: &Person) -> String {
    if person.name.is_empty() {
        person
            .email
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        person.name.clone()
    }
}
