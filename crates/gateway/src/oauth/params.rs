//! The OAuth endpoints' parameters, read into typed structs whose fields are
//! `Option<String>`: a missing parameter is `None` and the endpoint answers
//! with its own OAuth error for it, never with an extractor's generic
//! rejection. An empty value counts as missing.
//!
//! - [`OAuthQuery`]: the query string of the endpoints a browser visits
//!   (`/oauth/authorize`, `/oauth/login`, `/oauth/callback`). A parameter
//!   given twice keeps its last value.
//! - [`OAuthForm`]: the `application/x-www-form-urlencoded` body of the token
//!   and revocation endpoints. Another content type, or a parameter given
//!   twice (RFC 6749 section 3.2), is `invalid_request`.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{BrowserError, OAuthError};

/// Query parameters as `T`; refused as a page (no redirect URI is trusted
/// while the query is read).
#[derive(Debug, Clone, Default)]
pub struct OAuthQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for OAuthQuery<T> {
    type Rejection = BrowserError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let mut map = Map::new();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            map.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        Ok(Self(typed(map)?))
    }
}

/// A form body as `T`. A body that cannot be read keeps axum's answer (413
/// over the size limit); everything else is refused as OAuth JSON.
#[derive(Debug, Clone, Default)]
pub struct OAuthForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OAuthForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = is_form(req.headers());
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let read = || {
            if !is_form {
                return Err(OAuthError::invalid_request(
                    "the body must be application/x-www-form-urlencoded",
                ));
            }
            let mut map = Map::new();
            for (k, v) in url::form_urlencoded::parse(&body) {
                if map
                    .insert(k.to_string(), Value::String(v.into_owned()))
                    .is_some()
                {
                    return Err(OAuthError::invalid_request(format!(
                        "parameter {k} is repeated"
                    )));
                }
            }
            typed(map)
        };
        read().map(Self).map_err(IntoResponse::into_response)
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| {
            ct.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The parameters without empty values, as `T`.
fn typed<T: DeserializeOwned>(mut map: Map<String, Value>) -> Result<T, OAuthError> {
    map.retain(|_, v| v.as_str().is_some_and(|s| !s.is_empty()));
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        OAuthError::invalid_request(format!("the request parameters cannot be read: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, http::StatusCode};
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    struct P {
        a: Option<String>,
        b: Option<String>,
    }

    async fn query(q: &str) -> Result<P, BrowserError> {
        let (mut parts, ()) = Request::builder()
            .uri(format!("/x?{q}"))
            .body(())
            .unwrap()
            .into_parts();
        OAuthQuery::<P>::from_request_parts(&mut parts, &())
            .await
            .map(|OAuthQuery(p)| p)
    }

    async fn form(content_type: &str, body: &str) -> Result<P, Response> {
        let req = Request::builder()
            .method("POST")
            .uri("/x")
            .header("content-type", content_type)
            .body(Body::from(body.to_owned()))
            .unwrap();
        OAuthForm::<P>::from_request(req, &())
            .await
            .map(|OAuthForm(p)| p)
    }

    fn p(a: Option<&str>, b: Option<&str>) -> P {
        P {
            a: a.map(str::to_owned),
            b: b.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn query_values_are_decoded_empty_is_missing_last_wins() {
        assert_eq!(query("a=x%20y&c=3").await.unwrap(), p(Some("x y"), None));
        assert_eq!(query("a=&b=2").await.unwrap(), p(None, Some("2")));
        assert_eq!(query("a=1&a=2").await.unwrap(), p(Some("2"), None));
        assert_eq!(query("a=1&a=").await.unwrap(), p(None, None));
        assert_eq!(query("").await.unwrap(), p(None, None));
    }

    #[tokio::test]
    async fn forms_need_their_content_type_and_no_repeats() {
        assert_eq!(
            form("application/x-www-form-urlencoded; charset=UTF-8", "a=1&b=")
                .await
                .unwrap(),
            p(Some("1"), None)
        );
        for (ct, body) in [
            ("application/json", "{\"a\":\"1\"}"),
            ("application/x-www-form-urlencoded", "a=1&a=1"),
        ] {
            let r = form(ct, body).await.unwrap_err();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
            let bytes = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(v["error"], "invalid_request", "{ct} {body}");
        }
    }
}
