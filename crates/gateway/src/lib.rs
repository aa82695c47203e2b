//! Workspace MCP Gateway: a remote MCP server that lets the people of one
//! company use their own Google Workspace data from any MCP client.

pub mod account_cache;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod aws;
pub mod catalog;
pub mod cli;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod google;
pub mod http;
pub mod limits;
pub mod mcp;
pub mod metrics;
pub mod net;
pub mod oauth;
pub mod periodic;
pub mod policy;
pub mod repo;
pub mod secret;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tools;
pub mod vault;
