//! Where Google's OAuth and OpenID Connect endpoints live.

use url::Url;

/// Google's endpoints the gateway uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleEndpoints {
    pub auth_url: Url,
    pub token_url: Url,
    pub jwks_url: Url,
    pub userinfo_url: Url,
    pub revoke_url: Url,
}

fn parse(url: &str) -> Url {
    Url::parse(url).expect("constant Google URL is valid")
}

impl GoogleEndpoints {
    /// Google's real hosts.
    pub fn google() -> Self {
        GoogleEndpoints {
            auth_url: parse("https://accounts.google.com/o/oauth2/v2/auth"),
            token_url: parse("https://oauth2.googleapis.com/token"),
            jwks_url: parse("https://www.googleapis.com/oauth2/v3/certs"),
            userinfo_url: parse("https://openidconnect.googleapis.com/v1/userinfo"),
            revoke_url: parse("https://oauth2.googleapis.com/revoke"),
        }
    }

    /// Every endpoint on `base`'s origin under Google's own paths, as the fake
    /// Google serves them. A path prefix in `base` is kept.
    pub fn under(base: &Url) -> Self {
        let prefix = base.path().trim_end_matches('/');
        let at = |path: &str| {
            let mut url = base.clone();
            url.set_path(&format!("{prefix}{path}"));
            url.set_query(None);
            url.set_fragment(None);
            url
        };
        GoogleEndpoints {
            auth_url: at("/o/oauth2/v2/auth"),
            token_url: at("/token"),
            jwks_url: at("/oauth2/v3/certs"),
            userinfo_url: at("/oauth2/v3/userinfo"),
            revoke_url: at("/revoke"),
        }
    }

    /// [`under`](Self::under) the base URL when one is set (`GOOGLE_BASE_URL`),
    /// else [`google`](Self::google).
    pub fn from_base_url(base: Option<&Url>) -> Self {
        base.map_or_else(Self::google, Self::under)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_endpoints() {
        let e = GoogleEndpoints::google();
        assert_eq!(
            e.auth_url.as_str(),
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert_eq!(e.token_url.as_str(), "https://oauth2.googleapis.com/token");
        assert_eq!(
            e.jwks_url.as_str(),
            "https://www.googleapis.com/oauth2/v3/certs"
        );
        assert_eq!(
            e.userinfo_url.as_str(),
            "https://openidconnect.googleapis.com/v1/userinfo"
        );
        assert_eq!(
            e.revoke_url.as_str(),
            "https://oauth2.googleapis.com/revoke"
        );
    }

    #[test]
    fn endpoints_under_one_origin() {
        let base = Url::parse("http://127.0.0.1:4000").unwrap();
        let e = GoogleEndpoints::under(&base);
        assert_eq!(
            e.auth_url.as_str(),
            "http://127.0.0.1:4000/o/oauth2/v2/auth"
        );
        assert_eq!(e.token_url.as_str(), "http://127.0.0.1:4000/token");
        assert_eq!(e.jwks_url.as_str(), "http://127.0.0.1:4000/oauth2/v3/certs");
        assert_eq!(
            e.userinfo_url.as_str(),
            "http://127.0.0.1:4000/oauth2/v3/userinfo"
        );
        assert_eq!(e.revoke_url.as_str(), "http://127.0.0.1:4000/revoke");

        let prefixed = GoogleEndpoints::under(&Url::parse("http://h:1/google/").unwrap());
        assert_eq!(prefixed.token_url.as_str(), "http://h:1/google/token");
        assert_eq!(
            GoogleEndpoints::from_base_url(None),
            GoogleEndpoints::google()
        );
    }
}
