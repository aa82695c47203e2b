//! `fake-google`: serves the fake Google OAuth/OIDC service for demos and manual tests.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use fake_google::{FakeGoogle, FakeUser, Issuer, OAuthClient, demo_users};

/// Fake Google OAuth 2.0 / OpenID Connect server.
#[derive(Debug, Parser)]
#[command(name = "fake-google", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The registered OAuth client's ID.
    #[arg(long, default_value = "demo-client.apps.googleusercontent.com")]
    client_id: String,
    /// The registered OAuth client's secret.
    #[arg(long, default_value = "demo-secret")]
    client_secret: String,
    /// Allowed redirect URI (repeatable).
    #[arg(long = "redirect-uri", default_values_t = [
        "http://localhost:8080/oauth/callback".to_string(),
        "http://127.0.0.1:8080/oauth/callback".to_string(),
    ])]
    redirect_uris: Vec<String>,
    /// JSON file with an array of users ({"email", "hd"?, "name"?, "sub"?, ...})
    /// replacing the demo users.
    #[arg(long)]
    users: Option<PathBuf>,
    /// Approve every authorization as this user instead of showing the chooser.
    #[arg(long)]
    auto_approve: Option<String>,
    /// Issue `iss` as `accounts.google.com` instead of `https://accounts.google.com`.
    #[arg(long)]
    bare_issuer: bool,
}

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "scripts read the base URL on stdout; the summary on stderr is for the person"
)]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let users: Vec<FakeUser> = match &args.users {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading users file {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("parsing users file {}", path.display()))?
        }
        None => demo_users(),
    };
    let client = args.redirect_uris.iter().fold(
        OAuthClient::new(&args.client_id, &args.client_secret),
        |c, uri| c.redirect_uri(uri),
    );
    let mut config = FakeGoogle::builder()
        .client(client)
        .bind(SocketAddr::new(args.host, args.port));
    config.users = users;
    if args.bare_issuer {
        config = config.issuer(Issuer::Bare);
    }
    let server = config.start().await.context("starting fake Google")?;
    if let Some(email) = &args.auto_approve {
        server.set_auto_approve(Some(email.as_str()));
    }
    println!("{}", server.base_url());
    eprintln!(
        "fake-google: client_id={} redirect_uris={:?} users={:?}",
        args.client_id,
        args.redirect_uris,
        server.user_emails()
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    server.shutdown().await;
    Ok(())
}
