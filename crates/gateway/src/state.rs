//! What every route shares: the configuration, the store, the vault, the
//! authorization server, Google API access and the shutdown sequence.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{
    config::Config, google::api::GoogleApi, oauth::OAuthState, store::Store, vault::Vault,
};

/// Shared state of every request handler.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub vault: Arc<Vault>,
    pub oauth: OAuthState,
    /// Google API access for tools, with the token lifecycle behind it.
    pub google_api: GoogleApi,
    pub shutdown: Shutdown,
}

/// The shutdown sequence, shared by the signal handler, readiness and tests.
#[derive(Clone, Default)]
pub struct Shutdown {
    /// Fired when shutdown begins: readiness fails, standalone SSE streams end.
    pub(crate) draining: CancellationToken,
    /// Fired when the drain time is over: every remaining MCP stream ends.
    pub(crate) stopping: CancellationToken,
}

impl Shutdown {
    pub fn trigger(&self) {
        self.draining.cancel();
    }

    pub fn is_draining(&self) -> bool {
        self.draining.is_cancelled()
    }

    pub fn draining_token(&self) -> CancellationToken {
        self.draining.clone()
    }
}
