//! Redirect URIs (crates/gateway/src/oauth/redirect.rs): registration
//! checks, matching at /oauth/authorize and /oauth/token, and the redirect
//! back to the client. Accepted URIs are absolute, without fragment or
//! credentials, and plain http only on loopback; a match is exact or a
//! loopback redirect on another port; the redirect keeps the client's query
//! and ends with `state` and `iss`, exactly as given.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcp_gateway::{
    net::is_loopback,
    oauth::redirect::{ClientRedirect, RedirectPolicy, found, matches_registered},
};
use url::Url;

#[derive(Debug, Arbitrary)]
enum Uri {
    Raw(String),
    /// `scheme://host:port/path?query#fragment` from parts.
    Parts {
        scheme: Scheme,
        host: Host,
        port: Option<u16>,
        path: String,
        query: Option<String>,
        fragment: Option<String>,
    },
}

#[derive(Debug, Arbitrary)]
enum Scheme {
    Http,
    Https,
    Cursor,
    Javascript,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Host {
    Localhost,
    V4Loopback,
    V6Loopback,
    ChatGpt,
    Claude,
    Other(String),
}

impl Uri {
    fn text(&self) -> String {
        match self {
            Uri::Raw(s) => s.clone(),
            Uri::Parts {
                scheme,
                host,
                port,
                path,
                query,
                fragment,
            } => {
                let scheme = match scheme {
                    Scheme::Http => "http",
                    Scheme::Https => "https",
                    Scheme::Cursor => "cursor",
                    Scheme::Javascript => "javascript",
                    Scheme::Other(s) => s,
                };
                let host = match host {
                    Host::Localhost => "localhost",
                    Host::V4Loopback => "127.0.0.1",
                    Host::V6Loopback => "[::1]",
                    Host::ChatGpt => "chatgpt.com",
                    Host::Claude => "claude.ai",
                    Host::Other(h) => h,
                };
                let mut s = format!("{scheme}://{host}");
                if let Some(p) = port {
                    s.push_str(&format!(":{p}"));
                }
                s.push_str(path);
                if let Some(q) = query {
                    s.push_str(&format!("?{q}"));
                }
                if let Some(f) = fragment {
                    s.push_str(&format!("#{f}"));
                }
                s
            }
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    uri: Uri,
    extra: Vec<String>,
    registered: Vec<Uri>,
    port: u16,
    state: Option<String>,
    params: Vec<(String, String)>,
}

fuzz_target!(|input: Input| {
    let uri = input.uri.text();
    let extra = input.extra;
    let policy = RedirectPolicy::new(&extra);
    let by_extra = extra.iter().any(|e| match e.strip_suffix('*') {
        Some(prefix) => uri.starts_with(prefix),
        None => uri == *e,
    });
    if policy.check(&uri).is_ok() {
        let parsed = Url::parse(&uri).expect("an accepted URI is absolute");
        assert!(parsed.fragment().is_none(), "{uri}");
        assert!(
            parsed.username().is_empty() && parsed.password().is_none(),
            "{uri}"
        );
        if !by_extra {
            assert!(
                !matches!(parsed.scheme(), "javascript" | "data" | "file" | "vbscript"),
                "{uri}"
            );
            if parsed.scheme() == "http" {
                assert!(is_loopback(&parsed), "{uri}");
            }
            // https only for the callbacks of known clients.
            if parsed.scheme() == "https" {
                let known = [
                    "cursor.com",
                    "www.cursor.com",
                    "vscode.dev",
                    "insiders.vscode.dev",
                    "claude.ai",
                    "claude.com",
                    "chatgpt.com",
                ];
                assert!(
                    parsed.host_str().is_some_and(|h| known.contains(&h))
                        && parsed.query().is_none(),
                    "unknown https callback accepted: {uri}"
                );
            }
        }
        assert!(policy.check_all(std::slice::from_ref(&uri)).is_ok());

        // The redirect back: the URI's own query, then the parameters,
        // `state` and `iss`, exactly as given.
        let issuer = "https://gw.example.com";
        let to = ClientRedirect::new(&uri, input.state.as_deref(), issuer);
        let params: Vec<(&str, &str)> = input
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let location = to.url(&params);
        let back = Url::parse(&location).expect("the redirect is a URL");
        let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
        let own: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let mut expected = own.clone();
        expected.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        if let Some(s) = &input.state {
            expected.push(("state".into(), s.clone()));
        }
        expected.push(("iss".into(), issuer.into()));
        assert_eq!(pairs, expected, "{location}");
        // (The url crate does not read back every file: URL it writes, such
        // as a drive letter `h|`: one only an operator's extra entry admits.)
        if parsed.scheme() != "file" {
            assert_eq!(
                (back.scheme(), back.host_str(), back.port(), back.path()),
                (
                    parsed.scheme(),
                    parsed.host_str(),
                    parsed.port(),
                    parsed.path()
                )
            );
        }
        let response = found(&location);
        assert_eq!(response.status().as_u16(), 302);
        assert_eq!(
            response.headers().get("location").map(|v| v.as_bytes()),
            Some(location.as_bytes())
        );
    }

    // Matching: exact, or a loopback redirect on another port.
    let registered: Vec<String> = input.registered.iter().map(Uri::text).collect();
    let matched = matches_registered(&registered, &uri);
    if registered.contains(&uri) {
        assert!(matched);
    } else if matched {
        let req = Url::parse(&uri).expect("a matched URI parses");
        assert_eq!(req.scheme(), "http");
        assert!(is_loopback(&req), "{uri}");
        assert!(registered.iter().any(|r| Url::parse(r).is_ok_and(|reg| {
            reg.scheme() == "http"
                && reg.host_str() == req.host_str()
                && reg.path() == req.path()
                && reg.query() == req.query()
        })));
    }
    // A registered loopback redirect matches on any port.
    if let Ok(mut u) = Url::parse(&uri)
        && u.scheme() == "http"
        && is_loopback(&u)
        && u.set_port(Some(input.port)).is_ok()
    {
        assert!(
            matches_registered(std::slice::from_ref(&uri), u.as_str()),
            "{uri} {u}"
        );
    }
});
