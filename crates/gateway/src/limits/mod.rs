//! Rate limits: how many requests one key (a client address, a user) may
//! make at once and per minute.
//!
//! - [`bucket::Buckets`]: a token bucket per key, in this task's memory. It
//!   guards `/oauth/*` per client address and `/mcp` per user (protocol
//!   floods answered 429): capacity protection, which is per task by nature.
//! - [`shared::ToolCallLimiter`]: the per-user limit on tool calls
//!   (`RATE_LIMIT_TOOL_CALLS_PER_MINUTE`, `RATE_LIMIT_BURST`), shared by every
//!   task through the store without a store request on the call's path.

pub mod bucket;
pub mod daily;
pub mod shared;

/// The figures of one limit: a sustained rate and a burst on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

/// Whole seconds to tell a client to wait (at least 1).
pub fn retry_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}
