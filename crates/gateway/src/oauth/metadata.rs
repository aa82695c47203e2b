//! Discovery documents: protected-resource metadata (RFC 9728) and
//! authorization-server metadata (RFC 8414), also served at the OpenID
//! discovery paths some clients fall back to.

use axum::{Json, extract::State, response::IntoResponse};
use serde_json::{Value, json};

use super::OAuthState;

/// Scopes of the gateway's own tokens.
pub const SCOPE_MCP: &str = "mcp";
pub const SCOPES_SUPPORTED: &[&str] = &[SCOPE_MCP];

pub async fn protected_resource(State(s): State<OAuthState>) -> impl IntoResponse {
    Json(protected_resource_document(&s))
}

pub fn protected_resource_document(s: &OAuthState) -> Value {
    json!({
        "resource": s.urls.resource,
        "authorization_servers": [s.urls.issuer],
        "scopes_supported": SCOPES_SUPPORTED,
        "bearer_methods_supported": ["header"],
        "resource_name": "Workspace MCP Gateway",
        "resource_documentation": format!("{}/", s.urls.issuer),
    })
}

pub async fn authorization_server(State(s): State<OAuthState>) -> impl IntoResponse {
    Json(authorization_server_document(&s))
}

pub fn authorization_server_document(s: &OAuthState) -> Value {
    let u = &s.urls;
    json!({
        "issuer": u.issuer,
        "authorization_endpoint": u.authorize,
        "token_endpoint": u.token,
        "registration_endpoint": u.register,
        "revocation_endpoint": u.revoke,
        "scopes_supported": SCOPES_SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
        "resource_indicators_supported": true,
        // OpenID discovery fields for clients that only read that document.
        "subject_types_supported": ["public"],
    })
}
