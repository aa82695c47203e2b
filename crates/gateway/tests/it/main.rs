//! Integration tests: the real application on loopback ports, real HTTP.

mod helpers;

mod aws_app;
mod aws_kms;
mod aws_moto;
mod aws_store;

mod cli;
mod concurrency;
mod credentials;
mod health;
mod keys;
mod mcp_endpoint;
mod rate_limits;
mod sessions;
mod shutdown;

mod google_flow;
mod oauth_clients;
mod oauth_flow;
mod oauth_refusals;
mod oauth_tokens;

mod calendar_errors;
mod calendar_support;
mod calendar_tools;

mod gmail_errors;
mod gmail_modify;
mod gmail_read;
mod gmail_send;
mod gmail_support;

mod sheets_errors;
mod sheets_support;
mod sheets_tools;

mod chat_tools;
mod forms_tools;
mod tasks_tools;

mod audit;
mod docs_tools;
mod drive_tools;
mod resources;
mod workspace_features;
mod workspace_search;
