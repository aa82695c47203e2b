//! One audit event: who did what, through which client, to which Google
//! objects, and how it ended. Deliberately without any free text: a tool's
//! arguments, a message's subject or body, a file's content, a token, a code
//! or a secret has no field to go into. The only words are the closed
//! [`EventKind`], the outcome and reason codes written by the gateway itself.

use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A tool call, whatever its outcome.
    ToolCall,
    /// A sign-in completed (the user's Google account passed the policy).
    SignIn,
    /// A sign-in refused by the policy (another domain, unverified email, ...).
    SignInRefused,
    /// A gateway authorization code presented a second time.
    CodeReuse,
    /// A spent refresh token presented again after the grace.
    RefreshTokenReuse,
    /// A client revoked its tokens (`/oauth/revoke`).
    TokenRevoked,
    /// An administrator acted on a user (`users revoke`).
    AdminAction,
    /// `/mcp` refused a presented bearer token (logged, never stored).
    BearerRefused,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ToolCall => "tool_call",
            EventKind::SignIn => "sign_in",
            EventKind::SignInRefused => "sign_in_refused",
            EventKind::CodeReuse => "code_reuse",
            EventKind::RefreshTokenReuse => "refresh_token_reuse",
            EventKind::TokenRevoked => "token_revoked",
            EventKind::AdminAction => "admin_action",
            EventKind::BearerRefused => "bearer_refused",
        }
    }
}

/// One audit record, as logged and as stored (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Unix milliseconds.
    pub time_ms: i64,
    pub kind: EventKind,
    /// The user's Google `sub`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The OAuth client (`-` is never stored; absent instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Google objects touched, as `type:id` (`message:18c…`, `file:1Bx…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// More objects were touched than `ids` holds.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ids_capped: bool,
    /// `ok`, a tool outcome (`google_error`, `timeout`, ...) or `refused`/`detected`/`done`.
    pub outcome: String,
    /// A short code naming why (security events), e.g. `domain_not_allowed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl AuditEvent {
    /// A tool call by `user` through `client`.
    pub fn tool_call(
        user: Option<(&str, &str)>,
        client: Option<&str>,
        tool: &str,
        outcome: &'static str,
        latency_ms: u64,
        (ids, ids_capped): (Vec<String>, bool),
    ) -> Self {
        AuditEvent {
            tool: Some(tool.to_owned()),
            ids,
            ids_capped,
            latency_ms: Some(latency_ms),
            ..Self::new(EventKind::ToolCall, user, client, outcome, None)
        }
    }

    /// A security event. `reason` is a code written in the gateway's source
    /// (a `&'static str`), never text that came from a request.
    pub fn security(
        kind: EventKind,
        user: Option<(&str, &str)>,
        client: Option<&str>,
        outcome: &'static str,
        reason: &'static str,
    ) -> Self {
        Self::new(kind, user, client, outcome, Some(reason))
    }

    /// A security event of a user known only by id (no email at hand).
    pub fn security_of(
        kind: EventKind,
        user_id: &str,
        client: Option<&str>,
        outcome: &'static str,
        reason: &'static str,
    ) -> Self {
        let mut e = Self::new(kind, None, client, outcome, Some(reason));
        e.user_id = Some(user_id.to_owned());
        e
    }

    fn new(
        kind: EventKind,
        user: Option<(&str, &str)>,
        client: Option<&str>,
        outcome: &'static str,
        reason: Option<&'static str>,
    ) -> Self {
        AuditEvent {
            time_ms: now_ms(),
            kind,
            user_id: user.map(|(id, _)| id.to_owned()),
            email: user
                .map(|(_, email)| email.to_owned())
                .filter(|e| !e.is_empty()),
            client_id: client.filter(|c| *c != "-").map(str::to_owned),
            tool: None,
            ids: Vec::new(),
            ids_capped: false,
            outcome: outcome.to_owned(),
            reason: reason.map(str::to_owned),
            latency_ms: None,
        }
    }

    /// Writes the event to the log under the target `audit`: one line, one
    /// JSON object in `LOG_FORMAT=json`.
    pub fn log(&self) {
        let ids = (!self.ids.is_empty()).then(|| self.ids.join(","));
        tracing::info!(
            target: "audit",
            kind = self.kind.as_str(),
            user = self.user_id.as_deref(),
            email = self.email.as_deref(),
            client = self.client_id.as_deref(),
            tool = self.tool.as_deref(),
            ids = ids.as_deref(),
            ids_capped = self.ids_capped.then_some(true),
            outcome = %self.outcome,
            reason = self.reason.as_deref(),
            latency_ms = self.latency_ms,
            time_ms = self.time_ms,
            "audit"
        );
    }
}
