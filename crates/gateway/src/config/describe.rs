//! `check-config`: the effective configuration, one line per variable in
//! the table's order, secrets redacted.

use url::Url;

use super::*;
use crate::secret::Secret;

impl Config {
    /// The effective configuration as `(variable, value)` lines, secrets redacted.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let mut values: std::collections::HashMap<_, _> = self.values().into_iter().collect();
        vars::read_by_gateway()
            .map(|v| {
                let value = values
                    .remove(v.name)
                    .unwrap_or_else(|| panic!("{} has no described value", v.name));
                (v.name, value)
            })
            .collect()
    }

    /// Each variable's effective value, secrets redacted.
    fn values(&self) -> Vec<(&'static str, String)> {
        let set = |s: &Secret| {
            if s.is_empty() {
                "<unset>".to_owned()
            } else {
                "<redacted>".to_owned()
            }
        };
        let (master, previous) = match &self.keys {
            KeyBackend::Local {
                master_key,
                previous_keys,
            } => (
                master_key.as_ref().map(set).unwrap_or_else(|| {
                    format!("<key file {}>", self.data_dir.join("vault.key").display())
                }),
                if previous_keys.is_empty() {
                    "<unset>".to_owned()
                } else {
                    format!("<redacted: {} key(s)>", previous_keys.len())
                },
            ),
            KeyBackend::Kms { .. } => ("<not used: KMS>".to_owned(), "<not used: KMS>".to_owned()),
        };
        vec![
            (PORT, self.port.to_string()),
            (HOST, self.host.to_string()),
            (PUBLIC_URL, self.public_url.to_string()),
            (GOOGLE_CLIENT_ID, self.google_client_id.clone()),
            (GOOGLE_CLIENT_SECRET, set(&self.google_client_secret)),
            (GOOGLE_REDIRECT_URI, self.google_redirect_uri.to_string()),
            (ALLOWED_DOMAIN, self.allowed_domains.join(",")),
            (SESSION_SECRET, set(&self.session_secret)),
            (
                AWS_REGION,
                self.aws_region.clone().unwrap_or_else(|| "<unset>".into()),
            ),
            (
                DYNAMODB_TABLE_NAME,
                match &self.store {
                    StoreBackend::DynamoDb { table } => table.clone(),
                    StoreBackend::Sqlite { path } => {
                        format!("<unset: SQLite at {}>", path.display())
                    }
                },
            ),
            (
                KMS_KEY_ID,
                match &self.keys {
                    KeyBackend::Kms { key_id } => key_id.clone(),
                    KeyBackend::Local { .. } => "<unset: local master key>".into(),
                },
            ),
            (DATA_DIR, self.data_dir.display().to_string()),
            (
                LOG_FORMAT,
                match self.log_format {
                    LogFormat::Json => "json".into(),
                    LogFormat::Pretty => "pretty".into(),
                },
            ),
            (LOG_LEVEL, self.log_level.clone()),
            (
                AUDIT_RETENTION_DAYS,
                (self.audit_retention.as_secs() / 86_400).to_string(),
            ),
            (VAULT_MASTER_KEY, master),
            (VAULT_PREVIOUS_KEYS, previous),
            (
                SHUTDOWN_DRAIN_SECONDS,
                self.shutdown_drain.as_secs().to_string(),
            ),
            (
                SSE_KEEP_ALIVE_SECONDS,
                self.sse_keep_alive.as_secs().to_string(),
            ),
            (
                TOOL_TIMEOUT_SECONDS,
                self.tool_timeout.as_secs().to_string(),
            ),
            (
                MAX_REQUEST_BODY_BYTES,
                self.max_request_body_bytes.to_string(),
            ),
            (
                MCP_SESSION_IDLE_SECONDS,
                self.mcp_session_idle.as_secs().to_string(),
            ),
            (
                REVOCATION_POLL_SECONDS,
                self.revocation_poll.as_secs().to_string(),
            ),
            (MAX_MCP_SESSIONS, self.max_mcp_sessions.to_string()),
            (
                MAX_MCP_SESSIONS_PER_USER,
                self.max_mcp_sessions_per_user.to_string(),
            ),
            (
                GOOGLE_BASE_URL,
                self.google_base_url
                    .as_ref()
                    .map(Url::to_string)
                    .unwrap_or_else(|| "<unset: Google's own hosts>".into()),
            ),
            (
                SESSION_MAX_AGE,
                self.session_max_age
                    .map(|d| format!("{}s", d.as_secs()))
                    .unwrap_or_else(|| "<unset: no forced re-sign-in>".into()),
            ),
            (
                ALLOWED_EMAILS,
                if self.allowed_emails.is_empty() {
                    "<unset: everyone in the allowed domains>".into()
                } else {
                    self.allowed_emails.join(",")
                },
            ),
            (
                ACCESS_TOKEN_TTL_SECONDS,
                self.access_token_ttl.as_secs().to_string(),
            ),
            (
                OAUTH_EXTRA_REDIRECT_URIS,
                if self.extra_redirect_uris.is_empty() {
                    "<unset>".into()
                } else {
                    self.extra_redirect_uris.join(",")
                },
            ),
            (
                OAUTH_REGISTRATION_BURST,
                self.registration_burst.to_string(),
            ),
            (
                TOOLS,
                match (&self.tools.explicit, self.tools.tier) {
                    (Some(list), _) => list.join(","),
                    (None, crate::catalog::Tier::Core) => "core".into(),
                    (None, crate::catalog::Tier::Extended) => "all".into(),
                },
            ),
            (READ_ONLY, self.tools.read_only.to_string()),
            (
                SERVICES,
                self.tools
                    .services
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (TOOL_OUTPUT_LIMIT, self.tool_output_limit.to_string()),
            (TRUSTED_PROXY_HOPS, self.trusted_proxy_hops.to_string()),
            (
                OAUTH_REQUESTS_PER_MINUTE,
                self.oauth_requests_per_minute.to_string(),
            ),
            (OAUTH_REQUEST_BURST, self.oauth_request_burst.to_string()),
            (
                RATE_LIMIT_TOOL_CALLS_PER_MINUTE,
                self.rate_limits.tool_calls.per_minute.to_string(),
            ),
            (
                RATE_LIMIT_BURST,
                self.rate_limits.tool_calls.burst.to_string(),
            ),
            (
                RATE_LIMIT_REQUESTS_PER_MINUTE,
                self.rate_limits.requests.per_minute.to_string(),
            ),
            (
                RATE_LIMIT_REQUEST_BURST,
                self.rate_limits.requests.burst.to_string(),
            ),
            (
                PEER_URL,
                self.peer_url
                    .as_ref()
                    .map(Url::to_string)
                    .unwrap_or_else(|| "<unset: from ECS task metadata or HOST>".into()),
            ),
            (
                ECS_CONTAINER_METADATA_URI_V4,
                self.ecs_metadata_uri
                    .clone()
                    .unwrap_or_else(|| "<unset: not on ECS>".into()),
            ),
            (
                METRICS_PORT,
                self.metrics_port
                    .map_or_else(|| "<unset: no metrics listener>".into(), |p| p.to_string()),
            ),
            (METRICS_EMF, self.metrics_emf.to_string()),
            (
                POLICY_FILE,
                self.policy.file.as_ref().map_or_else(
                    || "<unset: no company policy>".into(),
                    |p| p.display().to_string(),
                ),
            ),
            (
                POLICY_RELOAD_SECONDS,
                self.policy.reload_every.as_secs().to_string(),
            ),
            (REQUIRE_CONFIRMATION, self.require_confirmation.to_string()),
        ]
    }
}
