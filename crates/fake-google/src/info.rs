//! Read-only endpoints: JWKS, userinfo, tokeninfo, OpenID discovery.

use std::time::SystemTime;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::form::parse_pairs;
use crate::token::{json_response, oauth_error};
use crate::{
    AUTHORIZE_PATH, FakeGoogle, FakeUser, JWKS_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH, scopes,
};

/// `GET /oauth2/v3/certs`
pub(crate) async fn jwks(State(fake): State<FakeGoogle>) -> Response {
    let body = fake.with_state(|s| s.keys.jwks());
    let max_age = fake.shared.jwks_max_age.as_secs();
    (
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=UTF-8".to_string(),
            ),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={max_age}, must-revalidate, no-transform"),
            ),
        ],
        body.to_string(),
    )
        .into_response()
}

/// A live access token's user and scopes.
struct Bearer {
    user: FakeUser,
    client_id: String,
    scopes: Vec<String>,
    expires_in: u64,
    offline: bool,
}

fn lookup(fake: &FakeGoogle, token: &str) -> Option<Bearer> {
    fake.with_state(|s| {
        let t = s.access.get(token)?;
        let expires_in = t
            .expires_at
            .duration_since(SystemTime::now())
            .ok()?
            .as_secs();
        Some(Bearer {
            user: s.user_by_sub(&t.sub)?.clone(),
            client_id: t.client_id.clone(),
            scopes: t.scopes.clone(),
            expires_in,
            offline: t.offline,
        })
    })
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    parse_pairs(query.unwrap_or_default().as_bytes())
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// `GET /v1/userinfo` and `GET /oauth2/v3/userinfo`
pub(crate) async fn userinfo(
    State(fake): State<FakeGoogle>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|v| v.trim().to_string())
        .or_else(|| query_param(query.as_deref(), "access_token"));
    let challenge = match &token {
        Some(_) => "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
        None => "Bearer realm=\"https://accounts.google.com/\"",
    };
    let Some(bearer) = token.as_deref().and_then(|t| lookup(&fake, t)) else {
        let mut response = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "Invalid Credentials",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
        return response;
    };
    let user = &bearer.user;
    let mut body = json!({ "sub": user.sub });
    if scopes::has(&bearer.scopes, scopes::USERINFO_PROFILE) {
        body["name"] = json!(user.name);
        if let Some((given, family)) = user.name.split_once(' ') {
            body["given_name"] = json!(given);
            body["family_name"] = json!(family);
        } else {
            body["given_name"] = json!(user.name);
        }
        if let Some(picture) = &user.picture {
            body["picture"] = json!(picture);
        }
    }
    if scopes::has(&bearer.scopes, scopes::USERINFO_EMAIL) {
        body["email"] = json!(user.email);
        body["email_verified"] = json!(user.email_verified);
    }
    if let Some(hd) = &user.hd {
        body["hd"] = json!(hd);
    }
    json_response(StatusCode::OK, &body)
}

fn invalid_value() -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "Invalid Value")
}

fn access_type(offline: bool) -> &'static str {
    if offline { "offline" } else { "online" }
}

/// `GET /oauth2/v1/tokeninfo?access_token=…`
pub(crate) async fn tokeninfo_v1(
    State(fake): State<FakeGoogle>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(bearer) =
        query_param(query.as_deref(), "access_token").and_then(|t| lookup(&fake, &t))
    else {
        return invalid_value();
    };
    let mut body = json!({
        "issued_to": bearer.client_id,
        "audience": bearer.client_id,
        "user_id": bearer.user.sub,
        "scope": scopes::to_response(&bearer.scopes),
        "expires_in": bearer.expires_in,
        "access_type": access_type(bearer.offline),
    });
    if scopes::has(&bearer.scopes, scopes::USERINFO_EMAIL) {
        body["email"] = json!(bearer.user.email);
        body["verified_email"] = json!(bearer.user.email_verified);
    }
    json_response(StatusCode::OK, &body)
}

/// `GET /oauth2/v3/tokeninfo?access_token=…` (numbers and booleans as strings, as at Google)
pub(crate) async fn tokeninfo_v3(
    State(fake): State<FakeGoogle>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(bearer) =
        query_param(query.as_deref(), "access_token").and_then(|t| lookup(&fake, &t))
    else {
        return invalid_value();
    };
    let exp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
        + bearer.expires_in;
    let mut body = json!({
        "azp": bearer.client_id,
        "aud": bearer.client_id,
        "sub": bearer.user.sub,
        "scope": scopes::to_response(&bearer.scopes),
        "exp": exp.to_string(),
        "expires_in": bearer.expires_in.to_string(),
        "access_type": access_type(bearer.offline),
    });
    if scopes::has(&bearer.scopes, scopes::USERINFO_EMAIL) {
        body["email"] = json!(bearer.user.email);
        body["email_verified"] = json!(bearer.user.email_verified.to_string());
    }
    json_response(StatusCode::OK, &body)
}

/// `GET /.well-known/openid-configuration`
pub(crate) async fn discovery(State(fake): State<FakeGoogle>) -> Response {
    let body: Value = json!({
        "issuer": fake.issuer(),
        "authorization_endpoint": fake.url(AUTHORIZE_PATH),
        "token_endpoint": fake.url(TOKEN_PATH),
        "userinfo_endpoint": fake.url(USERINFO_PATH),
        "revocation_endpoint": fake.url(REVOKE_PATH),
        "jwks_uri": fake.url(JWKS_PATH),
        "response_types_supported": [
            "code", "token", "id_token", "code token", "code id_token",
            "token id_token", "code token id_token", "none"
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": [
            "aud", "email", "email_verified", "exp", "family_name", "given_name",
            "iat", "iss", "name", "picture", "sub"
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
    });
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body.to_string(),
    )
        .into_response()
}
