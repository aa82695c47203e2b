//! `/oauth/authorize` (MCP clients), `/oauth/login` (a plain browser
//! sign-in) and `/oauth/callback` (Google's answer). See `README.md` here.

use axum::{extract::State, http::StatusCode, response::Response};
use base64::Engine;
use serde::Deserialize;
use url::Url;

use super::{
    OAuthState,
    clients::{is_known_scope, resolve_client, touch_client},
    error::{BrowserError, OAuthError},
    metadata::SCOPE_MCP,
    pages,
    params::OAuthQuery,
    redirect::{ClientRedirect, found, matches_registered},
    tokens,
};
use crate::audit::event::{AuditEvent, EventKind};
use crate::{
    google::{AuthorizationRequest, GoogleError, GoogleIdentity, TokenResponse, pkce},
    repo::{AuthCodeRecord, CredentialRecord, PendingAuthRecord, PendingFlow, UserRecord},
    store::{Expect, Kind, StoreError, now_unix},
    vault::{Purpose, SealContext},
};

/// How long a sign-in at Google may take.
pub const PENDING_TTL: i64 = 600;
/// How long a gateway authorization code stays valid.
pub const CODE_TTL: i64 = 300;

/// The parameters of `/oauth/authorize` (RFC 6749 section 4.1.1, PKCE,
/// RFC 8707 `resource`).
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    response_type: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    resource: Option<String>,
    scope: Option<String>,
    login_hint: Option<String>,
}

/// The parameter of `/oauth/login`.
#[derive(Debug, Default, Deserialize)]
pub struct LoginParams {
    login_hint: Option<String>,
}

/// Google's answer at `/oauth/callback`.
#[derive(Default, Deserialize)]
pub struct CallbackParams {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// `GET /oauth/authorize`.
pub async fn authorize(
    State(s): State<OAuthState>,
    OAuthQuery(p): OAuthQuery<AuthorizeParams>,
) -> Result<Response, BrowserError> {
    // Until the client and its redirect URI are verified, errors are shown
    // here and never redirected (no open redirect).
    let client_id = p
        .client_id
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("The request has no client_id."))?;
    let client = resolve_client(&s, client_id).await?.ok_or_else(|| {
        OAuthError::invalid_client(
            "This application is not registered with the gateway. Remove the server in your MCP client and add it again.",
        )
        .with_status(StatusCode::BAD_REQUEST)
    })?;
    let redirect_uri = match p.redirect_uri.as_deref() {
        Some(r) if matches_registered(&client.redirect_uris, r) => r.to_owned(),
        Some(_) => {
            return Err(OAuthError::invalid_request(
                "The redirect_uri is not registered for this client.",
            )
            .into());
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return Err(OAuthError::invalid_request(
                "The request has no redirect_uri and the client registered several.",
            )
            .into());
        }
    };
    let back = ClientRedirect::new(&redirect_uri, p.state.as_deref(), &s.urls.issuer);
    let fail = |e: OAuthError| BrowserError::Redirect(e, back.clone());

    if p.response_type.as_deref() != Some("code") {
        return Err(fail(OAuthError::unsupported_response_type(
            "response_type must be code",
        )));
    }
    let Some(challenge) = p.code_challenge.as_deref() else {
        return Err(fail(OAuthError::invalid_request(
            "PKCE is required: send code_challenge with code_challenge_method=S256",
        )));
    };
    if p.code_challenge_method.as_deref() != Some("S256") {
        return Err(fail(OAuthError::invalid_request(
            "code_challenge_method must be S256 (plain is not accepted)",
        )));
    }
    if challenge.len() != 43
        || base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(challenge)
            .is_err()
    {
        return Err(fail(OAuthError::invalid_request(
            "code_challenge must be a base64url SHA-256 (43 characters)",
        )));
    }
    let resource = match p.resource.as_deref() {
        None => {
            return Err(fail(OAuthError::invalid_target(format!(
                "resource is required and must be {}",
                s.urls.resource
            ))));
        }
        Some(r) if s.is_our_resource(r) => s.urls.resource.clone(),
        Some(_) => {
            return Err(fail(OAuthError::invalid_target(format!(
                "this server only issues tokens for {}",
                s.urls.resource
            ))));
        }
    };
    let scope = match p.scope.as_deref() {
        None => SCOPE_MCP.to_owned(),
        Some(sc) => {
            if let Some(bad) = sc.split_whitespace().find(|x| !is_known_scope(x)) {
                return Err(fail(OAuthError::invalid_scope(format!(
                    "scope {bad:?} is not offered"
                ))));
            }
            let granted: Vec<&str> = sc
                .split_whitespace()
                .filter(|x| *x == SCOPE_MCP || *x == "offline_access")
                .collect();
            if granted.is_empty() {
                SCOPE_MCP.to_owned()
            } else {
                granted.join(" ")
            }
        }
    };
    touch_client(&s, &client).await;
    let flow = PendingFlow::Client {
        client_id: client.client_id.clone(),
        redirect_uri,
        state: p.state.clone(),
        code_challenge: challenge.to_owned(),
        resource,
        scope,
    };
    let url = start_google_sign_in(&s, flow, false, p.login_hint.as_deref())
        .await
        .map_err(fail)?;
    Ok(found(url.as_str()))
}

/// `GET /oauth/login`: a plain browser sign-in, ending on the signed-in page.
pub async fn login(
    State(s): State<OAuthState>,
    OAuthQuery(p): OAuthQuery<LoginParams>,
) -> Result<Response, BrowserError> {
    let url =
        start_google_sign_in(&s, PendingFlow::Browser, false, p.login_hint.as_deref()).await?;
    Ok(found(url.as_str()))
}

/// Records the pending authorization and returns Google's authorization URL.
async fn start_google_sign_in(
    s: &OAuthState,
    flow: PendingFlow,
    prompt_consent: bool,
    login_hint: Option<&str>,
) -> Result<Url, OAuthError> {
    let google_state = crate::google::pkce::random_token(24);
    let nonce = crate::google::pkce::random_token(24);
    let verifier = pkce::verifier();
    let sealed = s
        .vault
        .seal(
            verifier.as_bytes(),
            &SealContext::new(google_state.clone(), Purpose::PendingAuthorization),
        )
        .await?;
    let record = PendingAuthRecord {
        flow,
        nonce: nonce.clone(),
        google_verifier_sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
        prompted_consent: prompt_consent,
        created_at: now_unix(),
    };
    s.repo
        .put(
            Kind::PendingAuth,
            &google_state,
            &record,
            None,
            Some(now_unix() + PENDING_TTL),
            Expect::Absent,
        )
        .await?;
    Ok(s.google.authorization_url(&AuthorizationRequest {
        state: google_state,
        nonce,
        code_challenge: pkce::challenge_s256(&verifier),
        scopes: s.google_scopes(),
        hd: s.policy.hd_hint(),
        login_hint: login_hint.map(str::to_owned),
        prompt_consent,
    }))
}

/// `GET /oauth/callback`: Google's redirect after sign-in.
pub async fn callback(
    State(s): State<OAuthState>,
    OAuthQuery(p): OAuthQuery<CallbackParams>,
) -> Result<Response, BrowserError> {
    let google_state = p
        .state
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("The sign-in answer has no state."))?;
    let pending = s
        .repo
        .get::<PendingAuthRecord>(Kind::PendingAuth, google_state)
        .await?
        .ok_or_else(|| {
            OAuthError::invalid_request(
                "This sign-in attempt is unknown, expired or already used. Start the sign-in again from your MCP client.",
            )
        })?;
    // Single use: exactly one callback consumes the pending authorization.
    match s
        .repo
        .delete(
            Kind::PendingAuth,
            google_state,
            Expect::Version(pending.version),
        )
        .await
    {
        Ok(true) => {}
        Ok(false) | Err(StoreError::Conflict) => {
            return Err(OAuthError::invalid_request(
                "This sign-in attempt was already used. Start the sign-in again from your MCP client.",
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    let pending = pending.value;
    // From here on a refusal goes back where the sign-in started: to the
    // client's redirect URI, or onto a page for a plain browser sign-in.
    let outcome = finish_sign_in(&s, google_state, &pending, &p)
        .await
        .map_err(|e| {
            tracing::info!(error = %e.code, reason = %e.description, "sign-in refused");
            match client_redirect(&s, &pending.flow) {
                Some(back) => BrowserError::Redirect(e, back),
                None => BrowserError::Page(e),
            }
        })?;
    Ok(match outcome {
        SignInOutcome::Client(url) => found(&url),
        SignInOutcome::Browser(user) => pages::signed_in(&s, &user),
        SignInOutcome::Restart(url) => found(url.as_str()),
    })
}

/// Where a client's sign-in ends; `None` for a plain browser sign-in.
fn client_redirect(s: &OAuthState, flow: &PendingFlow) -> Option<ClientRedirect> {
    match flow {
        PendingFlow::Client {
            redirect_uri,
            state,
            ..
        } => Some(ClientRedirect::new(
            redirect_uri,
            state.as_deref(),
            &s.urls.issuer,
        )),
        PendingFlow::Browser => None,
    }
}

/// The MCP client a sign-in is for; `None` for a plain browser sign-in.
fn flow_client(flow: &PendingFlow) -> Option<&str> {
    match flow {
        PendingFlow::Client { client_id, .. } => Some(client_id),
        PendingFlow::Browser => None,
    }
}

enum SignInOutcome {
    /// Redirect to the MCP client with a code.
    Client(String),
    /// Show the signed-in page.
    Browser(UserRecord),
    /// Ask Google again (for consent, to obtain a refresh token).
    Restart(Url),
}

fn google_failure(e: GoogleError) -> OAuthError {
    match e {
        GoogleError::InvalidGrant { .. } => {
            OAuthError::access_denied("Google did not accept the sign-in; please try again")
        }
        GoogleError::InvalidClient => OAuthError::server_error(
            "the gateway's Google OAuth client is misconfigured (invalid_client); contact the administrator",
        ),
        GoogleError::RateLimited { .. } | GoogleError::Unavailable(_) => {
            OAuthError::temporarily_unavailable("Google is unavailable; please try again shortly")
        }
        other => OAuthError::server_error(format!("the sign-in failed: {other}")),
    }
}

async fn finish_sign_in(
    s: &OAuthState,
    google_state: &str,
    pending: &PendingAuthRecord,
    p: &CallbackParams,
) -> Result<SignInOutcome, OAuthError> {
    if let Some(err) = p.error.as_deref() {
        let description = match err {
            "access_denied" => "the sign-in was cancelled at Google".to_owned(),
            other => format!("Google answered {other}"),
        };
        return Err(OAuthError::access_denied(description));
    }
    let code = p
        .code
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("Google's answer has no code"))?;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&pending.google_verifier_sealed)
        .map_err(|_| OAuthError::server_error("stored sign-in state is damaged"))?;
    let verifier = s
        .vault
        .open(
            &sealed,
            &SealContext::new(google_state, Purpose::PendingAuthorization),
        )
        .await?;
    let verifier = String::from_utf8_lossy(&verifier).into_owned();
    let tokens = s
        .google
        .exchange_code(code, &verifier)
        .await
        .map_err(google_failure)?;
    let id_token = tokens
        .id_token
        .as_deref()
        .ok_or_else(|| OAuthError::server_error("Google sent no ID token"))?;
    let identity = match s
        .google
        .verify_id_token(id_token, &pending.nonce, &s.policy)
        .await
    {
        Ok(identity) => identity,
        Err(e) => {
            // Refused (another domain, unverified, not allowed): hand back
            // the grant Google just made, so no unused grant is left behind.
            let google = s.google.clone();
            let token = tokens
                .refresh_token
                .clone()
                .unwrap_or_else(|| tokens.access_token.clone());
            tokio::spawn(async move {
                if let Err(e) = google.revoke(token.expose()).await {
                    tracing::debug!(error = %e, "revoking a refused sign-in's Google grant failed");
                }
            });
            let client = flow_client(&pending.flow);
            s.audit.record(AuditEvent::security(
                EventKind::SignInRefused,
                None,
                client,
                "refused",
                e.code(),
            ));
            return Err(OAuthError::access_denied(e.to_string()));
        }
    };

    let has_refresh = store_credentials(s, &identity, &tokens).await?;
    if !has_refresh {
        if pending.prompted_consent {
            return Err(OAuthError::access_denied(
                "Google did not grant offline access; allow the gateway to access your account when asked",
            ));
        }
        // Google only issues a refresh token on consent: ask once more.
        let url =
            start_google_sign_in(s, pending.flow.clone(), true, Some(&identity.email)).await?;
        return Ok(SignInOutcome::Restart(url));
    }
    let user = upsert_user(s, &identity, &tokens).await?;
    tracing::info!(user = %identity.sub, domain = %identity.hd, "signed in");
    let (who, client) = (
        Some((&*identity.sub, &*identity.email)),
        flow_client(&pending.flow),
    );
    let how = if client.is_some() {
        "client"
    } else {
        "browser"
    };
    s.audit.record(AuditEvent::security(
        EventKind::SignIn,
        who,
        client,
        "ok",
        how,
    ));

    match &pending.flow {
        PendingFlow::Browser => Ok(SignInOutcome::Browser(user)),
        PendingFlow::Client {
            client_id,
            redirect_uri,
            state,
            code_challenge,
            resource,
            scope,
        } => {
            let code = crate::google::pkce::random_token(32);
            let record = AuthCodeRecord {
                client_id: client_id.clone(),
                redirect_uri: redirect_uri.clone(),
                code_challenge: code_challenge.clone(),
                resource: resource.clone(),
                scope: scope.clone(),
                user_id: identity.sub.clone(),
                email: identity.email.clone(),
                used: false,
                family_id: None,
            };
            s.repo
                .put(
                    Kind::AuthCode,
                    &tokens::hash_secret(&code),
                    &record,
                    None,
                    Some(now_unix() + CODE_TTL),
                    Expect::Absent,
                )
                .await?;
            let back = ClientRedirect::new(redirect_uri, state.as_deref(), &s.urls.issuer);
            Ok(SignInOutcome::Client(back.url(&[("code", &code)])))
        }
    }
}

/// Seals and stores Google's tokens. Returns whether a refresh token is now
/// held for the user (from this answer or an earlier sign-in).
async fn store_credentials(
    s: &OAuthState,
    identity: &GoogleIdentity,
    tokens: &TokenResponse,
) -> Result<bool, OAuthError> {
    let seal = |value: String, purpose: Purpose| {
        let vault = s.vault.clone();
        let sub = identity.sub.clone();
        async move {
            vault
                .seal(value.as_bytes(), &SealContext::new(sub, purpose))
                .await
                .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
                .map_err(OAuthError::from)
        }
    };
    let access = seal(
        tokens.access_token.expose().to_owned(),
        Purpose::GoogleAccessToken,
    )
    .await?;
    let refresh = match &tokens.refresh_token {
        Some(r) => Some(seal(r.expose().to_owned(), Purpose::GoogleRefreshToken).await?),
        None => None,
    };
    let now = now_unix();
    for _ in 0..8 {
        let existing = s
            .repo
            .get::<CredentialRecord>(Kind::Credential, &identity.sub)
            .await?;
        let (mut record, expect) = match &existing {
            Some(e) => (e.value.clone(), Expect::Version(e.version)),
            None => (CredentialRecord::default(), Expect::Absent),
        };
        if let Some(r) = &refresh {
            record.refresh_token = Some(r.clone());
        }
        if record.refresh_token.is_none() {
            return Ok(false);
        }
        record.access_token = Some(access.clone());
        record.access_expires_at = Some(now + tokens.expires_in.as_secs() as i64);
        record.updated_at = now;
        match s
            .repo
            .put(Kind::Credential, &identity.sub, &record, None, None, expect)
            .await
        {
            Ok(_) => return Ok(true),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(OAuthError::temporarily_unavailable(
        "credentials kept changing; retry",
    ))
}

async fn upsert_user(
    s: &OAuthState,
    identity: &GoogleIdentity,
    tokens: &TokenResponse,
) -> Result<UserRecord, OAuthError> {
    let now = now_unix();
    for _ in 0..8 {
        let existing = s.repo.get::<UserRecord>(Kind::User, &identity.sub).await?;
        let (mut user, expect) = match existing {
            Some(e) => (e.value, Expect::Version(e.version)),
            None => (
                UserRecord {
                    sub: identity.sub.clone(),
                    email: identity.email.clone(),
                    domain: identity.hd.clone(),
                    name: None,
                    created_at: now,
                    signed_in_at: now,
                    last_activity_at: now,
                    google_scopes: Vec::new(),
                    needs_reauth: false,
                },
                Expect::Absent,
            ),
        };
        user.email = identity.email.clone();
        user.domain = identity.hd.clone();
        user.name = identity.name.clone();
        user.signed_in_at = now;
        user.last_activity_at = now;
        user.google_scopes = tokens.scopes.clone();
        user.needs_reauth = false;
        match s
            .repo
            .put(Kind::User, &identity.sub, &user, None, None, expect)
            .await
        {
            Ok(_) => return Ok(user),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(OAuthError::temporarily_unavailable(
        "the user record kept changing; retry",
    ))
}
