//! Gmail tools. Each tool: typed arguments with descriptions and bounds, a
//! call through [`GoogleApi`](crate::google::api::GoogleApi) with the caller's
//! own token, structured content plus a compact text rendering.

mod attachment;
mod compose;
mod labels;
mod message;
mod modify;
mod read;
mod search;
mod send;

use crate::tools::adapter::Route;

pub use attachment::{AttachmentContent, GetAttachmentArgs};
pub use compose::{AttachmentArg, BodyFormat, ComposeArgs};
pub use labels::{Label, LabelList, ListLabelsArgs};
pub use message::AttachmentInfo;
pub use modify::{LabelChange, ModifyLabelsArgs, TrashArgs, TrashOutcome, TrashResult};
pub use read::{MessageView, ReadMessageArgs, ReadThreadArgs, ThreadView};
pub use search::{MessageRow, SearchArgs, SearchResult};
pub use send::{CreatedDraft, SentMessage};

/// `/gmail/v1/users/me` under the Gmail base URL.
pub(crate) fn gmail_path(rest: &str) -> String {
    format!("/gmail/v1/users/me{rest}")
}

/// The gmail tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "gmail_search",
            "Search Gmail",
            "Search the user's Gmail with Gmail's own query syntax (from:, to:, subject:, is:unread, has:attachment, label:, newer_than:7d, after:2025/01/31, \"phrases\", OR, -word) and get compact rows: id, thread id, sender, subject, date, snippet, labels. Up to 50 per page (default 20); pass next_page_token as page_token for more. Then use gmail_read_message for one message or gmail_read_thread for a whole conversation.",
            search::search,
        ),
        Route::new(
            "gmail_read_message",
            "Read a Gmail message",
            "Read one Gmail message: From, To, Cc, date, subject, Message-ID, labels, the body as readable text (plain text preferred; HTML-only mail converted to text with links kept), and its attachments (attachment_id, filename, type, size). Long bodies are cut (max_body_chars, default 20000). For a whole conversation use gmail_read_thread; to open an attachment use gmail_get_attachment.",
            read::read_message,
        ),
        Route::new(
            "gmail_read_thread",
            "Read a Gmail thread",
            "Read a whole Gmail conversation (thread), oldest message first: for each message the sender, recipients, date, labels, attachments and its body as text, with quoted earlier replies left out and each body cut at max_body_chars (default 4000). Use the thread_id from gmail_search. Use gmail_read_message for a single message in full.",
            read::read_thread,
        ),
        Route::new(
            "gmail_get_attachment",
            "Get a Gmail attachment",
            "Get one attachment of a Gmail message (ids from gmail_read_message). Text files (text/*, JSON, CSV, XML) come back as text, cut to the output limit; other files up to 1 MB come back as an embedded resource (base64 with its MIME type); larger binary files are refused with their size (the user can open them in Gmail).",
            attachment::get,
        ),
        Route::new(
            "gmail_send",
            "Send an email",
            "Send an email from the user's Gmail account right away. Recipients in to/cc/bcc (`a@x.com` or `Name <a@x.com>`, at most 100), a subject, and a body as plain text or Markdown (body_format `markdown` sends formatted HTML with a plain-text alternative). Optional attachments as base64 (10 MB in total). To reply inside an existing conversation pass reply_to_message_id: the reply joins the thread, `Re:` is added to the subject, and `to` defaults to the original sender. Sending cannot be undone; to let the user review first, use gmail_create_draft. Returns the sent message's id and thread id.",
            send::send,
        ),
        Route::new(
            "gmail_create_draft",
            "Create a Gmail draft",
            "Save an email as a Gmail draft without sending it, so the user can review and send it from Gmail. Same arguments as gmail_send: to/cc/bcc, subject, body (plain or Markdown), attachments, and reply_to_message_id to draft a reply inside a conversation. Returns the draft id.",
            send::create_draft,
        ),
        Route::new(
            "gmail_list_labels",
            "List Gmail labels",
            "List the user's Gmail labels: system labels (INBOX, SENT, STARRED, UNREAD, ...) and their own labels, with message counts. Use the ids with gmail_search (label:NAME) and gmail_modify_labels.",
            labels::list,
        ),
        Route::new(
            "gmail_modify_labels",
            "Label, archive, mark read/unread, star Gmail messages",
            "Change labels on up to 100 Gmail messages at once: add_labels / remove_labels by label name or id (see gmail_list_labels), plus shortcuts archive (leave the inbox), mark_read, mark_unread, star, unstar. Returns which message ids changed and which were not found. Labels are not created here; to delete mail use gmail_trash.",
            modify::modify_labels,
        )
        .idempotent(),
        Route::new(
            "gmail_trash",
            "Move Gmail messages to Trash",
            "Move up to 100 Gmail messages to Trash (Gmail deletes them for good after 30 days; until then the user can restore them from Trash). Reports the result for each id. To only hide mail from the inbox, use gmail_modify_labels with archive instead.",
            modify::trash,
        )
        .idempotent()
        .destructive(),
    ]
}
