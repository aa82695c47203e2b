//! Rules and shared machinery of every Workspace tool. How to add a tool and
//! the life of one call: [README.md](README.md).
//!
//! - Names are `service_action` in snake_case; descriptions are written for a
//!   language model (what the tool is for, when to use which, key limits) and
//!   leave to the arguments' docs and the schema what they say: every
//!   conversation pays for each word (the core set's budget is in `server.rs`).
//! - Every tool is in the [`crate::catalog::CATALOG`] with its service, tier,
//!   whether it writes, and the Google scopes it needs.
//! - A tool is one function from its typed arguments and a context to
//!   `Result<Output, ToolError>`; [`adapter`] does everything around it.
//! - Results carry structured content (with an output schema) and a compact
//!   text rendering bounded by `TOOL_OUTPUT_LIMIT` characters, with an explicit
//!   note when cut ([`adapter::ToolOutput`]).
//! - Failures are tool errors with actionable text ([`ToolError`]).

pub mod adapter;
pub mod calendar;
pub mod chat;
pub mod confirm;
pub mod contacts;
pub mod docs;
pub mod drive;
pub mod forms;
pub mod gmail;
pub mod guard;
pub mod progress;
pub mod prompts;
pub mod resources;
pub mod schema;
pub mod server;
pub mod sheets;
pub mod slides;
pub mod tasks;
pub mod workspace;

use std::{fmt::Write as _, sync::Arc};

use rmcp::model::{CallToolResult, ContentBlock};

use crate::google::{
    api::{ApiError, GoogleApi},
    credentials::CredentialError,
};

/// A failed tool call, as the model should read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    #[error("Invalid argument `{field}`: {message}")]
    InvalidArgument { field: String, message: String },
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    Refused(String),
    /// The arguments do not match the tool's input schema.
    #[error("failed to deserialize parameters: {0}")]
    Arguments(String),
    /// The company policy refused the action; `rule` names the rule.
    #[error("{message}")]
    Policy { rule: &'static str, message: String },
    /// The person must answer `question` first (the client can ask them):
    /// the call answers "input required" with an elicitation.
    #[error("waiting for the person to confirm: {question}")]
    NeedsConfirmation { key: String, question: String },
}

impl From<crate::policy::Refusal> for ToolError {
    fn from(r: crate::policy::Refusal) -> Self {
        ToolError::Policy {
            rule: r.rule,
            message: r.message,
        }
    }
}

impl From<CredentialError> for ToolError {
    fn from(e: CredentialError) -> Self {
        ToolError::Api(ApiError::Credentials(e))
    }
}

impl ToolError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ToolError::InvalidArgument {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn into_result(self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(self.to_string())])
    }
}

pub type ToolResult<T> = Result<T, ToolError>;

/// What a Google tool may use: who it acts for, how much it may print, and
/// the Google client. Built by the [`adapter`] before the tool runs.
#[derive(Clone)]
pub struct ToolCtx {
    /// The user's stable id (Google `sub`), the key of their Google tokens.
    pub user: String,
    /// The user's email (the sender of mail they send).
    pub email: String,
    pub output_limit: usize,
    pub api: Arc<GoogleApi>,
    /// The company policy in force when the call started.
    pub policy: Arc<crate::policy::Policy>,
    /// The daily caps' counters (`None` without a store: a cap then refuses).
    pub daily: Option<crate::limits::daily::DailyCaps>,
    /// What the gateway offers (`TOOLS`, `READ_ONLY`, `SERVICES`).
    pub offer: Arc<crate::catalog::Selection>,
    /// Whether and how the person can be asked to confirm ([`confirm`]).
    pub asking: confirm::Asking,
    /// Where progress goes, when the client asked for it ([`progress`]).
    pub progress: Option<progress::Progress>,
}

/// Cuts `text` to at most `limit` characters (on a char boundary), with a note.
pub fn bound(text: &str, limit: usize) -> String {
    // At most `limit` bytes is at most `limit` characters: no count needed.
    if text.len() <= limit {
        return text.to_owned();
    }
    let chars = text.chars().count();
    if chars <= limit {
        return text.to_owned();
    }
    let note = format!(
        "\n[output cut at {limit} characters of {chars}; ask for less, e.g. a smaller page or a narrower query]"
    );
    let keep = limit.saturating_sub(note.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(&note);
    out
}

/// A Drive, Docs or Sheets file id from an id or a Google link to the file
/// (`…/d/<id>/…`, `…?id=<id>`); anything else is an invalid `field`.
pub fn google_id(field: &str, raw: &str) -> ToolResult<String> {
    let raw = raw.trim();
    let from_link = url::Url::parse(raw).ok().and_then(|u| {
        let segments: Vec<String> = u.path_segments()?.map(str::to_owned).collect();
        let after_d = segments
            .iter()
            .position(|s| s == "d")
            .and_then(|i| segments.get(i + 1).cloned());
        after_d.or_else(|| {
            u.query_pairs()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.into_owned())
        })
    });
    let id = from_link.unwrap_or_else(|| raw.to_owned());
    let ok = !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(id)
    } else {
        Err(ToolError::invalid(
            field,
            "must be a Google file id (from drive_search) or a link to the file",
        ))
    }
}

/// A byte count for people: `512 bytes`, `1.5 KB`, `14.0 MB`.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// Appends `label: value` when the value is non-empty.
pub fn line(out: &mut String, label: &str, value: &str) {
    if !value.is_empty() {
        let _ = writeln!(out, "{label}: {value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_bounded_with_a_note() {
        let long = "é".repeat(30_000);
        let cut = bound(&long, 20_000);
        assert!(cut.chars().count() <= 20_000);
        assert!(cut.contains("output cut at 20000 characters of 30000"));
        assert_eq!(bound("short", 100), "short");
    }
}
