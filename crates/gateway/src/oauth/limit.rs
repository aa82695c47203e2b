//! The per-address limit in front of every `/oauth/*` endpoint: a token
//! bucket per client address (`OAUTH_REQUEST_BURST` at once, refilled at
//! `OAUTH_REQUESTS_PER_MINUTE`), the address read through
//! `TRUSTED_PROXY_HOPS` proxies. Beyond it: 429 with `Retry-After`, as JSON
//! for the endpoints clients call and as a page for those a browser opens.
//! Each task counts alone, so behind N tasks an address may make up to N
//! times the figures; they are set for floods, not for one person.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{OAuthState, clients::client_ip, error::OAuthError};

pub async fn per_address(State(s): State<OAuthState>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |c| c.0);
    let ip = client_ip(req.headers(), peer, s.trusted_proxy_hops);
    let Err(wait) = s.address_limiter.check(&ip) else {
        return next.run(req).await;
    };
    let seconds = wait.as_secs().max(1);
    crate::metrics::rate_limited("oauth");
    tracing::warn!(%ip, "too many OAuth requests from one address");
    let refused = OAuthError::slow_down(format!(
        "too many requests from this address; retry in {seconds} s"
    ))
    .with_retry_after(seconds);
    if req.method() == Method::GET {
        let mut page = refused.page();
        page.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        page
    } else {
        refused.into_response()
    }
}
