use std::process::ExitCode;

use clap::Parser;
use mcp_gateway::cli::{Cli, run};

/// jemalloc: glibc's allocator contends on its arena locks under the many
/// short-lived allocations of concurrent requests.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    run(Cli::parse())
}
