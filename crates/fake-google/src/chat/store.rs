//! Chat spaces and their messages, shared by the users of one Workspace
//! domain: a space is seen by its members, and a domain-wide space by every
//! user of its domain.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// `SPACE` or `DIRECT_MESSAGE` (the fake has no group chats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpaceType {
    Space,
    DirectMessage,
}

impl SpaceType {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceType::Space => "SPACE",
            SpaceType::DirectMessage => "DIRECT_MESSAGE",
        }
    }
}

/// Someone who can post: a user of the fake or a seeded colleague.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub email: String,
    pub name: String,
}

impl Member {
    /// `users/{id}`: the numeric id Google gives the person.
    pub fn user_name(&self) -> String {
        user_name(&self.email)
    }
}

pub(crate) fn user_name(email: &str) -> String {
    let digest = Sha256::digest(email.to_ascii_lowercase().as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    format!("users/1{n:020}")
}

pub(crate) struct Message {
    /// The id after `messages/`.
    pub id: String,
    pub client_id: Option<String>,
    pub request_id: Option<String>,
    pub sender: Member,
    pub text: String,
    pub thread: String,
    pub reply: bool,
    pub created: DateTime<Utc>,
}

pub(crate) struct Space {
    /// `spaces/{id}`.
    pub name: String,
    pub display_name: String,
    pub kind: SpaceType,
    pub members: Vec<Member>,
    /// Every user of this Workspace domain is a member too.
    pub domain: Option<String>,
    pub created: DateTime<Utc>,
    pub messages: Vec<Message>,
}

impl Space {
    pub fn visible_to(&self, email: &str, hd: Option<&str>) -> bool {
        self.members.iter().any(|m| m.email == email)
            || self.domain.as_deref().is_some_and(|d| Some(d) == hd)
    }

    pub fn id(&self) -> &str {
        self.name.trim_start_matches("spaces/")
    }

    pub fn last_active(&self) -> DateTime<Utc> {
        self.messages
            .iter()
            .map(|m| m.created)
            .max()
            .unwrap_or(self.created)
    }

    /// A message by its id or client-assigned id.
    pub fn message(&self, id: &str) -> Option<&Message> {
        self.messages
            .iter()
            .find(|m| m.id == id || m.client_id.as_deref() == Some(id))
    }

    pub fn resource(&self, humans: usize) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": if self.kind == SpaceType::DirectMessage { "DM" } else { "ROOM" },
            "spaceType": self.kind.as_str(),
            "singleUserBotDm": false,
            "spaceThreadingState": if self.kind == SpaceType::Space { "THREADED_MESSAGES" } else { "UNTHREADED_MESSAGES" },
            "spaceHistoryState": "HISTORY_ON",
            "externalUserAllowed": false,
            "createTime": stamp(self.created),
            "lastActiveTime": stamp(self.last_active()),
            "membershipCount": { "joinedDirectHumanUserCount": humans },
            "spaceUri": format!("https://chat.google.com/room/{}", self.id()),
        });
        if self.kind != SpaceType::DirectMessage {
            v["displayName"] = json!(self.display_name);
        }
        v
    }

    pub fn message_resource(&self, m: &Message) -> Value {
        let mut v = json!({
            "name": format!("{}/messages/{}", self.name, m.id),
            "sender": {
                "name": m.sender.user_name(),
                "displayName": m.sender.name,
                "email": m.sender.email,
                "type": "HUMAN",
            },
            "createTime": stamp(m.created),
            "text": m.text,
            "formattedText": m.text,
            "argumentText": m.text,
            "thread": { "name": format!("{}/threads/{}", self.name, m.thread) },
            "space": { "name": self.name },
        });
        if m.reply {
            v["threadReply"] = json!(true);
        }
        if let Some(c) = &m.client_id {
            v["clientAssignedMessageId"] = json!(c);
        }
        v
    }
}

/// Every space of the fake, and whose seed has been planted.
#[derive(Default)]
pub(crate) struct ChatWorld {
    pub spaces: Vec<Space>,
    /// Domains and users whose spaces have been seeded.
    pub seeded: std::collections::HashSet<String>,
    /// Messages created so far (part of new ids).
    pub created: u64,
}

/// An id Chat would give: 11 URL-safe characters.
pub(crate) fn new_id(seed: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(seed.as_bytes())[..8])[..11].to_string()
}

/// A message id: `<id>.<id>`, as Chat's are.
pub(crate) fn message_id(seed: &str) -> String {
    let id = new_id(seed);
    format!("{id}.{id}")
}

pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
