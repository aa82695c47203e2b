//! Google's scope spellings.

pub(crate) const OPENID: &str = "openid";
pub(crate) const USERINFO_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
pub(crate) const USERINFO_PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";
const GOOGLE_SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/";
/// Older scope spellings Google still accepts.
const OTHER_PREFIXES: [&str; 2] = ["https://mail.google.com/", "https://www.google.com/"];

/// The form Google reports a scope in (`email` → `…/userinfo.email`).
pub(crate) fn canonical(scope: &str) -> &str {
    match scope {
        "email" => USERINFO_EMAIL,
        "profile" => USERINFO_PROFILE,
        other => other,
    }
}

/// `openid`, `email`, `profile` (in either spelling) cannot be unticked.
pub(crate) fn is_basic(scope: &str) -> bool {
    matches!(canonical(scope), OPENID | USERINFO_EMAIL | USERINFO_PROFILE)
}

pub(crate) fn is_known(scope: &str) -> bool {
    is_basic(scope)
        || (scope.starts_with(GOOGLE_SCOPE_PREFIX) && scope.len() > GOOGLE_SCOPE_PREFIX.len())
        || OTHER_PREFIXES.iter().any(|p| scope.starts_with(p))
}

pub(crate) fn has(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| canonical(s) == canonical(scope))
}

/// Space-separated, in the canonical spelling, as in token responses.
pub(crate) fn to_response(scopes: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for s in scopes {
        let c = canonical(s);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.join(" ")
}

/// As in the authorization redirect: the short forms as requested, followed by
/// the long forms Google adds for them.
pub(crate) fn to_redirect(scopes: &[String]) -> String {
    let mut out: Vec<&str> = scopes.iter().map(String::as_str).collect();
    for s in scopes {
        let c = canonical(s);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.join(" ")
}
