//! The command line. `main` parses it and calls into the library.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the commands answer on the terminal, before or without logging"
)]

use std::{process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};

use crate::{
    app::Application,
    audit::query::Since,
    config::{self, Config, EXIT_CONFIG, RawConfig},
    telemetry,
};

#[derive(Debug, Parser)]
#[command(
    name = "mcp-gateway",
    version,
    about = "Remote MCP gateway for Google Workspace: sign in once with Google, then use Gmail, Calendar, Drive, Docs, Sheets, Slides, Tasks, Contacts, Forms and Chat from any MCP client.",
    long_about = None,
    after_help = "Configuration comes from environment variables, and from a .env file in the working directory when there is one \
(every variable is described in .env.example and the README). Required for `serve`: GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, \
ALLOWED_DOMAIN, SESSION_SECRET (and PUBLIC_URL behind a load balancer). `mcp-gateway demo` needs none of them."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Validate the environment and print the effective configuration, secrets redacted.
    CheckConfig,
    /// Run the gateway with a built-in fake Google Workspace and seeded users: the whole flow offline.
    #[cfg(feature = "demo")]
    Demo {
        /// Sign in as this seeded user without the account chooser (for scripted demos and tests).
        #[arg(long, value_name = "EMAIL")]
        auto_approve: Option<String>,
    },
    /// Without the `demo` feature (the container image): refused with an explanation.
    #[cfg(not(feature = "demo"))]
    #[command(hide = true)]
    Demo {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        args: Vec<String>,
    },
    /// Manage the state store.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Administer users: list them, or revoke one everywhere.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage the vault's keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Show the audit trail of one user (tool calls and security events), newest first.
    Audit {
        /// The user's email address.
        #[arg(long, value_name = "EMAIL", required_unless_present = "unattributed")]
        user: Option<String>,
        /// Instead of a user's, the events of no known user (refused sign-ins, key rotations).
        #[arg(long, conflicts_with = "user")]
        unattributed: bool,
        /// How far back: a duration (90m, 24h, 7d) or an RFC 3339 time.
        #[arg(long, value_name = "WHEN", default_value = "24h", value_parser = Since::parse)]
        since: Since,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
        /// At most this many events.
        #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
    /// Exit 0 when the local gateway's /health answers 200 (for container health checks).
    Healthcheck {
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Every user who signed in: email, last activity, sign-in expiry, granted Google scopes.
    List,
    /// Revoke a user's gateway tokens (on every task within 60 s) and their Google grant.
    Revoke {
        /// The user's email address.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-encrypt every stored secret sealed under an older master key with the current one.
    Rewrap,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create the store if it does not exist: the DynamoDB table DYNAMODB_TABLE_NAME (the CDK
    /// stack's schema, TTL on `ttl`) or, without it, the SQLite file under DATA_DIR.
    Init,
}

/// Loads `.env` (if present) without overriding the real environment.
fn load_dotenv() -> Result<(), String> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(format!("cannot read .env: {e}")),
    }
}

fn load_config() -> Result<Config, ExitCode> {
    if let Err(e) = load_dotenv() {
        eprintln!("invalid configuration: {e}");
        return Err(ExitCode::from(EXIT_CONFIG));
    }
    Config::from_raw(&RawConfig::from_env()).map_err(|e| {
        eprintln!("{e}");
        // Required variables missing: most likely a first run.
        if e.problems
            .iter()
            .any(|p| p.message.starts_with("is required"))
        {
            eprintln!("{NEXT_STEPS}");
        }
        ExitCode::from(EXIT_CONFIG)
    })
}

/// What to do when the configuration is missing or wrong.
const NEXT_STEPS: &str = "\nnext: try the whole flow offline with `mcp-gateway demo` (no Google or cloud account needed), \
or configure the gateway: `cp .env.example .env`, fill in GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, ALLOWED_DOMAIN and SESSION_SECRET, \
then `mcp-gateway check-config`";

pub fn run(cli: Cli) -> ExitCode {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::CheckConfig => check_config(),
        #[cfg(feature = "demo")]
        Command::Demo { auto_approve } => {
            if let Err(e) = load_dotenv() {
                eprintln!("invalid configuration: {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
            crate::demo::run(crate::demo::DemoOptions { auto_approve })
        }
        #[cfg(not(feature = "demo"))]
        Command::Demo { .. } => {
            eprintln!(
                "this build of mcp-gateway has no demo (it was built without the `demo` feature, as the container image is); run the demo from the source: cargo run -p mcp-gateway -- demo"
            );
            ExitCode::from(EXIT_CONFIG)
        }
        Command::Store {
            command: StoreCommand::Init,
        } => store_init(),
        Command::Users { command } => admin_command(|config| async move {
            match command {
                UsersCommand::List => {
                    let (repo, _) = crate::admin::open(&config).await?;
                    let rows = crate::admin::list_users(&repo).await?;
                    Ok(crate::admin::render_users(&rows))
                }
                UsersCommand::Revoke { email } => crate::admin::revoke_user(&config, &email).await,
            }
        }),
        Command::Keys {
            command: KeysCommand::Rewrap,
        } => admin_command(|config| async move {
            let (repo, vault) = crate::admin::open(&config).await?;
            let (rewrapped, current) = crate::admin::rewrap_secrets(&repo, &vault).await?;
            crate::admin::audit_admin_action(&config, &repo, "secrets_rewrapped").await;
            Ok(format!(
                "re-encrypted {rewrapped} credential record(s) under key {}; {current} already current",
                vault.current_key_id()
            ))
        }),
        Command::Audit {
            user,
            since,
            json,
            limit,
            ..
        } => admin_command(|config| async move {
            crate::admin::audit_trail(&config, user.as_deref(), since, json, limit as usize).await
        }),
        Command::Healthcheck { timeout } => healthcheck(Duration::from_secs(timeout)),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
}

fn serve() -> ExitCode {
    let config = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    telemetry::init(config.log_format, &config.log_level);
    for w in config.warnings() {
        tracing::warn!("{w}");
    }
    runtime().block_on(async move {
        let app = match Application::build(config).await {
            Ok(app) => app,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "the gateway cannot start");
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(
            address = %app.local_addr(),
            mcp_url = %app.state().config.mcp_url(),
            version = env!("CARGO_PKG_VERSION"),
            "gateway listening"
        );
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    "the gateway stopped with an error"
                );
                ExitCode::FAILURE
            }
        }
    })
}

/// Runs an administration command with the validated configuration.
fn admin_command<F, Fut>(f: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<String>>,
{
    let config = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    telemetry::init(config.log_format, "warn");
    match runtime().block_on(f(config)) {
        Ok(out) => {
            print!("{out}");
            if !out.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config() -> ExitCode {
    let config = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let width = config::vars::read_by_gateway()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0);
    for (name, value) in config.describe() {
        println!("{name:width$} = {value}");
    }
    if config.policy.file.is_some() {
        println!("\ncompany policy (group members counted, not listed):");
        let policy = &config.policy.initial;
        let width = policy
            .describe()
            .iter()
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0);
        for (name, value) in policy.describe() {
            println!("  {name:width$} = {value}");
        }
    }
    for w in config.warnings() {
        eprintln!("warning: {w}");
    }
    println!("configuration OK");
    ExitCode::SUCCESS
}

/// `store init`. Reads only the store's variables (DYNAMODB_TABLE_NAME,
/// AWS_REGION, DATA_DIR), so it runs without the rest of the configuration.
fn store_init() -> ExitCode {
    if let Err(e) = load_dotenv() {
        eprintln!("invalid configuration: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let raw = RawConfig::from_env();
    let result = match raw.get(config::DYNAMODB_TABLE_NAME) {
        Some(table) => runtime().block_on(async {
            use crate::store::dynamodb::{DynamoStore, TableSetup};
            let sdk = crate::aws::load(raw.get(config::AWS_REGION)).await;
            let client = aws_sdk_dynamodb::Client::new(&sdk);
            DynamoStore::create_table(&client, table)
                .await
                .map(|setup| match setup {
                    TableSetup::Created => format!("created DynamoDB table {table} (TTL on ttl)"),
                    TableSetup::Existed => {
                        format!("DynamoDB table {table} already exists (TTL on ttl)")
                    }
                })
        }),
        None => {
            let dir = std::path::PathBuf::from(
                raw.get(config::DATA_DIR)
                    .unwrap_or(config::DEFAULT_DATA_DIR),
            );
            let path = dir.join("gateway.db");
            crate::store::sqlite::SqliteStore::open(&path)
                .map(|_| format!("SQLite store ready at {}", path.display()))
        }
    };
    match result {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Probes `http://<loopback>:<PORT>/health`. Reads only PORT and HOST, so it
/// works even where the rest of the configuration is incomplete.
#[expect(
    clippy::disallowed_methods,
    reason = "asks this machine's gateway, not Google: no proxy, short timeouts"
)]
fn healthcheck(timeout: Duration) -> ExitCode {
    let _ = load_dotenv();
    let raw = RawConfig::from_env();
    let port: u16 = match raw.get(config::PORT).map(str::parse).transpose() {
        Ok(p) => p.unwrap_or(config::DEFAULT_PORT),
        Err(_) => {
            eprintln!("invalid configuration: PORT: must be a whole number");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let host = match raw.get(config::HOST) {
        None | Some("0.0.0.0") | Some("localhost") => "127.0.0.1".to_owned(),
        Some("::") | Some("[::]") => "[::1]".to_owned(),
        Some(h) if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
        Some(h) => h.to_owned(),
    };
    let url = format!("http://{host}:{port}/health");
    let result = runtime().block_on(async move {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .no_proxy()
            .build()
            .map_err(|e| e.to_string())?;
        let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
        if response.status() == reqwest::StatusCode::OK {
            Ok(())
        } else {
            Err(format!("{url} answered {}", response.status()))
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}
