//! The few HTML pages of the sign-in flow: errors and the signed-in page.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use super::OAuthState;
use crate::repo::UserRecord;

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}}pre{{background:#f6f8fa;padding:1rem;overflow:auto;border-radius:6px}}code{{background:#f6f8fa;padding:.1rem .3rem;border-radius:4px}}.err{{color:#b42318}}</style></head><body>{}</body></html>",
        escape(title),
        body
    )
}

fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert("cache-control", "no-store".parse().expect("valid header"));
    h.insert("x-frame-options", "DENY".parse().expect("valid header"));
    h.insert(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
            .parse()
            .expect("valid header"),
    );
    h.insert(
        "referrer-policy",
        "no-referrer".parse().expect("valid header"),
    );
    r
}

/// An error page (used where redirecting back would not be safe).
pub fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let body = format!(
        "<h1 class=\"err\">Sign-in failed</h1><p>{}</p><p><small>Error: <code>{}</code></small></p>",
        escape(description),
        escape(code)
    );
    secure((status, Html(page("Sign-in failed", &body))).into_response())
}

/// The page a plain browser sign-in ends on.
pub fn signed_in(s: &OAuthState, user: &UserRecord) -> Response {
    let mcp = escape(&s.urls.resource);
    let body = format!(
        "<h1>Signed in</h1><p>You are signed in as <strong>{email}</strong> ({domain}).</p>\
<p>Your MCP server URL is <code>{mcp}</code>. Add it to your MCP client; it will send you through this sign-in once.</p>\
<h2>Cursor</h2><p><code>~/.cursor/mcp.json</code>:</p><pre>{{\n  \"mcpServers\": {{\n    \"google-workspace\": {{ \"url\": \"{mcp}\" }}\n  }}\n}}</pre>\
<h2>Claude Code</h2><pre>claude mcp add --transport http google-workspace {mcp}</pre>\
<h2>VS Code</h2><p><code>.vscode/mcp.json</code>:</p><pre>{{\n  \"servers\": {{\n    \"google-workspace\": {{ \"type\": \"http\", \"url\": \"{mcp}\" }}\n  }}\n}}</pre>",
        email = escape(&user.email),
        domain = escape(&user.domain),
    );
    secure((StatusCode::OK, Html(page("Signed in", &body))).into_response())
}
