//! CloudWatch embedded metric format: with `METRICS_EMF=true` each task
//! writes one JSON line to stdout every minute, holding what changed since
//! its previous line. CloudWatch Logs turns it into metrics in the
//! `McpGateway` namespace, with no dimension (the CDK stack alarms on them
//! by these exact names).

use std::{io::Write as _, sync::atomic::Ordering::Relaxed, time::Duration};

use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::{histogram::HistogramSnapshot, registry::Registry, registry::registry};

pub const NAMESPACE: &str = "McpGateway";

/// How often a line is written.
pub const PERIOD: Duration = Duration::from_secs(60);

/// Every metric of the line: its name and CloudWatch unit.
pub const METRICS: [(&str, &str); 13] = [
    ("ToolCalls", "Count"),
    ("ToolErrors", "Count"),
    ("ToolLatencyP99", "Milliseconds"),
    ("GoogleCalls", "Count"),
    ("GoogleRateLimited", "Count"),
    ("GoogleRetries", "Count"),
    ("TokenRefreshFailures", "Count"),
    ("StoreErrors", "Count"),
    ("StoreLatencyP99", "Milliseconds"),
    ("KmsErrors", "Count"),
    ("LiveSessions", "Count"),
    ("RateLimited", "Count"),
    ("AuditDropped", "Count"),
];

/// The registry's running totals that the line reports as deltas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    tool_calls: u64,
    tool_errors: u64,
    tool_latency: HistogramSnapshot,
    google_calls: u64,
    google_rate_limited: u64,
    google_retries: u64,
    refresh_failures: u64,
    store_errors: u64,
    store_latency: HistogramSnapshot,
    kms_errors: u64,
    rate_limited: u64,
    audit_dropped: u64,
}

impl Totals {
    fn of(r: &Registry) -> Totals {
        let mut t = Totals::default();
        for (counts, latency) in r
            .tools
            .collect(|s| {
                let counts: Vec<u64> = s.by_outcome.iter().map(|c| c.get()).collect();
                (counts, s.latency.snapshot())
            })
            .into_values()
        {
            t.tool_calls += counts.iter().sum::<u64>();
            t.tool_errors += counts.iter().skip(1).sum::<u64>();
            t.tool_latency.add(&latency);
        }
        for g in &r.google {
            t.google_calls += g.by_status.iter().map(|c| c.get()).sum::<u64>() + g.no_answer.get();
            t.google_rate_limited += g.rate_limited.get();
            t.google_retries += g.retries.get();
        }
        t.refresh_failures = r.refreshes[1].get();
        for s in r.store.iter().flatten() {
            t.store_errors += s.errors.get();
            t.store_latency.add(&s.latency.snapshot());
        }
        t.kms_errors = r.kms.iter().map(|k| k.errors.get()).sum();
        t.rate_limited = r.rate_limited.collect(|c| c.get()).values().sum();
        t.audit_dropped = r.audit_dropped.get();
        t
    }
}

/// Successive lines, each with the deltas since the one before.
#[derive(Debug, Default)]
pub struct Emf {
    previous: Totals,
}

impl Emf {
    /// Lines counting from now (the first covers what happens after this).
    pub fn starting_now() -> Emf {
        Emf {
            previous: Totals::of(registry()),
        }
    }

    /// The next line (without a newline), stamped `timestamp_ms` (Unix ms).
    pub fn next_line(&mut self, timestamp_ms: i64) -> String {
        let now = Totals::of(registry());
        let p = std::mem::replace(&mut self.previous, now.clone());
        let ms = |v: f64| (v * 1000.0).round() / 1000.0;
        let values: [(&str, Value); 13] = [
            (
                "ToolCalls",
                json!(now.tool_calls.saturating_sub(p.tool_calls)),
            ),
            (
                "ToolErrors",
                json!(now.tool_errors.saturating_sub(p.tool_errors)),
            ),
            (
                "ToolLatencyP99",
                json!(ms(now
                    .tool_latency
                    .since(&p.tool_latency)
                    .quantile_ms(0.99))),
            ),
            (
                "GoogleCalls",
                json!(now.google_calls.saturating_sub(p.google_calls)),
            ),
            (
                "GoogleRateLimited",
                json!(
                    now.google_rate_limited
                        .saturating_sub(p.google_rate_limited)
                ),
            ),
            (
                "GoogleRetries",
                json!(now.google_retries.saturating_sub(p.google_retries)),
            ),
            (
                "TokenRefreshFailures",
                json!(now.refresh_failures.saturating_sub(p.refresh_failures)),
            ),
            (
                "StoreErrors",
                json!(now.store_errors.saturating_sub(p.store_errors)),
            ),
            (
                "StoreLatencyP99",
                json!(ms(now
                    .store_latency
                    .since(&p.store_latency)
                    .quantile_ms(0.99))),
            ),
            (
                "KmsErrors",
                json!(now.kms_errors.saturating_sub(p.kms_errors)),
            ),
            (
                "LiveSessions",
                json!(registry().live_sessions.load(Relaxed).max(0)),
            ),
            (
                "RateLimited",
                json!(now.rate_limited.saturating_sub(p.rate_limited)),
            ),
            (
                "AuditDropped",
                json!(now.audit_dropped.saturating_sub(p.audit_dropped)),
            ),
        ];
        let definitions: Vec<Value> = METRICS
            .iter()
            .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
            .collect();
        let mut line = Map::new();
        line.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [[]],
                    "Metrics": definitions,
                }],
            }),
        );
        for (name, value) in values {
            line.insert(name.into(), value);
        }
        Value::Object(line).to_string()
    }
}

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Writes `line` and a newline to stdout in one write under stdout's lock,
/// so it never interleaves with a log line.
fn write_line(line: &str) {
    let mut whole = String::with_capacity(line.len() + 1);
    whole.push_str(line);
    whole.push('\n');
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(whole.as_bytes());
    let _ = out.flush();
}

/// Writes a line every `period` (the first one `period` after start,
/// counting from process start), and a last one when `stop` fires.
pub fn spawn(period: Duration, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut emf = Emf::default();
        let start = tokio::time::Instant::now() + period;
        let mut tick = tokio::time::interval_at(start, period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => {
                    write_line(&emf.next_line(now_ms()));
                    return;
                }
                _ = tick.tick() => write_line(&emf.next_line(now_ms())),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_every_metric_once_with_its_value() {
        let line: Value =
            serde_json::from_str(&Emf::default().next_line(1_700_000_000_000)).unwrap();
        let aws = &line["_aws"];
        assert_eq!(aws["Timestamp"], 1_700_000_000_000i64);
        let cw = &aws["CloudWatchMetrics"][0];
        assert_eq!(cw["Namespace"], NAMESPACE);
        assert_eq!(cw["Dimensions"], json!([[]]));
        let names: Vec<&str> = cw["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, METRICS.map(|(n, _)| n));
        for (name, _) in METRICS {
            assert!(line[name].is_number(), "{name} missing in {line}");
        }
    }
}
