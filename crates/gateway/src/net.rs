//! Loopback host names, in one place: the redirect policy, client metadata
//! documents and the configuration all ask the same question. A leaf module:
//! it imports nothing of the crate.

use url::Url;

/// The loopback host names of RFC 8252 section 7.3, as `Url::host_str`
/// writes them (an IPv6 address in brackets).
pub const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Whether the URL's host is one of [`LOOPBACK_HOSTS`].
pub fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(|h| LOOPBACK_HOSTS.contains(&h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_nothing_else() {
        for yes in [
            "http://localhost:3000/cb",
            "http://LOCALHOST/cb",
            "http://127.0.0.1/",
            "https://[::1]:9000/x",
        ] {
            assert!(is_loopback(&Url::parse(yes).unwrap()), "{yes}");
        }
        for no in [
            "http://127.0.0.2/",
            "http://localhost.evil.example/",
            "https://example.com/",
            "http://[::2]/",
            "cursor://anysphere.cursor-mcp/oauth/callback",
            "urn:ietf:wg:oauth:2.0:oob",
        ] {
            assert!(!is_loopback(&Url::parse(no).unwrap()), "{no}");
        }
    }
}
