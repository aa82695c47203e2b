//! Building and running the gateway: [`Application::build`] wires the
//! configured backends and binds the listener; [`Application::run_until_stopped`]
//! serves until SIGTERM/SIGINT (or [`Shutdown::trigger`]) and then drains.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    config::{Config, KeyBackend, StoreBackend},
    google::{
        api::{ApiBases, GoogleApi},
        credentials::Credentials,
    },
    http, mcp, metrics,
    oauth::OAuthState,
    repo::Repo,
    state::{AppState, Shutdown},
    store::{Store, instrumented::Instrumented, sqlite::SqliteStore},
    vault::{LocalKeyProvider, Vault},
};

pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    /// The `/metrics` listener (`METRICS_PORT`), when configured.
    metrics: Option<TcpListener>,
    router: axum::Router,
    state: AppState,
}

impl Application {
    /// Opens the store and the vault and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = open_store(&config).await?;
        let vault = open_vault(&config).await?;
        Self::build_with(config, store, vault).await
    }

    /// Like [`Application::build`], with backends supplied by the caller (tests).
    pub async fn build_with(
        config: Config,
        store: Arc<dyn Store>,
        vault: Arc<Vault>,
    ) -> anyhow::Result<Self> {
        let shutdown = Shutdown::default();
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::anyhow!(
                    "port {} is already in use on {}: stop what listens there, or choose another port with the PORT variable (and HOST for the address)",
                    config.port,
                    config.host
                )
            } else {
                anyhow::Error::new(e).context(format!("cannot listen on {addr}"))
            }
        })?;
        let local_addr = listener.local_addr()?;
        let metrics = match config.metrics_port {
            Some(port) => Some(metrics::listener::bind(SocketAddr::new(config.host, port)).await?),
            None => None,
        };
        let store = Instrumented::wrap(store);
        let config = Arc::new(config);
        let oauth = OAuthState::new(&config, Repo::new(store.clone()), vault.clone())?;
        // Revocations load in the background (the poller's first round);
        // `/ready` answers 503 until they have loaded once.
        let credentials = Credentials::new(
            oauth.repo.clone(),
            vault.clone(),
            oauth.google.clone(),
            config.sign_in_url().to_string(),
        );
        let google_api = GoogleApi::new(
            credentials,
            ApiBases::from_base_url(config.google_base_url.as_ref()),
        )
        .context("cannot build the Google API client")?;
        let mcp_endpoint = mcp::McpEndpoint::new(
            &config,
            local_addr,
            store.clone(),
            Some(oauth.clone()),
            Some(google_api.clone()),
            shutdown.draining.clone(),
            shutdown.stopping.clone(),
        );
        let state = AppState {
            config,
            store,
            vault,
            oauth: oauth.clone(),
            google_api,
            shutdown,
        };
        let router = http::router(state.clone(), mcp_endpoint, &oauth)?;
        Ok(Self {
            listener,
            local_addr,
            metrics,
            router,
            state,
        })
    }

    /// Serves extra routes beside the gateway's own (the demo's fake Google).
    pub fn merge_routes(mut self, routes: axum::Router) -> Self {
        self.router = self.router.merge(routes);
        self
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where `/metrics` is served, when `METRICS_PORT` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn shutdown(&self) -> Shutdown {
        self.state.shutdown.clone()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until a signal or [`Shutdown::trigger`], then stops accepting,
    /// fails readiness, lets in-flight requests finish for up to the drain
    /// time, and returns.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.state.shutdown.clone();
        let drain = self.state.config.shutdown_drain;
        let signals = {
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                wait_for_signal().await;
                shutdown.trigger();
            })
        };
        let housekeeping = spawn_housekeeping(self.state.store.clone(), shutdown.draining.clone());
        let revocations = self.state.oauth.revocations.spawn_poller(
            self.state.oauth.repo.clone(),
            self.state.config.revocation_poll,
            shutdown.draining.clone(),
        );

        let policy_watch = self.state.config.policy.file.clone().map(|path| {
            crate::policy::reload::spawn(
                crate::policy::reload::Watch {
                    handle: self.state.oauth.company_policy.clone(),
                    path,
                    company_domains: self.state.config.allowed_domains.clone(),
                    text: self.state.config.policy.text.clone(),
                    every: self.state.config.policy.reload_every,
                },
                shutdown.draining.clone(),
            )
        });

        let metrics_listener = self
            .metrics
            .map(|l| metrics::listener::serve(l, shutdown.stopping.clone()));
        let emf = self
            .state
            .config
            .metrics_emf
            .then(|| metrics::emf::spawn(metrics::emf::PERIOD, shutdown.stopping.clone()));

        // TCP_NODELAY: without it small SSE writes wait for delayed ACKs.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let draining = shutdown.draining.clone();
        let server = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { draining.cancelled().await });
        let server = tokio::spawn(async move { server.await });

        shutdown.draining.cancelled().await;
        tracing::info!(
            drain_seconds = drain.as_secs(),
            "shutdown: draining in-flight requests"
        );
        let finished = tokio::time::timeout(drain, server).await;
        shutdown.stopping.cancel();
        // The last tool calls' audit records, if the store takes them soon.
        self.state.oauth.audit.settle(Duration::from_secs(2)).await;
        signals.abort();
        housekeeping.abort();
        revocations.abort();
        if let Some(watch) = policy_watch {
            watch.abort();
        }
        if let Some(emf) = emf {
            // Its last line, with what happened since the one before.
            let _ = tokio::time::timeout(Duration::from_secs(1), emf).await;
        }
        if let Some(metrics) = metrics_listener {
            metrics.abort();
        }
        match finished {
            Ok(Ok(Ok(()))) => tracing::info!("shutdown complete"),
            Ok(Ok(Err(e))) => return Err(e).context("server failed"),
            Ok(Err(e)) => return Err(e).context("server task failed"),
            Err(_) => tracing::warn!("drain time over; closing the remaining connections"),
        }
        Ok(())
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Removes expired records now and then (DynamoDB's own TTL does this there).
fn spawn_housekeeping(
    store: Arc<dyn Store>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    // DynamoDB's TTL removes expired items without a scan.
    if store.backend() == "dynamodb" {
        return tokio::spawn(async {});
    }
    crate::periodic::every(Duration::from_secs(600), stop, move || {
        let store = store.clone();
        async move {
            if let Err(e) = store.purge_expired().await {
                tracing::warn!(error = %e, "removing expired records failed");
            }
        }
    })
}

/// Opens the configured store backend.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    match &config.store {
        StoreBackend::Sqlite { path } => {
            let store = SqliteStore::open(path)
                .with_context(|| format!("cannot open the SQLite store at {}", path.display()))?;
            Ok(Arc::new(store))
        }
        StoreBackend::DynamoDb { table } => {
            let sdk = crate::aws::shared(config.aws_region.as_deref()).await;
            let client = aws_sdk_dynamodb::Client::new(&sdk);
            // Nothing on the start path waits on DynamoDB: the table's schema
            // is checked by the first readiness probe (`/ready` says so when
            // it is wrong), and connections open on first use.
            Ok(Arc::new(crate::store::dynamodb::DynamoStore::new(
                client, table,
            )))
        }
    }
}

/// Opens the vault with the configured key provider.
pub async fn open_vault(config: &Config) -> anyhow::Result<Arc<Vault>> {
    match &config.keys {
        KeyBackend::Local {
            master_key,
            previous_keys,
        } => {
            let provider =
                LocalKeyProvider::load(&config.data_dir, master_key.as_ref(), previous_keys)
                    .context("cannot load the vault's master key")?;
            Ok(Arc::new(Vault::new(Arc::new(provider))))
        }
        KeyBackend::Kms { key_id } => {
            let sdk = crate::aws::shared(config.aws_region.as_deref()).await;
            let client = aws_sdk_kms::Client::new(&sdk);
            // The key (an alias is resolved to its ARN) is proven by the first
            // readiness probe, not on the start path.
            let provider = crate::vault::KmsKeyProvider::new(client, key_id.as_str());
            Ok(Arc::new(Vault::new(Arc::new(provider))))
        }
    }
}
