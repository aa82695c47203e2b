//! Metrics: a process-wide registry of counters, gauges and latency
//! histograms, read as Prometheus text at `GET /metrics` on its own listener
//! (`METRICS_PORT`, [`listener`]) and, with `METRICS_EMF=true`, written to
//! stdout once a minute as a CloudWatch embedded-metric-format line
//! ([`emf`]).
//!
//! Recording is a few relaxed atomic adds: no lock is held across an
//! `.await`, nothing is allocated once a label has been seen. Labels come
//! from closed sets ([`labels`]) or bounded run-time sets (route templates,
//! tool names, limit kinds): never an email, a user id, a token or a raw path.

pub mod emf;
pub mod family;
pub mod histogram;
pub mod labels;
pub mod listener;
pub mod prometheus;
pub mod registry;

use std::{sync::atomic::Ordering::Relaxed, time::Duration};

use labels::{Api, KmsOp, StoreOp};
use registry::registry;

/// One HTTP request answered: `route` is the matched route template
/// (`/mcp`, `/oauth/token`), or `None` for a path no route matched.
pub fn http_request(route: Option<&str>, method: &http::Method, status: u16, took: Duration) {
    let route = route.unwrap_or("unmatched");
    registry().http.with(route, |r| {
        let m = &r.by_method[labels::method_index(method)];
        m.by_status[labels::status_index(status)].inc();
        m.latency.observe(took);
    });
}

/// One tool call ended with `outcome` (the adapter's outcome names).
pub fn tool_call(tool: &str, outcome: &str, took: Duration) {
    registry().tools.with(tool, |t| {
        t.by_outcome[labels::outcome_index(outcome)].inc();
        t.latency.observe(took);
    });
}

/// One request to a Google API: its status, or `None` when no answer came.
pub fn google_call(api: Api, status: Option<u16>) {
    let g = &registry().google[api as usize];
    match status {
        Some(s) => g.by_status[labels::status_index(s)].inc(),
        None => g.no_answer.inc(),
    }
}

/// A Google request sent again (after a 429, a 5xx, a timeout or a refreshed token).
pub fn google_retry(api: Api) {
    registry().google[api as usize].retries.inc();
}

/// Google answered 429 or a rate-limit 403.
pub fn google_rate_limited(api: Api) {
    registry().google[api as usize].rate_limited.inc();
}

/// A refresh of a user's Google access token at Google, and whether it worked.
pub fn token_refresh(ok: bool) {
    registry().refreshes[usize::from(!ok)].inc();
}

/// How a store call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreResult {
    Ok,
    /// A conditional write found another version (an answer, not a failure).
    Conflict,
    Error,
}

/// One call of the `Store` trait on `backend`.
pub fn store_call(op: StoreOp, backend: &str, took: Duration, result: StoreResult) {
    let s = &registry().store[op as usize][labels::backend_index(backend)];
    s.calls.inc();
    s.latency.observe(took);
    match result {
        StoreResult::Ok => {}
        StoreResult::Conflict => s.conflicts.inc(),
        StoreResult::Error => s.errors.inc(),
    }
}

/// One KMS request, and whether KMS carried it out.
pub fn kms_call(op: KmsOp, took: Duration, ok: bool) {
    let k = &registry().kms[op as usize];
    k.calls.inc();
    k.latency.observe(took);
    if !ok {
        k.errors.inc();
    }
}

/// An MCP session became live in this task's session table.
pub fn session_opened() {
    registry().live_sessions.fetch_add(1, Relaxed);
}

/// An MCP session left this task's session table.
pub fn session_closed() {
    registry().live_sessions.fetch_sub(1, Relaxed);
}

/// A request refused by a rate limit of `kind` (`oauth`, `tool_call`,
/// `mcp_request`, …: a short fixed name, never anything about the caller).
pub fn rate_limited(kind: &'static str) {
    registry().rate_limited.with(kind, registry::Counter::inc);
}

/// An audit record dropped (the audit writer could not keep up or failed).
pub fn audit_dropped() {
    registry().audit_dropped.inc();
}
