//! Who is calling: the authenticated principal that request handlers and
//! MCP tools act for.

/// The user a request acts for, placed in the request's extensions by the
/// bearer-token layer in front of `/mcp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable user key (Google `sub`).
    pub user_id: String,
    pub email: String,
    /// The MCP client the token was issued to.
    pub client_id: String,
    /// Gateway scopes of the token.
    pub scopes: Vec<String>,
    /// The token family (grant) the token belongs to.
    pub family_id: String,
}

impl Principal {
    /// Owner recorded for MCP sessions created without a principal (only
    /// possible in tests that mount the MCP endpoint alone).
    pub const ANONYMOUS: &'static str = "anonymous";

    /// The session owner key for an optional principal.
    pub fn owner_key(principal: Option<&Principal>) -> String {
        principal
            .map(|p| p.user_id.clone())
            .unwrap_or_else(|| Self::ANONYMOUS.to_owned())
    }
}
