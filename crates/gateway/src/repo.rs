//! Typed records on top of the [`Store`]: one serde struct per record kind,
//! written and read as JSON. Secrets inside records are either sealed by the
//! vault (Google tokens) or stored only as hashes (gateway codes, refresh
//! tokens, client secrets); nothing here holds a plaintext secret.

use std::sync::Arc;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::store::{Expect, Kind, Put, Record, Store, StoreError, StoreResult, now_unix};

/// A typed record read back with its version (for compare-and-set).
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
    pub group: Option<String>,
    pub expires_at: Option<i64>,
}

fn decode<T: DeserializeOwned>(kind: Kind, record: Record) -> StoreResult<Versioned<T>> {
    let value = serde_json::from_slice(&record.value)
        .map_err(|e| StoreError::Corrupt(format!("{kind} record: {e}")))?;
    Ok(Versioned {
        value,
        version: record.version,
        group: record.group,
        expires_at: record.expires_at,
    })
}

/// Typed access to the store.
#[derive(Clone)]
pub struct Repo {
    pub store: Arc<dyn Store>,
}

impl Repo {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        kind: Kind,
        key: &str,
    ) -> StoreResult<Option<Versioned<T>>> {
        match self.store.get(kind, key).await? {
            Some(r) => Ok(Some(decode(kind, r)?)),
            None => Ok(None),
        }
    }

    pub async fn put<T: Serialize>(
        &self,
        kind: Kind,
        key: &str,
        value: &T,
        group: Option<&str>,
        expires_at: Option<i64>,
        expect: Expect,
    ) -> StoreResult<u64> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| StoreError::Corrupt(format!("cannot encode {kind} record: {e}")))?;
        self.store
            .put(Put {
                kind,
                key,
                value: &bytes,
                group,
                expires_at,
                expect,
            })
            .await
    }

    pub async fn list_group<T: DeserializeOwned>(
        &self,
        kind: Kind,
        group: &str,
    ) -> StoreResult<Vec<(String, Versioned<T>)>> {
        self.store
            .list_group(kind, group)
            .await?
            .into_iter()
            .map(|(k, r)| Ok((k, decode(kind, r)?)))
            .collect()
    }

    pub async fn list_kind<T: DeserializeOwned>(
        &self,
        kind: Kind,
    ) -> StoreResult<Vec<(String, Versioned<T>)>> {
        self.store
            .list_kind(kind)
            .await?
            .into_iter()
            .map(|(k, r)| Ok((k, decode(kind, r)?)))
            .collect()
    }

    pub async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool> {
        self.store.delete(kind, key, expect).await
    }

    /// Reads, changes and writes back a record with compare-and-set, retrying
    /// on conflicts. Returns the new value, or `None` if the record is absent.
    pub async fn update<T, F>(&self, kind: Kind, key: &str, mut change: F) -> StoreResult<Option<T>>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T),
    {
        for _ in 0..16 {
            let Some(mut current) = self.get::<T>(kind, key).await? else {
                return Ok(None);
            };
            change(&mut current.value);
            match self
                .put(
                    kind,
                    key,
                    &current.value,
                    current.group.as_deref(),
                    current.expires_at,
                    Expect::Version(current.version),
                )
                .await
            {
                Ok(_) => return Ok(Some(current.value)),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(format!(
            "{kind} record kept changing; gave up after 16 attempts"
        )))
    }
}

/// A person who signed in, keyed by Google `sub`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserRecord {
    pub sub: String,
    pub email: String,
    pub domain: String,
    #[serde(default)]
    pub name: Option<String>,
    pub created_at: i64,
    pub signed_in_at: i64,
    pub last_activity_at: i64,
    /// Google scopes the user granted (users can untick some at consent).
    pub google_scopes: Vec<String>,
    /// Set when Google refused the refresh token (`invalid_grant`): the
    /// user must sign in again before tools work.
    #[serde(default)]
    pub needs_reauth: bool,
}

/// A user's Google credentials, sealed by the vault.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct CredentialRecord {
    /// Sealed Google refresh token (base64 of the vault ciphertext).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Sealed Google access token.
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub access_expires_at: Option<i64>,
    pub updated_at: i64,
}

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuth {
    None,
    ClientSecretPost,
    ClientSecretBasic,
}

impl TokenEndpointAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenEndpointAuth::None => "none",
            TokenEndpointAuth::ClientSecretPost => "client_secret_post",
            TokenEndpointAuth::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// Where a client's registration came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientSource {
    /// Dynamic client registration (RFC 7591).
    Registered,
    /// A client ID metadata document fetched from the `client_id` URL.
    MetadataDocument,
}

/// An OAuth client of the gateway's authorization server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientRecord {
    pub client_id: String,
    #[serde(default)]
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: TokenEndpointAuth,
    /// SHA-256 (hex) of the client secret, for confidential clients.
    #[serde(default)]
    pub client_secret_hash: Option<String>,
    pub source: ClientSource,
    pub created_at: i64,
    #[serde(default)]
    pub scope: Option<String>,
}

/// What started an authorization at Google.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PendingFlow {
    /// An MCP client's `/oauth/authorize` request, to be answered with a code.
    Client {
        client_id: String,
        redirect_uri: String,
        /// The client's own `state`, echoed back.
        #[serde(default)]
        state: Option<String>,
        code_challenge: String,
        resource: String,
        scope: String,
    },
    /// A plain browser sign-in (`/oauth/login`).
    Browser,
}

/// An authorization in progress between the gateway and Google, keyed by
/// the `state` sent to Google. Single use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingAuthRecord {
    pub flow: PendingFlow,
    /// The OpenID nonce expected in Google's ID token.
    pub nonce: String,
    /// The PKCE verifier for Google, sealed by the vault.
    pub google_verifier_sealed: String,
    /// Whether `prompt=consent` was requested (to know if a refresh token is due).
    pub prompted_consent: bool,
    pub created_at: i64,
}

/// A one-time gateway authorization code, keyed by its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthCodeRecord {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub resource: String,
    pub scope: String,
    pub user_id: String,
    pub email: String,
    pub used: bool,
    /// The token family issued when the code was redeemed (revoked on reuse).
    #[serde(default)]
    pub family_id: Option<String>,
}

/// A user's grant to one client: one refresh-token family. Keyed by family
/// id, grouped by user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantRecord {
    pub family_id: String,
    pub user_id: String,
    pub email: String,
    pub client_id: String,
    #[serde(default)]
    pub client_name: Option<String>,
    pub scope: String,
    pub resource: String,
    pub created_at: i64,
    pub last_used_at: i64,
    /// When the sign-in behind this grant must be renewed (SESSION_MAX_AGE).
    #[serde(default)]
    pub sign_in_expires_at: Option<i64>,
}

/// A gateway refresh token, keyed by its hash, grouped by family.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshTokenRecord {
    pub family_id: String,
    pub user_id: String,
    pub client_id: String,
    /// Set when the token was exchanged; presenting it again is reuse.
    pub used: bool,
    pub issued_at: i64,
    /// When it was exchanged.
    #[serde(default)]
    pub used_at: Option<i64>,
}

/// A revocation every task applies to self-contained access tokens: tokens
/// of `subject` issued before `not_before` are void.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevocationRecord {
    pub not_before: i64,
}

/// The group of every revocation record: each task's poll reads this one
/// group (an index query on DynamoDB), never a scan of the whole table.
pub const REVOCATION_GROUP: &str = "all";

/// Revocation keys.
pub fn revocation_key_family(family_id: &str) -> String {
    format!("family:{family_id}")
}

pub fn revocation_key_user(user_id: &str) -> String {
    format!("user:{user_id}")
}

pub fn revocation_key_session(session_id: &str) -> String {
    format!("session:{session_id}")
}

impl Repo {
    /// Records a revocation visible to every task until `until`.
    pub async fn revoke(&self, key: &str, until: i64) -> StoreResult<()> {
        self.put(
            Kind::Revocation,
            key,
            &RevocationRecord {
                not_before: now_unix() + 1,
            },
            Some(REVOCATION_GROUP),
            Some(until),
            Expect::Any,
        )
        .await
        .map(|_| ())
    }

    /// Deletes a token family: its grant and every refresh token in it.
    pub async fn delete_family(&self, family_id: &str) -> StoreResult<()> {
        for (key, _) in self.store.list_group(Kind::RefreshToken, family_id).await? {
            self.store
                .delete(Kind::RefreshToken, &key, Expect::Any)
                .await?;
        }
        self.store
            .delete(Kind::Grant, family_id, Expect::Any)
            .await?;
        Ok(())
    }
}
