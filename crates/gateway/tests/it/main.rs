//! Integration tests: the real application on loopback ports, real HTTP.

mod helpers;

mod cli;
mod health;
mod mcp_endpoint;
mod sessions;
mod shutdown;
