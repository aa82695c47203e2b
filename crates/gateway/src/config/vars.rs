//! Every environment variable, once: its name, section, default, whether it
//! is secret, and its help. Parsing takes the numeric defaults and bounds
//! from here, `check-config` lists the variables in this order (secrets
//! redacted), and `.env.example` and the README's configuration table are
//! written from it ([`env_example`], [`readme_table`]); a test keeps both
//! files in step (`UPDATE_CONFIG_DOCS=1 cargo test -p mcp-gateway
//! config_docs` rewrites them).

use super::*;

/// Who reads a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The gateway's configuration.
    Gateway,
    /// The AWS SDK (listed for the operator; the gateway never reads it).
    AwsSdk,
}

/// What a variable is when unset.
#[derive(Debug, Clone, Copy)]
pub enum WhenUnset {
    Required,
    /// Unset means what the text says (e.g. "SQLite").
    Means(&'static str),
    Text(&'static str),
    /// A whole number with its accepted range.
    Number {
        value: u64,
        min: u64,
        max: u64,
    },
}

/// How `.env.example` shows a variable.
#[derive(Debug, Clone, Copy)]
pub enum Example {
    /// `NAME=value`.
    Value(&'static str),
    /// `# NAME=value`: read from elsewhere, or an illustration.
    Commented(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Network,
    Google,
    Secrets,
    State,
    Logging,
    Limits,
    SignIn,
    Testing,
    Tools,
    Tasks,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Network => "Network",
            Section::Google => "Google OAuth client (required for `serve`)",
            Section::Secrets => "Gateway secrets",
            Section::State => "State and encryption (embedded defaults when unset)",
            Section::Logging => "Logging",
            Section::Limits => "Limits and timing",
            Section::SignIn => "Sign-in policy and the authorization server",
            Section::Testing => "Testing and demo",
            Section::Tools => "Tools",
            Section::Tasks => "Several tasks",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Var {
    pub name: &'static str,
    pub section: Section,
    pub default: WhenUnset,
    pub secret: bool,
    pub reader: Reader,
    pub example: Example,
    /// What it does, for people: the README's table and `.env.example`.
    pub help: &'static str,
}

const fn var(
    name: &'static str,
    section: Section,
    default: WhenUnset,
    example: Example,
    help: &'static str,
) -> Var {
    Var {
        name,
        section,
        default,
        secret: false,
        reader: Reader::Gateway,
        example,
        help,
    }
}

const fn secret(
    name: &'static str,
    section: Section,
    default: WhenUnset,
    help: &'static str,
) -> Var {
    let mut v = var(name, section, default, Example::Value(""), help);
    v.secret = true;
    v
}

const fn number(
    name: &'static str,
    section: Section,
    value: u64,
    min: u64,
    max: u64,
    help: &'static str,
) -> Var {
    let default = WhenUnset::Number { value, min, max };
    var(name, section, default, Example::Value(""), help)
}

use Example::{Commented, Value};
use Section::*;
use WhenUnset::{Means, Required, Text};

const MIB: u64 = 1024 * 1024;
const DAY: u64 = 24 * 3600;

/// Every variable, in the order `check-config`, `.env.example` and the README list them.
pub const VARIABLES: &[Var] = &[
    number(
        PORT,
        Network,
        DEFAULT_PORT as u64,
        0,
        u16::MAX as u64,
        "Port to listen on.",
    ),
    var(
        HOST,
        Network,
        Text(DEFAULT_HOST),
        Value(DEFAULT_HOST),
        "Address to bind (`0.0.0.0` in a container).",
    ),
    number(
        TRUSTED_PROXY_HOPS,
        Network,
        1,
        0,
        10,
        "Proxies in front of the gateway that each add an `X-Forwarded-For` entry (1: the ALB; 0: clients connect directly). A client's address, for the per-address limits, is the entry the outermost of them added; entries further left are the client's own and are ignored. Set it to the number of proxies every request passes.",
    ),
    var(
        PUBLIC_URL,
        Network,
        Means("`http://localhost:PORT`"),
        Value("http://localhost:3000"),
        "The external URL clients use, https in production. The MCP endpoint is `PUBLIC_URL/mcp`; it also sets the `Host` names `/mcp` accepts.",
    ),
    var(
        GOOGLE_CLIENT_ID,
        Google,
        Required,
        Value("1234567890-example.apps.googleusercontent.com"),
        "Google OAuth client id (type: Web application), from Google Cloud console > APIs & Services > Credentials.",
    ),
    secret(
        GOOGLE_CLIENT_SECRET,
        Google,
        Required,
        "Google OAuth client secret.",
    ),
    var(
        GOOGLE_REDIRECT_URI,
        Google,
        Means("`PUBLIC_URL/oauth/callback`"),
        Value(""),
        "Must be registered with Google.",
    ),
    var(
        ALLOWED_DOMAIN,
        Google,
        Required,
        Value("example.com"),
        "Google Workspace domain(s) whose members may sign in, comma-separated.",
    ),
    secret(
        SESSION_SECRET,
        Secrets,
        Required,
        "At least 32 bytes of randomness (`openssl rand -base64 48`); signs the gateway's access tokens.",
    ),
    var(
        DATA_DIR,
        State,
        Text(DEFAULT_DATA_DIR),
        Value(DEFAULT_DATA_DIR),
        "Directory of the SQLite store (`gateway.db`) and the local vault key (`vault.key`, mode 0600).",
    ),
    var(
        DYNAMODB_TABLE_NAME,
        State,
        Means("SQLite"),
        Value(""),
        "DynamoDB table for production state (else the embedded SQLite store under `DATA_DIR`).",
    ),
    var(
        KMS_KEY_ID,
        State,
        Means("local key"),
        Value(""),
        "KMS key (id, ARN or alias) protecting secrets at rest (else the local master key).",
    ),
    var(
        AWS_REGION,
        State,
        Means("the AWS SDK's"),
        Commented("eu-west-1"),
        "Region for DynamoDB and KMS (the standard AWS configuration also works).",
    ),
    Var {
        name: "AWS_ENDPOINT_URL",
        section: State,
        default: Means("AWS"),
        secret: false,
        reader: Reader::AwsSdk,
        example: Commented("http://127.0.0.1:5000"),
        help: "Read by the AWS SDK (as are its other standard variables and the default credential chain, the ECS task role in production): a local DynamoDB and KMS emulator such as moto for development.",
    },
    secret(
        VAULT_MASTER_KEY,
        State,
        Means("key file"),
        "Local master key: 32 random bytes in base64 (`openssl rand -base64 32`); unset = the key file `DATA_DIR/vault.key`, created on first run.",
    ),
    secret(
        VAULT_PREVIOUS_KEYS,
        State,
        Means(""),
        "Earlier local master keys (comma-separated base64), still accepted for reading values sealed before a rotation.",
    ),
    var(
        LOG_FORMAT,
        Logging,
        Text("json"),
        Value("json"),
        "`json` (one object per line) or `pretty`.",
    ),
    var(
        LOG_LEVEL,
        Logging,
        Text(DEFAULT_LOG_LEVEL),
        Value(DEFAULT_LOG_LEVEL),
        "A level or filter directive, e.g. `debug` or `info,mcp_gateway=debug`.",
    ),
    var(
        METRICS_PORT,
        Logging,
        Means("no metrics listener"),
        Value(""),
        "Port of a second listener, on `HOST`, serving Prometheus metrics at `GET /metrics` (never on `PORT`). Keep it unreachable from the internet (no load balancer listener).",
    ),
    var(
        METRICS_EMF,
        Logging,
        Text("false"),
        Value("false"),
        "`true` writes one CloudWatch embedded-metric-format line (namespace `McpGateway`) to stdout every 60 s, with the changes since the previous one.",
    ),
    var(
        REQUIRE_CONFIRMATION,
        Tools,
        Text("false"),
        Value("false"),
        "`true`: sending mail, sharing a file outside the company, deleting an event with guests and trashing more than 10 messages are refused unless confirmed. A client that can ask the person (elicitation) is always asked, whatever this says; with any other client the call must carry `confirm: true`.",
    ),
    var(
        POLICY_FILE,
        Tools,
        Means("no company policy"),
        Commented("/etc/mcp-gateway/policy.toml"),
        "A TOML file of company guard rails: outbound mail, Drive sharing and Calendar guests outside the company, attachment size, daily caps on mail sent and files shared, and which tools each person or group gets (`docs/policy.md`). Checked at start (a mistake stops the gateway, naming the line) and read again every `POLICY_RELOAD_SECONDS`.",
    ),
    number(
        POLICY_RELOAD_SECONDS,
        Tools,
        30,
        1,
        60,
        "Seconds between reads of `POLICY_FILE`: a good change applies within this time on every task; a bad one is logged and the last good policy stays.",
    ),
    number(
        AUDIT_RETENTION_DAYS,
        Logging,
        90,
        0,
        3650,
        "Days the audit trail (one event per tool call and security event, read with `mcp-gateway audit`) is kept in the store; DynamoDB's TTL removes older records. 0 keeps it in the log only (target `audit`), with no store write per call.",
    ),
    number(
        SHUTDOWN_DRAIN_SECONDS,
        Limits,
        25,
        0,
        3600,
        "Seconds in-flight requests may take to finish after SIGTERM.",
    ),
    number(
        SSE_KEEP_ALIVE_SECONDS,
        Limits,
        15,
        1,
        3600,
        "Seconds between SSE keep-alive comments (keep below the load balancer's idle timeout).",
    ),
    number(
        TOOL_TIMEOUT_SECONDS,
        Limits,
        120,
        1,
        3600,
        "The longest a tool call may take, in seconds.",
    ),
    number(
        MAX_REQUEST_BODY_BYTES,
        Limits,
        4 * MIB,
        1024,
        256 * MIB,
        "Largest accepted request body in bytes (413 beyond).",
    ),
    number(
        MCP_SESSION_IDLE_SECONDS,
        Limits,
        DAY,
        60,
        30 * DAY,
        "Seconds an unused MCP session stays resumable.",
    ),
    number(
        REVOCATION_POLL_SECONDS,
        Limits,
        15,
        1,
        300,
        "How often each task reloads revocations: revoked tokens and users, and MCP sessions ended on another task, are refused everywhere within this.",
    ),
    number(
        MAX_MCP_SESSIONS,
        Limits,
        DEFAULT_MAX_SESSIONS as u64,
        1,
        10_000_000,
        "Most live MCP sessions one task holds (503 with `Retry-After` beyond).",
    ),
    number(
        MAX_MCP_SESSIONS_PER_USER,
        Limits,
        DEFAULT_MAX_SESSIONS_PER_USER as u64,
        1,
        100_000,
        "Most MCP sessions per user; the oldest end first.",
    ),
    number(
        RATE_LIMIT_TOOL_CALLS_PER_MINUTE,
        Limits,
        120,
        1,
        1_000_000,
        "Tool calls one user may make a minute, counted across every task (within one burst per task; see README, \"Rate limits\"); beyond it a call is a tool error saying when to retry.",
    ),
    number(
        RATE_LIMIT_BURST,
        Limits,
        30,
        1,
        1_000_000,
        "Tool calls one user may make at once, before `RATE_LIMIT_TOOL_CALLS_PER_MINUTE` applies.",
    ),
    number(
        RATE_LIMIT_REQUESTS_PER_MINUTE,
        Limits,
        1_200,
        1,
        10_000_000,
        "MCP requests (any message on `/mcp` or `/messages`) one user may make a minute on one task; beyond it 429 with `Retry-After`.",
    ),
    number(
        RATE_LIMIT_REQUEST_BURST,
        Limits,
        300,
        1,
        10_000_000,
        "MCP requests one user may make at once on one task, before `RATE_LIMIT_REQUESTS_PER_MINUTE` applies.",
    ),
    var(
        SESSION_MAX_AGE,
        SignIn,
        Means("never forced"),
        Value(""),
        "Force a new Google sign-in after this long (e.g. `7d`, `12h`).",
    ),
    var(
        ALLOWED_EMAILS,
        SignIn,
        Means("everyone in the domains"),
        Value(""),
        "Only these addresses (within `ALLOWED_DOMAIN`) may sign in; comma-separated.",
    ),
    number(
        ACCESS_TOKEN_TTL_SECONDS,
        SignIn,
        1800,
        60,
        DAY,
        "Lifetime of the gateway's access tokens in seconds.",
    ),
    var(
        OAUTH_EXTRA_REDIRECT_URIS,
        SignIn,
        Means(""),
        Value(""),
        "Redirect URIs accepted from MCP clients beyond the built-in ones (Cursor, VS Code, Claude, ChatGPT, loopback on any port): exact URIs, or prefixes ending with `*`.",
    ),
    number(
        OAUTH_REGISTRATION_BURST,
        SignIn,
        20,
        1,
        100_000,
        "Client registrations one address may make at once (refilled at 30 a minute; 429 beyond).",
    ),
    number(
        OAUTH_REQUESTS_PER_MINUTE,
        SignIn,
        600,
        1,
        1_000_000,
        "Requests one client address may make to `/oauth/*` per minute, on average (429 with `Retry-After` beyond). Generous: a company's people may share one address.",
    ),
    number(
        OAUTH_REQUEST_BURST,
        SignIn,
        300,
        1,
        1_000_000,
        "Requests one client address may make to `/oauth/*` at once, before `OAUTH_REQUESTS_PER_MINUTE` applies.",
    ),
    var(
        GOOGLE_BASE_URL,
        Testing,
        Means("Google"),
        Value(""),
        "Serve every Google endpoint from this one origin under Google's paths (the built-in fake Google of the demo and the tests).",
    ),
    var(
        TOOLS,
        Tools,
        Text("core"),
        Value("core"),
        "`core`, `extended`, `all`, or a comma-separated list of tool names.",
    ),
    var(
        READ_ONLY,
        Tools,
        Text("false"),
        Value("false"),
        "`true` offers no tool that changes anything, and requests no write scopes from Google.",
    ),
    var(
        SERVICES,
        Tools,
        Means("all"),
        Value("gmail,calendar,drive,docs,sheets,tasks,contacts,slides,forms,chat"),
        "Google services whose tools are offered (`gmail,calendar,drive,docs,sheets,tasks,contacts,slides,forms,chat`); the Google scopes requested at sign-in follow the offered tools.",
    ),
    number(
        TOOL_OUTPUT_LIMIT,
        Tools,
        20_000,
        1_000,
        1_000_000,
        "Most characters of text a tool returns; longer output is cut with a note.",
    ),
    var(
        PEER_URL,
        Tasks,
        Means("from ECS, else `HOST:PORT`"),
        Value(""),
        "The URL at which the other tasks reach this one (e.g. `http://10.0.1.23:3000`), for legacy SSE messages that land on a task other than the one holding the stream. On ECS it is learnt from the task metadata; locally from `HOST` when that is a specific address.",
    ),
    Var {
        name: ECS_CONTAINER_METADATA_URI_V4,
        section: Tasks,
        default: Means(""),
        secret: false,
        reader: Reader::Gateway,
        example: Commented(""),
        help: "Set by ECS in every task, never by you: where a task asks ECS for its private address (for `PEER_URL`).",
    },
];

/// The entry of `name`. Panics on a name not in the table (a programming error).
pub fn var_named(name: &str) -> &'static Var {
    VARIABLES
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the table of variables"))
}

/// The variables the gateway reads from the environment.
pub fn read_by_gateway() -> impl Iterator<Item = &'static Var> {
    VARIABLES.iter().filter(|v| v.reader == Reader::Gateway)
}

pub fn is_secret(name: &str) -> bool {
    VARIABLES.iter().any(|v| v.name == name && v.secret)
}

impl Var {
    /// The README's "default" column.
    fn default_text(&self) -> String {
        let text = match self.default {
            WhenUnset::Required => "required".to_owned(),
            WhenUnset::Means("") => String::new(),
            WhenUnset::Means(meaning) => format!("unset = {meaning}"),
            WhenUnset::Text(v) => format!("`{v}`"),
            WhenUnset::Number { value, .. } => format!("`{value}`"),
        };
        match (self.secret, text.is_empty()) {
            (true, true) => "secret".to_owned(),
            (true, false) => format!("{text}, secret"),
            (false, _) => text,
        }
    }

    /// The value `.env.example` gives (a number's default when none is set).
    fn example_value(&self) -> String {
        match (self.example, self.default) {
            (Example::Value(""), WhenUnset::Number { value, .. }) => value.to_string(),
            (Example::Value(v) | Example::Commented(v), _) => v.to_owned(),
        }
    }
}

/// The README's configuration table.
pub fn readme_table() -> String {
    let mut out = String::from("\n| variable | default | meaning |\n| --- | --- | --- |\n");
    for v in VARIABLES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            v.name,
            v.default_text(),
            v.help
        ));
    }
    out.push('\n');
    out
}

const ENV_EXAMPLE_HEAD: &str = "\
# Workspace MCP Gateway configuration. Copy to `.env` (never commit it) or set
# these in the environment; real environment variables win over `.env`.
# Empty values count as unset. `mcp-gateway check-config` validates them and
# prints the effective configuration with secrets redacted.
# Written from crates/gateway/src/config/vars.rs: change the table, not this file.
";

/// `.env.example`.
pub fn env_example() -> String {
    let mut out = String::from(ENV_EXAMPLE_HEAD);
    let mut section = None;
    for v in VARIABLES {
        if section != Some(v.section) {
            section = Some(v.section);
            let title = v.section.title();
            out.push_str(&format!(
                "\n# --- {title} {}\n",
                "-".repeat(78usize.saturating_sub(title.len()))
            ));
        }
        let mut help = v.help.replace('`', "");
        match v.default {
            WhenUnset::Required => help.push_str(" Required."),
            WhenUnset::Number { value, .. } => help.push_str(&format!(" Default {value}.")),
            WhenUnset::Text(t) => help.push_str(&format!(" Default {t}.")),
            WhenUnset::Means("") => {}
            WhenUnset::Means(meaning) => {
                help.push_str(&format!(" Unset: {}.", meaning.replace('`', "")));
            }
        }
        if v.secret {
            help.push_str(" Secret: never logged or printed.");
        }
        for line in wrap(&help, 84) {
            out.push_str(&format!("# {line}\n"));
        }
        match v.example {
            Example::Value(_) => out.push_str(&format!("{}={}\n", v.name, v.example_value())),
            Example::Commented(_) => out.push_str(&format!("# {}={}\n", v.name, v.example_value())),
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "README.md";
    const ENV_EXAMPLE: &str = ".env.example";
    const TABLE_START: &str =
        "<!-- configuration table: written from crates/gateway/src/config/vars.rs -->\n";
    const TABLE_END: &str = "<!-- end of configuration table -->";

    fn repo_file(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(name)
    }

    /// The README with its configuration table replaced by `table`.
    fn readme_with(readme: &str, table: &str) -> String {
        let start = readme
            .find(TABLE_START)
            .expect("the README marks its configuration table")
            + TABLE_START.len();
        let end = readme[start..]
            .find(TABLE_END)
            .expect("the README marks the end of its configuration table")
            + start;
        format!("{}{table}{}", &readme[..start], &readme[end..])
    }

    #[test]
    fn config_docs_are_written_from_the_table() {
        let readme = std::fs::read_to_string(repo_file(README)).unwrap();
        let committed_env = std::fs::read_to_string(repo_file(ENV_EXAMPLE)).unwrap();
        let want_readme = readme_with(&readme, &readme_table());
        let want_env = env_example();
        #[expect(
            clippy::disallowed_methods,
            reason = "a developer's switch of this test, not a gateway setting"
        )]
        if std::env::var_os("UPDATE_CONFIG_DOCS").is_some() {
            std::fs::write(repo_file(README), &want_readme).unwrap();
            std::fs::write(repo_file(ENV_EXAMPLE), &want_env).unwrap();
            return;
        }
        assert!(
            readme == want_readme,
            "the README's configuration table is not the table in config/vars.rs; rewrite it with `UPDATE_CONFIG_DOCS=1 cargo test -p mcp-gateway config_docs`"
        );
        assert!(
            committed_env == want_env,
            ".env.example is not the table in config/vars.rs; rewrite it with `UPDATE_CONFIG_DOCS=1 cargo test -p mcp-gateway config_docs`"
        );
    }

    #[test]
    fn every_variable_is_in_the_table_once_and_numbers_parse_within_their_bounds() {
        let mut names: Vec<_> = VARIABLES.iter().map(|v| v.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a variable is listed twice");
        for v in VARIABLES {
            if let WhenUnset::Number { value, min, max } = v.default {
                assert!(
                    min <= value && value <= max,
                    "{}: default outside its bounds",
                    v.name
                );
            }
            assert!(!v.help.is_empty(), "{} has no help", v.name);
        }
    }
}
