//! Who may sign in: the allowed Workspace domains and, optionally, addresses.

use crate::config::Config;

/// Sign-in policy applied to verified ID tokens. Values are kept lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignInPolicy {
    /// Workspace domains (`hd` claim) allowed to sign in. Empty: nobody.
    pub allowed_domains: Vec<String>,
    /// When non-empty, only these addresses may sign in.
    pub allowed_emails: Vec<String>,
}

impl SignInPolicy {
    pub fn new<D, E>(allowed_domains: D, allowed_emails: E) -> Self
    where
        D: IntoIterator,
        D::Item: AsRef<str>,
        E: IntoIterator,
        E::Item: AsRef<str>,
    {
        let lower = |s: &str| s.trim().to_ascii_lowercase();
        SignInPolicy {
            allowed_domains: allowed_domains
                .into_iter()
                .map(|d| lower(d.as_ref()))
                .collect(),
            allowed_emails: allowed_emails
                .into_iter()
                .map(|e| lower(e.as_ref()))
                .collect(),
        }
    }

    pub fn from_config(config: &Config) -> Self {
        Self::new(&config.allowed_domains, &config.allowed_emails)
    }

    /// The `hd` hint for the authorization request: the domain when there is
    /// one, `*` when there are several.
    pub fn hd_hint(&self) -> Option<String> {
        match self.allowed_domains.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            _ => Some("*".to_string()),
        }
    }

    pub fn allows_domain(&self, hd: &str) -> bool {
        let hd = hd.to_ascii_lowercase();
        self.allowed_domains.contains(&hd)
    }

    pub fn allows_email(&self, email: &str) -> bool {
        self.allowed_emails.is_empty()
            || self
                .allowed_emails
                .iter()
                .any(|e| e.eq_ignore_ascii_case(email))
    }
}
