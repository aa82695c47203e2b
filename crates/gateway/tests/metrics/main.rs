//! Metrics: the series `/metrics` serves and the CloudWatch line, moved by
//! real requests to real gateways. The registry is process-wide, so these
//! tests live in their own test binary and run one at a time: every delta
//! they assert is exact.

#[path = "../it/helpers.rs"]
#[expect(dead_code, reason = "shared with the it binary, which uses the rest")]
mod helpers;

#[path = "../it/google_flow.rs"]
#[expect(dead_code, reason = "shared with the it binary, which uses the rest")]
mod google_flow;

mod emf;
mod scrape;
mod series;
