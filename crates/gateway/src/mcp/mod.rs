//! The `/mcp` endpoint: rmcp's Streamable HTTP service behind our session
//! guard. One endpoint serves every protocol revision from 2025-03-26 to the
//! stateless 2026-07-28, and `/sse` with `/messages` serve the legacy HTTP+SSE
//! transport of 2024-11-05 through the same handler.

pub mod legacy_sse;
pub mod session_table;
pub mod sessions;
pub mod stream;
pub mod wire;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router, middleware,
    routing::{MethodRouter, any_service},
};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    google::api::GoogleApi,
    limits::shared::ToolCallLimiter,
    oauth::OAuthState,
    repo::Repo,
    state::AppState,
    store::Store,
    tools::server::{GatewayServer, ServerParts},
};

use session_table::SessionTable;
use sessions::SessionGuard;

/// How often each task drops expired and ended sessions from memory.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// rmcp's service behind an `Arc`: the router clones its service for every
/// request, and rmcp's own clone copies its whole configuration (host and
/// origin lists, a cancellation token) each time.
#[derive(Clone)]
struct SharedService(Arc<StreamableHttpService<GatewayServer, LocalSessionManager>>);

impl tower::Service<axum::extract::Request> for SharedService {
    type Response = http::Response<
        http_body_util::combinators::BoxBody<bytes::Bytes, std::convert::Infallible>,
    >;
    type Error = std::convert::Infallible;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        let service = self.0.clone();
        Box::pin(async move { Ok(service.handle(req).await) })
    }
}

/// rmcp's service behind the JSON-RPC wire layer: what `/mcp` and the
/// legacy `/messages` run every message through.
fn handler<S: Clone + Send + Sync + 'static>(service: &SharedService) -> MethodRouter<S> {
    any_service(service.clone()).layer(middleware::from_fn(wire::wire))
}

/// The MCP endpoint and the handles shutdown needs.
pub struct McpEndpoint {
    service: SharedService,
    guard: SessionGuard,
    legacy: legacy_sse::Settings,
    oauth: Option<OAuthState>,
}

impl McpEndpoint {
    /// `oauth` puts the bearer-token check in front of the endpoint; only
    /// tests of the transport alone pass `None`.
    pub fn new(
        config: &Config,
        listening: SocketAddr,
        store: Arc<dyn Store>,
        oauth: Option<OAuthState>,
        api: Option<GoogleApi>,
        draining: CancellationToken,
        stopping: CancellationToken,
    ) -> Self {
        let limiter = Arc::new(ToolCallLimiter::new(
            config.rate_limits.tool_calls,
            Some(Repo::new(store.clone())),
        ));
        limiter.spawn_sync(stopping.clone());
        let handler = GatewayServer::new(ServerParts {
            mcp_url: config.mcp_url().to_string(),
            allowed_domains: config.allowed_domains.clone(),
            sign_in_url: config.sign_in_url().to_string(),
            repo: Some(Repo::new(store.clone())),
            api,
            selection: config.tools.clone(),
            output_limit: config.tool_output_limit,
            tool_timeout: config.tool_timeout,
            limiter: Some(limiter),
            audit: oauth.as_ref().map_or_else(
                || crate::audit::writer::Audit::configured(store.clone(), config.audit_retention),
                |o| o.audit.clone(),
            ),
            policy: oauth.as_ref().map_or_else(
                || crate::policy::PolicyHandle::new(config.policy.initial.clone()),
                |o| o.company_policy.clone(),
            ),
            require_confirmation: config.require_confirmation,
            daily: Some(crate::limits::daily::DailyCaps::new(Repo::new(
                store.clone(),
            ))),
        });
        // rmcp serves every request statelessly (its session manager is
        // never used); the session guard gives the legacy revisions their
        // sessions from a per-task table over the shared store.
        let http_config = StreamableHttpServerConfig::default()
            .with_allowed_hosts(config.allowed_hosts())
            .with_allowed_origins(config.allowed_origins())
            .with_sse_keep_alive(Some(config.sse_keep_alive))
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_max_request_body_bytes(config.max_request_body_bytes)
            .with_cancellation_token(stopping.clone());
        let service = StreamableHttpService::new(
            move || Ok(handler.clone()),
            Arc::new(LocalSessionManager::default()),
            http_config,
        );
        let table = SessionTable::new(
            store.clone(),
            oauth.as_ref().map(|o| o.revocations.clone()),
            config.mcp_session_idle,
        );
        table.spawn_sweeper(SWEEP_EVERY, stopping);
        let guard = SessionGuard {
            table,
            repo: Repo::new(store),
            max_sessions: config.max_mcp_sessions,
            max_sessions_per_user: config.max_mcp_sessions_per_user,
            max_body: config.max_request_body_bytes,
            keep_alive: config.sse_keep_alive,
            draining,
        };
        let legacy = legacy_sse::Settings {
            hosts: config.allowed_hosts(),
            origins: config.allowed_origins(),
            messages_path: crate::config::join(&config.public_url, legacy_sse::MESSAGES_PATH)
                .path()
                .to_owned(),
            peer: legacy_sse::PeerAddress {
                configured: config.peer_url.as_ref().map(|u| u.to_string()),
                ecs_metadata: config.ecs_metadata_uri.clone(),
                listening: Some(listening),
            },
            message_timeout: config.tool_timeout + std::time::Duration::from_secs(10),
        };
        Self {
            service: SharedService(Arc::new(service)),
            guard,
            legacy,
            oauth,
        }
    }

    pub fn router(self) -> anyhow::Result<Router<AppState>> {
        let legacy = legacy_sse::LegacySse::new(
            self.guard.clone(),
            Router::new().route("/mcp", handler(&self.service)),
            self.legacy,
        )?
        .router::<AppState>();
        let route = handler::<AppState>(&self.service)
            .layer(middleware::from_fn_with_state(self.guard, sessions::guard));
        let (route, legacy) = match self.oauth {
            Some(oauth) => (
                route.layer(middleware::from_fn_with_state(
                    Arc::new(oauth.clone()),
                    crate::oauth::bearer::require_token,
                )),
                legacy.route_layer(middleware::from_fn_with_state(
                    Arc::new(oauth.for_legacy_sse()),
                    crate::oauth::bearer::require_token,
                )),
            ),
            None => (route, legacy),
        };
        Ok(Router::new().route("/mcp", route).merge(legacy))
    }
}
