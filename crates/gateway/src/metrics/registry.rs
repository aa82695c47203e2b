//! The process-wide registry: every series the gateway records, in fixed
//! arrays where the labels are a closed set and in [`Family`]s where they are
//! known only at run time (route templates, tool names, limit kinds).

use std::sync::{
    LazyLock,
    atomic::{AtomicI64, AtomicU64, Ordering::Relaxed},
};

use super::{
    family::Family,
    histogram::Histogram,
    labels::{Api, KmsOp, METHODS, OUTCOMES, STATUS_CLASSES, STORE_BACKENDS, StoreOp},
};

/// A monotonic counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// One method of one route.
#[derive(Debug, Default)]
pub struct HttpSeries {
    pub by_status: [Counter; STATUS_CLASSES.len()],
    pub latency: Histogram,
}

/// One route template, by method.
#[derive(Debug, Default)]
pub struct RouteSeries {
    pub by_method: [HttpSeries; METHODS.len()],
}

/// One tool.
#[derive(Debug, Default)]
pub struct ToolSeries {
    pub by_outcome: [Counter; OUTCOMES.len()],
    pub latency: Histogram,
}

/// One Google API.
#[derive(Debug, Default)]
pub struct GoogleSeries {
    pub by_status: [Counter; STATUS_CLASSES.len()],
    /// Requests that got no answer (connection or timeout).
    pub no_answer: Counter,
    pub retries: Counter,
    pub rate_limited: Counter,
}

/// Calls of one operation of a store backend or of KMS.
#[derive(Debug, Default)]
pub struct CallSeries {
    pub calls: Counter,
    pub errors: Counter,
    /// Conditional writes that found another version (the store only):
    /// an expected answer, not a failure.
    pub conflicts: Counter,
    pub latency: Histogram,
}

#[derive(Debug, Default)]
pub struct Registry {
    pub http: Family<RouteSeries>,
    pub tools: Family<ToolSeries>,
    pub google: [GoogleSeries; Api::ALL.len()],
    /// Google token refreshes: succeeded, failed.
    pub refreshes: [Counter; 2],
    pub store: [[CallSeries; STORE_BACKENDS.len()]; StoreOp::ALL.len()],
    pub kms: [CallSeries; KmsOp::ALL.len()],
    pub live_sessions: AtomicI64,
    pub rate_limited: Family<Counter>,
    pub audit_dropped: Counter,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::default);

/// The process-wide registry.
pub fn registry() -> &'static Registry {
    &REGISTRY
}
