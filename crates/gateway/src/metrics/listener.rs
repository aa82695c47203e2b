//! The metrics listener: `GET /metrics` (Prometheus text) on its own port
//! (`METRICS_PORT`), never on the public one, so only what can reach the
//! task's private address (the VPC, a sidecar) scrapes it.

use std::net::SocketAddr;

use axum::{Router, http::header, routing::get};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Binds the metrics port on `addr`.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen for metrics on {addr}: {e} (choose another port with METRICS_PORT, or unset it)"
        )
    })
}

fn router() -> Router {
    Router::new().route(
        "/metrics",
        get(|| async {
            (
                [(header::CONTENT_TYPE, super::prometheus::CONTENT_TYPE)],
                super::prometheus::render(),
            )
        }),
    )
}

/// Serves `/metrics` on `listener` until `stop` fires.
pub fn serve(listener: TcpListener, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let served = axum::serve(listener, router())
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "the metrics listener failed");
        }
    })
}
