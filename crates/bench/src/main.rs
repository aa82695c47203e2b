//! Benchmarks that print their figures: start-up to ready, idle memory, and
//! MCP request throughput and latency at a given concurrency.
//!
//! `scripts/bench.sh` builds the release binary and runs them; see
//! `docs/benchmarks.md` for the figures measured and how to read them.
#![expect(clippy::print_stdout, reason = "the benchmarks print their figures")]

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

mod overhead;
mod paths;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Gateway benchmarks (figures are printed, not asserted)")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the gateway repeatedly: time from spawn to `/ready` = 200, and idle memory.
    Startup {
        /// The gateway binary (a release build).
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Drive one MCP method at a fixed concurrency and report throughput and latency.
    Load {
        /// The gateway binary to start; or use --url for a running gateway.
        #[arg(long, conflicts_with = "url")]
        bin: Option<PathBuf>,
        /// The MCP endpoint of a running gateway.
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Measured seconds (after one second of warm-up).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, value_enum, default_value_t = Mode::Stateless)]
        mode: Mode,
        /// JSON-RPC method: tools/list, or tools/call with --tool.
        #[arg(long, default_value = "tools/list")]
        method: String,
        #[arg(long)]
        tool: Option<String>,
        /// Bearer token to send (a gateway started with --bin gets one minted).
        #[arg(long, env = "BENCH_TOKEN")]
        token: Option<String>,
    },
    /// Store and KMS requests on the cold and warm paths of a tool call, with
    /// DynamoDB and KMS at AWS_ENDPOINT_URL (a local emulator).
    Paths {
        #[arg(long, default_value_t = 100)]
        calls: u64,
        /// The gateway binary, to time a real process's start to ready on
        /// these backends.
        #[arg(long)]
        bin: Option<PathBuf>,
    },
    /// Gateway-added latency of a tool call next to the same Google request made directly.
    Overhead {
        /// The gateway binary (a release build).
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Signed-in users the clients are spread over (1: every client is
        /// the same user, the per-user hot spot).
        #[arg(long, default_value_t = 1)]
        users: usize,
    },
    /// Cost of validating a gateway access token (what every /mcp request pays).
    Tokens {
        #[arg(long, default_value_t = 200_000)]
        iterations: u32,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Mode {
    /// 2026-07-28: no session, per-request metadata.
    Stateless,
    /// 2025-06-18 legacy sessions: one session per client.
    Legacy,
}

const PROTOCOL_STATELESS: &str = "2026-07-28";
pub(crate) const SESSION_SECRET: &str = "bench-session-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const PROTOCOL_LEGACY: &str = "2025-06-18";

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

struct Gateway {
    child: Child,
    port: u16,
    _dir: tempdir::Dir,
}

pub(crate) mod tempdir {
    /// A temporary directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let p = std::env::temp_dir().join(format!(
                "gateway-bench-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn spawn_gateway(bin: &PathBuf, dir: &std::path::Path, port: u16) -> anyhow::Result<Child> {
    spawn_gateway_with(bin, dir, port, &[])
}

/// Like [`spawn_gateway`], with extra variables.
pub(crate) fn spawn_gateway_with(
    bin: &PathBuf,
    dir: &std::path::Path,
    port: u16,
    extra: &[(&str, &str)],
) -> anyhow::Result<Child> {
    Command::new(bin)
        .arg("serve")
        .env_clear()
        .env("PORT", port.to_string())
        .env("DATA_DIR", dir)
        .env("GOOGLE_CLIENT_ID", "bench.apps.googleusercontent.com")
        .env("GOOGLE_CLIENT_SECRET", "bench-secret")
        .env("ALLOWED_DOMAIN", "example.com")
        .env("SESSION_SECRET", SESSION_SECRET)
        .env("LOG_LEVEL", "warn")
        .env("MAX_MCP_SESSIONS_PER_USER", "10000")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))
}

/// Signs a user in directly in the gateway's store (as a completed Google
/// sign-in would leave it) and returns an access token for them.
async fn mint_token(dir: &std::path::Path, port: u16, n: usize) -> anyhow::Result<String> {
    use mcp_gateway::{
        oauth::AccessTokens,
        repo::{GrantRecord, Repo, UserRecord},
        secret::Secret,
        store::{Expect, Kind, now_unix, sqlite::SqliteStore},
    };
    let store = SqliteStore::open(&dir.join("gateway.db"))?;
    let repo = Repo::new(std::sync::Arc::new(store));
    let now = now_unix();
    let sub = format!("bench-user-{n}");
    let email = format!("bench{n}@example.com");
    let user = UserRecord {
        sub: sub.clone(),
        email: email.clone(),
        domain: "example.com".into(),
        name: None,
        created_at: now,
        signed_in_at: now,
        last_activity_at: now,
        google_scopes: vec!["openid".into()],
        needs_reauth: false,
    };
    repo.put(Kind::User, &sub, &user, None, None, Expect::Any)
        .await?;
    let family = format!("bench-family-{n}");
    let issuer = format!("http://localhost:{port}");
    let resource = format!("{issuer}/mcp");
    let grant = GrantRecord {
        family_id: family.clone(),
        user_id: sub.clone(),
        email: email.clone(),
        client_id: "gateway-bench".into(),
        client_name: None,
        scope: "mcp".into(),
        resource: resource.clone(),
        created_at: now,
        last_used_at: now,
        sign_in_expires_at: None,
    };
    repo.put(Kind::Grant, &family, &grant, Some(&sub), None, Expect::Any)
        .await?;
    let tokens = AccessTokens::new(
        &Secret::new(SESSION_SECRET),
        &issuer,
        &resource,
        Duration::from_secs(3600),
    );
    Ok(tokens
        .issue(&sub, &email, "gateway-bench", "mcp", &family)
        .0)
}

fn tokens_bench(iterations: u32) {
    use mcp_gateway::{
        oauth::{AccessTokens, Revocations},
        secret::Secret,
    };
    let tokens = AccessTokens::new(
        &Secret::new(SESSION_SECRET),
        "https://mcp.example.com",
        "https://mcp.example.com/mcp",
        Duration::from_secs(3600),
    );
    let revocations = Revocations::default();
    let (token, _) = tokens.issue("sub", "ann@example.com", "client", "mcp", "family");
    // Warm up.
    for _ in 0..1000 {
        std::hint::black_box(tokens.validate(&token).unwrap());
    }
    let started = Instant::now();
    for _ in 0..iterations {
        let claims = tokens.validate(std::hint::black_box(&token)).unwrap();
        std::hint::black_box(revocations.is_revoked(&claims.fam, &claims.sub, claims.iat));
    }
    let per = started.elapsed() / iterations;
    println!(
        "access token validation (HS256 signature, issuer, audience, expiry, revocation list): {:.2} µs per request, {:.0} validations/s on one core ({iterations} iterations)",
        per.as_secs_f64() * 1e6,
        1.0 / per.as_secs_f64()
    );
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub(crate) async fn wait_ready(
    http: &reqwest::Client,
    port: u16,
    limit: Duration,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let url = format!("http://127.0.0.1:{port}/ready");
    while started.elapsed() < limit {
        if let Ok(r) = http.get(&url).send().await
            && r.status() == 200
        {
            return Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    bail!("not ready within {limit:?}")
}

pub(crate) fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[expect(
    clippy::disallowed_methods,
    reason = "a client of the gateway under test, not the gateway's Google client"
)]
async fn startup(bin: PathBuf, runs: usize) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build()?;
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..runs {
        // Cold: an empty data directory (creates the database and the key file).
        let dir = tempdir::Dir::new();
        let port = free_port();
        let started = Instant::now();
        let child = spawn_gateway(&bin, &dir.0, port)?;
        wait_ready(&http, port, Duration::from_secs(10)).await?;
        cold.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(500)).await;
        if let Some(kib) = rss_kib(child.id()) {
            rss.push(kib);
        }
        stop(child);
        // Warm: the same directory again.
        let port = free_port();
        let started = Instant::now();
        let child = spawn_gateway(&bin, &dir.0, port)?;
        wait_ready(&http, port, Duration::from_secs(10)).await?;
        warm.push(started.elapsed());
        stop(child);
    }
    cold.sort();
    warm.sort();
    rss.sort();
    println!("startup to ready ({runs} runs, embedded SQLite store and local key):");
    for (name, v) in [("new data dir", &cold), ("existing data dir", &warm)] {
        println!(
            "  {name:18} min {:6.1} ms   median {:6.1} ms   max {:6.1} ms",
            ms(v[0]),
            ms(percentile(v, 0.5)),
            ms(v[v.len() - 1])
        );
    }
    if !rss.is_empty() {
        println!(
            "idle resident memory: min {:.1} MiB   median {:.1} MiB   max {:.1} MiB",
            rss[0] as f64 / 1024.0,
            rss[rss.len() / 2] as f64 / 1024.0,
            rss[rss.len() - 1] as f64 / 1024.0
        );
    }
    Ok(())
}

fn stateless_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": PROTOCOL_STATELESS,
        "io.modelcontextprotocol/clientInfo": {"name": "gateway-bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}

struct Target {
    url: String,
    mode: Mode,
    method: String,
    tool: Option<String>,
    token: Option<String>,
}

impl Target {
    fn request(
        &self,
        http: &reqwest::Client,
        session: Option<&str>,
        id: u64,
    ) -> reqwest::RequestBuilder {
        let mut params = match &self.tool {
            Some(t) => json!({"name": t, "arguments": {}}),
            None => json!({}),
        };
        let protocol = match self.mode {
            Mode::Stateless => {
                params["_meta"] = stateless_meta();
                PROTOCOL_STATELESS
            }
            Mode::Legacy => PROTOCOL_LEGACY,
        };
        let body = json!({"jsonrpc": "2.0", "id": id, "method": self.method, "params": params});
        let mut r = http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", protocol)
            .body(body.to_string());
        if self.mode == Mode::Stateless {
            r = r.header("mcp-method", &self.method);
            if let Some(t) = &self.tool {
                r = r.header("mcp-name", t);
            }
        }
        if let Some(s) = session {
            r = r.header("mcp-session-id", s);
        }
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r
    }

    async fn open_session(&self, http: &reqwest::Client) -> anyhow::Result<Option<String>> {
        if self.mode == Mode::Stateless {
            return Ok(None);
        }
        let mut r = http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                    "protocolVersion": PROTOCOL_LEGACY, "capabilities": {},
                    "clientInfo": {"name": "gateway-bench", "version": "1"}}})
                .to_string(),
            );
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await?;
        let session = resp
            .headers()
            .get("mcp-session-id")
            .context("no Mcp-Session-Id on initialize")?
            .to_str()?
            .to_owned();
        resp.bytes().await?;
        let mut n = http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", PROTOCOL_LEGACY)
            .body(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string());
        if let Some(t) = &self.token {
            n = n.bearer_auth(t);
        }
        n.send().await?.bytes().await?;
        Ok(Some(session))
    }
}

/// A reply counts as a success when it is 200 and carries a JSON-RPC result.
fn is_success(status: reqwest::StatusCode, body: &[u8]) -> bool {
    status == 200 && memchr(body, b"\"result\"")
}

fn memchr(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[expect(clippy::too_many_arguments, reason = "one load run's settings")]
#[expect(
    clippy::disallowed_methods,
    reason = "a client of the gateway under test, not the gateway's Google client"
)]
async fn load(
    bin: Option<PathBuf>,
    url: Option<String>,
    concurrency: usize,
    seconds: u64,
    mode: Mode,
    method: String,
    tool: Option<String>,
    token: Option<String>,
) -> anyhow::Result<()> {
    let mut started_gateway = None;
    let mut token = token;
    let url = match (bin, url) {
        (Some(bin), _) => {
            let dir = tempdir::Dir::new();
            let port = free_port();
            let child = spawn_gateway(&bin, &dir.0, port)?;
            let http = reqwest::Client::builder().no_proxy().build()?;
            wait_ready(&http, port, Duration::from_secs(10)).await?;
            if token.is_none() {
                token = Some(mint_token(&dir.0, port, 1).await?);
            }
            started_gateway = Some(Gateway {
                child,
                port,
                _dir: dir,
            });
            format!("http://127.0.0.1:{port}/mcp")
        }
        (None, Some(url)) => url,
        (None, None) => bail!("give --bin or --url"),
    };
    let pid = started_gateway.as_ref().map(|g| g.child.id());
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;
    let target = Arc::new(Target {
        url: url.clone(),
        mode,
        method,
        tool,
        token,
    });
    let warmup = Duration::from_secs(1);
    let measure = Duration::from_secs(seconds);
    // Every session is open before the clock starts: the figures are those
    // of requests in a session, not of opening one.
    let mut sessions = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        sessions.push(target.open_session(&http).await?);
    }
    let begin = Instant::now() + Duration::from_millis(200);
    let mut workers = Vec::new();
    for (w, session) in sessions.into_iter().enumerate() {
        let http = http.clone();
        let target = target.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0u64;
            let mut id = (w as u64) << 32;
            tokio::time::sleep_until(begin.into()).await;
            let measure_from = begin + warmup;
            let end = measure_from + measure;
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                id += 1;
                let t = Instant::now();
                let ok = match target.request(&http, session.as_deref(), id).send().await {
                    Ok(r) => {
                        let status = r.status();
                        let body = r.bytes().await.unwrap_or_default();
                        is_success(status, &body)
                    }
                    Err(_) => false,
                };
                let took = t.elapsed();
                if now >= measure_from {
                    if ok {
                        latencies.push(took);
                    } else {
                        errors += 1;
                    }
                }
            }
            anyhow::Ok((latencies, errors))
        }));
    }
    let mut peak_rss = 0;
    if let Some(pid) = pid {
        let sampler_end = begin + warmup + measure;
        while Instant::now() < sampler_end {
            tokio::time::sleep(Duration::from_millis(250)).await;
            peak_rss = peak_rss.max(rss_kib(pid).unwrap_or(0));
        }
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (lat, err) = w.await??;
        all.extend(lat);
        errors += err;
    }
    all.sort();
    let n = all.len();
    println!(
        "{} {} at {concurrency} concurrent clients for {seconds} s ({}):",
        target.method,
        target.tool.as_deref().unwrap_or(""),
        match mode {
            Mode::Stateless => "2026-07-28 stateless",
            Mode::Legacy => "2025-06-18 sessions",
        }
    );
    println!(
        "  requests {n}   errors {errors}   throughput {:.0} req/s",
        n as f64 / measure.as_secs_f64()
    );
    println!(
        "  latency p50 {:.2} ms   p90 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.9)),
        ms(percentile(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default())
    );
    if peak_rss > 0 {
        println!(
            "  gateway peak resident memory {:.1} MiB",
            peak_rss as f64 / 1024.0
        );
    }
    if let Some(g) = started_gateway {
        let _ = g.port;
        stop(g.child);
    }
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Startup { bin, runs } => startup(bin, runs).await,
        Cmd::Paths { calls, bin } => paths::run(calls, bin).await,
        Cmd::Overhead {
            bin,
            concurrency,
            seconds,
            users,
        } => overhead::run(bin, concurrency, seconds, users).await,
        Cmd::Tokens { iterations } => {
            tokens_bench(iterations);
            Ok(())
        }
        Cmd::Load {
            bin,
            url,
            concurrency,
            seconds,
            mode,
            method,
            tool,
            token,
        } => load(bin, url, concurrency, seconds, mode, method, tool, token).await,
    }
}
