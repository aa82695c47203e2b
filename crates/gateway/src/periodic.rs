//! Background work repeated on a fixed period until shutdown.

use std::{future::Future, time::Duration};

use tokio_util::sync::CancellationToken;

/// Runs `work` at once and then every `period`, until `stop` fires.
pub fn every<F, Fut>(
    period: Duration,
    stop: CancellationToken,
    mut work: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => work().await,
            }
        }
    })
}
