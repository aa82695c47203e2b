//! The OAuth endpoints' parameters (crates/gateway/src/oauth/params.rs):
//! form bodies of /oauth/token and /oauth/revoke, queries of the browser
//! endpoints. Each is read as a reference model says: empty values are
//! missing, a repeated form parameter or another content type is
//! `invalid_request` (400, JSON, no-store), a repeated query parameter keeps
//! its last value.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcp_gateway::{
    fuzzing::{oauth_form, oauth_query},
    oauth::{
        authorize::{AuthorizeParams, CallbackParams, LoginParams},
        token::{RevokeForm, TokenForm},
    },
};

#[derive(Debug, Arbitrary)]
enum ContentType {
    Form,
    FormWithCharset,
    Json,
    Missing,
    Other(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum Name {
    GrantType,
    Code,
    RedirectUri,
    CodeVerifier,
    RefreshToken,
    Resource,
    Scope,
    ClientId,
    ClientSecret,
    Token,
    State,
    Other(String),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::GrantType => "grant_type",
            Name::Code => "code",
            Name::RedirectUri => "redirect_uri",
            Name::CodeVerifier => "code_verifier",
            Name::RefreshToken => "refresh_token",
            Name::Resource => "resource",
            Name::Scope => "scope",
            Name::ClientId => "client_id",
            Name::ClientSecret => "client_secret",
            Name::Token => "token",
            Name::State => "state",
            Name::Other(s) => s,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Body {
    /// Bytes as sent.
    Raw(Vec<u8>),
    /// Parameters encoded as a browser or client would.
    Pairs(Vec<(Name, String)>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    content_type: ContentType,
    body: Body,
}

/// What the reference model reads from a form body: `None` for a repeat.
fn form_model(body: &[u8]) -> Option<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if map.insert(k.into_owned(), v.into_owned()).is_some() {
            return None;
        }
    }
    map.retain(|_, v: &mut String| !v.is_empty());
    Some(map)
}

/// What the reference model reads from a query: the last value wins.
fn query_model(query: &str) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    map.retain(|_, v| !v.is_empty());
    map
}

fuzz_target!(|input: Input| {
    let body = match &input.body {
        Body::Raw(b) => b.clone(),
        Body::Pairs(pairs) => url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v)))
            .finish()
            .into_bytes(),
    };
    let content_type: Option<&[u8]> = match &input.content_type {
        ContentType::Form => Some(b"application/x-www-form-urlencoded"),
        ContentType::FormWithCharset => Some(b"Application/X-WWW-Form-URLEncoded ; charset=UTF-8"),
        ContentType::Json => Some(b"application/json"),
        ContentType::Missing => None,
        ContentType::Other(v) => Some(v),
    };
    let is_form = content_type
        .and_then(|ct| std::str::from_utf8(ct).ok())
        .filter(|ct| ct.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)))
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| {
            ct.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let expected = if is_form { form_model(&body) } else { None };

    let read = oauth_form::<BTreeMap<String, String>>(content_type, &body);
    match (&read, &expected) {
        (Ok(map), Some(model)) => assert_eq!(map, model),
        (Err(answer), None) => {
            let (status, headers, json) = (answer.status, &answer.headers, &answer.body);
            assert_eq!(status, 400, "{json}");
            assert_eq!(json["error"], "invalid_request", "{json}");
            assert!(json["error_description"].is_string(), "{json}");
            assert_eq!(
                headers.get("cache-control").map(|v| v.as_bytes()),
                Some(&b"no-store"[..])
            );
        }
        _ => panic!("read {read:?}, the model reads {expected:?}"),
    }
    // The endpoints' own parameter structs read every body the model reads.
    assert_eq!(
        oauth_form::<TokenForm>(content_type, &body).is_ok(),
        expected.is_some()
    );
    assert_eq!(
        oauth_form::<RevokeForm>(content_type, &body).is_ok(),
        expected.is_some()
    );

    // The body as a query string of a browser endpoint.
    if let Ok(query) = std::str::from_utf8(&body)
        && let Some(read) = oauth_query::<BTreeMap<String, String>>(query)
    {
        let uri: http::Uri = format!("/oauth/authorize?{query}")
            .parse()
            .expect("a URI the wrapper built");
        let seen = uri.query().unwrap_or_default();
        assert_eq!(read.expect("a map reads any query"), query_model(seen));
        assert!(matches!(oauth_query::<AuthorizeParams>(query), Some(Ok(_))));
        assert!(matches!(oauth_query::<LoginParams>(query), Some(Ok(_))));
        assert!(matches!(oauth_query::<CallbackParams>(query), Some(Ok(_))));
    }
});
