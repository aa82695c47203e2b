//! The registry as Prometheus text (exposition format 0.0.4). A labelled
//! series appears once it has counted something; the unlabelled ones always.

use std::fmt::Write as _;

use super::{
    histogram::{BOUNDS_MICROS, HistogramSnapshot},
    labels::{Api, KmsOp, METHODS, OUTCOMES, STATUS_CLASSES, STORE_BACKENDS, StoreOp},
    registry::{CallSeries, Registry, registry},
};

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The whole registry as Prometheus text.
pub fn render() -> String {
    render_registry(registry())
}

fn render_registry(r: &Registry) -> String {
    let mut out = Text(String::with_capacity(16 * 1024));
    http(&mut out, r);
    tools(&mut out, r);
    google(&mut out, r);
    store(&mut out, r);
    kms(&mut out, r);

    out.head(
        "mcp_sessions_live",
        "gauge",
        "MCP sessions live in this task's session table.",
    );
    out.sample(
        "mcp_sessions_live",
        &[],
        r.live_sessions.load(std::sync::atomic::Ordering::Relaxed),
    );
    out.head(
        "rate_limited_total",
        "counter",
        "Requests refused by a rate limit, by kind of limit.",
    );
    for (kind, n) in r.rate_limited.collect(|c| c.get()) {
        out.sample("rate_limited_total", &[("kind", &kind)], n);
    }
    out.head(
        "audit_records_dropped_total",
        "counter",
        "Audit records that could not be written and were dropped.",
    );
    out.sample("audit_records_dropped_total", &[], r.audit_dropped.get());
    out.0
}

fn http(out: &mut Text, r: &Registry) {
    let routes = r.http.collect(|route| {
        route
            .by_method
            .iter()
            .map(|m| {
                let counts: Vec<u64> = m.by_status.iter().map(|c| c.get()).collect();
                (counts, m.latency.snapshot())
            })
            .collect::<Vec<_>>()
    });
    out.head(
        "http_requests_total",
        "counter",
        "HTTP requests answered, by matched route template, method and status class.",
    );
    for (route, methods) in &routes {
        for (m, (counts, _)) in methods.iter().enumerate() {
            for (s, &n) in counts.iter().enumerate() {
                if n > 0 {
                    let labels = [
                        ("route", route.as_str()),
                        ("method", METHODS[m]),
                        ("status", STATUS_CLASSES[s]),
                    ];
                    out.sample("http_requests_total", &labels, n);
                }
            }
        }
    }
    out.head(
        "http_request_duration_seconds",
        "histogram",
        "Time to answer an HTTP request (to the response head), by route template and method.",
    );
    for (route, methods) in &routes {
        for (m, (_, latency)) in methods.iter().enumerate() {
            let labels = [("route", route.as_str()), ("method", METHODS[m])];
            out.histogram("http_request_duration_seconds", &labels, latency);
        }
    }
}

fn tools(out: &mut Text, r: &Registry) {
    let tools = r.tools.collect(|t| {
        let counts: Vec<u64> = t.by_outcome.iter().map(|c| c.get()).collect();
        (counts, t.latency.snapshot())
    });
    out.head(
        "tool_calls_total",
        "counter",
        "Tool calls, by tool and outcome.",
    );
    let mut errors = [0u64; OUTCOMES.len()];
    for (tool, (counts, _)) in &tools {
        for (o, &n) in counts.iter().enumerate() {
            errors[o] += n;
            if n > 0 {
                out.sample(
                    "tool_calls_total",
                    &[("tool", tool), ("outcome", OUTCOMES[o])],
                    n,
                );
            }
        }
    }
    out.head(
        "tool_call_duration_seconds",
        "histogram",
        "Time a tool call took, by tool.",
    );
    for (tool, (_, latency)) in &tools {
        out.histogram("tool_call_duration_seconds", &[("tool", tool)], latency);
    }
    out.head(
        "tool_errors_total",
        "counter",
        "Tool calls that did not end ok, by kind (the outcome).",
    );
    for (o, &n) in errors.iter().enumerate().skip(1) {
        out.sample("tool_errors_total", &[("kind", OUTCOMES[o])], n);
    }
}

fn google(out: &mut Text, r: &Registry) {
    out.head(
        "google_api_calls_total",
        "counter",
        "Requests to Google's APIs, by API and status class (`none`: no answer came).",
    );
    for api in Api::ALL {
        let g = &r.google[api as usize];
        for (s, c) in g.by_status.iter().enumerate() {
            let n = c.get();
            if n > 0 {
                let labels = [("api", api.as_str()), ("status", STATUS_CLASSES[s])];
                out.sample("google_api_calls_total", &labels, n);
            }
        }
        let n = g.no_answer.get();
        if n > 0 {
            let labels = [("api", api.as_str()), ("status", "none")];
            out.sample("google_api_calls_total", &labels, n);
        }
    }
    out.head(
        "google_api_retries_total",
        "counter",
        "Google requests sent again (after a 429, a 5xx, a timeout or a refreshed token), by API.",
    );
    for api in Api::ALL {
        let n = r.google[api as usize].retries.get();
        out.sample("google_api_retries_total", &[("api", api.as_str())], n);
    }
    out.head(
        "google_api_rate_limited_total",
        "counter",
        "Google answers 429 or rate-limit 403, by API.",
    );
    for api in Api::ALL {
        let n = r.google[api as usize].rate_limited.get();
        out.sample("google_api_rate_limited_total", &[("api", api.as_str())], n);
    }
    out.head(
        "google_token_refreshes_total",
        "counter",
        "Refreshes of users' Google access tokens at Google, by result.",
    );
    for (i, result) in ["success", "failure"].into_iter().enumerate() {
        out.sample(
            "google_token_refreshes_total",
            &[("result", result)],
            r.refreshes[i].get(),
        );
    }
}

/// Labels and the series they name.
type Labelled<'a> = (Vec<(&'static str, &'static str)>, &'a CallSeries);

fn store(out: &mut Text, r: &Registry) {
    let series: Vec<Labelled<'_>> = StoreOp::ALL
        .into_iter()
        .flat_map(|op| {
            STORE_BACKENDS.iter().enumerate().map(move |(b, &backend)| {
                let labels = vec![("op", op.as_str()), ("backend", backend)];
                (labels, &r.store[op as usize][b])
            })
        })
        .filter(|(_, s)| s.calls.get() > 0)
        .collect();
    calls(
        out,
        "store",
        "Store calls, by operation and backend",
        &series,
    );
    out.head(
        "store_conflicts_total",
        "counter",
        "Conditional store writes that found another version, by operation and backend.",
    );
    for (labels, s) in &series {
        out.sample("store_conflicts_total", labels, s.conflicts.get());
    }
}

fn kms(out: &mut Text, r: &Registry) {
    let series: Vec<Labelled<'_>> = KmsOp::ALL
        .into_iter()
        .map(|op| (vec![("op", op.as_str())], &r.kms[op as usize]))
        .filter(|(_, s)| s.calls.get() > 0)
        .collect();
    calls(out, "kms", "KMS requests, by operation", &series);
}

/// `<prefix>_calls_total`, `_errors_total` and `_call_duration_seconds`.
fn calls(out: &mut Text, prefix: &str, what: &str, series: &[Labelled<'_>]) {
    let name = format!("{prefix}_calls_total");
    out.head(&name, "counter", &format!("{what}."));
    for (labels, s) in series {
        out.sample(&name, labels, s.calls.get());
    }
    let name = format!("{prefix}_errors_total");
    out.head(&name, "counter", &format!("{what} that failed."));
    for (labels, s) in series {
        out.sample(&name, labels, s.errors.get());
    }
    let name = format!("{prefix}_call_duration_seconds");
    out.head(&name, "histogram", &format!("{what}: time taken."));
    for (labels, s) in series {
        out.histogram(&name, labels, &s.latency.snapshot());
    }
}

struct Text(String);

impl Text {
    fn head(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn labels(&mut self, labels: &[(&str, &str)], le: Option<&str>) {
        if labels.is_empty() && le.is_none() {
            return;
        }
        self.0.push('{');
        let extra = le.map(|v| ("le", v));
        for (i, (k, v)) in labels.iter().copied().chain(extra).enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            let _ = write!(self.0, "{k}=\"");
            for c in v.chars() {
                match c {
                    '\\' => self.0.push_str("\\\\"),
                    '"' => self.0.push_str("\\\""),
                    '\n' => self.0.push_str("\\n"),
                    c => self.0.push(c),
                }
            }
            self.0.push('"');
        }
        self.0.push('}');
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.0.push_str(name);
        self.labels(labels, None);
        let _ = writeln!(self.0, " {value}");
    }

    /// A histogram's cumulative buckets, sum and count; nothing when empty.
    fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &HistogramSnapshot) {
        let count = h.count();
        if count == 0 {
            return;
        }
        let mut cumulative = 0;
        for (i, n) in h.buckets.iter().enumerate() {
            cumulative += n;
            let le = BOUNDS_MICROS
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), |&b| (b as f64 / 1e6).to_string());
            let _ = write!(self.0, "{name}_bucket");
            self.labels(labels, Some(&le));
            let _ = writeln!(self.0, " {cumulative}");
        }
        self.sample(&format!("{name}_sum"), labels, h.sum_micros as f64 / 1e6);
        self.sample(&format!("{name}_count"), labels, count);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn series_render_with_escaped_labels_and_cumulative_buckets() {
        let r = Registry::default();
        r.tools.with("whoami", |t| {
            t.by_outcome[0].inc();
            t.latency.observe(Duration::from_millis(3));
        });
        r.http.with("/a\"b", |h| h.by_method[1].by_status[1].inc());
        let text = render_registry(&r);
        assert!(
            text.contains("tool_calls_total{tool=\"whoami\",outcome=\"ok\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("tool_call_duration_seconds_bucket{tool=\"whoami\",le=\"0.0025\"} 0\n")
        );
        assert!(
            text.contains("tool_call_duration_seconds_bucket{tool=\"whoami\",le=\"0.005\"} 1\n")
        );
        assert!(
            text.contains("tool_call_duration_seconds_bucket{tool=\"whoami\",le=\"+Inf\"} 1\n")
        );
        assert!(text.contains("tool_call_duration_seconds_count{tool=\"whoami\"} 1\n"));
        assert!(
            text.contains(
                "http_requests_total{route=\"/a\\\"b\",method=\"POST\",status=\"2xx\"} 1\n"
            )
        );
        assert!(text.contains("tool_errors_total{kind=\"timeout\"} 0\n"));
        assert!(text.contains("mcp_sessions_live 0\n"));
        assert!(text.contains("# TYPE store_call_duration_seconds histogram\n"));
    }
}
