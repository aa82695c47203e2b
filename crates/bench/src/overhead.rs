//! Gateway-added latency of a tool call: the same Google request made
//! directly against a zero-latency fake Google and through the gateway
//! (`tools/call gmail_list_labels`), side by side in one run, at the same
//! concurrency. The gateway runs as its own process (release binary, embedded
//! store) so its memory can be read.

use std::{
    collections::HashMap,
    future::Future,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use fake_google::{FakeGoogle, FakeUser, OAuthClient};
use serde_json::{Value, json};

use crate::{ms, percentile, rss_kib, tempdir};

pub struct Stats {
    pub latencies: Vec<Duration>,
    pub errors: u64,
    pub seconds: f64,
}

/// Runs `op` from `concurrency` workers for `seconds` (after a 1 s warm-up).
pub async fn drive<F, Fut>(concurrency: usize, seconds: u64, op: F) -> Stats
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let begin = Instant::now() + Duration::from_millis(100);
    let from = begin + Duration::from_secs(1);
    let end = from + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let op = op.clone();
        workers.push(tokio::spawn(async move {
            tokio::time::sleep_until(begin.into()).await;
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = (w as u64) << 32;
            while Instant::now() < end {
                i += 1;
                let t = Instant::now();
                let ok = op(i).await;
                if t >= from {
                    if ok {
                        lat.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await.expect("worker");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    Stats {
        latencies,
        errors,
        seconds: seconds as f64,
    }
}

fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// A Google access token straight from the fake (as the gateway gets one).
async fn google_token(fake: &FakeGoogle, http: &reqwest::Client) -> anyhow::Result<String> {
    let redirect = "http://127.0.0.1:9/direct";
    let mut url = url::Url::parse(&fake.url("/o/oauth2/v2/auth"))?;
    url.query_pairs_mut()
        .append_pair("client_id", "direct.apps.googleusercontent.com")
        .append_pair("redirect_uri", redirect)
        .append_pair("response_type", "code")
        .append_pair(
            "scope",
            "openid email https://www.googleapis.com/auth/gmail.readonly",
        )
        .append_pair("state", "s")
        .append_pair("access_type", "offline");
    let r = http.get(url).send().await?;
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .context("the fake did not redirect")?
        .to_owned();
    let code = query(&location).get("code").cloned().context("no code")?;
    let t: Value = http
        .post(fake.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", "direct.apps.googleusercontent.com"),
            ("client_secret", "direct-secret"),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(t["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned())
}

/// User and system CPU seconds a process has used (Linux, 100 ticks a second).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which ends at the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

fn report(name: &str, s: &Stats) {
    println!(
        "  {name:26} {:7.0} req/s   p50 {:6.2} ms   p99 {:6.2} ms   errors {}",
        s.latencies.len() as f64 / s.seconds,
        ms(percentile(&s.latencies, 0.5)),
        ms(percentile(&s.latencies, 0.99)),
        s.errors
    );
}

fn user_email(i: usize) -> String {
    format!("user{i:03}@example.com")
}

#[expect(
    clippy::disallowed_methods,
    reason = "a client of the gateway under test, not the gateway's Google client"
)]
pub async fn run(
    bin: PathBuf,
    concurrency: usize,
    seconds: u64,
    users: usize,
) -> anyhow::Result<()> {
    let users = users.max(1);
    let port = crate::free_port();
    let public = format!("http://127.0.0.1:{port}");
    let google = (0..users)
        .fold(FakeGoogle::builder(), |b, i| {
            b.user(FakeUser::workspace(user_email(i), "example.com"))
        })
        .user(FakeUser::workspace("ann@example.com", "example.com"))
        .client(
            OAuthClient::new("bench.apps.googleusercontent.com", "bench-secret")
                .redirect_uri(format!("{public}/oauth/callback")),
        )
        .client(
            OAuthClient::new("direct.apps.googleusercontent.com", "direct-secret")
                .redirect_uri("http://127.0.0.1:9/direct"),
        )
        .start()
        .await?;
    google.set_auto_approve(Some("ann@example.com"));
    let dir = tempdir::Dir::new();
    let child = std::process::Command::new(&bin)
        .arg("serve")
        .env_clear()
        .env("PORT", port.to_string())
        .env("PUBLIC_URL", &public)
        .env("DATA_DIR", &dir.0)
        .env("GOOGLE_CLIENT_ID", "bench.apps.googleusercontent.com")
        .env("GOOGLE_CLIENT_SECRET", "bench-secret")
        .env("GOOGLE_BASE_URL", google.base_url())
        .env("ALLOWED_DOMAIN", "example.com")
        .env("SESSION_SECRET", crate::SESSION_SECRET)
        .env("TOOLS", "all")
        // One person makes every call: lift the per-person limits.
        .env("RATE_LIMIT_BURST", "1000000")
        .env("RATE_LIMIT_TOOL_CALLS_PER_MINUTE", "1000000")
        .env("RATE_LIMIT_REQUEST_BURST", "10000000")
        .env("RATE_LIMIT_REQUESTS_PER_MINUTE", "10000000")
        .env("OAUTH_REGISTRATION_BURST", "1000")
        .env("LOG_LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let pid = child.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;
    crate::wait_ready(&http, port, Duration::from_secs(10)).await?;
    let mut tokens = Vec::new();
    for i in 0..users {
        tokens.push(crate::paths::sign_in_as(&public, &http, Some(&user_email(i))).await?);
    }
    let tokens = Arc::new(tokens);
    let direct_token = google_token(&google, &http).await?;

    let labels_url = google.url("/gmail/v1/users/me/labels");
    let direct = {
        let http = http.clone();
        let url = labels_url.clone();
        let token = direct_token.clone();
        drive(concurrency, seconds, move |_| {
            let http = http.clone();
            let url = url.clone();
            let token = token.clone();
            async move {
                match http.get(&url).bearer_auth(&token).send().await {
                    Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        })
        .await
    };
    let mut peak = 0;
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        for _ in 0..((seconds + 2) * 4) {
            tokio::time::sleep(Duration::from_millis(250)).await;
            peak = peak.max(rss_kib(pid).unwrap_or(0));
        }
        peak
    });
    let cpu_before = cpu_seconds(pid);
    let via_gateway = {
        let http = http.clone();
        let tokens = tokens.clone();
        let url = format!("http://127.0.0.1:{port}/mcp");
        drive(concurrency, seconds, move |i| {
            let http = http.clone();
            // Worker w (i's high half) is user w mod users.
            let token = tokens[(i >> 32) as usize % tokens.len()].clone();
            let url = url.clone();
            async move {
                let body = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {
                "name": "gmail_list_labels", "arguments": {},
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientInfo": {"name": "gateway-bench", "version": "1"},
                    "io.modelcontextprotocol/clientCapabilities": {}
                }}});
                match http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .header("accept", "application/json, text/event-stream")
                    .header("mcp-protocol-version", "2026-07-28")
                    .header("mcp-method", "tools/call")
                    .header("mcp-name", "gmail_list_labels")
                    .body(body.to_string())
                    .send()
                    .await
                {
                    Ok(r) => {
                        let ok = r.status() == 200;
                        let text = r.text().await.unwrap_or_default();
                        ok && text.contains("\"result\"") && !text.contains("\"isError\":true")
                    }
                    Err(_) => false,
                }
            }
        })
        .await
    };
    let cpu = cpu_seconds(pid)
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    peak = peak.max(sampler.await.unwrap_or(0));
    println!(
        "gmail labels at {concurrency} concurrent clients for {seconds} s, zero-latency fake Google, same run:"
    );
    report("direct to the fake", &direct);
    report("through the gateway", &via_gateway);
    let added =
        |p: f64| ms(percentile(&via_gateway.latencies, p)) - ms(percentile(&direct.latencies, p));
    println!(
        "  gateway-added latency      p50 {:.2} ms   p99 {:.2} ms   (targets: under 1 ms and 5 ms)",
        added(0.5),
        added(0.99)
    );
    println!(
        "  gateway peak resident memory under load: {:.1} MiB",
        peak as f64 / 1024.0
    );
    if let Some(cpu) = cpu {
        let calls = via_gateway.latencies.len().max(1);
        println!(
            "  gateway CPU per tool call: {:.0} µs ({calls} calls, {cpu:.2} s of CPU, user and system; {concurrency} clients over {users} signed-in user(s))",
            cpu * 1e6 / calls as f64
        );
    }
    crate::stop(child);
    Ok(())
}
