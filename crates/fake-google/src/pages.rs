//! The HTML pages: Google's error page and the account chooser.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::FakeUser;

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
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

const STYLE: &str = "body{font-family:Roboto,Arial,sans-serif;max-width:34rem;margin:3rem auto;color:#202124}\
form{margin:.5rem 0}button{font:inherit;padding:.6rem 1rem;width:100%;text-align:left;\
border:1px solid #dadce0;border-radius:8px;background:#fff;cursor:pointer}\
button:hover{background:#f1f3f4}.who{color:#5f6368;font-size:.9rem}.err{color:#d93025}";

/// Google's "Access blocked" page, e.g. `Error 400: redirect_uri_mismatch`.
pub(crate) fn error_page(status: StatusCode, error: &str, detail: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error {code}: {error}</title>\
<style>{STYLE}</style></head><body><h1>Access blocked: authorization error</h1>\
<p>{detail}</p><p class=\"err\" id=\"error\">Error {code}: {error}</p></body></html>",
        code = status.as_u16(),
        error = escape(error),
        detail = escape(detail),
    );
    (status, Html(body)).into_response()
}

/// The "Choose an account" page: one form per user, each carrying the original
/// authorization parameters to the approve endpoint. The form action is
/// relative (`auth/approve` from `/o/oauth2/v2/auth`) so the page also works
/// when the router is mounted under a prefix.
pub(crate) fn chooser(
    params: &[(String, String)],
    users: &[FakeUser],
    client_id: &str,
) -> Response {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| k != "email" && k != "action")
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let mut forms = String::new();
    for user in users {
        let domain = user.hd.as_deref().unwrap_or("Google account");
        forms.push_str(&format!(
            "<form method=\"post\" action=\"auth/approve\">{hidden}\
<input type=\"hidden\" name=\"email\" value=\"{email}\">\
<button type=\"submit\" name=\"action\" value=\"approve\"><strong>{name}</strong><br>\
<span class=\"who\">{email} · {domain}</span></button></form>",
            email = escape(&user.email),
            name = escape(&user.name),
            domain = escape(domain),
        ));
    }
    if users.is_empty() {
        forms.push_str("<p>No accounts are configured.</p>");
    }
    let cancel = format!(
        "<form method=\"post\" action=\"auth/approve\">{hidden}\
<button type=\"submit\" name=\"action\" value=\"deny\">Cancel</button></form>"
    );
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in - Google Accounts</title>\
<style>{STYLE}</style></head><body><h1>Choose an account</h1>\
<p>to continue to <strong>{client}</strong></p>{forms}{cancel}</body></html>",
        client = escape(client_id),
    );
    (StatusCode::OK, Html(body)).into_response()
}
