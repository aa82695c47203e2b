//! `GET /o/oauth2/v2/auth` and the account chooser's approve endpoint.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::form::parse_pairs;
use crate::{AutoApprove, CodeGrant, FakeGoogle, FakeUser, pages, scopes};

/// A validated authorization request.
pub(crate) struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    challenge: Option<(String, String)>,
    offline: bool,
    prompt: Vec<String>,
    include_granted_scopes: bool,
    login_hint: Option<String>,
}

pub(crate) enum AuthError {
    /// Shown on Google's page: the redirect URI is not (yet) trusted.
    Page(Box<Response>),
    /// Sent back to the (validated) redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: Option<String>,
    },
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        match self {
            AuthError::Page(response) => *response,
            AuthError::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => {
                let mut pairs = vec![("error", error.to_string())];
                if let Some(description) = description {
                    pairs.push(("error_description", description));
                }
                if let Some(state) = state {
                    pairs.push(("state", state));
                }
                redirect_with(&redirect_uri, &pairs)
            }
        }
    }
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, String)]) -> Response {
    let mut url = url::Url::parse(redirect_uri).expect("registered redirect URIs are absolute");
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    // Google answers with 302 Found.
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn first<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn validate(fake: &FakeGoogle, params: &[(String, String)]) -> Result<AuthRequest, AuthError> {
    let page = |status: StatusCode, error: &str, detail: &str| {
        AuthError::Page(Box::new(pages::error_page(status, error, detail)))
    };
    let Some(client_id) = first(params, "client_id") else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: client_id",
        ));
    };
    let Some(client) = fake.with_state(|s| s.client(client_id).cloned()) else {
        return Err(page(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        ));
    };
    let Some(redirect_uri) = first(params, "redirect_uri") else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: redirect_uri",
        ));
    };
    if !client.redirect_uris.iter().any(|u| u == redirect_uri)
        || url::Url::parse(redirect_uri).is_err()
    {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. \
             The redirect URI in the request does not match the ones authorized for the OAuth client.",
        ));
    }
    let state = first(params, "state").map(str::to_string);
    let fail = |error: &'static str, description: String| AuthError::Redirect {
        redirect_uri: redirect_uri.to_string(),
        state: state.clone(),
        error,
        description: Some(description),
    };

    match first(params, "response_type") {
        None => {
            return Err(fail(
                "invalid_request",
                "Missing required parameter: response_type".into(),
            ));
        }
        Some("code") => {}
        Some(other) => {
            return Err(fail(
                "unsupported_response_type",
                format!("Unsupported response_type: {other}"),
            ));
        }
    }

    let Some(scope) = first(params, "scope") else {
        return Err(fail(
            "invalid_request",
            "Missing required parameter: scope".into(),
        ));
    };
    let mut requested: Vec<String> = Vec::new();
    for s in scope.split([' ', '+']).filter(|s| !s.is_empty()) {
        if !scopes::is_known(s) {
            return Err(fail(
                "invalid_scope",
                format!("Some requested scopes were invalid. {{invalid=[{s}]}}"),
            ));
        }
        if !requested.iter().any(|r| r == s) {
            requested.push(s.to_string());
        }
    }
    if requested.is_empty() {
        return Err(fail(
            "invalid_request",
            "Missing required parameter: scope".into(),
        ));
    }

    let challenge = match (
        first(params, "code_challenge"),
        first(params, "code_challenge_method"),
    ) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method requires code_challenge".into(),
            ));
        }
        (Some(challenge), method) => {
            let method = method.unwrap_or("plain");
            if method != "S256" && method != "plain" {
                return Err(fail(
                    "invalid_request",
                    format!("Invalid code_challenge_method: {method}"),
                ));
            }
            if !is_pkce_value(challenge) {
                return Err(fail("invalid_request", "Invalid code_challenge".into()));
            }
            Some((challenge.to_string(), method.to_string()))
        }
    };

    let offline = match first(params, "access_type") {
        None | Some("online") => false,
        Some("offline") => true,
        Some(other) => {
            return Err(fail(
                "invalid_request",
                format!("Invalid access_type: {other}"),
            ));
        }
    };

    let prompt: Vec<String> = first(params, "prompt")
        .unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    for p in &prompt {
        if !matches!(p.as_str(), "none" | "consent" | "select_account") {
            return Err(fail("invalid_request", format!("Invalid prompt: {p}")));
        }
    }
    if prompt.len() > 1 && prompt.iter().any(|p| p == "none") {
        return Err(fail(
            "invalid_request",
            "prompt=none must not be combined with other values".into(),
        ));
    }

    Ok(AuthRequest {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        scopes: requested,
        nonce: first(params, "nonce").map(str::to_string),
        challenge,
        offline,
        prompt,
        include_granted_scopes: first(params, "include_granted_scopes") == Some("true"),
        login_hint: first(params, "login_hint").map(str::to_string),
        state,
    })
}

impl AuthRequest {
    fn fail(&self, error: &'static str) -> AuthError {
        AuthError::Redirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            error,
            description: None,
        }
    }

    fn prompt(&self, value: &str) -> bool {
        self.prompt.iter().any(|p| p == value)
    }
}

/// `GET /o/oauth2/v2/auth`
pub(crate) async fn authorize(
    State(fake): State<FakeGoogle>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = parse_pairs(query.unwrap_or_default().as_bytes());
    let request = match validate(&fake, &params) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let (auto, users) = fake.with_state(|s| (s.auto.clone(), s.users.clone()));
    let hinted = request
        .login_hint
        .as_deref()
        .and_then(|h| users.iter().find(|u| u.email.eq_ignore_ascii_case(h)));
    let chosen = match &auto {
        AutoApprove::Off => None,
        AutoApprove::FromLoginHint => hinted,
        AutoApprove::As(email) => {
            hinted.or_else(|| users.iter().find(|u| u.email.eq_ignore_ascii_case(email)))
        }
    };
    match chosen {
        Some(user) => complete(&fake, &request, user, true),
        // No signed-in session to use silently.
        None if request.prompt("none") => request.fail("login_required").into_response(),
        None => pages::chooser(&params, &users, &request.client_id),
    }
}

/// `POST /o/oauth2/v2/auth/approve`: form with `email`, optional `action=deny`,
/// and the original authorization parameters.
pub(crate) async fn approve(State(fake): State<FakeGoogle>, body: Bytes) -> Response {
    let params = parse_pairs(&body);
    let request = match validate(&fake, &params) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    if first(&params, "action") == Some("deny") {
        return request.fail("access_denied").into_response();
    }
    let Some(email) = first(&params, "email") else {
        return pages::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: email",
        );
    };
    let Some(user) = fake.user(email) else {
        return pages::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "No such account.",
        );
    };
    complete(&fake, &request, &user, false)
}

/// The user consented (or refused): issue a code and redirect.
fn complete(fake: &FakeGoogle, request: &AuthRequest, user: &FakeUser, silent: bool) -> Response {
    if user.deny_consent {
        return request.fail("access_denied").into_response();
    }
    let mut granted: Vec<String> = request
        .scopes
        .iter()
        .filter(|s| scopes::is_basic(s) || !user.untick_scopes.iter().any(|u| u == *s))
        .cloned()
        .collect();
    let code = crate::token::random_token("4/0A", 64);
    let ttl = fake.shared.code_ttl;
    let outcome = fake.with_state(|s| {
        let key = (user.sub.clone(), request.client_id.clone());
        let grant = s.grants.get(&key);
        let covered = grant.is_some_and(|g| {
            request
                .scopes
                .iter()
                .all(|r| g.scopes.contains(scopes::canonical(r)))
        });
        let consent_shown = request.prompt("consent") || !covered;
        if silent && request.prompt("none") && consent_shown {
            return Err("consent_required");
        }
        let issue_refresh =
            request.offline && (request.prompt("consent") || !grant.is_some_and(|g| g.offline));
        if request.include_granted_scopes
            && let Some(g) = grant
        {
            for s in &g.scopes {
                if !scopes::has(&granted, s) {
                    granted.push(s.clone());
                }
            }
        }
        let entry = s.grants.entry(key).or_default();
        entry
            .scopes
            .extend(granted.iter().map(|g| scopes::canonical(g).to_string()));
        entry.offline |= issue_refresh;
        s.codes.retain(|_, c| c.expires > Instant::now() && !c.used);
        s.codes.insert(
            code.clone(),
            CodeGrant {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                sub: user.sub.clone(),
                scopes: granted.clone(),
                nonce: request.nonce.clone(),
                challenge: request.challenge.clone(),
                issue_refresh,
                expires: Instant::now() + ttl,
                used: false,
            },
        );
        Ok(consent_shown)
    });
    let consent_shown = match outcome {
        Ok(shown) => shown,
        Err(error) => return request.fail(error).into_response(),
    };
    let mut pairs = Vec::new();
    if let Some(state) = &request.state {
        pairs.push(("state", state.clone()));
    }
    pairs.push(("code", code));
    pairs.push(("scope", scopes::to_redirect(&granted)));
    pairs.push(("authuser", "0".to_string()));
    if let Some(hd) = &user.hd {
        pairs.push(("hd", hd.clone()));
    }
    let prompt = if consent_shown { "consent" } else { "none" };
    pairs.push(("prompt", prompt.to_string()));
    redirect_with(&request.redirect_uri, &pairs)
}
