//! Google as the gateway's OAuth 2.0 / OpenID Connect provider.
//!
//! - [`GoogleEndpoints`]: where Google's endpoints live (the real hosts, or one
//!   origin such as the fake Google).
//! - [`GoogleOAuth`]: the authorization URL, the code exchange, refresh and
//!   revocation, with Google's errors mapped to [`GoogleError`].
//! - [`IdTokenVerifier`]: ID token verification against Google's JWKS (cached,
//!   refetched on an unknown `kid`) and the sign-in policy ([`SignInPolicy`]).
//!   The `hd` authorization parameter is only a hint: access is decided on the
//!   verified `hd` claim.
//! - [`pkce`]: PKCE verifiers and challenges, and random tokens.
//! - [`credentials`]: a user's fresh Google access token, refreshed once
//!   across tasks.

pub mod api;
pub mod credentials;
mod endpoints;
mod error;
mod id_token;
mod jwks;
mod oauth;
pub mod pkce;
mod policy;
pub mod touched;

#[cfg(test)]
mod tests;

pub use endpoints::GoogleEndpoints;
pub use error::{GoogleError, IdTokenError};
pub use id_token::{GoogleIdentity, IdTokenVerifier};
pub use oauth::{AuthorizationRequest, GoogleOAuth, TokenResponse};
pub use pkce::random_token;
pub use policy::SignInPolicy;

/// Starts every HTTP client the gateway uses to call Google (the OAuth
/// endpoints and the Workspace APIs); clippy.toml forbids building one
/// anywhere else.
#[expect(
    clippy::disallowed_methods,
    reason = "the one builder of the gateway's Google HTTP clients"
)]
pub(crate) fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
}
