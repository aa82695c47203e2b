use super::{parse::parse_duration, *};

const SECRET: &str = "s3cr3t-session-value-that-is-long-enough-0123456789";
const CLIENT_SECRET: &str = "GOCSPX-client-secret-value";

fn valid() -> RawConfig {
    RawConfig::from_pairs([
        (GOOGLE_CLIENT_ID, "123.apps.googleusercontent.com"),
        (GOOGLE_CLIENT_SECRET, CLIENT_SECRET),
        (ALLOWED_DOMAIN, "example.com"),
        (SESSION_SECRET, SECRET),
    ])
}

fn problems(raw: &RawConfig) -> Vec<ConfigProblem> {
    Config::from_raw(raw)
        .expect_err("configuration should be refused")
        .problems
}

fn only_problem(raw: &RawConfig) -> ConfigProblem {
    let p = problems(raw);
    assert_eq!(p.len(), 1, "expected exactly one problem, got {p:?}");
    p.into_iter().next().unwrap()
}

#[test]
fn minimal_configuration_gets_safe_defaults() {
    let c = Config::from_raw(&valid()).unwrap();
    assert_eq!(c.port, 3000);
    assert_eq!(c.host.to_string(), "127.0.0.1");
    assert_eq!(c.public_url.as_str(), "http://localhost:3000/");
    assert_eq!(
        c.google_redirect_uri.as_str(),
        "http://localhost:3000/oauth/callback"
    );
    assert_eq!(c.mcp_url().as_str(), "http://localhost:3000/mcp");
    assert_eq!(
        c.store,
        StoreBackend::Sqlite {
            path: PathBuf::from("./data/gateway.db")
        }
    );
    assert!(matches!(c.keys, KeyBackend::Local { .. }));
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.shutdown_drain, Duration::from_secs(25));
    assert_eq!(c.sse_keep_alive, Duration::from_secs(15));
    assert_eq!(c.max_request_body_bytes, 4 * 1024 * 1024);
}

#[test]
fn public_url_drives_redirect_uri_mcp_url_and_allowed_hosts() {
    let mut raw = valid();
    raw.set(PUBLIC_URL, "https://mcp.example.com/");
    raw.set(PORT, "8080");
    let c = Config::from_raw(&raw).unwrap();
    assert_eq!(c.mcp_url().as_str(), "https://mcp.example.com/mcp");
    assert_eq!(
        c.google_redirect_uri.as_str(),
        "https://mcp.example.com/oauth/callback"
    );
    assert!(c.allowed_hosts().contains(&"mcp.example.com".to_owned()));
    assert!(c.allowed_hosts().contains(&"127.0.0.1".to_owned()));
    assert!(c.warnings().is_empty());
}

#[test]
fn public_url_with_path_prefix_is_kept() {
    let mut raw = valid();
    raw.set(PUBLIC_URL, "https://tools.example.com/gw/");
    let c = Config::from_raw(&raw).unwrap();
    assert_eq!(c.mcp_url().as_str(), "https://tools.example.com/gw/mcp");
}

#[test]
fn plain_http_public_url_off_localhost_is_warned_about() {
    let mut raw = valid();
    raw.set(PUBLIC_URL, "http://mcp.example.com");
    let c = Config::from_raw(&raw).unwrap();
    assert_eq!(c.warnings().len(), 1);
}

#[test]
fn each_required_variable_is_named_when_missing() {
    for var in [
        GOOGLE_CLIENT_ID,
        GOOGLE_CLIENT_SECRET,
        ALLOWED_DOMAIN,
        SESSION_SECRET,
    ] {
        let mut raw = valid();
        raw.vars.remove(var);
        let p = only_problem(&raw);
        assert_eq!(p.variable, var);
        assert!(p.message.contains("required"), "{p}");
    }
}

#[test]
fn all_problems_are_reported_together() {
    let raw = RawConfig::from_pairs([(PORT, "http"), (LOG_FORMAT, "xml")]);
    let vars: Vec<_> = problems(&raw).into_iter().map(|p| p.variable).collect();
    for v in [
        PORT,
        LOG_FORMAT,
        GOOGLE_CLIENT_ID,
        GOOGLE_CLIENT_SECRET,
        ALLOWED_DOMAIN,
        SESSION_SECRET,
    ] {
        assert!(vars.contains(&v), "{v} missing from {vars:?}");
    }
}

#[test]
fn invalid_values_name_their_variable() {
    let cases: &[(&str, &str)] = &[
        (PORT, "70000"),
        (PORT, "abc"),
        (HOST, "my host"),
        (PUBLIC_URL, "mcp.example.com"),
        (PUBLIC_URL, "ftp://mcp.example.com"),
        (PUBLIC_URL, "https://mcp.example.com/?a=b"),
        (GOOGLE_REDIRECT_URI, "not a url"),
        (ALLOWED_DOMAIN, "example"),
        (ALLOWED_DOMAIN, "exa mple.com"),
        (DYNAMODB_TABLE_NAME, "a"),
        (LOG_FORMAT, "xml"),
        (LOG_LEVEL, "loud=="),
        (SHUTDOWN_DRAIN_SECONDS, "-1"),
        (SSE_KEEP_ALIVE_SECONDS, "0"),
        (TOOL_TIMEOUT_SECONDS, "soon"),
        (MAX_REQUEST_BODY_BYTES, "12"),
        (MAX_MCP_SESSIONS, "0"),
        (VAULT_MASTER_KEY, "short"),
        (VAULT_PREVIOUS_KEYS, "AAAA"),
        (GOOGLE_BASE_URL, "localhost:9999"),
        (SESSION_MAX_AGE, "7 weeks"),
        (SESSION_MAX_AGE, "60"),
        (ALLOWED_EMAILS, "not-an-email"),
        (ALLOWED_EMAILS, "ann@other.org"),
        (ACCESS_TOKEN_TTL_SECONDS, "5"),
        (OAUTH_EXTRA_REDIRECT_URIS, "no scheme here"),
        (TOOLS, "gmail_teleport"),
        (READ_ONLY, "sometimes"),
        (SERVICES, "gmail,fax"),
        (TOOL_OUTPUT_LIMIT, "10"),
    ];
    for (var, value) in cases {
        let mut raw = valid();
        raw.set(var, *value);
        let p = only_problem(&raw);
        assert_eq!(&p.variable, var, "{var}={value:?} gave {p}");
    }
}

#[test]
fn short_session_secret_is_refused_without_echoing_it() {
    let mut raw = valid();
    raw.set(SESSION_SECRET, "too-short-secret");
    let p = only_problem(&raw);
    assert_eq!(p.variable, SESSION_SECRET);
    assert!(p.message.contains("32 bytes"));
    assert!(!p.to_string().contains("too-short-secret"));
}

#[test]
fn secrets_never_appear_in_describe_debug_or_errors() {
    let mut raw = valid();
    let key = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    raw.set(VAULT_MASTER_KEY, key);
    let c = Config::from_raw(&raw).unwrap();
    let described = format!("{:?}", c.describe());
    let debugged = format!("{c:?} {raw:?}");
    for secret in [SECRET, CLIENT_SECRET, key] {
        assert!(!described.contains(secret), "describe leaks a secret");
        assert!(!debugged.contains(secret), "Debug leaks a secret");
    }
    assert!(described.contains("<redacted>"));
    // Every variable is described.
    let names: Vec<_> = c.describe().into_iter().map(|(n, _)| n).collect();
    let table: Vec<_> = vars::read_by_gateway().map(|v| v.name).collect();
    assert_eq!(names, table);
}

#[test]
fn backends_follow_table_and_key_variables() {
    let mut raw = valid();
    raw.set(DYNAMODB_TABLE_NAME, "mcp-gateway-sessions");
    raw.set(KMS_KEY_ID, "alias/mcp-gateway");
    let c = Config::from_raw(&raw).unwrap();
    assert_eq!(
        c.store,
        StoreBackend::DynamoDb {
            table: "mcp-gateway-sessions".into()
        }
    );
    assert!(matches!(c.keys, KeyBackend::Kms { ref key_id } if key_id == "alias/mcp-gateway"));
}

#[test]
fn allowed_domains_are_normalised_and_deduplicated() {
    let mut raw = valid();
    raw.set(
        ALLOWED_DOMAIN,
        " Example.com, corp.example.org ,example.com,",
    );
    let c = Config::from_raw(&raw).unwrap();
    assert_eq!(c.allowed_domains, vec!["example.com", "corp.example.org"]);
}

#[test]
fn empty_values_count_as_unset() {
    let mut raw = valid();
    raw = RawConfig::from_pairs(
        raw.vars
            .into_iter()
            .chain([(PORT.to_owned(), "".to_owned())]),
    );
    assert_eq!(Config::from_raw(&raw).unwrap().port, 3000);
}

#[test]
fn sign_in_policy_variables() {
    let mut raw = valid();
    raw.set(SESSION_MAX_AGE, "7d");
    raw.set(ALLOWED_EMAILS, "Ann@Example.com, bob@example.com");
    raw.set(GOOGLE_BASE_URL, "http://127.0.0.1:9999/");
    raw.set(
        OAUTH_EXTRA_REDIRECT_URIS,
        "zed://oauth/callback,https://app.example.com/cb*",
    );
    let c = Config::from_raw(&raw).unwrap();
    assert_eq!(c.session_max_age, Some(Duration::from_secs(7 * 86_400)));
    assert_eq!(c.allowed_emails, vec!["ann@example.com", "bob@example.com"]);
    assert_eq!(
        c.google_base_url.unwrap().as_str(),
        "http://127.0.0.1:9999/"
    );
    assert_eq!(c.extra_redirect_uris.len(), 2);
    assert_eq!(c.access_token_ttl, Duration::from_secs(1800));
}

#[test]
fn durations_parse_with_units() {
    assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
    assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
    assert_eq!(parse_duration("12h"), Some(Duration::from_secs(43_200)));
    assert_eq!(parse_duration("7d"), Some(Duration::from_secs(604_800)));
    assert_eq!(parse_duration("7w"), None);
    assert_eq!(parse_duration("d"), None);
}

#[test]
fn metrics_are_off_unless_asked_for_and_never_on_the_public_port() {
    let c = Config::from_raw(&valid()).unwrap();
    assert_eq!((c.metrics_port, c.metrics_emf), (None, false));
    let mut raw = valid();
    raw.set(METRICS_PORT, "9464");
    raw.set(METRICS_EMF, "true");
    let c = Config::from_raw(&raw).unwrap();
    assert_eq!((c.metrics_port, c.metrics_emf), (Some(9464), true));
    for (var, value) in [
        (METRICS_PORT, "3000"),
        (METRICS_PORT, "70000"),
        (METRICS_EMF, "sometimes"),
    ] {
        let mut raw = valid();
        raw.set(var, value);
        assert_eq!(only_problem(&raw).variable, var, "{var}={value}");
    }
}
