//! Which redirect URIs MCP clients may register.
//!
//! Accepted: loopback `http` redirects on any port (RFC 8252: `localhost`,
//! `127.0.0.1`, `[::1]`), the callbacks of known MCP clients (Cursor, VS Code,
//! Claude, ChatGPT, Windsurf and others below; docs/clients.md lists every
//! client and its callbacks), and the operator's extra entries
//! (`OAUTH_EXTRA_REDIRECT_URIS`: exact URIs or prefixes ending in `*`).
//! Everything else is refused with `invalid_redirect_uri` and a reason.
//!
//! Also how the browser is sent back to a verified redirect URI: with the
//! code or the error, the client's `state` and the issuer (RFC 9207).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use url::Url;

use crate::net::{LOOPBACK_HOSTS, is_loopback};

/// Appends query parameters to a client redirect URI, keeping its own query.
pub fn with_params(base: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(base) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => base.to_owned(),
    }
}

/// A `302 Found` redirect (what OAuth clients and browsers expect).
pub fn found(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Where an authorization answer goes once the client and its redirect URI
/// are verified: the redirect URI, the client's `state` and our issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRedirect {
    redirect_uri: String,
    state: Option<String>,
    issuer: String,
}

impl ClientRedirect {
    pub fn new(redirect_uri: &str, state: Option<&str>, issuer: &str) -> Self {
        Self {
            redirect_uri: redirect_uri.to_owned(),
            state: state.map(str::to_owned),
            issuer: issuer.to_owned(),
        }
    }

    /// The redirect URI with `params`, then `state` (when the client sent
    /// one) and `iss`.
    pub fn url(&self, params: &[(&str, &str)]) -> String {
        let mut all = params.to_vec();
        if let Some(st) = &self.state {
            all.push(("state", st));
        }
        all.push(("iss", &self.issuer));
        with_params(&self.redirect_uri, &all)
    }
}

/// Exact redirect URIs of known MCP clients.
const KNOWN_EXACT: &[&str] = &[
    // Cursor registers these together with a loopback one.
    "cursor://anysphere.cursor-mcp/oauth/callback",
    "https://www.cursor.com/agents/mcp/oauth/callback",
    "https://cursor.com/agents/mcp/oauth/callback",
    // VS Code (desktop uses loopback; vscode.dev and the URI handler).
    "https://vscode.dev/redirect",
    "https://insiders.vscode.dev/redirect",
    // Claude.ai and Claude Desktop.
    "https://claude.ai/api/mcp/auth_callback",
    "https://claude.com/api/mcp/auth_callback",
    // ChatGPT connectors (developer mode, apps).
    "https://chatgpt.com/connector_platform_oauth_redirect",
];

/// Known clients' callbacks that end in one client-specific path segment
/// (letters, digits, `-`, `_`): ChatGPT names each connector.
const KNOWN_ONE_SEGMENT: &[&str] = &["https://chatgpt.com/connector/oauth/"];

fn is_known_one_segment(uri: &str) -> bool {
    KNOWN_ONE_SEGMENT.iter().any(|prefix| {
        uri.strip_prefix(prefix).is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 128
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    })
}

/// Private-use URI schemes of known desktop MCP clients (any path).
const KNOWN_SCHEMES: &[&str] = &["cursor", "vscode", "vscode-insiders", "windsurf", "claude"];

#[derive(Debug, Clone)]
pub struct RedirectPolicy {
    extra: Vec<String>,
}

impl RedirectPolicy {
    pub fn new(extra: &[String]) -> Self {
        Self {
            extra: extra.to_vec(),
        }
    }

    /// Checks one redirect URI, explaining a refusal.
    pub fn check(&self, uri: &str) -> Result<(), String> {
        let parsed = Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URI"))?;
        if parsed.fragment().is_some() {
            return Err(format!(
                "{uri:?} has a fragment, which redirect URIs must not have"
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(format!("{uri:?} carries credentials"));
        }
        if KNOWN_EXACT.contains(&uri) || is_known_one_segment(uri) {
            return Ok(());
        }
        for e in &self.extra {
            let matched = match e.strip_suffix('*') {
                Some(prefix) => uri.starts_with(prefix),
                None => uri == e,
            };
            if matched {
                return Ok(());
            }
        }
        match parsed.scheme() {
            "http" if is_loopback(&parsed) => Ok(()),
            "http" => match parsed.host_str() {
                Some(host) => Err(format!(
                    "plain http is only allowed for loopback redirects ({}), not {host}",
                    LOOPBACK_HOSTS.join(", ")
                )),
                None => Err(format!("{uri:?} has no host")),
            },
            "https" => Err(format!(
                "{uri:?} is not the callback of an MCP client this gateway knows (Cursor, Claude, ChatGPT, VS Code; loopback redirects of Claude Code, Codex, Gemini CLI, Zed, Goose, Windsurf and the Inspector on any port); an administrator can add it with OAUTH_EXTRA_REDIRECT_URIS"
            )),
            scheme if KNOWN_SCHEMES.contains(&scheme) => Ok(()),
            "javascript" | "data" | "file" | "vbscript" => {
                Err(format!("the {} scheme is never allowed", parsed.scheme()))
            }
            scheme => Err(format!(
                "the {scheme}: scheme is not a known MCP client's; an administrator can add it with OAUTH_EXTRA_REDIRECT_URIS"
            )),
        }
    }

    /// Checks every URI of a registration; the first refusal wins.
    pub fn check_all(&self, uris: &[String]) -> Result<(), String> {
        if uris.is_empty() {
            return Err("redirect_uris must list at least one URI".into());
        }
        uris.iter().try_for_each(|u| self.check(u))
    }
}

/// Whether `requested` matches a registered redirect URI. Exact match, except
/// that loopback redirects may use any port (RFC 8252 section 7.3).
pub fn matches_registered(registered: &[String], requested: &str) -> bool {
    if registered.iter().any(|r| r == requested) {
        return true;
    }
    let Ok(req) = Url::parse(requested) else {
        return false;
    };
    if req.scheme() != "http" || !is_loopback(&req) {
        return false;
    }
    registered.iter().any(|r| {
        Url::parse(r).is_ok_and(|reg| {
            reg.scheme() == "http"
                && reg.host_str() == req.host_str()
                && reg.path() == req.path()
                && reg.query() == req.query()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RedirectPolicy {
        RedirectPolicy::new(&[
            "zed://oauth/callback".to_owned(),
            "https://tools.example.com/cb/*".to_owned(),
        ])
    }

    #[test]
    fn cursor_registers_its_three_uris_together() {
        policy()
            .check_all(&[
                "cursor://anysphere.cursor-mcp/oauth/callback".into(),
                "https://www.cursor.com/agents/mcp/oauth/callback".into(),
                "http://localhost:54321/callback".into(),
            ])
            .unwrap();
    }

    #[test]
    fn known_clients_and_loopback_on_any_port_are_accepted() {
        for ok in [
            "https://vscode.dev/redirect",
            "http://127.0.0.1:33418/",
            "http://127.0.0.1:33418",
            "https://claude.ai/api/mcp/auth_callback",
            "http://localhost:6274/oauth/callback",
            "http://[::1]:9000/cb",
            "vscode://vscode.github-authentication/did-authenticate",
            "zed://oauth/callback",
            "https://tools.example.com/cb/anything",
            "https://chatgpt.com/connector_platform_oauth_redirect",
            "https://chatgpt.com/connector/oauth/OUbdUMlL15Ct",
            "https://chatgpt.com/connector/oauth/a-b_c",
        ] {
            policy().check(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn other_schemes_and_hosts_are_refused_with_a_reason() {
        for bad in [
            "https://evil.example/callback",
            "http://evil.example/callback",
            "javascript:alert(1)",
            "myapp://callback",
            "http://localhost:3000/cb#frag",
            "https://user:pw@claude.ai/api/mcp/auth_callback",
            "not a uri",
            "https://tools.example.com/other",
            "https://claude.ai/api/mcp/auth_callback/../../evil",
            "https://chatgpt.com/connector/oauth/",
            "https://chatgpt.com/connector/oauth/abc/extra",
            "https://chatgpt.com/connector/oauth/abc?x=1",
            "https://chatgpt.com.evil.example/connector_platform_oauth_redirect",
            "https://chatgpt.com/connector_platform_oauth_redirect/extra",
            "http://chatgpt.com/connector_platform_oauth_redirect",
        ] {
            assert!(policy().check(bad).is_err(), "{bad} accepted");
        }
        assert!(policy().check_all(&[]).is_err());
        // One bad URI refuses the whole registration.
        assert!(
            policy()
                .check_all(&["http://localhost/cb".into(), "https://evil.example/".into()])
                .is_err()
        );
    }

    #[test]
    fn loopback_redirects_match_on_any_port_others_exactly() {
        let reg = vec![
            "http://127.0.0.1:1234/callback".to_owned(),
            "https://claude.ai/api/mcp/auth_callback".to_owned(),
        ];
        assert!(matches_registered(&reg, "http://127.0.0.1:1234/callback"));
        assert!(matches_registered(&reg, "http://127.0.0.1:5555/callback"));
        assert!(!matches_registered(&reg, "http://127.0.0.1:5555/other"));
        assert!(!matches_registered(&reg, "http://localhost:1234/callback"));
        assert!(matches_registered(
            &reg,
            "https://claude.ai/api/mcp/auth_callback"
        ));
        assert!(!matches_registered(
            &reg,
            "https://claude.ai/api/mcp/auth_callback?x=1"
        ));
        assert!(!matches_registered(&reg, "https://evil.example/"));
    }
}
