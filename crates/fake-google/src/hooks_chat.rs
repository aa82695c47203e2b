//! Test hooks on the Chat data: a user's spaces and what they hold.

use crate::FakeGoogle;

/// A Chat message as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessageInfo {
    /// `spaces/S/messages/M`.
    pub name: String,
    pub sender: String,
    pub text: String,
    /// `spaces/S/threads/T`.
    pub thread: String,
    pub client_id: Option<String>,
}

impl FakeGoogle {
    /// The `spaces/…` name of a space `email` sees: by display name, or for
    /// a direct message by the other person's email.
    pub fn chat_space_id(&self, email: &str, name_or_email: &str) -> Option<String> {
        let email = email.to_ascii_lowercase();
        let hd = self.person(&email).hd;
        self.with_chat(&email, |world| {
            world
                .spaces
                .iter()
                .filter(|s| s.visible_to(&email, hd.as_deref()))
                .find(|s| {
                    s.display_name == name_or_email
                        || s.display_name.is_empty()
                            && s.members.iter().any(|m| m.email == name_or_email)
                })
                .map(|s| s.name.clone())
        })
    }

    /// The messages of a space (`spaces/…`), oldest first.
    pub fn chat_messages(&self, space: &str) -> Vec<ChatMessageInfo> {
        self.with_data(|d| {
            d.chat
                .spaces
                .iter()
                .filter(|s| s.name == space)
                .flat_map(|s| {
                    s.messages.iter().map(|m| ChatMessageInfo {
                        name: format!("{}/messages/{}", s.name, m.id),
                        sender: m.sender.email.clone(),
                        text: m.text.clone(),
                        thread: format!("{}/threads/{}", s.name, m.thread),
                        client_id: m.client_id.clone(),
                    })
                })
                .collect()
        })
    }
}
