//! Configuration: what the environment says ([`RawConfig`]) and the validated
//! [`Config`] the gateway runs with. Every variable has a named constant, a
//! default where one is safe, and a specific error naming it when it is wrong.

use std::{fmt, net::IpAddr, path::PathBuf, time::Duration};

use crate::secret::Secret;
use url::Url;

pub const PORT: &str = "PORT";
pub const HOST: &str = "HOST";
pub const PUBLIC_URL: &str = "PUBLIC_URL";
pub const GOOGLE_CLIENT_ID: &str = "GOOGLE_CLIENT_ID";
pub const GOOGLE_CLIENT_SECRET: &str = "GOOGLE_CLIENT_SECRET";
pub const GOOGLE_REDIRECT_URI: &str = "GOOGLE_REDIRECT_URI";
pub const ALLOWED_DOMAIN: &str = "ALLOWED_DOMAIN";
pub const SESSION_SECRET: &str = "SESSION_SECRET";
pub const AWS_REGION: &str = "AWS_REGION";
pub const DYNAMODB_TABLE_NAME: &str = "DYNAMODB_TABLE_NAME";
pub const KMS_KEY_ID: &str = "KMS_KEY_ID";
pub const DATA_DIR: &str = "DATA_DIR";
pub const LOG_FORMAT: &str = "LOG_FORMAT";
pub const LOG_LEVEL: &str = "LOG_LEVEL";
pub const AUDIT_RETENTION_DAYS: &str = "AUDIT_RETENTION_DAYS";
pub const VAULT_MASTER_KEY: &str = "VAULT_MASTER_KEY";
pub const VAULT_PREVIOUS_KEYS: &str = "VAULT_PREVIOUS_KEYS";
pub const SHUTDOWN_DRAIN_SECONDS: &str = "SHUTDOWN_DRAIN_SECONDS";
pub const SSE_KEEP_ALIVE_SECONDS: &str = "SSE_KEEP_ALIVE_SECONDS";
pub const TOOL_TIMEOUT_SECONDS: &str = "TOOL_TIMEOUT_SECONDS";
pub const MAX_REQUEST_BODY_BYTES: &str = "MAX_REQUEST_BODY_BYTES";
pub const MCP_SESSION_IDLE_SECONDS: &str = "MCP_SESSION_IDLE_SECONDS";
pub const REVOCATION_POLL_SECONDS: &str = "REVOCATION_POLL_SECONDS";
pub const MAX_MCP_SESSIONS: &str = "MAX_MCP_SESSIONS";
pub const MAX_MCP_SESSIONS_PER_USER: &str = "MAX_MCP_SESSIONS_PER_USER";
pub const GOOGLE_BASE_URL: &str = "GOOGLE_BASE_URL";
pub const SESSION_MAX_AGE: &str = "SESSION_MAX_AGE";
pub const ALLOWED_EMAILS: &str = "ALLOWED_EMAILS";
pub const ACCESS_TOKEN_TTL_SECONDS: &str = "ACCESS_TOKEN_TTL_SECONDS";
pub const OAUTH_EXTRA_REDIRECT_URIS: &str = "OAUTH_EXTRA_REDIRECT_URIS";
pub const OAUTH_REGISTRATION_BURST: &str = "OAUTH_REGISTRATION_BURST";
pub const TOOLS: &str = "TOOLS";
pub const READ_ONLY: &str = "READ_ONLY";
pub const SERVICES: &str = "SERVICES";
pub const TOOL_OUTPUT_LIMIT: &str = "TOOL_OUTPUT_LIMIT";
pub const PEER_URL: &str = "PEER_URL";
pub const TRUSTED_PROXY_HOPS: &str = "TRUSTED_PROXY_HOPS";
pub const OAUTH_REQUESTS_PER_MINUTE: &str = "OAUTH_REQUESTS_PER_MINUTE";
pub const OAUTH_REQUEST_BURST: &str = "OAUTH_REQUEST_BURST";
pub const RATE_LIMIT_TOOL_CALLS_PER_MINUTE: &str = "RATE_LIMIT_TOOL_CALLS_PER_MINUTE";
pub const RATE_LIMIT_BURST: &str = "RATE_LIMIT_BURST";
pub const RATE_LIMIT_REQUESTS_PER_MINUTE: &str = "RATE_LIMIT_REQUESTS_PER_MINUTE";
pub const RATE_LIMIT_REQUEST_BURST: &str = "RATE_LIMIT_REQUEST_BURST";
pub const ECS_CONTAINER_METADATA_URI_V4: &str = "ECS_CONTAINER_METADATA_URI_V4";
pub const METRICS_PORT: &str = "METRICS_PORT";
pub const METRICS_EMF: &str = "METRICS_EMF";
pub const POLICY_FILE: &str = "POLICY_FILE";
pub const POLICY_RELOAD_SECONDS: &str = "POLICY_RELOAD_SECONDS";
pub const REQUIRE_CONFIRMATION: &str = "REQUIRE_CONFIRMATION";

/// Exit status of every command that stops on a configuration error.
pub const EXIT_CONFIG: u8 = 2;

pub const DEFAULT_PORT: u16 = 3000;
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_MAX_SESSIONS: usize = 10_000;
pub const DEFAULT_MAX_SESSIONS_PER_USER: usize = 32;
pub const MIN_SESSION_SECRET_BYTES: usize = 32;
/// Info for the gateway; the MCP library logs only warnings (it logs every session at info).
pub const DEFAULT_LOG_LEVEL: &str = "info,rmcp=warn";

/// One problem with one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

/// All problems found, reported together so one run shows every fix needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "invalid configuration: {p}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Where the gateway keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreBackend {
    /// SQLite file under `DATA_DIR`.
    Sqlite { path: PathBuf },
    /// One DynamoDB table.
    DynamoDb { table: String },
}

/// Which master key protects the vault's data keys.
#[derive(Debug, Clone)]
pub enum KeyBackend {
    /// A key from `VAULT_MASTER_KEY`, or a key file under `DATA_DIR`.
    Local {
        master_key: Option<Secret>,
        previous_keys: Vec<Secret>,
    },
    /// An AWS KMS key (id, ARN or alias).
    Kms { key_id: String },
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub public_url: Url,
    pub google_client_id: String,
    pub google_client_secret: Secret,
    pub google_redirect_uri: Url,
    pub allowed_domains: Vec<String>,
    pub session_secret: Secret,
    pub aws_region: Option<String>,
    pub data_dir: PathBuf,
    pub store: StoreBackend,
    pub keys: KeyBackend,
    pub log_format: LogFormat,
    pub log_level: String,
    /// How long audit records are kept (AUDIT_RETENTION_DAYS).
    pub audit_retention: Duration,
    pub shutdown_drain: Duration,
    pub sse_keep_alive: Duration,
    pub tool_timeout: Duration,
    pub max_request_body_bytes: usize,
    pub mcp_session_idle: Duration,
    /// How often each task reloads revocations (tokens, users, ended sessions).
    pub revocation_poll: Duration,
    pub max_mcp_sessions: usize,
    pub max_mcp_sessions_per_user: usize,
    /// One origin serving every Google endpoint under Google's own paths (the
    /// fake Google in tests and the demo). Unset: Google's real hosts.
    pub google_base_url: Option<Url>,
    /// Force a new sign-in after this long, whatever the client does.
    pub session_max_age: Option<Duration>,
    /// When non-empty, only these addresses (within the allowed domains) may sign in.
    pub allowed_emails: Vec<String>,
    /// Lifetime of gateway access tokens.
    pub access_token_ttl: Duration,
    /// Redirect URIs accepted from clients beyond the built-in ones (exact match,
    /// or a prefix when they end with `*`).
    pub extra_redirect_uris: Vec<String>,
    /// Client registrations one address may make at once; refilled at 30 a minute.
    pub registration_burst: u32,
    /// Which tools are offered (TOOLS, READ_ONLY, SERVICES).
    pub tools: crate::catalog::Selection,
    /// Most characters of text a tool returns before cutting with a note.
    pub tool_output_limit: usize,
    /// Proxies in front of the gateway that each add an `X-Forwarded-For` entry.
    pub trusted_proxy_hops: usize,
    /// Requests one address may make to `/oauth/*`: a minute's refill, and at once.
    pub oauth_requests_per_minute: u32,
    pub oauth_request_burst: u32,
    /// Per-user limits on tool calls (shared by every task) and on MCP requests.
    pub rate_limits: RateLimits,
    /// Where the other tasks reach this one (legacy SSE messages).
    pub peer_url: Option<Url>,
    /// ECS's task metadata endpoint, where a task learns its own address.
    pub ecs_metadata_uri: Option<String>,
    /// Port of the `/metrics` listener on `host` (0: any free one); `None`: no listener.
    pub metrics_port: Option<u16>,
    /// Write a CloudWatch embedded-metric-format line to stdout every minute.
    pub metrics_emf: bool,
    /// The company policy (`POLICY_FILE`) as read at start, and how it is watched.
    pub policy: PolicyConfig,
    /// Outward and irreversible actions only once the person confirmed.
    pub require_confirmation: bool,
}

/// The company policy at start and where it comes from.
#[derive(Debug, Clone, Default)]
pub struct PolicyConfig {
    pub initial: crate::policy::Policy,
    /// `POLICY_FILE`; `None`: no policy (everything the offer allows).
    pub file: Option<PathBuf>,
    /// The file's text as read at start (the watcher's first version).
    pub text: String,
    /// How often every task reads the file again (`POLICY_RELOAD_SECONDS`).
    pub reload_every: Duration,
}

/// Per-user rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Tool calls, counted across every task.
    pub tool_calls: crate::limits::Rate,
    /// Every MCP request (any JSON-RPC message), counted per task.
    pub requests: crate::limits::Rate,
}

impl Config {
    /// The MCP endpoint's public URL (`<PUBLIC_URL>/mcp`): the protected resource.
    pub fn mcp_url(&self) -> Url {
        join(&self.public_url, "/mcp")
    }

    /// Where a person signs in with Google (`<PUBLIC_URL>/oauth/login`).
    pub fn sign_in_url(&self) -> Url {
        join(&self.public_url, "/oauth/login")
    }

    /// Host names `/mcp` accepts in the `Host` header: the public host plus loopback.
    pub fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        if let Some(h) = self.public_url.host_str() {
            let h = h.trim_matches(['[', ']']).to_ascii_lowercase();
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        hosts
    }

    /// Browser origins `/mcp` accepts in an `Origin` header (requests without
    /// one pass): the public origin and loopback on any port.
    pub fn allowed_origins(&self) -> Vec<String> {
        let mut origins = vec![
            "http://localhost:*".to_owned(),
            "http://127.0.0.1:*".to_owned(),
            "http://[::1]:*".to_owned(),
        ];
        let public = self.public_url.origin().ascii_serialization();
        let public = match self.public_url.port() {
            Some(_) => public,
            None => format!(
                "{public}:{}",
                self.public_url.port_or_known_default().unwrap_or(443)
            ),
        };
        if !origins.contains(&public) {
            origins.push(public);
        }
        origins
    }

    /// Warnings that do not stop the gateway but deserve attention.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.public_url.scheme() != "https" && !crate::net::is_loopback(&self.public_url) {
            w.push(format!(
                "{PUBLIC_URL} is not https: MCP clients and Google refuse plain-http URLs other than localhost"
            ));
        }
        w
    }
}

/// Appends `path` to a base URL that may itself have a path prefix.
pub fn join(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    let prefix = base.path().trim_end_matches('/');
    u.set_path(&format!("{prefix}{path}"));
    u
}

mod describe;
mod parse;
mod raw;
#[cfg(test)]
mod tests;
pub mod vars;

pub use raw::RawConfig;
