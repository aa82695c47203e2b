//! Workspace MCP Gateway: a remote MCP server that lets the people of one
//! company use their own Google Workspace data from any MCP client.
#![forbid(unsafe_code)]

pub mod store;
pub mod vault;
