//! The gateway's own tokens (crates/gateway/src/oauth/tokens.rs, bearer.rs):
//! the bearer token read from an Authorization header, access-token
//! validation of arbitrary strings and of tampered tokens (never accepted),
//! issue∘validate round trips, and refresh-token families.
#![no_main]

use std::{sync::LazyLock, time::Duration};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcp_gateway::{
    fuzzing::bearer_token,
    oauth::tokens::{
        AccessTokens, constant_time_eq, hash_secret, is_access_token_shape, is_valid_pkce_verifier,
        new_refresh_token, refresh_token_family,
    },
    secret::Secret,
};

static TOKENS: LazyLock<AccessTokens> = LazyLock::new(|| {
    AccessTokens::new(
        &Secret::new("fuzzing-secret-0123456789abcdef0123456789"),
        "https://gw.example.com",
        "https://gw.example.com/mcp",
        Duration::from_secs(3600),
    )
});

#[derive(Debug, Arbitrary)]
struct Claims {
    sub: String,
    email: String,
    client_id: String,
    scope: String,
    family: String,
}

#[derive(Debug, Arbitrary)]
enum Tamper {
    /// Replaces the byte at an index.
    Byte(usize, u8),
    /// Cuts the token at an index.
    Cut(usize),
    /// Appends text.
    Append(String),
    /// Inserts text at an index.
    Insert(usize, String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    header: String,
    token: String,
    claims: Claims,
    tamper: Vec<Tamper>,
    other: String,
}

fuzz_target!(|input: Input| {
    // Authorization: the token after a `Bearer` scheme in any case, trimmed.
    if let Some(token) = bearer_token(&input.header) {
        let (scheme, rest) = input.header.split_once(' ').expect("a scheme and a token");
        assert!(scheme.eq_ignore_ascii_case("bearer"), "{:?}", input.header);
        assert!(!token.is_empty());
        assert_eq!(token, rest.trim());
    } else if let Some((scheme, rest)) = input.header.split_once(' ') {
        assert!(!scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty());
    }

    // An arbitrary string is never a valid access token.
    assert!(TOKENS.validate(&input.token).is_err(), "{:?}", input.token);
    assert!(TOKENS.validate(&input.header).is_err());

    // What is issued validates to the same claims; a token changed in any
    // way does not validate.
    let c = &input.claims;
    let (token, claims) = TOKENS.issue(&c.sub, &c.email, &c.client_id, &c.scope, &c.family);
    assert!(is_access_token_shape(&token));
    assert_eq!(TOKENS.validate(&token).as_ref(), Ok(&claims));
    let mut bytes = token.clone().into_bytes();
    for t in &input.tamper {
        match t {
            Tamper::Byte(i, b) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] = *b;
            }
            Tamper::Cut(i) => bytes.truncate(i % (bytes.len() + 1)),
            Tamper::Append(s) => bytes.extend_from_slice(s.as_bytes()),
            Tamper::Insert(i, s) => {
                let i = i % (bytes.len() + 1);
                bytes.splice(i..i, s.bytes());
            }
            Tamper::Byte(..) => {}
        }
    }
    if let Ok(tampered) = String::from_utf8(bytes)
        && tampered != token
    {
        assert!(
            TOKENS.validate(&tampered).is_err(),
            "a tampered token validated: {tampered:?} (issued {token:?})"
        );
    }

    // Refresh tokens: `gwr.<family>.<secret>`.
    if let Some(family) = refresh_token_family(&input.token) {
        assert!(!family.is_empty() && !family.contains('.'));
        let rest = input
            .token
            .strip_prefix("gwr.")
            .expect("the refresh prefix");
        assert!(rest.starts_with(family) && rest.len() > family.len() + 1);
    }
    if !c.family.is_empty() && !c.family.contains('.') {
        let refresh = new_refresh_token(&c.family);
        assert_eq!(refresh_token_family(&refresh), Some(c.family.as_str()));
        assert!(TOKENS.validate(&refresh).is_err());
    }

    // Secrets: SHA-256 hex, compared in constant time.
    let h = hash_secret(&input.token);
    assert!(h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        constant_time_eq(&input.token, &input.other),
        input.token == input.other
    );
    assert!(constant_time_eq(&input.token, &input.token));
    let verifier_ok = (43..=128).contains(&input.token.len())
        && input
            .token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    assert_eq!(is_valid_pkce_verifier(&input.token), verifier_ok);
});
