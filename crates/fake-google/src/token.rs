//! `POST /token` and `POST /revoke` (oauth2.googleapis.com).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::form::parse_pairs;
use crate::keys::at_hash;
use crate::{AccessToken, FakeGoogle, RefreshToken, State as FakeState, scopes};

/// An opaque random token with Google's prefix (`ya29.`, `1//`, `4/0A`).
pub(crate) fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(buf.as_mut_slice());
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(buf))
}

/// A JSON response with Google's no-cache headers.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Google's OAuth error body: `{"error": "...", "error_description": "..."}`.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

fn bad(error: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Form (or JSON, which Google also accepts) body parameters.
fn body_params(headers: &HeaderMap, body: &[u8]) -> Vec<(String, String)> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return parse_pairs(body);
    }
    match serde_json::from_slice::<serde_json::Map<String, Value>>(body) {
        Ok(map) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Null => None,
                other => Some((k, other.to_string())),
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `client_id`/`client_secret` from HTTP Basic (form-urlencoded parts) or the body.
fn client_credentials(
    headers: &HeaderMap,
    params: &[(String, String)],
) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| {
            let (id, secret) = v.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((decode(id), decode(secret)))
        });
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            param(params, "client_id").map(str::to_string),
            param(params, "client_secret").map(str::to_string),
        ),
    }
}

#[derive(Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    azp: &'a str,
    aud: &'a str,
    sub: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hd: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    picture: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family_name: Option<&'a str>,
    iat: u64,
    exp: u64,
}

struct Issue<'a> {
    client_id: &'a str,
    sub: &'a str,
    scopes: &'a [String],
    nonce: Option<&'a str>,
    with_refresh: bool,
}

/// Issues an access token (and an ID token with `openid`, a refresh token when asked).
fn issue(fake: &FakeGoogle, s: &mut FakeState, what: Issue<'_>) -> Value {
    let access_token = random_token("ya29.a0", 96);
    let ttl = s.access_ttl;
    let refresh_token = what.with_refresh.then(|| {
        let token = random_token("1//0", 72);
        s.refresh.insert(
            token.clone(),
            RefreshToken {
                client_id: what.client_id.to_string(),
                sub: what.sub.to_string(),
                scopes: what.scopes.to_vec(),
            },
        );
        token
    });
    let offline = what.with_refresh
        || s.grants
            .get(&(what.sub.to_string(), what.client_id.to_string()))
            .is_some_and(|g| g.offline);
    s.access.insert(
        access_token.clone(),
        AccessToken {
            client_id: what.client_id.to_string(),
            sub: what.sub.to_string(),
            scopes: what.scopes.to_vec(),
            expires_at: SystemTime::now() + ttl,
            offline,
        },
    );
    let mut body = json!({
        "access_token": access_token,
        "expires_in": ttl.as_secs(),
        "scope": scopes::to_response(what.scopes),
        "token_type": "Bearer",
    });
    if let Some(refresh_token) = refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    if scopes::has(what.scopes, scopes::OPENID)
        && let Some(user) = s.user_by_sub(what.sub)
    {
        let with_email = scopes::has(what.scopes, scopes::USERINFO_EMAIL);
        let with_profile = scopes::has(what.scopes, scopes::USERINFO_PROFILE);
        let (given, family) = match user.name.split_once(' ') {
            Some((g, f)) => (Some(g), Some(f)),
            None => (Some(user.name.as_str()), None),
        };
        let iat = now_secs();
        let claims = IdClaims {
            iss: fake.issuer(),
            azp: what.client_id,
            aud: what.client_id,
            sub: &user.sub,
            hd: user.hd.as_deref(),
            email: with_email.then_some(user.email.as_str()),
            email_verified: with_email.then_some(user.email_verified),
            at_hash: at_hash(&access_token),
            nonce: what.nonce,
            name: with_profile.then_some(user.name.as_str()),
            picture: user.picture.as_deref().filter(|_| with_profile),
            given_name: given.filter(|_| with_profile),
            family_name: family.filter(|_| with_profile),
            iat,
            exp: iat + 3600,
        };
        body["id_token"] = json!(s.keys.current().sign(&claims));
    }
    body
}

/// `POST /token`
pub(crate) async fn token(
    State(fake): State<FakeGoogle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = body_params(&headers, &body);
    let grant_type = param(&params, "grant_type");
    let (client_id, secret) = client_credentials(&headers, &params);
    let Some(client_id) = client_id else {
        return bad(
            "invalid_request",
            "Could not determine client ID from request.",
        );
    };
    let Some(client) = fake.with_state(|s| s.client(&client_id).cloned()) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        );
    };
    let Some(secret) = secret else {
        return bad("invalid_request", "client_secret is missing.");
    };
    if secret != client.client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    match grant_type {
        None => bad("unsupported_grant_type", "Invalid grant_type: "),
        Some("authorization_code") => authorization_code(&fake, &client_id, &params),
        Some("refresh_token") => refresh(&fake, &client_id, &params),
        Some(other) => bad(
            "unsupported_grant_type",
            &format!("Invalid grant_type: {other}"),
        ),
    }
}

fn authorization_code(fake: &FakeGoogle, client_id: &str, params: &[(String, String)]) -> Response {
    let Some(code) = param(params, "code") else {
        return bad("invalid_request", "Missing required parameter: code");
    };
    let redirect_uri = param(params, "redirect_uri");
    let verifier = param(params, "code_verifier");
    fake.with_state(|s| {
        let Some(grant) = s.codes.get(code) else {
            let description = if code.starts_with("4/") {
                "Bad Request"
            } else {
                "Malformed auth code."
            };
            return bad("invalid_grant", description);
        };
        if grant.used || grant.expires <= Instant::now() || grant.client_id != client_id {
            return bad("invalid_grant", "Bad Request");
        }
        let Some(redirect_uri) = redirect_uri else {
            return bad("invalid_request", "Missing parameter: redirect_uri");
        };
        if redirect_uri != grant.redirect_uri {
            return bad("redirect_uri_mismatch", "Bad Request");
        }
        if let Some((challenge, method)) = &grant.challenge {
            let Some(verifier) = verifier else {
                return bad("invalid_grant", "Missing code verifier.");
            };
            let computed = match method.as_str() {
                "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
                _ => verifier.to_string(),
            };
            if computed != *challenge {
                return bad("invalid_grant", "Invalid code verifier.");
            }
        }
        let grant = s.codes.get_mut(code).expect("code present");
        grant.used = true;
        let (sub, scopes, nonce, with_refresh) = (
            grant.sub.clone(),
            grant.scopes.clone(),
            grant.nonce.clone(),
            grant.issue_refresh,
        );
        let body = issue(
            fake,
            s,
            Issue {
                client_id,
                sub: &sub,
                scopes: &scopes,
                nonce: nonce.as_deref(),
                with_refresh,
            },
        );
        json_response(StatusCode::OK, &body)
    })
}

fn refresh(fake: &FakeGoogle, client_id: &str, params: &[(String, String)]) -> Response {
    let Some(refresh_token) = param(params, "refresh_token") else {
        return bad(
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    fake.with_state(|s| {
        let Some(token) = s.refresh.get(refresh_token) else {
            return bad("invalid_grant", "Token has been expired or revoked.");
        };
        if token.client_id != client_id {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized_client",
                "Unauthorized",
            );
        }
        let (sub, scopes) = (token.sub.clone(), token.scopes.clone());
        let body = issue(
            fake,
            s,
            Issue {
                client_id,
                sub: &sub,
                scopes: &scopes,
                nonce: None,
                with_refresh: false,
            },
        );
        json_response(StatusCode::OK, &body)
    })
}

/// `POST /revoke`: `token` (access or refresh) in the form body or the query.
/// Revoking any token of a grant revokes the grant and all its tokens.
pub(crate) async fn revoke(
    State(fake): State<FakeGoogle>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = body_params(&headers, &body);
    params.extend(parse_pairs(query.unwrap_or_default().as_bytes()));
    let Some(token) = param(&params, "token") else {
        return bad("invalid_request", "Missing required parameter: token");
    };
    let revoked = fake.with_state(|s| {
        let owner = s
            .refresh
            .get(token)
            .map(|t| (t.sub.clone(), t.client_id.clone()))
            .or_else(|| {
                s.access
                    .get(token)
                    .filter(|t| t.expires_at > SystemTime::now())
                    .map(|t| (t.sub.clone(), t.client_id.clone()))
            });
        owner.map(|(sub, client_id)| s.revoke_grant(&sub, &client_id))
    });
    match revoked {
        Some(()) => json_response(StatusCode::OK, &json!({})),
        None => bad("invalid_token", "Token expired or revoked"),
    }
}
