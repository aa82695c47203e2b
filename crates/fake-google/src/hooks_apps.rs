//! Test hooks on the Chat and Forms data: a user's spaces and what they
//! hold, and their forms.

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

    /// The ids of the user's forms titled `title`.
    pub fn form_ids(&self, email: &str, title: &str) -> Vec<String> {
        self.with_workspace(email, |ws| {
            let mut ids: Vec<String> = ws
                .forms
                .iter()
                .filter(|(_, f)| f.form["info"]["title"] == title)
                .map(|(id, _)| id.clone())
                .collect();
            ids.sort();
            ids
        })
    }

    /// A form of the user (the Forms API's `Form` resource).
    pub fn form(&self, email: &str, id: &str) -> Option<serde_json::Value> {
        self.with_workspace(email, |ws| ws.forms.get(id).map(|f| f.form.clone()))
    }
}
