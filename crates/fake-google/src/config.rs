//! Configuration of a fake Google instance: users, OAuth clients, issuer, lifetimes.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// A Google account known to the fake.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FakeUser {
    pub email: String,
    /// Stable subject identifier (Google uses a 21-digit decimal string).
    #[serde(default)]
    pub sub: String,
    #[serde(default)]
    pub name: String,
    /// Workspace domain; `None` for a consumer (gmail.com) account.
    #[serde(default)]
    pub hd: Option<String>,
    #[serde(default = "yes")]
    pub email_verified: bool,
    /// The user presses "Cancel" on the consent screen: the client gets `error=access_denied`.
    #[serde(default)]
    pub deny_consent: bool,
    /// Scopes the user unticks on the consent screen (`openid`, `email`, `profile` cannot be unticked).
    #[serde(default)]
    pub untick_scopes: Vec<String>,
    #[serde(default)]
    pub picture: Option<String>,
}

fn yes() -> bool {
    true
}

impl FakeUser {
    /// A Google Workspace account in domain `hd`.
    pub fn workspace(email: impl Into<String>, hd: impl Into<String>) -> Self {
        Self::new(email, Some(hd.into()))
    }

    /// A consumer account (no `hd` claim).
    pub fn consumer(email: impl Into<String>) -> Self {
        Self::new(email, None)
    }

    fn new(email: impl Into<String>, hd: Option<String>) -> Self {
        let email = email.into();
        let mut user = FakeUser {
            sub: String::new(),
            name: String::new(),
            email,
            hd,
            email_verified: true,
            deny_consent: false,
            untick_scopes: Vec::new(),
            picture: None,
        };
        user.fill_defaults();
        user
    }

    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn with_sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = sub.into();
        self
    }

    pub fn email_verified(mut self, verified: bool) -> Self {
        self.email_verified = verified;
        self
    }

    pub fn deny_consent(mut self) -> Self {
        self.deny_consent = true;
        self
    }

    pub fn untick(mut self, scope: impl Into<String>) -> Self {
        self.untick_scopes.push(scope.into());
        self
    }

    /// Derives `sub` (21 digits, stable per email) and `name` when they are empty.
    pub(crate) fn fill_defaults(&mut self) {
        if self.sub.is_empty() {
            let digest = Sha256::digest(self.email.to_ascii_lowercase().as_bytes());
            let mut n = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
            let mut digits = String::from("1");
            for _ in 0..20 {
                digits.push(char::from(b'0' + (n % 10) as u8));
                n /= 10;
            }
            self.sub = digits;
        }
        if self.name.is_empty() {
            let local = self.email.split('@').next().unwrap_or_default();
            let mut chars = local.chars();
            self.name = match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => local.to_string(),
            };
        }
    }
}

/// A registered OAuth client ("Web application" type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    /// Exact-match list of allowed redirect URIs.
    pub redirect_uris: Vec<String>,
}

impl OAuthClient {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        OAuthClient {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uris: Vec::new(),
        }
    }

    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }
}

/// The `iss` value put in ID tokens and the discovery document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Issuer {
    /// `https://accounts.google.com`
    #[default]
    Https,
    /// `accounts.google.com` (Google still issues this form too)
    Bare,
}

impl Issuer {
    pub fn as_str(self) -> &'static str {
        match self {
            Issuer::Https => "https://accounts.google.com",
            Issuer::Bare => "accounts.google.com",
        }
    }
}

/// Everything a fake Google instance starts with. Also the builder returned by
/// [`FakeGoogle::builder`](crate::FakeGoogle::builder).
#[derive(Debug, Clone)]
pub struct FakeGoogleConfig {
    pub users: Vec<FakeUser>,
    pub clients: Vec<OAuthClient>,
    pub issuer: Issuer,
    /// `expires_in` of access tokens (Google: 3599 s).
    pub access_token_ttl: Duration,
    /// Lifetime of authorization codes (Google: about 10 minutes).
    pub code_ttl: Duration,
    /// `max-age` sent with the JWKS.
    pub jwks_max_age: Duration,
    /// Where [`FakeGoogle::start`](crate::FakeGoogle::start) listens.
    pub bind: SocketAddr,
}

impl Default for FakeGoogleConfig {
    fn default() -> Self {
        FakeGoogleConfig {
            users: Vec::new(),
            clients: Vec::new(),
            issuer: Issuer::Https,
            access_token_ttl: Duration::from_secs(3599),
            code_ttl: Duration::from_secs(600),
            jwks_max_age: Duration::from_secs(21_600),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl FakeGoogleConfig {
    pub fn user(mut self, user: FakeUser) -> Self {
        self.users.push(user);
        self
    }

    pub fn client(mut self, client: OAuthClient) -> Self {
        self.clients.push(client);
        self
    }

    pub fn issuer(mut self, issuer: Issuer) -> Self {
        self.issuer = issuer;
        self
    }

    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    pub fn code_ttl(mut self, ttl: Duration) -> Self {
        self.code_ttl = ttl;
        self
    }

    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.jwks_max_age = max_age;
        self
    }

    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Adds the demo accounts: two Workspace users in `example.com` (who share
    /// a document), a Workspace user in `other.example`, and a consumer
    /// `gmail.com` account.
    pub fn with_demo_users(self) -> Self {
        demo_users().into_iter().fold(self, FakeGoogleConfig::user)
    }

    /// Starts the server (see [`FakeGoogle::start`](crate::FakeGoogle::start)).
    pub async fn start(self) -> std::io::Result<crate::FakeGoogleHandle> {
        crate::FakeGoogle::start(self).await
    }
}

/// The seeded demo accounts.
pub fn demo_users() -> Vec<FakeUser> {
    vec![
        FakeUser::workspace("alice@example.com", "example.com").name("Alice Example"),
        FakeUser::workspace("dana@example.com", "example.com").name("Dana Example"),
        FakeUser::workspace("bob@other.example", "other.example").name("Bob Other"),
        FakeUser::consumer("carol@gmail.com").name("Carol Consumer"),
    ]
}
