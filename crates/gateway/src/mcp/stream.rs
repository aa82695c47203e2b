//! `GET /mcp` for a session: the standalone SSE stream. The gateway sends
//! no server-initiated messages, so the stream carries keep-alive comments
//! (well inside the load balancer's idle timeout) until the session ends
//! (DELETE anywhere, expiry), or the task drains, when it tells the client
//! to reconnect in a second, to another task.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::session_table::Session;
use crate::store::now_unix;

pub(super) const RETRY: &[u8] = b"retry: 1000\n\n";

/// The stream for `session`.
pub fn open(session: Arc<Session>, keep_alive: Duration, draining: CancellationToken) -> Response {
    let ticks = futures::stream::unfold(
        (
            session,
            tokio::time::interval_at(tokio::time::Instant::now() + keep_alive, keep_alive),
            true,
        ),
        |(session, mut tick, first)| async move {
            if first {
                // An empty comment at once, so the client sees the stream open.
                return Some((
                    Bytes::from_static(b": stream open\n\n"),
                    (session, tick, false),
                ));
            }
            tokio::select! {
                _ = tick.tick() => {}
                _ = session.ended.cancelled() => return None,
                _ = expiry(&session) => return None,
            }
            Some((
                Bytes::from_static(b": keep-alive\n\n"),
                (session, tick, false),
            ))
        },
    );
    let stream = ticks
        .take_until(draining.cancelled_owned())
        .chain(futures::stream::once(async { Bytes::from_static(RETRY) }))
        .map(Ok::<_, std::convert::Infallible>);
    event_stream(Body::from_stream(stream))
}

/// An SSE response: `body` unbuffered by proxies.
pub(super) fn event_stream(body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// Resolves when the session's idle expiry passes (it moves while in use).
pub(super) async fn expiry(session: &Session) {
    loop {
        let left = session.expires_at() - now_unix();
        if left <= 0 {
            return;
        }
        tokio::time::sleep(Duration::from_secs(left.min(60) as u64)).await;
    }
}
