//! `GET /`: what this server is, its MCP URL and the browser sign-in link
//! (the protected-resource metadata's `resource_documentation`).

use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse, Response},
};

use crate::{oauth::pages::escape, state::AppState};

pub async fn home(State(state): State<AppState>) -> Response {
    let mcp = escape(state.config.mcp_url().as_str());
    let login = escape(state.config.sign_in_url().as_str());
    let domains = escape(&state.config.allowed_domains.join(", "));
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Workspace MCP Gateway</title></head><body style=\"font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem\">\
<h1>Workspace MCP Gateway</h1>\
<p>An MCP server for the Google Workspace of {domains}: your MCP client (Cursor, Claude, ChatGPT, VS Code and others) uses your own Gmail, Calendar, Drive, Docs, Sheets, Slides, Tasks, Contacts, Forms and Chat after you sign in with your company Google account.</p>\
<p>MCP server URL: <code>{mcp}</code></p>\
<p>Add that URL to your MCP client; it opens the Google sign-in by itself. Or <a href=\"{login}\">sign in with Google</a> in this browser to see your connection and ready-to-paste client configuration.</p>\
</body></html>\n"
    );
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Html(page),
    )
        .into_response()
}
