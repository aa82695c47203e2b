//! OAuth clients: dynamic client registration (RFC 7591) and client ID
//! metadata documents (a `client_id` that is an https URL whose JSON document
//! describes the client; fetched with a timeout and size limit, cached).

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::{OAuthState, error::OAuthError, metadata::SCOPE_MCP, tokens};
use crate::{
    net::is_loopback,
    repo::{ClientRecord, ClientSource, TokenEndpointAuth},
    store::{Expect, Kind, now_unix},
};

/// Registered clients that are never used expire after this long; each use
/// extends it.
pub const CLIENT_IDLE_TTL: i64 = 90 * 24 * 3600;
/// Largest accepted client metadata document.
pub const METADATA_DOCUMENT_MAX_BYTES: usize = 64 * 1024;
pub const METADATA_DOCUMENT_TIMEOUT: Duration = Duration::from_secs(5);
const METADATA_MIN_CACHE: i64 = 300;
const METADATA_MAX_CACHE: i64 = 24 * 3600;

#[derive(Debug, Deserialize)]
pub struct RegistrationRequest {
    #[serde(default)]
    redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
    #[serde(default)]
    scope: Option<String>,
}

/// `POST /oauth/register`.
pub async fn register(
    State(s): State<OAuthState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let ip = client_ip(&headers, peer, s.trusted_proxy_hops);
    s.registration_limiter.check(&ip).map_err(|wait| {
        crate::metrics::rate_limited("oauth");
        let seconds = wait.as_secs().max(1);
        OAuthError::slow_down(format!(
            "too many client registrations from this address; retry in {seconds} s"
        ))
        .with_retry_after(seconds)
    })?;
    let v = register_inner(&s, &body).await?;
    Ok((
        StatusCode::CREATED,
        [("cache-control", "no-store")],
        Json(v),
    )
        .into_response())
}

async fn register_inner(s: &OAuthState, body: &[u8]) -> Result<Value, OAuthError> {
    let req: RegistrationRequest = serde_json::from_slice(body).map_err(|e| {
        OAuthError::invalid_client_metadata(format!(
            "the body is not valid client metadata JSON: {e}"
        ))
    })?;
    let redirect_uris = req.redirect_uris.unwrap_or_default();
    if redirect_uris.len() > 16 {
        return Err(OAuthError::invalid_redirect_uri("at most 16 redirect_uris"));
    }
    s.redirects
        .check_all(&redirect_uris)
        .map_err(OAuthError::invalid_redirect_uri)?;
    let auth = match req.token_endpoint_auth_method.as_deref() {
        None | Some("none") => TokenEndpointAuth::None,
        Some("client_secret_post") => TokenEndpointAuth::ClientSecretPost,
        Some("client_secret_basic") => TokenEndpointAuth::ClientSecretBasic,
        Some(other) => {
            return Err(OAuthError::invalid_client_metadata(format!(
                "token_endpoint_auth_method {other:?} is not supported (none, client_secret_post, client_secret_basic)"
            )));
        }
    };
    // Grant types this server does not offer (VS Code lists the device
    // grant beside the code grant) are dropped, as RFC 7591 section 3.2.1
    // allows; the answer names the grant types the client really has. A
    // client that wants no code grant at all cannot use this server.
    if let Some(g) = &req.grant_types
        && !g.iter().any(|g| g == "authorization_code")
    {
        return Err(OAuthError::invalid_client_metadata(format!(
            "grant_types {g:?} lack \"authorization_code\", the only way to sign in here (with refresh_token)"
        )));
    }
    if let Some(r) = &req.response_types
        && r.iter().any(|r| r != "code")
    {
        return Err(OAuthError::invalid_client_metadata(
            "only the response type \"code\" is supported",
        ));
    }
    let scope = match req
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(sc) => {
            if let Some(bad) = sc.split_whitespace().find(|x| !is_known_scope(x)) {
                return Err(OAuthError::invalid_client_metadata(format!(
                    "scope {bad:?} is not offered (supported: {SCOPE_MCP})"
                )));
            }
            Some(sc.to_owned())
        }
    };
    let client_name = req
        .client_name
        .map(|n| n.chars().take(200).collect::<String>())
        .filter(|n| !n.trim().is_empty());

    let client_id = format!("gwc_{}", crate::google::pkce::random_token(18));
    let secret = (auth != TokenEndpointAuth::None)
        .then(|| format!("gws_{}", crate::google::pkce::random_token(32)));
    let now = now_unix();
    let record = ClientRecord {
        client_id: client_id.clone(),
        client_name: client_name.clone(),
        redirect_uris: redirect_uris.clone(),
        token_endpoint_auth_method: auth,
        client_secret_hash: secret.as_deref().map(tokens::hash_secret),
        source: ClientSource::Registered,
        created_at: now,
        scope: scope.clone(),
    };
    s.repo
        .put(
            Kind::Client,
            &client_id,
            &record,
            None,
            Some(now + CLIENT_IDLE_TTL),
            Expect::Absent,
        )
        .await?;
    tracing::info!(
        client_id,
        client_name = client_name.as_deref().unwrap_or(""),
        "client registered"
    );
    let mut out = json!({
        "client_id": client_id,
        "client_id_issued_at": now,
        "redirect_uris": redirect_uris,
        "token_endpoint_auth_method": auth.as_str(),
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(n) = client_name {
        out["client_name"] = json!(n);
    }
    if let Some(sc) = scope {
        out["scope"] = json!(sc);
    }
    if let Some(sec) = secret {
        out["client_secret"] = json!(sec);
        out["client_secret_expires_at"] = json!(0);
    }
    Ok(out)
}

pub fn is_known_scope(s: &str) -> bool {
    matches!(
        s,
        SCOPE_MCP | "offline_access" | "openid" | "email" | "profile"
    )
}

/// The client's address behind `trusted_hops` proxies that each append the
/// address they saw to `X-Forwarded-For`: the entry the outermost of them
/// added (entries further left are the client's own, and forgeable). With no
/// trusted proxy, or no usable entry, the peer address.
pub fn client_ip(headers: &HeaderMap, peer: SocketAddr, trusted_hops: usize) -> IpAddr {
    if trusted_hops == 0 {
        return peer.ip();
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // Fewer entries than proxies: the leftmost is the nearest to the client.
    let at = entries.len().saturating_sub(trusted_hops);
    entries
        .get(at)
        .and_then(|e| e.parse().ok())
        .unwrap_or(peer.ip())
}

/// Looks up a client: a registered one by id, or a metadata document by URL.
pub async fn resolve_client(
    s: &OAuthState,
    client_id: &str,
) -> Result<Option<ClientRecord>, OAuthError> {
    if client_id.is_empty() || client_id.len() > 2048 {
        return Ok(None);
    }
    if let Some(found) = s.repo.get::<ClientRecord>(Kind::Client, client_id).await? {
        return Ok(Some(found.value));
    }
    if client_id.starts_with("https://") || client_id.starts_with("http://") {
        return fetch_metadata_document(s, client_id).await.map(Some);
    }
    Ok(None)
}

#[derive(Debug, Deserialize)]
struct MetadataDocument {
    client_id: String,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
}

/// Fetches, validates and caches a client ID metadata document.
async fn fetch_metadata_document(
    s: &OAuthState,
    client_id: &str,
) -> Result<ClientRecord, OAuthError> {
    let refuse = |why: String| OAuthError::invalid_client(why).with_status(StatusCode::BAD_REQUEST);
    let url = Url::parse(client_id).map_err(|_| refuse("client_id is not a valid URL".into()))?;
    // Loopback metadata documents (plain http allowed) only for a gateway that
    // itself runs on loopback: local development, the demo and tests.
    let local_ok = s.local_only && is_loopback(&url);
    if url.scheme() != "https" && !local_ok {
        return Err(refuse("a client_id URL must use https".into()));
    }
    if url.path() == "/" || url.fragment().is_some() || !url.username().is_empty() {
        return Err(refuse(
            "a client_id URL needs a path and no fragment or credentials".into(),
        ));
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::time::timeout(
        METADATA_DOCUMENT_TIMEOUT,
        tokio::net::lookup_host((host.trim_matches(['[', ']']), port)),
    )
    .await
    .map_err(|_| refuse(format!("resolving {host} timed out")))?
    .map_err(|_| refuse(format!("cannot resolve {host}")))?
    .collect();
    if addrs.is_empty() {
        return Err(refuse(format!("cannot resolve {host}")));
    }
    if !local_ok && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(refuse(format!(
            "{host} resolves to a private or loopback address; client metadata must be public"
        )));
    }
    #[expect(
        clippy::disallowed_methods,
        reason = "a client's URL, not Google: pinned addresses, no proxy, no redirects"
    )]
    let http = reqwest::Client::builder()
        .timeout(METADATA_DOCUMENT_TIMEOUT)
        .connect_timeout(METADATA_DOCUMENT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs(&host, &addrs)
        .no_proxy()
        .build()
        .map_err(|e| OAuthError::server_error(format!("http client: {e}")))?;
    let mut response = http
        .get(url.clone())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            refuse(format!(
                "fetching the client metadata document failed: {}",
                short(&e)
            ))
        })?;
    if !response.status().is_success() {
        return Err(refuse(format!(
            "the client metadata document answered HTTP {}",
            response.status().as_u16()
        )));
    }
    let max_age = cache_max_age(response.headers());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        refuse(format!(
            "reading the client metadata document failed: {}",
            short(&e)
        ))
    })? {
        body.extend_from_slice(&chunk);
        if body.len() > METADATA_DOCUMENT_MAX_BYTES {
            return Err(refuse(format!(
                "the client metadata document exceeds {METADATA_DOCUMENT_MAX_BYTES} bytes"
            )));
        }
    }
    let doc: MetadataDocument = serde_json::from_slice(&body).map_err(|e| {
        refuse(format!(
            "the client metadata document is not valid JSON metadata: {e}"
        ))
    })?;
    if doc.client_id != client_id {
        return Err(refuse(
            "the client metadata document's client_id does not equal its URL".into(),
        ));
    }
    match doc.token_endpoint_auth_method.as_deref() {
        None | Some("none") => {}
        Some(other) => {
            return Err(refuse(format!(
                "token_endpoint_auth_method {other:?} is not supported for metadata documents (none)"
            )));
        }
    }
    s.redirects
        .check_all(&doc.redirect_uris)
        .map_err(OAuthError::invalid_redirect_uri)?;
    let now = now_unix();
    let record = ClientRecord {
        client_id: client_id.to_owned(),
        client_name: doc.client_name.map(|n| n.chars().take(200).collect()),
        redirect_uris: doc.redirect_uris,
        token_endpoint_auth_method: TokenEndpointAuth::None,
        client_secret_hash: None,
        source: ClientSource::MetadataDocument,
        created_at: now,
        scope: None,
    };
    s.repo
        .put(
            Kind::Client,
            client_id,
            &record,
            None,
            Some(now + max_age),
            Expect::Any,
        )
        .await?;
    Ok(record)
}

fn short(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        "request failed".into()
    }
}

fn cache_max_age(headers: &reqwest::header::HeaderMap) -> i64 {
    headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|d| d.trim().strip_prefix("max-age="))
                .find_map(|n| n.parse::<i64>().ok())
        })
        .unwrap_or(3600)
        .clamp(METADATA_MIN_CACHE, METADATA_MAX_CACHE)
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64
                || v4.octets()[0] == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// Extends a registered client's expiry when it is used (at most daily).
pub async fn touch_client(s: &OAuthState, client: &ClientRecord) {
    if client.source != ClientSource::Registered {
        return;
    }
    if let Ok(Some(current)) = s
        .repo
        .get::<ClientRecord>(Kind::Client, &client.client_id)
        .await
        && current.expires_at.unwrap_or(i64::MAX) < now_unix() + CLIENT_IDLE_TTL - 86_400
    {
        let _ = s
            .repo
            .put(
                Kind::Client,
                &client.client_id,
                &current.value,
                None,
                Some(now_unix() + CLIENT_IDLE_TTL),
                Expect::Version(current.version),
            )
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "10.0.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn forwarded_for_uses_the_last_hop() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.1.1.1, 203.0.113.7".parse().unwrap());
        let peer: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        assert_eq!(
            client_ip(&h, peer, 1),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(&HeaderMap::new(), peer, 1), peer.ip());
    }

    #[test]
    fn forwarded_for_counts_trusted_hops_from_the_right() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let peer: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let mut h = HeaderMap::new();
        // The client wrote 6.6.6.6; CloudFront saw 198.51.100.9; the ALB saw CloudFront.
        h.insert(
            "x-forwarded-for",
            "6.6.6.6, 198.51.100.9, 130.176.0.1".parse().unwrap(),
        );
        assert_eq!(
            client_ip(&h, peer, 0),
            peer.ip(),
            "no proxy: the header is the client's"
        );
        assert_eq!(client_ip(&h, peer, 1), ip("130.176.0.1"));
        assert_eq!(client_ip(&h, peer, 2), ip("198.51.100.9"));
        assert_eq!(
            client_ip(&h, peer, 5),
            ip("6.6.6.6"),
            "fewer entries than proxies"
        );
        // Entries in two headers count in order.
        let mut two = HeaderMap::new();
        two.append("x-forwarded-for", "6.6.6.6".parse().unwrap());
        two.append("x-forwarded-for", "198.51.100.9".parse().unwrap());
        assert_eq!(client_ip(&two, peer, 1), ip("198.51.100.9"));
        let mut junk = HeaderMap::new();
        junk.insert("x-forwarded-for", "not-an-address".parse().unwrap());
        assert_eq!(client_ip(&junk, peer, 1), peer.ip());
    }
}
