//! The MCP server handler: one prebuilt value cloned for every session and
//! every stateless request (building the tool router per request costs CPU).

use std::{sync::Arc, time::Duration};

use rmcp::{
    ServerHandler,
    handler::server::{common::Extension, router::tool::ToolRouter},
    model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig},
    schemars, tool, tool_handler, tool_router,
};
use serde::Serialize;

use crate::{
    auth::Principal,
    google::api::GoogleApi,
    repo::Repo,
    tools::{Output, Selection, ToolCtx},
};

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

/// What `whoami` reports about the signed-in user.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WhoAmI {
    /// The user's Google account email.
    pub email: String,
    /// Stable user id (Google account id).
    pub user_id: String,
    /// The user's Google Workspace domain.
    pub domain: String,
    /// Display name, when Google shared it.
    pub name: Option<String>,
    /// Google scopes the user granted to the gateway.
    pub google_scopes: Vec<String>,
    /// The MCP client this connection was authorized for.
    pub client_id: String,
    /// The client's name, when it registered one.
    pub client_name: Option<String>,
    /// Gateway scopes of this connection's token.
    pub scopes: Vec<String>,
    /// When the user last signed in with Google (RFC 3339).
    pub signed_in_at: String,
    /// When this sign-in expires and a new one is needed (RFC 3339), or null if it does not expire.
    pub sign_in_expires_at: Option<String>,
    /// True when Google no longer accepts the user's grant: sign in again at `sign_in_url`.
    pub needs_sign_in: bool,
    /// Where to sign in again.
    pub sign_in_url: String,
}

pub(crate) struct Facts {
    mcp_url: String,
    allowed_domains: Vec<String>,
    sign_in_url: String,
    repo: Option<Repo>,
    /// What `whoami` shows, cached per task.
    accounts: crate::account_cache::AccountCache,
    pub(crate) api: Option<GoogleApi>,
    pub(crate) output_limit: usize,
    tool_timeout: Duration,
}

/// What the MCP server needs from the application.
pub struct ServerParts {
    pub mcp_url: String,
    pub allowed_domains: Vec<String>,
    pub sign_in_url: String,
    pub repo: Option<Repo>,
    pub api: Option<GoogleApi>,
    pub selection: Selection,
    pub output_limit: usize,
    pub tool_timeout: Duration,
}

#[derive(Clone)]
pub struct GatewayServer {
    pub(crate) facts: Arc<Facts>,
    /// Shared: rmcp makes a handler per request, and cloning every route
    /// (tool schemas included) each time cost a measurable share of a call.
    tool_router: Arc<ToolRouter<Self>>,
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn tool_error(text: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text.into())])
}

pub const SERVER_NAME: &str = "workspace-mcp-gateway";

impl GatewayServer {
    pub fn new(p: ServerParts) -> Self {
        let mut router = Self::all_tools();
        for tool in router.list_all() {
            if !crate::tools::spec_of(&tool.name).is_some_and(|spec| p.selection.offers(spec)) {
                router.remove_route(&tool.name);
            }
        }
        Self {
            facts: Arc::new(Facts {
                mcp_url: p.mcp_url,
                allowed_domains: p.allowed_domains,
                sign_in_url: p.sign_in_url,
                repo: p.repo,
                accounts: Default::default(),
                api: p.api,
                output_limit: p.output_limit,
                tool_timeout: p.tool_timeout,
            }),
            tool_router: Arc::new(router),
        }
    }

    /// Every tool the gateway implements, before selection.
    pub fn all_tools() -> ToolRouter<Self> {
        Self::tool_router()
            + Self::gmail_router()
            + Self::calendar_router()
            + Self::drive_router()
            + Self::docs_router()
            + Self::sheets_router()
    }

    /// The tool context of the current request, and the Google API client.
    pub(crate) fn tool_ctx(
        &self,
        parts: &http::request::Parts,
    ) -> crate::tools::ToolResult<(ToolCtx, &GoogleApi)> {
        let ctx = ToolCtx::from_parts(parts, self.facts.output_limit)?;
        let api = self.facts.api.as_ref().ok_or_else(|| {
            crate::tools::ToolError::Refused(
                "Google access is not configured in this gateway.".into(),
            )
        })?;
        Ok((ctx, api))
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
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<ServerInfo>()
    )]
    fn server_info(&self) -> CallToolResult {
        let info = ServerInfo {
            name: SERVER_NAME.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            mcp_url: self.facts.mcp_url.clone(),
            allowed_domains: self.facts.allowed_domains.clone(),
            protocol_versions: supported_versions(),
        };
        let text = format!(
            "{} {}\nMCP URL: {}\nAllowed domains: {}\nProtocol revisions: {}\n",
            info.name,
            info.version,
            info.mcp_url,
            info.allowed_domains.join(", "),
            info.protocol_versions.join(", ")
        );
        Output::new(&info, text).into_result(self.facts.output_limit)
    }

    #[tool(
        description = "Show who this MCP connection acts for: the signed-in Google Workspace user (email, domain), the Google scopes they granted, the MCP client, and when the sign-in expires. Use it to check which account tools will act on, or why a tool says a new sign-in is needed.",
        annotations(
            title = "Who am I",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<WhoAmI>()
    )]
    async fn whoami(&self, Extension(parts): Extension<http::request::Parts>) -> CallToolResult {
        match self.whoami_inner(&parts).await {
            Ok(me) => {
                let mut text = format!("Signed in as {} ({})\n", me.email, me.domain);
                if let Some(n) = &me.name {
                    text.push_str(&format!("Name: {n}\n"));
                }
                text.push_str(&format!(
                    "MCP client: {}\nSigned in at: {}\nSign-in expires: {}\nGoogle scopes: {}\n",
                    me.client_name.as_deref().unwrap_or(&me.client_id),
                    me.signed_in_at,
                    me.sign_in_expires_at.as_deref().unwrap_or("not forced"),
                    if me.google_scopes.is_empty() {
                        "none".to_owned()
                    } else {
                        me.google_scopes.join(" ")
                    }
                ));
                if me.needs_sign_in {
                    text.push_str(&format!(
                        "Google no longer accepts this gateway's access: sign in again at {}\n",
                        me.sign_in_url
                    ));
                }
                Output::new(&me, text).into_result(self.facts.output_limit)
            }
            Err(e) => e,
        }
    }
}

impl GatewayServer {
    async fn whoami_inner(&self, parts: &http::request::Parts) -> Result<WhoAmI, CallToolResult> {
        let principal = parts
            .extensions
            .get::<Principal>()
            .ok_or_else(|| tool_error("This connection is not signed in."))?;
        let repo = self
            .facts
            .repo
            .as_ref()
            .ok_or_else(|| tool_error("The gateway keeps no user records in this mode."))?;
        let unavailable = |_| tool_error("The gateway's store is unavailable; try again shortly.");
        let account = self
            .facts
            .accounts
            .get(repo, &principal.user_id, &principal.family_id)
            .await
            .map_err(unavailable)?;
        let (user, grant) = (account.0.clone(), account.1.clone());
        let user = user.ok_or_else(|| {
            tool_error(format!(
                "No account is recorded for this connection; sign in again at {}",
                self.facts.sign_in_url
            ))
        })?;
        Ok(WhoAmI {
            email: user.email,
            user_id: user.sub,
            domain: user.domain,
            name: user.name,
            google_scopes: user.google_scopes,
            client_id: principal.client_id.clone(),
            client_name: grant.as_ref().and_then(|g| g.client_name.clone()),
            scopes: principal.scopes.clone(),
            signed_in_at: rfc3339(user.signed_in_at),
            sign_in_expires_at: grant.and_then(|g| g.sign_in_expires_at).map(rfc3339),
            needs_sign_in: user.needs_reauth,
            sign_in_url: self.facts.sign_in_url.clone(),
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
    /// Runs a tool with the tool time limit. Invalid arguments to a known tool
    /// become a tool error naming the problem (so the model can correct
    /// itself); an unknown tool stays a protocol error.
    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, rmcp::ErrorData> {
        let name = request.name.to_string();
        let known = self.tool_router.has_route(&name);
        let tcc = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
        match tokio::time::timeout(self.facts.tool_timeout, self.tool_router.call(tcc)).await {
            Ok(Err(e)) if known && e.code == rmcp::model::ErrorCode::INVALID_PARAMS => {
                Ok(tool_error(format!("Invalid arguments for {name}: {}", e.message)).into())
            }
            Ok(result) => result,
            Err(_) => Ok(tool_error(format!(
                "{name} took longer than {} s and was stopped; try a narrower request",
                self.facts.tool_timeout.as_secs()
            ))
            .into()),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_entry_is_implemented() {
        let router = GatewayServer::all_tools();
        for spec in crate::tools::CATALOG {
            assert!(
                router.has_route(spec.name),
                "{} is in the catalog but not implemented",
                spec.name
            );
        }
    }

    #[test]
    fn every_implemented_tool_is_in_the_catalog_with_truthful_annotations() {
        for tool in GatewayServer::all_tools().list_all() {
            let spec = crate::tools::spec_of(&tool.name)
                .unwrap_or_else(|| panic!("{} is not in the catalog", tool.name));
            let a = tool
                .annotations
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no annotations", tool.name));
            assert_eq!(
                a.read_only_hint,
                Some(!spec.writes),
                "{}: readOnlyHint",
                tool.name
            );
            assert!(
                tool.output_schema.is_some(),
                "{} has no output schema",
                tool.name
            );
            let description = tool.description.as_deref().unwrap_or_default();
            assert!(
                description.len() >= 60,
                "{}: description too thin",
                tool.name
            );
            assert!(
                tool.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}: not snake_case",
                tool.name
            );
        }
    }
}
