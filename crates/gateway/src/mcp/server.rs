//! The MCP server handler: one prebuilt value cloned for every session and
//! every stateless request (building the tool router per request costs CPU).

use std::sync::Arc;

use rmcp::{
    ServerHandler,
    handler::server::{router::tool::ToolRouter, wrapper::Json},
    model::{Implementation, ServerCapabilities, ServerConfig},
    schemars, tool, tool_handler, tool_router,
};
use serde::Serialize;

/// What `server_info` reports: harmless facts about this gateway.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ServerInfo {
    /// Product name.
    pub name: String,
    /// Gateway version.
    pub version: String,
    /// The public MCP endpoint URL.
    pub mcp_url: String,
    /// Google Workspace domains whose members may sign in.
    pub allowed_domains: Vec<String>,
    /// MCP protocol revisions this endpoint serves.
    pub protocol_versions: Vec<String>,
}

#[derive(Debug)]
struct Facts {
    mcp_url: String,
    allowed_domains: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct GatewayServer {
    facts: Arc<Facts>,
    tool_router: ToolRouter<Self>,
}

pub const SERVER_NAME: &str = "workspace-mcp-gateway";

impl GatewayServer {
    pub fn new(mcp_url: String, allowed_domains: Vec<String>) -> Self {
        Self {
            facts: Arc::new(Facts {
                mcp_url,
                allowed_domains,
            }),
            tool_router: Self::tool_router(),
        }
    }
}

#[tool_router]
impl GatewayServer {
    #[tool(
        description = "Describe this Google Workspace gateway: its version, public MCP URL, the Workspace domains allowed to sign in, and the MCP protocol revisions it serves. Use it to check that the connection works.",
        annotations(
            title = "Gateway information",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn server_info(&self) -> Json<ServerInfo> {
        Json(ServerInfo {
            name: SERVER_NAME.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            mcp_url: self.facts.mcp_url.clone(),
            allowed_domains: self.facts.allowed_domains.clone(),
            protocol_versions: supported_versions(),
        })
    }
}

/// The protocol revisions served on `/mcp`.
pub fn supported_versions() -> Vec<String> {
    ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for GatewayServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                    .with_title("Workspace MCP Gateway"),
            )
            .with_instructions(
                "Tools that act on the signed-in user's own Google Workspace (Gmail, Calendar, Drive, Docs, Sheets).",
            )
    }
}
