//! The MCP server handler and its tool router: one prebuilt value cloned for
//! every session and every stateless request (building the tool router per
//! request costs CPU). Every route runs through the [adapter](super::adapter).

use std::{sync::Arc, time::Duration};

use rmcp::{
    RoleServer, ServerHandler,
    handler::server::router::tool::ToolRouter,
    model::{Implementation, ServerCapabilities, ServerConfig},
    schemars,
    service::RequestContext,
    tool_handler,
};
use serde::Serialize;

use crate::{
    auth::Principal,
    catalog::{Selection, spec_of},
    google::api::GoogleApi,
    limits::shared::ToolCallLimiter,
    repo::Repo,
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Facts, FromCall, HasFacts, NoArgs, Route, ToolOutput},
        calendar, chat, contacts, docs, drive, forms, gmail, prompts, resources, sheets, slides,
        tasks, workspace,
    },
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
    /// The per-user tool-call limit (`None`: unlimited, for tests of tools alone).
    pub limiter: Option<Arc<ToolCallLimiter>>,
    pub audit: crate::audit::writer::Audit,
    /// The company policy in force (reloaded when its file changes).
    pub policy: crate::policy::PolicyHandle,
    /// Counters of the policy's daily caps (`None` without a store).
    pub daily: Option<crate::limits::daily::DailyCaps>,
    /// `REQUIRE_CONFIRMATION`.
    pub require_confirmation: bool,
}

#[derive(Clone)]
pub struct GatewayServer {
    facts: Arc<Facts>,
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

pub const SERVER_NAME: &str = "workspace-mcp-gateway";

impl GatewayServer {
    pub fn new(p: ServerParts) -> Self {
        let mut router = Self::all_tools();
        for tool in router.list_all() {
            if !spec_of(&tool.name).is_some_and(|spec| p.selection.offers(spec)) {
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
                api: p.api.map(Arc::new),
                output_limit: p.output_limit,
                tool_timeout: p.tool_timeout,
                limiter: p.limiter,
                audit: p.audit,
                policy: p.policy,
                daily: p.daily,
                offer: Arc::new(p.selection),
                require_confirmation: p.require_confirmation,
                inflight: Default::default(),
            }),
            tool_router: Arc::new(router),
        }
    }

    /// Every tool the gateway implements, before selection.
    pub fn all_tools() -> ToolRouter<Self> {
        let mut router = ToolRouter::new();
        for route in [
            routes(),
            gmail::routes(),
            calendar::routes(),
            drive::routes(),
            docs::routes(),
            sheets::routes(),
            tasks::routes(),
            contacts::routes(),
            slides::routes(),
            forms::routes(),
            chat::routes(),
            workspace::routes(),
        ]
        .into_iter()
        .flatten()
        {
            router.add_route(route.into_rmcp());
        }
        router
    }
}

/// Whether the request's revision carries caching hints (`ttlMs`,
/// `cacheScope`). One person's files and mail are never to be cached for
/// another: their lists and reads are `private`, with no freshness.
fn cache_hints(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|v| v >= rmcp::model::ProtocolVersion::V_2026_07_28)
}

impl GatewayServer {
    /// The context a resource, prompt or completion reads Google with: the
    /// caller's, under the same per-person limit as tool calls.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Result<ToolCtx, rmcp::ErrorData> {
        let principal = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<Principal>());
        if let (Some(limiter), Some(p)) = (&self.facts.limiter, principal)
            && let Err(wait) = limiter.check(&p.user_id)
        {
            crate::metrics::rate_limited("tool_call");
            return Err(rmcp::ErrorData::invalid_request(
                format!(
                    "Rate limit reached; retry in {} s.",
                    crate::limits::retry_seconds(wait)
                ),
                None,
            ));
        }
        ToolCtx::from_call(&self.facts, principal, Default::default())
            .map_err(|e| rmcp::ErrorData::invalid_request(e.to_string(), None))
    }
}

impl HasFacts for GatewayServer {
    fn facts(&self) -> &Arc<Facts> {
        &self.facts
    }
}

/// The gateway's own tools.
fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "server_info",
            "Gateway information",
            "This gateway's version, MCP URL, the Workspace domains allowed to sign in and the MCP protocol revisions it serves. Use it to check the connection.",
            server_info,
        ),
        Route::new(
            "whoami",
            "Who am I",
            "The Google Workspace user this connection acts for (email, domain), the Google scopes they granted, the MCP client, and when the sign-in expires. Use it to check which account tools act on, or why a tool asks for a new sign-in.",
            whoami,
        ),
    ]
}

/// What the gateway's own tools use: the gateway's facts and the caller.
pub struct GatewayCtx {
    facts: Arc<Facts>,
    principal: Option<Principal>,
}

impl FromCall for GatewayCtx {
    fn from_call(
        facts: &Arc<Facts>,
        principal: Option<&Principal>,
        _: crate::tools::adapter::CallExtras,
    ) -> ToolResult<Self> {
        Ok(Self {
            facts: facts.clone(),
            principal: principal.cloned(),
        })
    }
}

async fn server_info(cx: GatewayCtx, _: NoArgs) -> ToolResult<ServerInfo> {
    Ok(ServerInfo {
        name: SERVER_NAME.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        mcp_url: cx.facts.mcp_url.clone(),
        allowed_domains: cx.facts.allowed_domains.clone(),
        protocol_versions: supported_versions(),
    })
}

impl ToolOutput for ServerInfo {
    fn text(&self) -> String {
        format!(
            "{} {}\nMCP URL: {}\nAllowed domains: {}\nProtocol revisions: {}\n",
            self.name,
            self.version,
            self.mcp_url,
            self.allowed_domains.join(", "),
            self.protocol_versions.join(", ")
        )
    }
}

async fn whoami(cx: GatewayCtx, _: NoArgs) -> ToolResult<WhoAmI> {
    let refused = |text: String| ToolError::Refused(text);
    let principal = cx
        .principal
        .as_ref()
        .ok_or_else(|| refused("This connection is not signed in.".into()))?;
    let repo = cx
        .facts
        .repo
        .as_ref()
        .ok_or_else(|| refused("The gateway keeps no user records in this mode.".into()))?;
    let unavailable = |_| refused("The gateway's store is unavailable; try again shortly.".into());
    let account = cx
        .facts
        .accounts
        .get(repo, &principal.user_id, &principal.family_id)
        .await
        .map_err(unavailable)?;
    let (user, grant) = (account.0.clone(), account.1.clone());
    let user = user.ok_or_else(|| {
        refused(format!(
            "No account is recorded for this connection; sign in again at {}",
            cx.facts.sign_in_url
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
        sign_in_url: cx.facts.sign_in_url.clone(),
    })
}

impl ToolOutput for WhoAmI {
    fn text(&self) -> String {
        let mut text = format!("Signed in as {} ({})\n", self.email, self.domain);
        if let Some(n) = &self.name {
            text.push_str(&format!("Name: {n}\n"));
        }
        text.push_str(&format!(
            "MCP client: {}\nSigned in at: {}\nSign-in expires: {}\nGoogle scopes: {}\n",
            self.client_name.as_deref().unwrap_or(&self.client_id),
            self.signed_in_at,
            self.sign_in_expires_at.as_deref().unwrap_or("not forced"),
            if self.google_scopes.is_empty() {
                "none".to_owned()
            } else {
                self.google_scopes.join(" ")
            }
        ));
        if self.needs_sign_in {
            text.push_str(&format!(
                "Google no longer accepts this gateway's access: sign in again at {}\n",
                self.sign_in_url
            ));
        }
        text
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
    /// A client's `notifications/cancelled`: stops the named call when it
    /// runs on this task for the same user.
    async fn on_cancelled(
        &self,
        notification: rmcp::model::CancelledNotificationParam,
        context: rmcp::service::NotificationContext<RoleServer>,
    ) {
        let principal = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<Principal>());
        if let (Some(p), Some(id)) = (principal, &notification.request_id) {
            let id = serde_json::to_string(id).unwrap_or_default();
            if self.facts.inflight.cancel(&p.user_id, &id) {
                tracing::info!(request_id = %id, "tool call cancelled by the client");
            }
        }
    }

    async fn list_resources(
        &self,
        request: Option<rmcp::model::PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListResourcesResult, rmcp::ErrorData> {
        let ctx = self.caller(&context)?;
        let mut list = resources::list(ctx, request.and_then(|r| r.cursor)).await?;
        if cache_hints(&context) {
            list.ttl_ms = Some(0);
            list.cache_scope = Some(rmcp::model::CacheScope::Private);
        }
        Ok(list)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<rmcp::model::PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListResourceTemplatesResult, rmcp::ErrorData> {
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: rmcp::model::ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ReadResourceResponse, rmcp::ErrorData> {
        let ctx = self.caller(&context)?;
        let mut read = resources::read(ctx, &request.uri).await?;
        if cache_hints(&context) {
            read.ttl_ms = Some(0);
            read.cache_scope = Some(rmcp::model::CacheScope::Private);
        }
        Ok(read.into())
    }

    async fn list_prompts(
        &self,
        _request: Option<rmcp::model::PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListPromptsResult, rmcp::ErrorData> {
        Ok(prompts::list())
    }

    async fn get_prompt(
        &self,
        request: rmcp::model::GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetPromptResponse, rmcp::ErrorData> {
        let ctx = self.caller(&context)?;
        prompts::get(ctx, &request.name, &request.arguments)
            .await
            .map(Into::into)
    }

    async fn complete(
        &self,
        request: rmcp::model::CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CompleteResult, rmcp::ErrorData> {
        let ctx = self.caller(&context)?;
        let (name, value) = (&request.argument.name, &request.argument.value);
        let mut values = match &request.r#ref {
            rmcp::model::Reference::Resource(r) => {
                resources::complete(ctx, &r.uri, name, value).await
            }
            rmcp::model::Reference::Prompt(p) => prompts::complete(ctx, &p.name, name, value).await,
            _ => Vec::new(),
        };
        values.truncate(rmcp::model::CompletionInfo::MAX_VALUES);
        let info = rmcp::model::CompletionInfo::new(values)
            .map_err(|e| rmcp::ErrorData::internal_error(e, None))?;
        Ok(rmcp::model::CompleteResult::new(info))
    }

    /// The tools this caller may use: the gateway's offer, narrowed by the
    /// company policy's access rule for them (if any).
    async fn list_tools(
        &self,
        _request: Option<rmcp::model::PaginatedRequestParams>,
        context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> Result<rmcp::model::ListToolsResult, rmcp::ErrorData> {
        let policy = self.facts.policy.current();
        let principal = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<Principal>());
        let mut tools = self.tool_router.list_all();
        if let Some(rule) = principal.and_then(|p| policy.rule_for(&p.email)) {
            tools.retain(|t| spec_of(&t.name).is_none_or(|spec| rule.withholds(spec).is_none()));
        }
        let cache_hints = context
            .protocol_version()
            .is_some_and(|v| v >= rmcp::model::ProtocolVersion::V_2026_07_28);
        // With access rules, the list depends on who asks.
        let scope = if policy.access.is_empty() {
            rmcp::model::CacheScope::Public
        } else {
            rmcp::model::CacheScope::Private
        };
        Ok(rmcp::model::ListToolsResult {
            result_type: Some(rmcp::model::ResultType::COMPLETE),
            tools,
            meta: None,
            next_cursor: None,
            ttl_ms: cache_hints.then_some(0),
            cache_scope: cache_hints.then_some(scope),
        })
    }

    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_prompts()
            .enable_completions()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                    .with_title("Workspace MCP Gateway"),
            )
            .with_instructions(
                "Tools that act on the signed-in user's own Google Workspace (Gmail, Calendar, Drive, Docs, Sheets, Slides, Tasks, Contacts, Forms, Chat).",
            )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    };
    use serde_json::{Value, json};

    use super::*;

    /// Log lines written while a test runs.
    #[derive(Clone, Default)]
    struct Logs(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Logs {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn boom(_: GatewayCtx, _: NoArgs) -> ToolResult<ServerInfo> {
        panic!("boom in a test build")
    }

    fn server_with_boom() -> GatewayServer {
        let mut server = GatewayServer::new(ServerParts {
            mcp_url: "http://127.0.0.1/mcp".into(),
            allowed_domains: vec!["example.com".into()],
            sign_in_url: "http://127.0.0.1/oauth/login".into(),
            repo: None,
            api: None,
            selection: Selection::default(),
            output_limit: 20_000,
            tool_timeout: Duration::from_secs(10),
            limiter: None,
            audit: crate::audit::writer::Audit::log_only(),
            policy: Default::default(),
            daily: None,
            require_confirmation: false,
        });
        let mut router = (*server.tool_router).clone();
        router.add_route(
            Route::new("boom", "Boom", "A tool made to panic, in tests only.", boom).into_rmcp(),
        );
        server.tool_router = Arc::new(router);
        server
    }

    #[tokio::test]
    #[expect(
        clippy::disallowed_methods,
        reason = "the test's MCP client, not the gateway's Google client"
    )]
    async fn a_panicking_tool_is_a_tool_error_and_the_next_call_works() {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let server = server_with_boom();
        let service = StreamableHttpService::new(
            move || Ok(server.clone()),
            Arc::new(LocalSessionManager::default()),
            StreamableHttpServerConfig::default().with_json_response(true),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let app = axum::Router::new().route_service("/mcp", service);
        tokio::spawn(async move { axum::serve(listener, app).await });

        // A call that never answers (a dropped task) fails here, not by hanging.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let mut session: Option<String> = None;
        let mut post = async |body: Value| {
            let mut req = http
                .post(&url)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .header("mcp-protocol-version", "2025-06-18")
                .body(body.to_string());
            if let Some(s) = &session {
                req = req.header("mcp-session-id", s);
            }
            let r = req.send().await.unwrap();
            let status = r.status();
            if let Some(s) = r.headers().get("mcp-session-id") {
                session = Some(s.to_str().unwrap().to_owned());
            }
            let text = r.text().await.unwrap();
            // A JSON body, or the JSON-RPC message of an SSE stream.
            let message = text
                .lines()
                .filter_map(|l| l.strip_prefix("data: ").or(Some(l)))
                .filter(|l| l.starts_with('{'))
                .find_map(|l| serde_json::from_str::<Value>(l).ok())
                .unwrap_or(Value::Null);
            (status, message)
        };
        let (status, _) = post(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "1"}}}))
        .await;
        assert_eq!(status, 200);
        post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;

        for id in [2, 3] {
            let (status, reply) = post(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": {"name": "boom", "arguments": {}}}))
            .await;
            assert_eq!(status, 200, "{reply}");
            assert_eq!(reply["result"]["isError"], true, "{reply}");
            let text = reply["result"]["content"][0]["text"].as_str().unwrap();
            assert!(
                text.contains("boom failed with an internal error"),
                "{text}"
            );
        }
        let (status, reply) = post(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
            "params": {"name": "server_info", "arguments": {}}}))
        .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["result"]["isError"], false, "{reply}");
        assert_eq!(reply["result"]["structuredContent"]["name"], SERVER_NAME);

        let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        let panicked = logs
            .lines()
            .find(|l| l.contains("tool call panicked"))
            .unwrap_or_else(|| panic!("no panic logged:\n{logs}"));
        assert!(panicked.contains("tool=boom"), "{panicked}");
        let outcome = logs
            .lines()
            .find(|l| l.contains("tool=boom") && l.contains(": tool call"))
            .unwrap_or_else(|| panic!("no boom call logged:\n{logs}"));
        assert!(outcome.contains("outcome=\"panic\""), "{outcome}");
        assert!(panicked.contains("boom in a test build"), "{panicked}");
        let ok = logs
            .lines()
            .find(|l| l.contains("tool=server_info") && l.contains("tool call"))
            .unwrap_or_else(|| panic!("no server_info call logged:\n{logs}"));
        assert!(ok.contains("outcome=\"ok\""), "{ok}");
        assert!(ok.contains("google_calls=0"), "{ok}");
    }

    /// Tokens the default (core) set's definitions may take in every
    /// conversation (docs/decisions.md: about 5,850 today).
    const CORE_BUDGET: usize = 6_000;

    /// The tokens every conversation spends on the offered tools: each tool's
    /// name, description and input schema as `tools/list` sends them.
    fn context_tokens(names: &[&str]) -> usize {
        let bpe = tiktoken_rs::o200k_base().unwrap();
        let router = GatewayServer::all_tools();
        names
            .iter()
            .map(|name| {
                let tool = router.get(name).unwrap();
                let listed = json!({
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": tool.input_schema,
                });
                bpe.encode_with_special_tokens(&listed.to_string()).len()
            })
            .sum()
    }

    #[test]
    fn the_core_set_fits_its_context_budget() {
        let core = Selection::default().offered();
        let all: Vec<&str> = crate::catalog::CATALOG.iter().map(|s| s.name).collect();
        let (core_tokens, all_tokens) = (context_tokens(&core), context_tokens(&all));
        println!(
            "tool definitions (name, description, input schema; o200k_base): core set {} tools {core_tokens} tokens, whole catalogue {} tools {all_tokens} tokens",
            core.len(),
            all.len()
        );
        for name in &core {
            println!("  {name}: {}", context_tokens(&[name]));
        }
        assert!(
            core_tokens <= CORE_BUDGET,
            "the core set's definitions take {core_tokens} tokens, over the budget of {CORE_BUDGET}: share definitions, drop prose the schema already says"
        );
    }

    #[test]
    fn input_schemas_are_self_contained_and_free_of_rust_formats() {
        for tool in GatewayServer::all_tools().list_all() {
            let schema = serde_json::to_string(&tool.input_schema).unwrap();
            for noise in ["$ref", "$defs", "$schema", "\"format\":\"uint", "\"oneOf\""] {
                assert!(
                    !schema.contains(noise),
                    "{}: {noise} in {schema}",
                    tool.name
                );
            }
        }
    }

    #[test]
    fn every_catalog_entry_is_implemented() {
        let router = GatewayServer::all_tools();
        for spec in crate::catalog::CATALOG {
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
            let spec = spec_of(&tool.name)
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
