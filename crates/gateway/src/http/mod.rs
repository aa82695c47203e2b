//! The HTTP surface: routes and the layers every request passes through.

pub mod body_first;
pub mod health;
pub mod home;
pub mod request_log;

use axum::{Json, Router, http::StatusCode, middleware, response::IntoResponse, routing::get};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;

use crate::{mcp, oauth::OAuthState, state::AppState};

pub fn router(
    state: AppState,
    mcp_endpoint: mcp::McpEndpoint,
    oauth: &OAuthState,
) -> anyhow::Result<Router> {
    let limits = body_first::BodyLimits {
        mcp: state.config.max_request_body_bytes,
        other: crate::oauth::MAX_BODY_BYTES,
    };
    Ok(Router::new()
        .route("/", get(home::home))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .merge(mcp_endpoint.router()?)
        .fallback(not_found)
        .with_state(state)
        .merge(oauth.router())
        .layer(CatchPanicLayer::custom(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "internal_error", "error_description": "the request failed unexpectedly"})),
            )
                .into_response()
        }))
        .layer(middleware::from_fn_with_state(
            limits,
            body_first::read_body_first,
        ))
        .layer(middleware::from_fn(request_log::log_requests)))
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(
            json!({"error": "not_found", "error_description": "no such endpoint; the MCP endpoint is /mcp"}),
        ),
    )
}
