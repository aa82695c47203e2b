use std::process::ExitCode;

use clap::Parser;
use mcp_gateway::cli::{Cli, run};

fn main() -> ExitCode {
    run(Cli::parse())
}
