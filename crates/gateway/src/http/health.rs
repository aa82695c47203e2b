//! Liveness (`/health`) and readiness (`/ready`).

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;

use crate::state::AppState;

/// How long a readiness probe waits for each dependency.
pub const READY_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: answers without touching any dependency.
pub async fn health() -> impl IntoResponse {
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Json(json!({
        "status": "ok",
        "timestamp": timestamp,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// Readiness: 200 when the store and the key provider work and the token
/// revocations have loaded; 503 with the failing dependencies otherwise, and
/// 503 as soon as shutdown begins.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    if state.shutdown.is_draining() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "draining", "failing": [{"component": "gateway", "error": "shutting down"}]}),
            ),
        );
    }
    let store = state.store.clone();
    let vault = state.vault.clone();
    let (store_result, vault_result) = tokio::join!(
        tokio::time::timeout(READY_CHECK_TIMEOUT, async move {
            store.ping().await.map_err(|e| e.to_string())
        }),
        tokio::time::timeout(READY_CHECK_TIMEOUT, async move {
            vault.ping().await.map_err(|e| e.to_string())
        }),
    );
    let mut failing = Vec::new();
    if !state.oauth.revocations.is_loaded() {
        failing.push(
            json!({"component": "revocations", "backend": state.store.backend(),
            "error": "not loaded from the store yet"}),
        );
    }
    for (component, backend, result) in [
        ("store", state.store.backend(), store_result),
        ("key_provider", state.vault.provider_name(), vault_result),
    ] {
        let error = match result {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(_) => format!("no answer within {} ms", READY_CHECK_TIMEOUT.as_millis()),
        };
        failing.push(json!({"component": component, "backend": backend, "error": error}));
    }
    if failing.is_empty() {
        (StatusCode::OK, Json(json!({"status": "ready"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "failing": failing})),
        )
    }
}
