//! Gmail tools. Each tool: typed arguments with descriptions and bounds, a
//! call through [`GoogleApi`](crate::google::api::GoogleApi) with the caller's
//! own token, structured content plus a compact text rendering.

mod attachment;
mod batch;
pub(crate) mod compose;
mod filters;
pub(crate) mod labels;
pub(crate) mod message;
mod modify;
pub(crate) mod read;
pub(crate) mod search;
mod send;
mod vacation;

use crate::tools::adapter::Route;

pub use attachment::{AttachmentContent, GetAttachmentArgs};
pub use batch::{MessageBatch, ReadMessagesArgs};
pub use compose::{AttachmentArg, BodyFormat, ComposeArgs};
pub use filters::{
    CreateFilterArgs, DeleteFilterArgs, DeletedFilter, FilterList, FilterView, ListFiltersArgs,
};
pub use labels::{Label, LabelList, ListLabelsArgs};
pub use message::AttachmentInfo;
pub use modify::{LabelChange, ModifyLabelsArgs, TrashArgs, TrashOutcome, TrashResult};
pub use read::{MessageView, ReadMessageArgs, ReadThreadArgs, ThreadView};
pub use search::{MessageRow, SearchArgs, SearchResult};
pub use send::{CreatedDraft, SentMessage};
pub use vacation::{GetVacationArgs, SetVacationArgs, Vacation};

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
            "Search the user's Gmail. Compact rows, newest first: id, thread id, sender, subject, date, snippet, labels. Then read with gmail_read_message or gmail_read_thread.",
            search::search,
        ),
        Route::new(
            "gmail_read_message",
            "Read a Gmail message",
            "Read one Gmail message: headers, labels, the body as text (HTML converted, links kept) and its attachments (attachment_id, filename, type, size). For a whole conversation use gmail_read_thread.",
            read::read_message,
        ),
        Route::new(
            "gmail_read_thread",
            "Read a Gmail thread",
            "Read a whole Gmail conversation, oldest message first: each message's headers, labels, attachments and body as text, quoted earlier replies left out.",
            read::read_thread,
        ),
        Route::new(
            "gmail_read_messages",
            "Read several Gmail messages",
            "Read up to 25 Gmail messages at once (ids from gmail_search), each as gmail_read_message shows it; ids with no message are listed apart.",
            batch::read_messages,
        ),
        Route::new(
            "gmail_get_attachment",
            "Get a Gmail attachment",
            "Get a Gmail attachment: text files (text/*, JSON, CSV, XML) as text, other files up to 1 MB as an embedded resource (base64); larger files are refused with their size.",
            attachment::get,
        ),
        Route::new(
            "gmail_send",
            "Send an email",
            "Send an email from the user's Gmail now; it cannot be undone (to let the user review first, use gmail_create_draft). Returns the message and thread ids. Clients that can ask the person are asked to confirm first; with others, confirm: true states the person agreed.",
            send::send,
        ),
        Route::new(
            "gmail_create_draft",
            "Create a Gmail draft",
            "Save an email as a Gmail draft for the user to review and send; the same arguments as gmail_send. Returns the draft id.",
            send::create_draft,
        ),
        Route::new(
            "gmail_list_labels",
            "List Gmail labels",
            "List the user's Gmail labels: system labels (INBOX, SENT, STARRED, UNREAD…) and their own, optionally with message counts. For gmail_search (label:NAME) and gmail_modify_labels.",
            labels::list,
        ),
        Route::new(
            "gmail_modify_labels",
            "Label, archive, mark read/unread, star Gmail messages",
            "Change labels on up to 100 Gmail messages: add or remove labels by name or id, archive, mark read or unread, star or unstar. Labels are not created here. Returns the ids changed and those not found.",
            modify::modify_labels,
        )
        .idempotent(),
        Route::new(
            "gmail_trash",
            "Move Gmail messages to Trash",
            "Move up to 100 Gmail messages to Trash, where the user can restore them for 30 days. Reports the result for each id. To only hide mail from the inbox, archive it with gmail_modify_labels. More than 10: clients that can ask the person are asked to confirm first; with others, confirm: true states the person agreed.",
            modify::trash,
        )
        .idempotent()
        .destructive(),
        Route::new(
            "gmail_list_filters",
            "List Gmail filters",
            "List the user's Gmail filters: id, what they match (as a Gmail search) and the labels they add or remove (INBOX removed = archive, UNREAD removed = mark read, STARRED added = star).",
            filters::list_filters,
        ),
        Route::new(
            "gmail_create_filter",
            "Create a Gmail filter",
            "Create a Gmail filter for mail arriving from now on: match from, to, subject, a Gmail query or attachments; then add or remove labels, archive, mark read or star. Forwarding is not offered. Returns the filter id.",
            filters::create_filter,
        ),
        Route::new(
            "gmail_delete_filter",
            "Delete a Gmail filter",
            "Delete a Gmail filter by id (from gmail_list_filters). Mail it already sorted stays as it is.",
            filters::delete_filter,
        )
        .idempotent()
        .destructive(),
        Route::new(
            "gmail_get_vacation",
            "Get the Gmail vacation responder",
            "Show the user's Gmail vacation responder: on or off, its dates, subject, reply text and who gets it.",
            vacation::get_vacation,
        ),
        Route::new(
            "gmail_set_vacation",
            "Set the Gmail vacation responder",
            "Turn the user's Gmail vacation responder on or off, with subject, plain-text reply, start and end, and whether only contacts or only the Workspace domain get it. Text left out stays as it was.",
            vacation::set_vacation,
        )
        .idempotent(),
    ]
}
