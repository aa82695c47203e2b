//! Test hooks on the API data: what a user's mailbox and calendars hold, what
//! they sent, and ways to add data.

use crate::FakeGoogle;

/// A message as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailMessageInfo {
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    /// Decoded Subject header.
    pub subject: String,
    /// Decoded From header.
    pub from: String,
    pub internal_date: i64,
    pub snippet: String,
    /// Filenames of the attachments.
    pub attachments: Vec<String>,
    pub message_id_header: Option<String>,
}

impl FakeGoogle {
    /// The user's messages (seeded on first use), newest first, drafts included.
    pub fn gmail_messages(&self, email: &str) -> Vec<GmailMessageInfo> {
        self.with_mailbox(email, |mb| {
            let mut out: Vec<GmailMessageInfo> = mb
                .messages
                .iter()
                .map(|m| GmailMessageInfo {
                    id: m.id.clone(),
                    thread_id: m.thread_id.clone(),
                    label_ids: m.labels.clone(),
                    subject: m.info.subject.clone(),
                    from: m.info.from.clone(),
                    internal_date: m.internal_date,
                    snippet: m.info.snippet.clone(),
                    attachments: m
                        .info
                        .attachments
                        .iter()
                        .map(|a| a.filename.clone())
                        .collect(),
                    message_id_header: m.info.message_id.clone(),
                })
                .collect();
            out.sort_by_key(|m| std::cmp::Reverse(m.internal_date));
            out
        })
    }

    /// Ids of the user's messages whose subject is `subject` (or `Re: subject`), oldest first.
    pub fn gmail_ids_by_subject(&self, email: &str, subject: &str) -> Vec<String> {
        let mut found: Vec<GmailMessageInfo> = self
            .gmail_messages(email)
            .into_iter()
            .filter(|m| m.subject == subject || m.subject == format!("Re: {subject}"))
            .collect();
        found.sort_by_key(|m| m.internal_date);
        found.into_iter().map(|m| m.id).collect()
    }

    /// The thread id of the first message with this subject.
    pub fn gmail_thread_by_subject(&self, email: &str, subject: &str) -> Option<String> {
        let id = self
            .gmail_ids_by_subject(email, subject)
            .into_iter()
            .next()?;
        self.gmail_messages(email)
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| m.thread_id)
    }

    /// Adds a raw RFC 2822 message to the user's mailbox with these labels
    /// (`thread_id` `None` starts a new thread); returns `(id, threadId)`.
    pub fn add_gmail_message(
        &self,
        email: &str,
        raw: &[u8],
        labels: &[&str],
        thread_id: Option<&str>,
    ) -> Option<(String, String)> {
        self.with_mailbox(email, |mb| {
            mb.insert(raw.to_vec(), labels, thread_id.map(str::to_string), None)
                .map(|m| (m.id.clone(), m.thread_id.clone()))
        })
    }

    /// The raw RFC 2822 messages the user sent through the API (messages.send
    /// and drafts.send), oldest first, with the headers the fake added.
    pub fn sent_messages(&self, email: &str) -> Vec<Vec<u8>> {
        let email = email.to_ascii_lowercase();
        self.with_data(|d| d.sent.get(&email).cloned().unwrap_or_default())
    }

    /// The user's Gmail filters (`Filter` resources).
    pub fn gmail_filters(&self, email: &str) -> Vec<serde_json::Value> {
        self.with_mail_settings(email, |s| s.filters.clone())
    }

    /// The user's vacation responder (`VacationSettings`).
    pub fn gmail_vacation(&self, email: &str) -> serde_json::Value {
        self.with_mail_settings(email, |s| s.vacation.clone())
    }

    /// Forgets the user's mailbox, mail settings, calendars, sent mail and Drive (with Docs
    /// and Sheets); the next use seeds them anew.
    pub fn reset_user_data(&self, email: &str) {
        let email = email.to_ascii_lowercase();
        self.with_data(|d| {
            d.mail.remove(&email);
            d.mail_settings.remove(&email);
            d.calendars.remove(&email);
            d.sent.remove(&email);
            d.workspaces.remove(&email);
        });
    }
}

impl FakeGoogle {
    /// The time zone of the user's primary calendar.
    pub fn calendar_time_zone(&self, email: &str) -> String {
        self.with_calendars(email, |set| set.primary().time_zone.clone())
    }

    /// Ids of the user's calendars: primary first, then the team calendar and the holidays.
    pub fn calendar_ids(&self, email: &str) -> Vec<String> {
        self.with_calendars(email, |set| {
            set.calendars.iter().map(|c| c.id.clone()).collect()
        })
    }

    /// The stored event resources of one of the user's calendars (`primary` works):
    /// single events, recurring masters and exceptions.
    pub fn calendar_events(&self, email: &str, calendar_id: &str) -> Vec<serde_json::Value> {
        self.with_calendars(email, |set| {
            set.get(calendar_id)
                .map(|c| c.events.clone())
                .unwrap_or_default()
        })
    }

    /// The id of the first event on the primary calendar whose summary starts with `summary`.
    pub fn calendar_event_id(&self, email: &str, summary: &str) -> Option<String> {
        self.calendar_events(email, "primary")
            .iter()
            .filter(|e| e.get("recurringEventId").is_none())
            .find(|e| {
                e["summary"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(summary))
            })
            .and_then(|e| e["id"].as_str().map(str::to_string))
    }

    /// Stores an event resource as given (give it `id`, `start`, `end`, `status`);
    /// returns false when the calendar is unknown.
    pub fn add_calendar_event(
        &self,
        email: &str,
        calendar_id: &str,
        event: serde_json::Value,
    ) -> bool {
        self.with_calendars(email, |set| match set.get_mut(calendar_id) {
            Some(cal) => {
                cal.events.push(event);
                true
            }
            None => false,
        })
    }
}
