//! From [`RawConfig`] to [`Config`]: every variable checked, every problem
//! reported at once; numeric defaults and bounds come from the table in
//! [`vars`](super::vars).

use std::{fmt, net::IpAddr, path::PathBuf, time::Duration};

use url::Url;

use super::*;
use crate::{limits::Rate, secret::Secret};

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

    /// A whole-number variable, with its default and bounds from the table.
    fn count<T: TryFrom<u64>>(&mut self, variable: &'static str) -> T {
        let vars::WhenUnset::Number { value, min, max } = vars::var_named(variable).default else {
            panic!("{variable} is not a number in the table of variables");
        };
        let n = self.number(variable, value, min, max);
        T::try_from(n).unwrap_or_else(|_| panic!("the bounds of {variable} fit its type"))
    }

    /// A number of seconds, with its default and bounds from the table.
    fn seconds(&mut self, variable: &'static str) -> Duration {
        Duration::from_secs(self.count(variable))
    }
}

impl Config {
    /// Validates `raw`, reporting every problem at once.
    pub fn from_raw(raw: &RawConfig) -> Result<Config, ConfigError> {
        let mut c = Checker {
            raw,
            problems: Vec::new(),
        };

        let port = c.count(PORT);
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

        let audit_retention = Duration::from_secs(c.count::<u64>(AUDIT_RETENTION_DAYS) * 86_400);
        let shutdown_drain = c.seconds(SHUTDOWN_DRAIN_SECONDS);
        let sse_keep_alive = c.seconds(SSE_KEEP_ALIVE_SECONDS);
        let tool_timeout = c.seconds(TOOL_TIMEOUT_SECONDS);
        let max_request_body_bytes = c.count(MAX_REQUEST_BODY_BYTES);
        let mcp_session_idle = c.seconds(MCP_SESSION_IDLE_SECONDS);
        let revocation_poll = c.seconds(REVOCATION_POLL_SECONDS);
        let max_mcp_sessions = c.count(MAX_MCP_SESSIONS);
        let max_mcp_sessions_per_user = c.count(MAX_MCP_SESSIONS_PER_USER);

        let google_base_url = parse_base_url(&mut c, GOOGLE_BASE_URL, raw.get(GOOGLE_BASE_URL));
        let peer_url = parse_base_url(&mut c, PEER_URL, raw.get(PEER_URL));
        let ecs_metadata_uri = raw.get(ECS_CONTAINER_METADATA_URI_V4).map(str::to_owned);
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
        let access_token_ttl = c.seconds(ACCESS_TOKEN_TTL_SECONDS);
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

        let registration_burst = c.count(OAUTH_REGISTRATION_BURST);
        let oauth_requests_per_minute = c.count(OAUTH_REQUESTS_PER_MINUTE);
        let oauth_request_burst = c.count(OAUTH_REQUEST_BURST);
        let trusted_proxy_hops = c.count(TRUSTED_PROXY_HOPS);
        let rate_limits = RateLimits {
            tool_calls: Rate {
                per_minute: c.count(RATE_LIMIT_TOOL_CALLS_PER_MINUTE),
                burst: c.count(RATE_LIMIT_BURST),
            },
            requests: Rate {
                per_minute: c.count(RATE_LIMIT_REQUESTS_PER_MINUTE),
                burst: c.count(RATE_LIMIT_REQUEST_BURST),
            },
        };
        let tools = match crate::catalog::Selection::parse(
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
                crate::catalog::Selection::default()
            }
        };
        let tool_output_limit = c.count(TOOL_OUTPUT_LIMIT);
        let metrics_port = match raw.get(METRICS_PORT) {
            None => None,
            Some(v) => {
                match v.parse::<u16>() {
                    Ok(p) if p != 0 && p == port => {
                        c.problem(METRICS_PORT, format!("must differ from PORT ({port}): metrics never share the public port"));
                        None
                    }
                    Ok(p) => Some(p),
                    Err(_) => {
                        c.problem(
                            METRICS_PORT,
                            format!("must be a port number (0 to 65535), got {v:?}"),
                        );
                        None
                    }
                }
            }
        };
        let metrics_emf = match raw
            .get(METRICS_EMF)
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(other) => {
                c.problem(METRICS_EMF, format!("must be true or false, got {other:?}"));
                false
            }
        };

        let require_confirmation = match raw
            .get(REQUIRE_CONFIRMATION)
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("false") | Some("0") | Some("no") => false,
            Some("true") | Some("1") | Some("yes") => true,
            Some(other) => {
                c.problem(
                    REQUIRE_CONFIRMATION,
                    format!("must be true or false, got {other:?}"),
                );
                false
            }
        };
        let policy_reload = c.seconds(POLICY_RELOAD_SECONDS);
        let policy = match raw
            .get(POLICY_FILE)
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => PolicyConfig {
                initial: crate::policy::Policy {
                    company_domains: allowed_domains.clone(),
                    ..Default::default()
                },
                reload_every: policy_reload,
                ..PolicyConfig::default()
            },
            Some(path) => {
                let path = PathBuf::from(path);
                match crate::policy::reload::load(&path, &allowed_domains) {
                    Ok((initial, text)) => PolicyConfig {
                        initial,
                        file: Some(path),
                        text,
                        reload_every: policy_reload,
                    },
                    Err(e) => {
                        c.problem(POLICY_FILE, format!("{}: {e}", path.display()));
                        PolicyConfig::default()
                    }
                }
            }
        };

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
            audit_retention,
            shutdown_drain,
            sse_keep_alive,
            tool_timeout,
            max_request_body_bytes,
            mcp_session_idle,
            revocation_poll,
            max_mcp_sessions,
            max_mcp_sessions_per_user,
            google_base_url,
            peer_url,
            ecs_metadata_uri,
            session_max_age,
            allowed_emails,
            access_token_ttl,
            extra_redirect_uris,
            registration_burst,
            oauth_requests_per_minute,
            oauth_request_burst,
            rate_limits,
            trusted_proxy_hops,
            tools,
            tool_output_limit,
            metrics_port,
            metrics_emf,
            policy,
            require_confirmation,
        })
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

/// Parses `90`, `90s`, `15m`, `12h` or `7d`.
pub(super) fn parse_duration(v: &str) -> Option<Duration> {
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
