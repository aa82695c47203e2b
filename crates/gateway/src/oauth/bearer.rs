//! The resource-server side: `/mcp` accepts only the gateway's own access
//! tokens, validated without a store round trip. Revocations reach every task
//! through the store: each task reloads the (short) revocation list every
//! `REVOCATION_POLL_SECONDS` (15 by default), so a revocation takes effect
//! everywhere within that. Ended MCP sessions travel the same way.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio_util::sync::CancellationToken;

use super::{
    OAuthState,
    error::OAuthError,
    metadata::SCOPE_MCP,
    tokens::{AccessClaims, TokenError},
};
use crate::{
    audit::event::{AuditEvent, EventKind},
    auth::Principal,
    limits::retry_seconds,
    repo::{REVOCATION_GROUP, Repo, RevocationRecord},
    store::Kind,
};

/// Revoked token families and users, as `key → not_before` (Unix seconds):
/// tokens of that family or user issued before `not_before` are refused.
#[derive(Clone, Default)]
pub struct Revocations {
    inner: Arc<RwLock<HashMap<String, i64>>>,
    /// Set once the list was loaded from the store.
    loaded: Arc<std::sync::atomic::AtomicBool>,
}

impl Revocations {
    pub fn is_revoked(&self, family_id: &str, user_id: &str, issued_at: i64) -> bool {
        let map = self.inner.read().expect("revocations lock");
        if map.is_empty() {
            return false;
        }
        [
            crate::repo::revocation_key_family(family_id),
            crate::repo::revocation_key_user(user_id),
        ]
        .iter()
        .any(|k| map.get(k).is_some_and(|nb| issued_at < *nb))
    }

    /// Whether an MCP session was ended on some task (deleted, or evicted
    /// over the per-user cap), or everything its owner held before it was
    /// created was revoked. One look at the list, on every session request.
    pub fn is_session_revoked(&self, session_id: &str, owner: &str, created_at: i64) -> bool {
        let map = self.inner.read().expect("revocations lock");
        !map.is_empty()
            && (map.contains_key(&crate::repo::revocation_key_session(session_id))
                || map
                    .get(&crate::repo::revocation_key_user(owner))
                    .is_some_and(|nb| created_at < *nb))
    }

    /// Applies a revocation made by this task at once (others pick it up on poll).
    pub fn revoke_family_locally(&self, family_id: &str) {
        self.inner.write().expect("revocations lock").insert(
            crate::repo::revocation_key_family(family_id),
            crate::store::now_unix() + 1,
        );
    }

    pub fn end_session_locally(&self, session_id: &str) {
        self.inner.write().expect("revocations lock").insert(
            crate::repo::revocation_key_session(session_id),
            crate::store::now_unix() + 1,
        );
    }

    pub fn revoke_user_locally(&self, user_id: &str) {
        self.inner.write().expect("revocations lock").insert(
            crate::repo::revocation_key_user(user_id),
            crate::store::now_unix() + 1,
        );
    }

    /// Reloads the list from the store: one query of the revocations' group.
    /// The first load also lists the kind, for records written before they
    /// were grouped. Revocations this task made in the last minute are kept
    /// even when the read does not show them yet (a DynamoDB index is
    /// eventually consistent): a reload never brings a revoked token back.
    pub async fn reload(&self, repo: &Repo) -> Result<usize, crate::store::StoreError> {
        let list = if self.is_loaded() {
            repo.list_group::<RevocationRecord>(Kind::Revocation, REVOCATION_GROUP)
                .await?
        } else {
            repo.list_kind::<RevocationRecord>(Kind::Revocation).await?
        };
        let mut map: HashMap<String, i64> = list
            .into_iter()
            .map(|(k, v)| (k, v.value.not_before))
            .collect();
        let recent = crate::store::now_unix() - 60;
        let mut inner = self.inner.write().expect("revocations lock");
        for (k, nb) in inner.iter() {
            if *nb >= recent {
                map.entry(k.clone()).or_insert(*nb);
            }
        }
        let n = map.len();
        *inner = map;
        drop(inner);
        self.loaded
            .store(true, std::sync::atomic::Ordering::Release);
        Ok(n)
    }

    /// Whether the list has been loaded from the store at least once.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Keeps reloading until `stop` fires.
    pub fn spawn_poller(
        &self,
        repo: Repo,
        every: Duration,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        crate::periodic::every(every, stop, move || {
            let (this, repo) = (this.clone(), repo.clone());
            async move {
                if let Err(e) = this.reload(&repo).await {
                    tracing::warn!(error = %e, "reloading revocations failed");
                }
            }
        })
    }
}

/// The `WWW-Authenticate` challenge of `/mcp` (RFC 6750 section 3, RFC 9728
/// section 5.1): where the resource's metadata is, the scope it needs, and
/// what was wrong with the token when one was presented.
fn challenge(s: &OAuthState, error: Option<&OAuthError>) -> HeaderValue {
    let mut v = format!(
        "Bearer resource_metadata=\"{}\", scope=\"{SCOPE_MCP}\"",
        s.urls.resource_metadata
    );
    if let Some(e) = error {
        v.push_str(&format!(
            ", error=\"{}\", error_description=\"{}\"",
            e.code, e.description
        ));
    }
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

/// Logs (the store never gets these) the refusal of a valid token's user.
fn audit_refusal(s: &OAuthState, claims: &AccessClaims, reason: &'static str) {
    let who = Some((&*claims.sub, &*claims.email));
    let client = Some(claims.client_id.as_str());
    s.audit.record(AuditEvent::security(
        EventKind::BearerRefused,
        who,
        client,
        "refused",
        reason,
    ));
}

/// Refuses a presented token: the error, also named in the challenge.
fn refuse(s: &OAuthState, e: OAuthError) -> Response {
    e.bearer(challenge(s, Some(&e)))
}

/// The token of an `Authorization: Bearer <token>` value (scheme in any case).
pub(crate) fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, rest) = authorization.split_once(' ')?;
    Some(rest.trim()).filter(|t| scheme.eq_ignore_ascii_case("bearer") && !t.is_empty())
}

/// Authenticates every `/mcp` request and puts the [`Principal`] in its
/// extensions. 401 without a valid token, 403 without the `mcp` scope.
///
/// The state is shared (`Arc`): the middleware runs on every MCP request and
/// the OAuth state is too large to clone each time.
pub async fn require_token(
    State(s): State<Arc<OAuthState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    let Some(token) = token else {
        // No token at all: the challenge names no error (RFC 6750 section 3.1).
        return OAuthError::invalid_request(
            "sign in: this endpoint needs a bearer token from the gateway's authorization server",
        )
        .with_status(StatusCode::UNAUTHORIZED)
        .bearer(challenge(&s, None));
    };
    let claims = match s.access_tokens.validate(token) {
        Ok(c) => c,
        Err(e) => {
            let code = match e {
                TokenError::Expired => "expired",
                TokenError::WrongAudience => "wrong_audience",
                TokenError::WrongIssuer => "wrong_issuer",
                TokenError::Invalid => "invalid",
            };
            s.audit.record(AuditEvent::security(
                EventKind::BearerRefused,
                None,
                None,
                "refused",
                code,
            ));
            let description = match e {
                TokenError::Expired => "the access token has expired; refresh it",
                TokenError::WrongAudience => "the access token is for another resource",
                TokenError::WrongIssuer => "the access token was issued by another server",
                TokenError::Invalid => "the access token is not valid for this gateway",
            };
            return refuse(&s, OAuthError::invalid_token(description));
        }
    };
    if s.revocations
        .is_revoked(&claims.fam, &claims.sub, claims.iat)
    {
        audit_refusal(&s, &claims, "revoked");
        return refuse(
            &s,
            OAuthError::invalid_token("the access token was revoked; sign in again"),
        );
    }
    if !claims.scopes().any(|sc| sc == SCOPE_MCP) {
        audit_refusal(&s, &claims, "insufficient_scope");
        return refuse(
            &s,
            OAuthError::insufficient_scope(format!("this endpoint needs the {SCOPE_MCP} scope")),
        );
    }
    if let Err(wait) = s.request_limiter.check(claims.sub.as_str()) {
        return too_many_requests(wait);
    }
    req.extensions_mut().insert(Principal {
        user_id: claims.sub.clone(),
        email: claims.email.clone(),
        client_id: claims.client_id.clone(),
        scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
        family_id: claims.fam.clone(),
    });
    next.run(req).await
}

/// A user over `RATE_LIMIT_REQUESTS_PER_MINUTE` on this task: 429 with
/// `Retry-After`, and a JSON-RPC error an MCP client can show.
fn too_many_requests(wait: Duration) -> Response {
    let seconds = retry_seconds(wait);
    crate::metrics::rate_limited("mcp_request");
    tracing::debug!(seconds, "too many MCP requests from one user");
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {
            "code": -32000,
            "message": format!("too many requests from this user; retry in {seconds} s"),
        },
    });
    let mut r = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    r
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Revocations;
    use crate::{
        repo::{Repo, RevocationRecord, revocation_key_family},
        store::{Expect, Kind, now_unix, sqlite::SqliteStore, test_support::Spy},
    };

    #[tokio::test]
    async fn polls_query_the_revocations_group_and_never_scan() {
        let store = Arc::new(Spy::new(Arc::new(
            SqliteStore::open_in_memory().expect("open"),
        )));
        let repo = Repo::new(store.clone());
        let until = now_unix() + 600;
        // A record written before revocations were grouped.
        let old = RevocationRecord {
            not_before: now_unix() + 1,
        };
        repo.put(
            Kind::Revocation,
            &revocation_key_family("old"),
            &old,
            None,
            Some(until),
            Expect::Any,
        )
        .await
        .expect("put");
        repo.revoke(&revocation_key_family("new"), until)
            .await
            .expect("revoke");

        let revocations = Revocations::default();
        assert_eq!(revocations.reload(&repo).await.expect("reload"), 2);
        assert!(revocations.is_revoked("old", "u", now_unix() - 5));
        assert!(revocations.is_revoked("new", "u", now_unix() - 5));
        for _ in 0..3 {
            revocations.reload(&repo).await.expect("reload");
        }
        assert_eq!(Spy::count(&store.scans), 1, "only the first load scans");
        assert!(revocations.is_revoked("new", "u", now_unix() - 5));
        // The ungrouped record read at start stays applied (it is recent).
        assert!(revocations.is_revoked("old", "u", now_unix() - 5));

        // A revocation this task just made survives a read that does not
        // show it yet.
        revocations.revoke_family_locally("local");
        revocations.reload(&repo).await.expect("reload");
        assert!(revocations.is_revoked("local", "u", now_unix() - 5));
    }
}
