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

use rmcp::{
    handler::server::{common::Extension, wrapper::Parameters},
    model::CallToolResult,
    tool, tool_router,
};

use crate::{auth::Principal, mcp::GatewayServer};

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

fn sender(parts: &http::request::Parts) -> Option<String> {
    parts.extensions.get::<Principal>().map(|p| p.email.clone())
}

#[tool_router(router = gmail_router, vis = "pub(crate)")]
impl GatewayServer {
    #[tool(
        description = "Search the user's Gmail with Gmail's own query syntax (from:, to:, subject:, is:unread, has:attachment, label:, newer_than:7d, after:2025/01/31, \"phrases\", OR, -word) and get compact rows: id, thread id, sender, subject, date, snippet, labels. Up to 50 per page (default 20); pass next_page_token as page_token for more. Then use gmail_read_message for one message or gmail_read_thread for a whole conversation.",
        annotations(
            title = "Search Gmail",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<SearchResult>()
    )]
    async fn gmail_search(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<SearchArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => search::search(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "Read one Gmail message: From, To, Cc, date, subject, Message-ID, labels, the body as readable text (plain text preferred; HTML-only mail converted to text with links kept), and its attachments (attachment_id, filename, type, size). Long bodies are cut (max_body_chars, default 20000). For a whole conversation use gmail_read_thread; to open an attachment use gmail_get_attachment.",
        annotations(
            title = "Read a Gmail message",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<MessageView>()
    )]
    async fn gmail_read_message(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ReadMessageArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => read::read_message(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "Read a whole Gmail conversation (thread), oldest message first: for each message the sender, recipients, date, labels, attachments and its body as text, with quoted earlier replies left out and each body cut at max_body_chars (default 4000). Use the thread_id from gmail_search. Use gmail_read_message for a single message in full.",
        annotations(
            title = "Read a Gmail thread",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<ThreadView>()
    )]
    async fn gmail_read_thread(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ReadThreadArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => read::read_thread(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "Get one attachment of a Gmail message (ids from gmail_read_message). Text files (text/*, JSON, CSV, XML) come back as text, cut to the output limit; other files up to 1 MB come back as an embedded resource (base64 with its MIME type); larger binary files are refused with their size (the user can open them in Gmail).",
        annotations(
            title = "Get a Gmail attachment",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<AttachmentContent>()
    )]
    async fn gmail_get_attachment(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<GetAttachmentArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => attachment::get(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "Send an email from the user's Gmail account right away. Recipients in to/cc/bcc (`a@x.com` or `Name <a@x.com>`, at most 100), a subject, and a body as plain text or Markdown (body_format `markdown` sends formatted HTML with a plain-text alternative). Optional attachments as base64 (10 MB in total). To reply inside an existing conversation pass reply_to_message_id: the reply joins the thread, `Re:` is added to the subject, and `to` defaults to the original sender. Sending cannot be undone; to let the user review first, use gmail_create_draft. Returns the sent message's id and thread id.",
        annotations(
            title = "Send an email",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<SentMessage>()
    )]
    async fn gmail_send(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ComposeArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => send::send(&ctx, api, args, sender(&parts).as_deref()).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "Save an email as a Gmail draft without sending it, so the user can review and send it from Gmail. Same arguments as gmail_send: to/cc/bcc, subject, body (plain or Markdown), attachments, and reply_to_message_id to draft a reply inside a conversation. Returns the draft id.",
        annotations(
            title = "Create a Gmail draft",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<CreatedDraft>()
    )]
    async fn gmail_create_draft(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ComposeArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => send::create_draft(&ctx, api, args, sender(&parts).as_deref()).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "List the user's Gmail labels: system labels (INBOX, SENT, STARRED, UNREAD, ...) and their own labels, with message counts. Use the ids with gmail_search (label:NAME) and gmail_modify_labels.",
        annotations(
            title = "List Gmail labels",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<LabelList>()
    )]
    async fn gmail_list_labels(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ListLabelsArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => labels::list(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "Change labels on up to 100 Gmail messages at once: add_labels / remove_labels by label name or id (see gmail_list_labels), plus shortcuts archive (leave the inbox), mark_read, mark_unread, star, unstar. Returns which message ids changed and which were not found. Labels are not created here; to delete mail use gmail_trash.",
        annotations(
            title = "Label, archive, mark read/unread, star Gmail messages",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<LabelChange>()
    )]
    async fn gmail_modify_labels(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ModifyLabelsArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => modify::modify_labels(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }

    #[tool(
        description = "Move up to 100 Gmail messages to Trash (Gmail deletes them for good after 30 days; until then the user can restore them from Trash). Reports the result for each id. To only hide mail from the inbox, use gmail_modify_labels with archive instead.",
        annotations(
            title = "Move Gmail messages to Trash",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<TrashResult>()
    )]
    async fn gmail_trash(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<TrashArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => modify::trash(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }
}
