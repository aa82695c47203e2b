//! `mcp-gateway demo`: the whole product offline. The gateway runs with its
//! embedded store and vault, and a built-in fake Google Workspace (OAuth and
//! OpenID Connect) is served by the same process under `/_fake-google`, with
//! seeded users: one inside the allowed domain, one in another Workspace
//! domain, and one personal account.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the demo prints its address and sign-in help for the person at the terminal"
)]

use std::{io::Write, os::unix::fs::OpenOptionsExt, path::Path, process::ExitCode};

use fake_google::{FakeGoogle, OAuthClient, demo_users};

use crate::{
    app::Application,
    config::{self, Config, RawConfig},
    google::pkce::random_token,
    telemetry,
};

/// Where the fake Google lives on the gateway's own origin.
pub const FAKE_GOOGLE_PATH: &str = "/_fake-google";
pub const DEMO_DOMAIN: &str = "example.com";
pub const DEMO_CLIENT_ID: &str = "demo-gateway.apps.googleusercontent.com";
const DEFAULT_DEMO_DATA_DIR: &str = "./data/demo";

/// Options of the `demo` command.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Sign in as this seeded user without the account chooser (scripted demos and tests).
    pub auto_approve: Option<String>,
}

/// A session secret kept in the data directory, so tokens survive restarts.
fn demo_session_secret(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("demo-session-secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= config::MIN_SESSION_SECRET_BYTES
    {
        return Ok(existing.trim().to_owned());
    }
    std::fs::create_dir_all(data_dir)?;
    let secret = random_token(48);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(secret.as_bytes())?;
    Ok(secret)
}

/// The environment with the demo's Google side filled in.
pub fn demo_config(mut raw: RawConfig) -> Result<Config, String> {
    if !raw.is_set(config::DATA_DIR) {
        raw.set(config::DATA_DIR, DEFAULT_DEMO_DATA_DIR);
    }
    let data_dir = raw
        .get(config::DATA_DIR)
        .unwrap_or(DEFAULT_DEMO_DATA_DIR)
        .to_owned();
    let secret = demo_session_secret(Path::new(&data_dir))
        .map_err(|e| format!("cannot create the demo session secret under {data_dir}: {e}"))?;
    // Resolve PUBLIC_URL first: the fake Google lives under it.
    let probe = {
        let mut p = raw.clone();
        p.set(config::GOOGLE_CLIENT_ID, DEMO_CLIENT_ID);
        p.set(config::GOOGLE_CLIENT_SECRET, "probe");
        p.set(config::ALLOWED_DOMAIN, DEMO_DOMAIN);
        p.set(config::SESSION_SECRET, secret.clone());
        Config::from_raw(&p).map_err(|e| e.to_string())?
    };
    raw.set(config::GOOGLE_CLIENT_ID, DEMO_CLIENT_ID);
    raw.set(
        config::GOOGLE_CLIENT_SECRET,
        format!("demo-{}", random_token(24)),
    );
    raw.set(config::ALLOWED_DOMAIN, DEMO_DOMAIN);
    raw.set(config::SESSION_SECRET, secret);
    raw.set(
        config::GOOGLE_BASE_URL,
        config::join(&probe.public_url, FAKE_GOOGLE_PATH).to_string(),
    );
    if !raw.is_set(config::LOG_FORMAT) {
        raw.set(config::LOG_FORMAT, "pretty");
    }
    Config::from_raw(&raw).map_err(|e| e.to_string())
}

/// Refuses an `--auto-approve` address that is not a seeded account.
fn check_auto_approve(email: Option<&str>) -> Result<(), String> {
    let Some(email) = email else {
        return Ok(());
    };
    let seeded: Vec<String> = demo_users().into_iter().map(|u| u.email).collect();
    if seeded.iter().any(|s| s.eq_ignore_ascii_case(email)) {
        return Ok(());
    }
    Err(format!(
        "--auto-approve {email}: not a seeded demo account; use one of: {}",
        seeded.join(", ")
    ))
}

pub fn run(options: DemoOptions) -> ExitCode {
    if let Err(e) = check_auto_approve(options.auto_approve.as_deref()) {
        eprintln!("error: {e}");
        return ExitCode::from(crate::config::EXIT_CONFIG);
    }
    let config = match demo_config(RawConfig::from_env()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(crate::config::EXIT_CONFIG);
        }
    };
    if config.port == 0 {
        eprintln!(
            "invalid configuration: PORT: the demo needs a fixed port, since its fake Google redirects back to it"
        );
        return ExitCode::from(crate::config::EXIT_CONFIG);
    }
    telemetry::init(config.log_format, &config.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    runtime.block_on(async move {
        let google_base = config
            .google_base_url
            .clone()
            .expect("the demo sets GOOGLE_BASE_URL");
        let fake_config = demo_users()
            .into_iter()
            .fold(FakeGoogle::builder(), |b, u| b.user(u))
            .client(
                OAuthClient::new(
                    &config.google_client_id,
                    config.google_client_secret.expose(),
                )
                .redirect_uri(config.google_redirect_uri.as_str()),
            );
        let fake = FakeGoogle::new(fake_config, google_base.as_str());
        if let Some(email) = &options.auto_approve {
            fake.set_auto_approve(Some(email.as_str()));
        }
        let routes = axum::Router::new().nest(FAKE_GOOGLE_PATH, fake.router());
        let app = match Application::build(config.clone()).await {
            Ok(app) => app.merge_routes(routes),
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        print_banner(&config, options.auto_approve.as_deref());
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

fn print_banner(config: &Config, auto_approve: Option<&str>) {
    let mcp = config.mcp_url();
    let login = config.sign_in_url();
    let mut out = String::new();
    out.push_str(&format!(
        "\nWorkspace MCP Gateway demo: a built-in fake Google Workspace, no cloud account needed.\n\n\
MCP server URL:   {mcp}\n\
Browser sign-in:  {login}\n\
Data directory:   {}\n\n\
Seeded Google accounts (pick one on the fake Google's account chooser):\n\
\x20 alice@example.com   Workspace domain {DEMO_DOMAIN}: allowed\n\
\x20 dana@example.com    Workspace domain {DEMO_DOMAIN}: allowed (shares \"Offsite Plan\" with alice)\n\
\x20 bob@other.example   another Workspace domain: refused\n\
\x20 carol@gmail.com     personal Google account: refused\n",
        config.data_dir.display()
    ));
    if let Some(email) = auto_approve {
        out.push_str(&format!("  (signing in automatically as {email})\n"));
    }
    out.push_str(&format!(
        "\nCursor (~/.cursor/mcp.json):\n  {{ \"mcpServers\": {{ \"google-workspace\": {{ \"url\": \"{mcp}\" }} }} }}\n\
Claude Code:\n  claude mcp add --transport http google-workspace {mcp}\n\
VS Code (.vscode/mcp.json):\n  {{ \"servers\": {{ \"google-workspace\": {{ \"type\": \"http\", \"url\": \"{mcp}\" }} }} }}\n\n\
Press Ctrl-C to stop.\n"
    ));
    println!("{out}");
}
