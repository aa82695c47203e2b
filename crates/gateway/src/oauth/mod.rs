//! The gateway's OAuth 2.1 authorization server for MCP clients, on the same
//! origin as `/mcp`, and the resource-server checks in front of `/mcp`.
//! The flow is described in `README.md` beside this file.

pub mod authorize;
pub mod bearer;
pub mod clients;
pub mod error;
mod limit;
pub mod metadata;
pub mod pages;
pub mod params;
pub mod redirect;
pub mod token;
pub mod tokens;

use std::{net::IpAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
};

use crate::{
    audit::writer::Audit,
    config::{Config, join},
    google::{GoogleOAuth, SignInPolicy},
    limits::{Rate, bucket::Buckets},
    repo::Repo,
    vault::Vault,
};

pub use bearer::Revocations;
pub use tokens::AccessTokens;

/// The URLs the authorization server publishes.
#[derive(Debug, Clone)]
pub struct Urls {
    /// `PUBLIC_URL` without a trailing slash: the issuer.
    pub issuer: String,
    /// The protected resource: `<issuer>/mcp`.
    pub resource: String,
    /// RFC 9728 metadata URL of the resource (path-inserted).
    pub resource_metadata: String,
    /// The legacy SSE transport's URL (`<issuer>/sse`): another way into
    /// the same resource, accepted as a `resource` (its tokens are the
    /// resource's own).
    pub legacy_sse: String,
    /// RFC 9728 metadata URL naming `legacy_sse` as the resource.
    pub legacy_sse_metadata: String,
    pub authorize: String,
    pub token: String,
    pub register: String,
    pub revoke: String,
}

impl Urls {
    pub fn new(config: &Config) -> Self {
        let issuer = config.public_url.as_str().trim_end_matches('/').to_owned();
        let at = |p: &str| join(&config.public_url, p).to_string();
        Self {
            resource: config.mcp_url().to_string(),
            resource_metadata: at("/.well-known/oauth-protected-resource/mcp"),
            legacy_sse: at(LEGACY_SSE_PATH),
            legacy_sse_metadata: at(LEGACY_SSE_METADATA_PATH),
            authorize: at("/oauth/authorize"),
            token: at("/oauth/token"),
            register: at("/oauth/register"),
            revoke: at("/oauth/revoke"),
            issuer,
        }
    }
}

/// The legacy SSE transport's stream endpoint (protocol 2024-11-05).
pub const LEGACY_SSE_PATH: &str = "/sse";
const LEGACY_SSE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource/sse";

/// Largest request body the OAuth endpoints read (registration, token,
/// revocation requests are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Google scopes requested at sign-in besides those of the offered tools.
pub const IDENTITY_SCOPES: &[&str] = &["openid", "email", "profile"];

/// Shared state of the authorization server.
#[derive(Clone)]
pub struct OAuthState {
    pub urls: Arc<Urls>,
    pub repo: Repo,
    pub vault: Arc<Vault>,
    pub google: GoogleOAuth,
    pub policy: SignInPolicy,
    /// The tools the gateway offers (`TOOLS`, `READ_ONLY`, `SERVICES`).
    pub offer: crate::catalog::Selection,
    /// The company policy in force (shared with the MCP tools; it narrows
    /// the Google scopes sign-in asks for).
    pub company_policy: crate::policy::PolicyHandle,
    pub access_tokens: AccessTokens,
    pub revocations: Revocations,
    pub redirects: Arc<redirect::RedirectPolicy>,
    pub registration_limiter: Arc<Buckets<IpAddr>>,
    /// Every `/oauth/*` request, per client address.
    pub address_limiter: Arc<Buckets<IpAddr>>,
    /// Every `/mcp` and legacy SSE request, per user (protocol floods).
    pub request_limiter: Arc<Buckets<String>>,
    /// See [`clients::client_ip`].
    pub trusted_proxy_hops: usize,
    pub session_max_age: Option<Duration>,
    /// The gateway runs on loopback (development, demo, tests).
    pub local_only: bool,
    /// The audit trail (shared with the MCP tools).
    pub audit: Audit,
}

impl OAuthState {
    /// The Google scopes sign-in asks for: identity, and those of the tools
    /// anyone may use under the policy in force.
    pub fn google_scopes(&self) -> Vec<String> {
        IDENTITY_SCOPES
            .iter()
            .map(|s| (*s).to_owned())
            .chain(self.company_policy.current().google_scopes(&self.offer))
            .collect()
    }

    pub fn new(config: &Config, repo: Repo, vault: Arc<Vault>) -> anyhow::Result<Self> {
        let urls = Urls::new(config);
        let google = GoogleOAuth::from_config(config)
            .map_err(|e| anyhow::anyhow!("cannot set up the Google OAuth client: {e}"))?;
        let access_tokens = AccessTokens::new(
            &config.session_secret,
            &urls.issuer,
            &urls.resource,
            config.access_token_ttl,
        );
        let local_only = crate::net::is_loopback(&config.public_url);
        Ok(Self {
            audit: Audit::configured(repo.store.clone(), config.audit_retention),
            urls: Arc::new(urls),
            repo,
            vault,
            google,
            policy: SignInPolicy::from_config(config),
            offer: config.tools.clone(),
            company_policy: crate::policy::PolicyHandle::new(config.policy.initial.clone()),
            access_tokens,
            revocations: Revocations::default(),
            redirects: Arc::new(redirect::RedirectPolicy::new(&config.extra_redirect_uris)),
            registration_limiter: Arc::new(Buckets::new(Rate {
                per_minute: 30,
                burst: config.registration_burst,
            })),
            address_limiter: Arc::new(Buckets::new(Rate {
                per_minute: config.oauth_requests_per_minute,
                burst: config.oauth_request_burst,
            })),
            request_limiter: Arc::new(Buckets::new(config.rate_limits.requests)),
            trusted_proxy_hops: config.trusted_proxy_hops,
            session_max_age: config.session_max_age,
            local_only,
        })
    }

    /// Whether `resource` names our MCP endpoint, or the legacy SSE one (a
    /// trailing slash is tolerated).
    pub fn is_our_resource(&self, resource: &str) -> bool {
        let resource = resource.trim_end_matches('/');
        resource == self.urls.resource.trim_end_matches('/') || resource == self.urls.legacy_sse
    }

    /// This state as the legacy SSE endpoints present it: their metadata
    /// names `<issuer>/sse` as the resource (clients check that it matches
    /// the URL they were given), and their 401s point there.
    pub fn for_legacy_sse(&self) -> OAuthState {
        let mut urls = (*self.urls).clone();
        urls.resource = urls.legacy_sse.clone();
        urls.resource_metadata = urls.legacy_sse_metadata.clone();
        OAuthState {
            urls: Arc::new(urls),
            ..self.clone()
        }
    }

    /// Every OAuth route: discovery documents (also at the path-inserted and
    /// OpenID fallback locations clients try) and the endpoints.
    pub fn router(&self) -> Router {
        let as_meta = get(metadata::authorization_server);
        let pr_meta = get(metadata::protected_resource);
        Router::new()
            .route("/.well-known/oauth-protected-resource", pr_meta.clone())
            .route("/.well-known/oauth-protected-resource/mcp", pr_meta)
            .route(
                LEGACY_SSE_METADATA_PATH,
                get(metadata::protected_resource).with_state(self.for_legacy_sse()),
            )
            .route("/.well-known/oauth-authorization-server", as_meta.clone())
            .route(
                "/.well-known/oauth-authorization-server/mcp",
                as_meta.clone(),
            )
            .route("/.well-known/openid-configuration", as_meta.clone())
            .route("/.well-known/openid-configuration/mcp", as_meta.clone())
            .route("/mcp/.well-known/openid-configuration", as_meta)
            .merge(
                Router::new()
                    .route("/oauth/register", post(clients::register))
                    .route("/oauth/authorize", get(authorize::authorize))
                    .route("/oauth/login", get(authorize::login))
                    .route("/oauth/callback", get(authorize::callback))
                    .route("/oauth/token", post(token::token))
                    .route("/oauth/revoke", post(token::revoke))
                    .route_layer(middleware::from_fn_with_state(
                        self.clone(),
                        limit::per_address,
                    )),
            )
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(self.clone())
    }
}
