//! `/oauth/token` (authorization code and refresh token grants, with
//! refresh-token rotation and family revocation on reuse) and
//! `/oauth/revoke` (RFC 7009).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::{
    OAuthState,
    clients::{resolve_client, touch_client},
    error::OAuthError,
    params::OAuthForm,
    tokens::{self, constant_time_eq, hash_secret, is_valid_pkce_verifier},
};
use crate::audit::event::{AuditEvent, EventKind};
use crate::{
    repo::{
        AuthCodeRecord, ClientRecord, GrantRecord, RefreshTokenRecord, TokenEndpointAuth,
        revocation_key_family,
    },
    store::{Expect, Kind, StoreError, now_unix},
};

/// A refresh token presented again this soon after its rotation is taken as a
/// concurrent duplicate (a client refreshing from two places at once, or
/// retrying a lost answer): it gets working tokens of its own in the same
/// family. Later it is reuse and revokes everything.
pub const ROTATION_GRACE: i64 = 5;

/// Refresh tokens expire after this long without use.
pub const REFRESH_IDLE_TTL: i64 = 30 * 24 * 3600;

/// The client's credentials when it sends them in the body (RFC 6749
/// section 2.3.1) rather than with HTTP Basic.
#[derive(Default, Deserialize)]
pub struct FormCredentials {
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// The parameters of `/oauth/token` (RFC 6749 sections 4.1.3 and 6, PKCE,
/// RFC 8707 `resource`).
#[derive(Default, Deserialize)]
pub struct TokenForm {
    #[serde(flatten)]
    client: FormCredentials,
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    resource: Option<String>,
    scope: Option<String>,
}

/// The parameters of `/oauth/revoke` (RFC 7009 section 2.1).
#[derive(Default, Deserialize)]
pub struct RevokeForm {
    #[serde(flatten)]
    client: FormCredentials,
    token: Option<String>,
}

/// Authenticates the client of a token or revocation request.
async fn authenticate_client(
    s: &OAuthState,
    headers: &HeaderMap,
    form: &FormCredentials,
) -> Result<ClientRecord, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .and_then(|pair| {
                    let (id, secret) = pair.split_once(':')?;
                    let dec = |x: &str| {
                        url::form_urlencoded::parse(format!("x={x}").as_bytes())
                            .next()
                            .map(|(_, v)| v.into_owned())
                    };
                    Some((dec(id)?, dec(secret)?))
                })
                .ok_or_else(|| OAuthError::invalid_client("malformed HTTP Basic credentials"))
        })
        .transpose()?;
    let (client_id, secret, via_basic) = match (&basic, form.client_id.as_deref()) {
        (Some((id, secret)), form_id) => {
            if form_id.is_some_and(|f| f != id) {
                return Err(OAuthError::invalid_request(
                    "client_id differs between header and body",
                ));
            }
            (id.clone(), Some(secret.clone()), true)
        }
        (None, Some(id)) => (id.to_owned(), form.client_secret.clone(), false),
        (None, None) => return Err(OAuthError::invalid_client("client_id is required")),
    };
    let client = resolve_client(s, &client_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_client("unknown client; register again"))?;
    match client.token_endpoint_auth_method {
        TokenEndpointAuth::None => {}
        method => {
            let Some(secret) = secret else {
                return Err(OAuthError::invalid_client(
                    "client authentication is required",
                ));
            };
            let expected = client.client_secret_hash.as_deref().unwrap_or("");
            if !constant_time_eq(&hash_secret(&secret), expected) {
                return Err(OAuthError::invalid_client("client authentication failed"));
            }
            if (method == TokenEndpointAuth::ClientSecretBasic) != via_basic {
                tracing::debug!("client authenticated with a different method than registered");
            }
        }
    }
    Ok(client)
}

fn token_response(body: serde_json::Value) -> Response {
    let mut r = Json(body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// `POST /oauth/token`.
pub async fn token(
    State(s): State<OAuthState>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm<TokenForm>,
) -> Result<Response, OAuthError> {
    // A malformed request is `invalid_request` (400) whoever sends it; only a
    // well-formed one goes on to client authentication (401 on failure).
    let grant = match form.grant_type.as_deref() {
        Some(g @ ("authorization_code" | "refresh_token")) => g,
        Some(other) => {
            return Err(OAuthError::unsupported_grant_type(format!(
                "grant_type {other:?} is not supported (authorization_code, refresh_token)"
            )));
        }
        None => return Err(OAuthError::invalid_request("grant_type is required")),
    };
    let client = authenticate_client(&s, &headers, &form.client).await?;
    let body = if grant == "authorization_code" {
        redeem_code(&s, &client, &form).await?
    } else {
        rotate_refresh_token(&s, &client, &form).await?
    };
    Ok(token_response(body))
}

/// Issues an access token and a refresh token in `family`.
async fn issue_tokens(
    s: &OAuthState,
    grant: &GrantRecord,
) -> Result<serde_json::Value, OAuthError> {
    let refresh = tokens::new_refresh_token(&grant.family_id);
    let record = RefreshTokenRecord {
        family_id: grant.family_id.clone(),
        user_id: grant.user_id.clone(),
        client_id: grant.client_id.clone(),
        used: false,
        issued_at: now_unix(),
        used_at: None,
    };
    let mut expires = now_unix() + REFRESH_IDLE_TTL;
    if let Some(limit) = grant.sign_in_expires_at {
        expires = expires.min(limit);
    }
    s.repo
        .put(
            Kind::RefreshToken,
            &hash_secret(&refresh),
            &record,
            Some(&grant.family_id),
            Some(expires),
            Expect::Absent,
        )
        .await?;
    let (access, _) = s.access_tokens.issue(
        &grant.user_id,
        &grant.email,
        &grant.client_id,
        &grant.scope,
        &grant.family_id,
    );
    Ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": s.access_tokens.ttl().as_secs(),
        "refresh_token": refresh,
        "scope": grant.scope,
    }))
}

async fn redeem_code(
    s: &OAuthState,
    client: &ClientRecord,
    form: &TokenForm,
) -> Result<serde_json::Value, OAuthError> {
    let code = form
        .code
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let key = hash_secret(code);
    let found = s
        .repo
        .get::<AuthCodeRecord>(Kind::AuthCode, &key)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("the authorization code is unknown or expired"))?;
    let record = &found.value;
    if record.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    match form.redirect_uri.as_deref() {
        Some(r) if r == record.redirect_uri => {}
        Some(_) => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        None => return Err(OAuthError::invalid_request("redirect_uri is required")),
    }
    let verifier = form
        .code_verifier
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("code_verifier is required (PKCE)"))?;
    if !is_valid_pkce_verifier(verifier)
        || !constant_time_eq(
            &crate::google::pkce::challenge_s256(verifier),
            &record.code_challenge,
        )
    {
        return Err(OAuthError::invalid_grant(
            "the PKCE code_verifier does not match the code_challenge",
        ));
    }
    if let Some(resource) = form.resource.as_deref()
        && !(s.is_our_resource(resource))
    {
        return Err(OAuthError::invalid_target(format!(
            "this server only issues tokens for {}",
            s.urls.resource
        )));
    }
    if record.used {
        // Reuse by someone holding the verifier too (a replay, not a guess):
        // revoke whatever the first redemption issued. An attempt without
        // the verifier was refused above and revokes nothing, so a leaked
        // code alone cannot sign its rightful owner out.
        if let Some(family) = &record.family_id {
            revoke_family(s, family).await?;
            tracing::warn!(client_id = %client.client_id, "authorization code reused; its tokens were revoked");
            s.audit.record(AuditEvent::security(
                EventKind::CodeReuse,
                Some((&record.user_id, &record.email)),
                Some(&client.client_id),
                "detected",
                "tokens_revoked",
            ));
        }
        return Err(OAuthError::invalid_grant(
            "the authorization code was already used",
        ));
    }
    // Only a redemption with the right client, redirect URI, verifier and
    // resource spends the code: a refused attempt (a thief without the
    // verifier, a client's own mistake) leaves it to its rightful client.
    // Marking it used is the one conditional write: exactly one redemption
    // wins.
    let mut used = record.clone();
    used.used = true;
    let family_id = crate::google::pkce::random_token(16);
    used.family_id = Some(family_id.clone());
    match s
        .repo
        .put(
            Kind::AuthCode,
            &key,
            &used,
            None,
            found.expires_at,
            Expect::Version(found.version),
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict) => {
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let now = now_unix();
    let grant = GrantRecord {
        family_id: family_id.clone(),
        user_id: record.user_id.clone(),
        email: record.email.clone(),
        client_id: client.client_id.clone(),
        client_name: client.client_name.clone(),
        scope: record.scope.clone(),
        resource: record.resource.clone(),
        created_at: now,
        last_used_at: now,
        sign_in_expires_at: s.session_max_age.map(|d| now + d.as_secs() as i64),
    };
    s.repo
        .put(
            Kind::Grant,
            &family_id,
            &grant,
            Some(&grant.user_id),
            Some(
                grant
                    .sign_in_expires_at
                    .unwrap_or(now + REFRESH_IDLE_TTL)
                    .min(now + REFRESH_IDLE_TTL),
            ),
            Expect::Absent,
        )
        .await?;
    touch_client(s, client).await;
    tracing::info!(client_id = %client.client_id, user = %grant.user_id, "tokens issued");
    issue_tokens(s, &grant).await
}

async fn rotate_refresh_token(
    s: &OAuthState,
    client: &ClientRecord,
    form: &TokenForm,
) -> Result<serde_json::Value, OAuthError> {
    let token = form
        .refresh_token
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let invalid = || {
        OAuthError::invalid_grant("the refresh token is invalid, expired or revoked; sign in again")
    };
    let family = tokens::refresh_token_family(token).ok_or_else(invalid)?;
    let key = hash_secret(token);
    let found = s
        .repo
        .get::<RefreshTokenRecord>(Kind::RefreshToken, &key)
        .await?
        .ok_or_else(invalid)?;
    if found.value.family_id != family {
        return Err(invalid());
    }
    if found.value.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    // A token rotated moments ago is a concurrent duplicate (a client that
    // refreshes from two places at once, or retries a lost answer): it gets
    // tokens of its own in the same family. Later it is reuse.
    let duplicate = found.value.used;
    if duplicate
        && found
            .value
            .used_at
            .is_none_or(|t| now_unix() - t > ROTATION_GRACE)
    {
        revoke_family(s, family).await?;
        tracing::warn!(client_id = %client.client_id, "refresh token reused; its family was revoked");
        s.audit.record(AuditEvent::security_of(
            EventKind::RefreshTokenReuse,
            &found.value.user_id,
            Some(&client.client_id),
            "detected",
            "family_revoked",
        ));
        return Err(OAuthError::invalid_grant(
            "this refresh token was already used; for safety every token of this sign-in was revoked; sign in again",
        ));
    }
    // A request that is refused leaves the token usable (RFC 6749 section 6):
    // check the parameters before the token is spent.
    if let Some(resource) = form.resource.as_deref()
        && !s.is_our_resource(resource)
    {
        return Err(OAuthError::invalid_target(format!(
            "this server only issues tokens for {}",
            s.urls.resource
        )));
    }
    let requested_scope = match form.scope.as_deref() {
        None => None,
        Some(scope) => {
            // A refresh may narrow the scope, never widen it.
            let granted = s
                .repo
                .get::<GrantRecord>(Kind::Grant, family)
                .await?
                .ok_or_else(invalid)?;
            let allowed: Vec<&str> = granted.value.scope.split_whitespace().collect();
            if let Some(bad) = scope.split_whitespace().find(|x| !allowed.contains(x)) {
                return Err(OAuthError::invalid_scope(format!(
                    "scope {bad:?} was not granted"
                )));
            }
            Some(scope.split_whitespace().collect::<Vec<_>>().join(" "))
        }
    };
    if !duplicate {
        let mut used = found.value.clone();
        used.used = true;
        used.used_at = Some(now_unix());
        match s
            .repo
            .put(
                Kind::RefreshToken,
                &key,
                &used,
                Some(family),
                found.expires_at,
                Expect::Version(found.version),
            )
            .await
        {
            Ok(_) => {}
            // Another request rotated it at the same moment: a duplicate too.
            Err(StoreError::Conflict) => {
                tracing::info!(client_id = %client.client_id, "concurrent refresh within the grace");
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        tracing::info!(client_id = %client.client_id, "repeated refresh within the grace");
    }
    let grant = s
        .repo
        .get::<GrantRecord>(Kind::Grant, family)
        .await?
        .ok_or_else(invalid)?;
    let now = now_unix();
    if grant.value.sign_in_expires_at.is_some_and(|t| t <= now) {
        revoke_family(s, family).await?;
        return Err(OAuthError::invalid_grant(
            "the sign-in has expired; sign in again",
        ));
    }
    let mut grant_value = grant.value.clone();
    if let Some(scope) = requested_scope {
        grant_value.scope = scope;
    }
    let mut stored = grant.value.clone();
    stored.last_used_at = now;
    let _ = s
        .repo
        .put(
            Kind::Grant,
            family,
            &stored,
            Some(&stored.user_id),
            Some(
                stored
                    .sign_in_expires_at
                    .unwrap_or(now + REFRESH_IDLE_TTL)
                    .min(now + REFRESH_IDLE_TTL),
            ),
            Expect::Version(grant.version),
        )
        .await;
    issue_tokens(s, &grant_value).await
}

/// Revokes a token family everywhere: the grant and its refresh tokens are
/// deleted, and its access tokens are refused by every task within a minute.
pub async fn revoke_family(s: &OAuthState, family_id: &str) -> Result<(), OAuthError> {
    let until = now_unix() + s.access_tokens.ttl().as_secs() as i64 + 120;
    s.repo
        .revoke(&revocation_key_family(family_id), until)
        .await?;
    s.revocations.revoke_family_locally(family_id);
    s.repo.delete_family(family_id).await?;
    Ok(())
}

/// `POST /oauth/revoke` (RFC 7009): always 200 for a well-formed request.
pub async fn revoke(
    State(s): State<OAuthState>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm<RevokeForm>,
) -> Result<Response, OAuthError> {
    let client = authenticate_client(&s, &headers, &form.client).await?;
    let token = form
        .token
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let family = if let Some(family) = tokens::refresh_token_family(token) {
        s.repo
            .get::<RefreshTokenRecord>(Kind::RefreshToken, &hash_secret(token))
            .await?
            .filter(|r| r.value.client_id == client.client_id && r.value.family_id == family)
            .map(|r| (r.value.family_id, r.value.user_id))
    } else if tokens::is_access_token_shape(token) {
        s.access_tokens
            .validate(token)
            .ok()
            .filter(|c| c.client_id == client.client_id)
            .map(|c| (c.fam, c.sub))
    } else {
        None
    };
    if let Some((family, user)) = family {
        revoke_family(&s, &family).await?;
        tracing::info!(client_id = %client.client_id, "tokens revoked by the client");
        s.audit.record(AuditEvent::security_of(
            EventKind::TokenRevoked,
            &user,
            Some(&client.client_id),
            "done",
            "client_revoked",
        ));
    }
    Ok(token_response(json!({})))
}
