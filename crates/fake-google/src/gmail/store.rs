//! One user's mailbox: messages (raw RFC 2822 plus labels), labels, drafts.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::mime::{self, MessageInfo};

/// Gmail's system labels, in the order `labels.list` shows them.
pub const SYSTEM_LABELS: &[&str] = &[
    "CHAT",
    "SENT",
    "INBOX",
    "IMPORTANT",
    "TRASH",
    "DRAFT",
    "SPAM",
    "CATEGORY_FORUMS",
    "CATEGORY_UPDATES",
    "CATEGORY_PERSONAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_SOCIAL",
    "STARRED",
    "UNREAD",
];

/// System labels Gmail hides from message and label lists.
pub fn hidden_system_label(id: &str) -> bool {
    matches!(id, "CHAT" | "IMPORTANT") || id.starts_with("CATEGORY_")
}

#[derive(Debug, Clone)]
pub struct Label {
    pub id: String,
    pub name: String,
    pub system: bool,
    pub color: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: String,
    pub thread_id: String,
    pub labels: Vec<String>,
    pub raw: Arc<Vec<u8>>,
    pub internal_date: i64,
    pub history_id: u64,
    pub info: MessageInfo,
    /// Whether the message was in the inbox before `trash`.
    pub was_in_inbox: bool,
}

impl StoredMessage {
    pub fn has(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }

    /// In Trash or Spam (hidden unless asked for).
    pub fn is_spam_or_trash(&self) -> bool {
        self.has("TRASH") || self.has("SPAM")
    }
}

#[derive(Debug, Clone)]
pub struct Draft {
    pub id: String,
    pub message_id: String,
}

pub struct Mailbox {
    pub email: String,
    pub messages: Vec<StoredMessage>,
    pub labels: Vec<Label>,
    pub drafts: Vec<Draft>,
    pub history: u64,
    counter: u64,
    next_label: u32,
}

impl Mailbox {
    pub fn new(email: &str) -> Self {
        let digest = Sha256::digest(email.as_bytes());
        let history = 100_000 + u64::from(u16::from_be_bytes([digest[0], digest[1]]));
        Mailbox {
            email: email.to_string(),
            messages: Vec::new(),
            labels: SYSTEM_LABELS
                .iter()
                .map(|id| Label {
                    id: id.to_string(),
                    name: id.to_string(),
                    system: true,
                    color: None,
                })
                .collect(),
            drafts: Vec::new(),
            history,
            counter: 0,
            next_label: 1,
        }
    }

    pub fn bump(&mut self) -> u64 {
        self.history += 1 + self.counter % 7;
        self.history
    }

    /// A fresh id in Gmail's style (hex, derived from the time in ms).
    pub fn new_id(&mut self, internal_date: i64) -> String {
        self.counter += 1;
        let digest = Sha256::digest(format!("{}/{}", self.email, self.counter).as_bytes());
        let low = u64::from(u16::from_be_bytes([digest[0], digest[1]])) & 0xfffff;
        let mut value = ((internal_date.max(0) as u64) << 20) | low;
        while self.messages.iter().any(|m| m.id == format!("{value:x}")) {
            value += 1;
        }
        format!("{value:x}")
    }

    pub fn new_draft_id(&mut self) -> String {
        self.counter += 1;
        let digest = Sha256::digest(format!("draft/{}/{}", self.email, self.counter).as_bytes());
        let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % 10_u64.pow(18);
        format!("r-{}{n:018}", 1 + digest[8] % 9)
    }

    pub fn add_user_label(&mut self, name: &str, color: Option<(String, String)>) -> String {
        let id = format!("Label_{}", self.next_label);
        self.next_label += 1;
        self.labels.push(Label {
            id: id.clone(),
            name: name.to_string(),
            system: false,
            color,
        });
        id
    }

    pub fn label(&self, id: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.id == id)
    }

    /// Resolves a label by id or (case-insensitively) by name, as `label:` does.
    pub fn label_by_name(&self, name: &str) -> Option<&Label> {
        let wanted = name.to_lowercase().replace([' ', '/'], "-");
        self.labels.iter().find(|l| {
            l.id.eq_ignore_ascii_case(name)
                || l.name.to_lowercase().replace([' ', '/'], "-") == wanted
        })
    }

    pub fn message(&self, id: &str) -> Option<&StoredMessage> {
        self.messages.iter().find(|m| m.id == id)
    }

    pub fn message_mut(&mut self, id: &str) -> Option<&mut StoredMessage> {
        self.messages.iter_mut().find(|m| m.id == id)
    }

    /// Messages of a thread, oldest first.
    pub fn thread(&self, thread_id: &str) -> Vec<&StoredMessage> {
        let mut messages: Vec<&StoredMessage> = self
            .messages
            .iter()
            .filter(|m| m.thread_id == thread_id)
            .collect();
        messages.sort_by_key(|m| (m.internal_date, m.id.clone()));
        messages
    }

    /// The thread holding a message with one of these Message-IDs.
    pub fn thread_of_message_ids(&self, ids: &[String]) -> Option<String> {
        self.messages
            .iter()
            .filter(|m| !m.has("DRAFT"))
            .find(|m| {
                m.info
                    .message_id
                    .as_ref()
                    .is_some_and(|mid| ids.iter().any(|i| i == mid))
            })
            .map(|m| m.thread_id.clone())
    }

    /// Stores a raw message; `thread_id` `None` starts a new thread.
    pub fn insert(
        &mut self,
        raw: Vec<u8>,
        labels: &[&str],
        thread_id: Option<String>,
        internal_date: Option<i64>,
    ) -> Option<&StoredMessage> {
        let probe = mime::analyze(&raw, "")?;
        let internal_date = internal_date
            .or(probe.date_ms)
            .unwrap_or_else(crate::api::now_ms);
        let id = self.new_id(internal_date);
        let info = mime::analyze(&raw, &id)?;
        let history_id = self.bump();
        let mut label_ids: Vec<String> = Vec::new();
        for label in labels {
            if !label_ids.iter().any(|l| l == label) {
                label_ids.push(label.to_string());
            }
        }
        self.messages.push(StoredMessage {
            thread_id: thread_id.unwrap_or_else(|| id.clone()),
            id,
            was_in_inbox: label_ids.iter().any(|l| l == "INBOX"),
            labels: label_ids,
            raw: Arc::new(raw),
            internal_date,
            history_id,
            info,
        });
        self.messages.last()
    }

    /// Adds and removes labels on one message; returns false when it is unknown.
    pub fn modify(&mut self, id: &str, add: &[String], remove: &[String]) -> bool {
        let history = self.bump();
        let Some(message) = self.message_mut(id) else {
            return false;
        };
        for label in add {
            if !message.has(label) {
                message.labels.push(label.clone());
            }
        }
        message.labels.retain(|l| !remove.contains(l));
        message.history_id = history;
        true
    }

    pub fn trash(&mut self, id: &str) -> bool {
        let in_inbox = self.message(id).is_some_and(|m| m.has("INBOX"));
        let done = self.modify(id, &["TRASH".into()], &["INBOX".into(), "SPAM".into()]);
        if done
            && in_inbox
            && let Some(m) = self.message_mut(id)
        {
            m.was_in_inbox = true;
        }
        done
    }

    pub fn untrash(&mut self, id: &str) -> bool {
        let restore = self.message(id).is_some_and(|m| m.was_in_inbox);
        let add: Vec<String> = if restore {
            vec!["INBOX".into()]
        } else {
            Vec::new()
        };
        self.modify(id, &add, &["TRASH".into()])
    }
}
