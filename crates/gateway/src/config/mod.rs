//! Configuration: what the environment says ([`RawConfig`]) and the validated
//! [`Config`] the gateway runs with. Every variable has a named constant, a
//! default where one is safe, and a specific error naming it when it is wrong.

mod secret;

use std::{collections::BTreeMap, fmt, net::IpAddr, path::PathBuf, time::Duration};

pub use secret::Secret;
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

/// Every variable the gateway reads, in the order `check-config` prints them.
pub const ALL_VARIABLES: &[&str] = &[
    PORT,
    HOST,
    PUBLIC_URL,
    GOOGLE_CLIENT_ID,
    GOOGLE_CLIENT_SECRET,
    GOOGLE_REDIRECT_URI,
    ALLOWED_DOMAIN,
    SESSION_SECRET,
    AWS_REGION,
    DYNAMODB_TABLE_NAME,
    KMS_KEY_ID,
    DATA_DIR,
    LOG_FORMAT,
    LOG_LEVEL,
    VAULT_MASTER_KEY,
    VAULT_PREVIOUS_KEYS,
    SHUTDOWN_DRAIN_SECONDS,
    SSE_KEEP_ALIVE_SECONDS,
    TOOL_TIMEOUT_SECONDS,
    MAX_REQUEST_BODY_BYTES,
    MCP_SESSION_IDLE_SECONDS,
    REVOCATION_POLL_SECONDS,
    MAX_MCP_SESSIONS,
    MAX_MCP_SESSIONS_PER_USER,
    GOOGLE_BASE_URL,
    SESSION_MAX_AGE,
    ALLOWED_EMAILS,
    ACCESS_TOKEN_TTL_SECONDS,
    OAUTH_EXTRA_REDIRECT_URIS,
    OAUTH_REGISTRATION_BURST,
    TOOLS,
    READ_ONLY,
    SERVICES,
    TOOL_OUTPUT_LIMIT,
];

const SECRET_VARIABLES: &[&str] = &[
    GOOGLE_CLIENT_SECRET,
    SESSION_SECRET,
    VAULT_MASTER_KEY,
    VAULT_PREVIOUS_KEYS,
];

pub const DEFAULT_PORT: u16 = 3000;
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(25);
pub const DEFAULT_SSE_KEEP_ALIVE: Duration = Duration::from_secs(15);
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(24 * 3600);
pub const DEFAULT_MAX_SESSIONS: usize = 10_000;
pub const DEFAULT_MAX_SESSIONS_PER_USER: usize = 32;
pub const MIN_SESSION_SECRET_BYTES: usize = 32;
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(1800);
/// Info for the gateway; the MCP library logs only warnings (it logs every session at info).
pub const DEFAULT_LOG_LEVEL: &str = "info,rmcp=warn";

/// The variables as the environment gives them (after an optional `.env`).
#[derive(Default, Clone)]
pub struct RawConfig {
    vars: BTreeMap<String, String>,
}

impl RawConfig {
    /// Reads the process environment. Empty values count as unset.
    pub fn from_env() -> Self {
        Self::from_pairs(std::env::vars().filter(|(k, _)| ALL_VARIABLES.contains(&k.as_str())))
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        Self { vars }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim())
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.vars.insert(name.to_owned(), value.into());
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }
}

impl fmt::Debug for RawConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.vars {
            if SECRET_VARIABLES.contains(&k.as_str()) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

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
    pub tools: crate::tools::catalog::Selection,
    /// Most characters of text a tool returns before cutting with a note.
    pub tool_output_limit: usize,
}

struct Checker<'a> {
    raw: &'a RawConfig,
    problems: Vec<ConfigProblem>,
}

impl<'a> Checker<'a> {
    fn problem(&mut self, variable: &'static str, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            variable,
            message: message.into(),
        });
    }

    fn required(&mut self, variable: &'static str, what: &str) -> Option<&'a str> {
        let value = self.raw.get(variable);
        if value.is_none() {
            self.problem(variable, format!("is required ({what})"));
        }
        value
    }

    fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
        &mut self,
        variable: &'static str,
        default: T,
        min: T,
        max: T,
    ) -> T {
        let Some(value) = self.raw.get(variable) else {
            return default;
        };
        match value.parse::<T>() {
            Ok(n) if n >= min && n <= max => n,
            Ok(_) => {
                self.problem(
                    variable,
                    format!("must be between {min} and {max}, got {value:?}"),
                );
                default
            }
            Err(_) => {
                self.problem(variable, format!("must be a whole number, got {value:?}"));
                default
            }
        }
    }

    fn seconds(
        &mut self,
        variable: &'static str,
        default: Duration,
        min: u64,
        max: u64,
    ) -> Duration {
        Duration::from_secs(self.number(variable, default.as_secs(), min, max))
    }
}

impl Config {
    /// Validates `raw`, reporting every problem at once.
    pub fn from_raw(raw: &RawConfig) -> Result<Config, ConfigError> {
        let mut c = Checker {
            raw,
            problems: Vec::new(),
        };

        let port = c.number(PORT, DEFAULT_PORT, 0, u16::MAX);
        let host = match raw.get(HOST).unwrap_or(DEFAULT_HOST) {
            "localhost" => IpAddr::from([127, 0, 0, 1]),
            h => match h.trim_matches(['[', ']']).parse::<IpAddr>() {
                Ok(ip) => ip,
                Err(_) => {
                    c.problem(
                        HOST,
                        format!("must be an IP address such as 0.0.0.0 or 127.0.0.1, got {h:?}"),
                    );
                    IpAddr::from([127, 0, 0, 1])
                }
            },
        };

        let default_public = format!("http://localhost:{port}");
        let public_url = parse_base_url(&mut c, PUBLIC_URL, raw.get(PUBLIC_URL))
            .unwrap_or_else(|| Url::parse(&default_public).expect("valid default URL"));

        let google_client_id = c
            .required(GOOGLE_CLIENT_ID, "the OAuth client id from Google Cloud")
            .unwrap_or_default()
            .to_owned();
        let google_client_secret = Secret::new(
            c.required(
                GOOGLE_CLIENT_SECRET,
                "the OAuth client secret from Google Cloud",
            )
            .unwrap_or_default(),
        );

        let google_redirect_uri = match raw.get(GOOGLE_REDIRECT_URI) {
            Some(v) => match Url::parse(v) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.fragment().is_none() => u,
                _ => {
                    c.problem(
                        GOOGLE_REDIRECT_URI,
                        format!("must be an absolute http(s) URL without a fragment, got {v:?}"),
                    );
                    join(&public_url, "/oauth/callback")
                }
            },
            None => join(&public_url, "/oauth/callback"),
        };

        let allowed_domains = match c.required(
            ALLOWED_DOMAIN,
            "the Google Workspace domain(s) allowed to sign in, comma-separated",
        ) {
            Some(v) => {
                let mut domains = Vec::new();
                for d in v.split(',').map(|d| d.trim().to_ascii_lowercase()) {
                    if d.is_empty() {
                        continue;
                    }
                    if is_domain_name(&d) {
                        if !domains.contains(&d) {
                            domains.push(d);
                        }
                    } else {
                        c.problem(
                            ALLOWED_DOMAIN,
                            format!("{d:?} is not a domain name (expected e.g. example.com)"),
                        );
                    }
                }
                if domains.is_empty() && c.problems.iter().all(|p| p.variable != ALLOWED_DOMAIN) {
                    c.problem(ALLOWED_DOMAIN, "names no domain");
                }
                domains
            }
            None => Vec::new(),
        };

        let session_secret = match c.required(
            SESSION_SECRET,
            "a random value of at least 32 bytes, e.g. `openssl rand -base64 48`",
        ) {
            Some(v) if v.len() < MIN_SESSION_SECRET_BYTES => {
                c.problem(
                    SESSION_SECRET,
                    format!(
                        "must be at least {MIN_SESSION_SECRET_BYTES} bytes long (it has {}); generate one with `openssl rand -base64 48`",
                        v.len()
                    ),
                );
                Secret::new("")
            }
            Some(v) => Secret::new(v),
            None => Secret::new(""),
        };

        let aws_region = raw.get(AWS_REGION).map(str::to_owned);
        let data_dir = PathBuf::from(raw.get(DATA_DIR).unwrap_or(DEFAULT_DATA_DIR));

        let store = match raw.get(DYNAMODB_TABLE_NAME) {
            Some(t) if is_dynamodb_table_name(t) => StoreBackend::DynamoDb {
                table: t.to_owned(),
            },
            Some(t) => {
                c.problem(
                    DYNAMODB_TABLE_NAME,
                    format!(
                        "{t:?} is not a valid table name (3-255 characters of a-z A-Z 0-9 _ - .)"
                    ),
                );
                StoreBackend::Sqlite {
                    path: data_dir.join("gateway.db"),
                }
            }
            None => StoreBackend::Sqlite {
                path: data_dir.join("gateway.db"),
            },
        };

        let keys = match raw.get(KMS_KEY_ID) {
            Some(k) => KeyBackend::Kms {
                key_id: k.to_owned(),
            },
            None => {
                let master_key = raw.get(VAULT_MASTER_KEY).map(Secret::new);
                if let Some(k) = &master_key
                    && !is_base64_key(k.expose())
                {
                    c.problem(
                        VAULT_MASTER_KEY,
                        "must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
                    );
                }
                let previous_keys: Vec<Secret> = raw
                    .get(VAULT_PREVIOUS_KEYS)
                    .map(|v| {
                        v.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(Secret::new)
                            .collect()
                    })
                    .unwrap_or_default();
                if previous_keys.iter().any(|k| !is_base64_key(k.expose())) {
                    c.problem(
                        VAULT_PREVIOUS_KEYS,
                        "must be a comma-separated list of 32-byte keys in base64",
                    );
                }
                KeyBackend::Local {
                    master_key,
                    previous_keys,
                }
            }
        };
        let log_format = match raw.get(LOG_FORMAT).map(str::to_ascii_lowercase).as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") | Some("text") => LogFormat::Pretty,
            Some(other) => {
                c.problem(
                    LOG_FORMAT,
                    format!("must be `json` or `pretty`, got {other:?}"),
                );
                LogFormat::Json
            }
        };
        let log_level = raw.get(LOG_LEVEL).unwrap_or(DEFAULT_LOG_LEVEL).to_owned();
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            c.problem(
                LOG_LEVEL,
                format!(
                    "must be a level (error, warn, info, debug, trace) or a filter such as `info,mcp_gateway=debug`, got {log_level:?}"
                ),
            );
        }

        let shutdown_drain = c.seconds(SHUTDOWN_DRAIN_SECONDS, DEFAULT_DRAIN, 0, 3600);
        let sse_keep_alive = c.seconds(SSE_KEEP_ALIVE_SECONDS, DEFAULT_SSE_KEEP_ALIVE, 1, 3600);
        let tool_timeout = c.seconds(TOOL_TIMEOUT_SECONDS, DEFAULT_TOOL_TIMEOUT, 1, 3600);
        let max_request_body_bytes = c.number(
            MAX_REQUEST_BODY_BYTES,
            DEFAULT_MAX_BODY,
            1024,
            256 * 1024 * 1024,
        );
        let mcp_session_idle = c.seconds(
            MCP_SESSION_IDLE_SECONDS,
            DEFAULT_SESSION_IDLE,
            60,
            30 * 24 * 3600,
        );
        let revocation_poll = c.seconds(REVOCATION_POLL_SECONDS, Duration::from_secs(15), 1, 300);
        let max_mcp_sessions = c.number(MAX_MCP_SESSIONS, DEFAULT_MAX_SESSIONS, 1, 10_000_000);
        let max_mcp_sessions_per_user = c.number(
            MAX_MCP_SESSIONS_PER_USER,
            DEFAULT_MAX_SESSIONS_PER_USER,
            1,
            100_000,
        );

        let google_base_url = parse_base_url(&mut c, GOOGLE_BASE_URL, raw.get(GOOGLE_BASE_URL));
        let session_max_age = match raw.get(SESSION_MAX_AGE) {
            None => None,
            Some(v) => match parse_duration(v) {
                Some(d) if d >= Duration::from_secs(300) => Some(d),
                _ => {
                    c.problem(
                        SESSION_MAX_AGE,
                        format!("must be a duration of at least 5 minutes such as 7d, 12h or 3600 (seconds), got {v:?}"),
                    );
                    None
                }
            },
        };
        let mut allowed_emails = Vec::new();
        for e in raw
            .get(ALLOWED_EMAILS)
            .unwrap_or_default()
            .split(',')
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
        {
            match e.split_once('@') {
                Some((local, domain)) if !local.is_empty() && is_domain_name(domain) => {
                    if !allowed_domains.is_empty() && !allowed_domains.iter().any(|d| d == domain) {
                        c.problem(
                            ALLOWED_EMAILS,
                            format!(
                                "{e} is outside ALLOWED_DOMAIN ({})",
                                allowed_domains.join(",")
                            ),
                        );
                    }
                    allowed_emails.push(e);
                }
                _ => c.problem(ALLOWED_EMAILS, format!("{e:?} is not an email address")),
            }
        }
        let access_token_ttl = c.seconds(
            ACCESS_TOKEN_TTL_SECONDS,
            DEFAULT_ACCESS_TOKEN_TTL,
            60,
            86_400,
        );
        let mut extra_redirect_uris = Vec::new();
        for u in raw
            .get(OAUTH_EXTRA_REDIRECT_URIS)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            if Url::parse(u.trim_end_matches('*')).is_ok() {
                extra_redirect_uris.push(u.to_owned());
            } else {
                c.problem(
                    OAUTH_EXTRA_REDIRECT_URIS,
                    format!("{u:?} is not an absolute URI"),
                );
            }
        }

        let registration_burst = c.number(OAUTH_REGISTRATION_BURST, 20, 1, 100_000);
        let tools = match crate::tools::catalog::Selection::parse(
            raw.get(TOOLS),
            raw.get(READ_ONLY),
            raw.get(SERVICES),
        ) {
            Ok(s) => s,
            Err((variable, message)) => {
                let variable = match variable {
                    "TOOLS" => TOOLS,
                    "READ_ONLY" => READ_ONLY,
                    _ => SERVICES,
                };
                c.problem(variable, message);
                crate::tools::catalog::Selection::default()
            }
        };
        let tool_output_limit = c.number(TOOL_OUTPUT_LIMIT, 20_000, 1_000, 1_000_000);

        if !c.problems.is_empty() {
            return Err(ConfigError {
                problems: c.problems,
            });
        }
        Ok(Config {
            host,
            port,
            public_url,
            google_client_id,
            google_client_secret,
            google_redirect_uri,
            allowed_domains,
            session_secret,
            aws_region,
            data_dir,
            store,
            keys,
            log_format,
            log_level,
            shutdown_drain,
            sse_keep_alive,
            tool_timeout,
            max_request_body_bytes,
            mcp_session_idle,
            revocation_poll,
            max_mcp_sessions,
            max_mcp_sessions_per_user,
            google_base_url,
            session_max_age,
            allowed_emails,
            access_token_ttl,
            extra_redirect_uris,
            registration_burst,
            tools,
            tool_output_limit,
        })
    }

    /// The MCP endpoint's public URL (`<PUBLIC_URL>/mcp`): the protected resource.
    pub fn mcp_url(&self) -> Url {
        join(&self.public_url, "/mcp")
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

    /// The effective configuration as `(variable, value)` lines, secrets redacted.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
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
                    (None, crate::tools::catalog::Tier::Core) => "core".into(),
                    (None, crate::tools::catalog::Tier::Extended) => "all".into(),
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
        ]
    }
}

fn parse_base_url(c: &mut Checker<'_>, variable: &'static str, value: Option<&str>) -> Option<Url> {
    let v = value?;
    match Url::parse(v) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty() =>
        {
            let mut u = u;
            // A trailing slash would double up when joining paths.
            let trimmed = u.path().trim_end_matches('/').to_owned();
            u.set_path(&trimmed);
            Some(u)
        }
        _ => {
            c.problem(
                variable,
                format!(
                    "must be an absolute http(s) URL without query, fragment or credentials (e.g. https://mcp.example.com), got {v:?}"
                ),
            );
            None
        }
    }
}

/// Appends `path` to a base URL that may itself have a path prefix.
pub fn join(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    let prefix = base.path().trim_end_matches('/');
    u.set_path(&format!("{prefix}{path}"));
    u
}

/// Parses `90`, `90s`, `15m`, `12h` or `7d`.
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (number, unit) = match v.char_indices().find(|(_, ch)| !ch.is_ascii_digit()) {
        Some((i, _)) => v.split_at(i),
        None => (v, "s"),
    };
    let n: u64 = number.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(factor).map(Duration::from_secs)
}

fn is_domain_name(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        })
}

fn is_dynamodb_table_name(t: &str) -> bool {
    (3..=255).contains(&t.len())
        && t.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
}

fn is_base64_key(k: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(k)
        .map(|b| b.len() == 32)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests;
