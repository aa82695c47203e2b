//! Serving the fake on a real TCP port.

use std::net::SocketAddr;
use std::ops::Deref;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{FakeGoogle, FakeGoogleConfig};

/// A running fake Google. Derefs to [`FakeGoogle`] for the test hooks; stops
/// the server on [`shutdown`](Self::shutdown) or when dropped.
pub struct FakeGoogleHandle {
    fake: FakeGoogle,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

pub(crate) async fn start(config: FakeGoogleConfig) -> std::io::Result<FakeGoogleHandle> {
    let listener = TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    // Key generation can take a moment in debug builds: keep it off the reactor.
    let fake = tokio::task::spawn_blocking(move || FakeGoogle::new(config, &base_url))
        .await
        .map_err(std::io::Error::other)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let router = fake.router();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(FakeGoogleHandle {
        fake,
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}

impl FakeGoogleHandle {
    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle to the shared state, usable after this server stops.
    pub fn fake(&self) -> FakeGoogle {
        self.fake.clone()
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Deref for FakeGoogleHandle {
    type Target = FakeGoogle;

    fn deref(&self) -> &FakeGoogle {
        &self.fake
    }
}

impl Drop for FakeGoogleHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
