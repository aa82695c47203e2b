//! Administration commands: list users, revoke a user everywhere, and
//! re-encrypt stored secrets under the current master key after a rotation.

use std::{fmt::Write as _, sync::Arc};

use base64::Engine;

use crate::{
    app::{open_store, open_vault},
    audit::{
        event::{AuditEvent, EventKind, now_ms},
        query::{self, Since},
        writer::{Audit, UNATTRIBUTED},
    },
    config::Config,
    google::{GoogleOAuth, credentials::Credentials},
    repo::{CredentialRecord, GrantRecord, Repo, UserRecord},
    store::{Expect, Kind, StoreError},
    vault::{Purpose, SealContext, Vault},
};

fn when(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| "?".into())
}

/// One row of `users list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub email: String,
    pub last_activity_at: i64,
    /// Earliest forced re-sign-in among the user's grants; `None` when none is forced.
    pub sign_in_expires_at: Option<i64>,
    pub grants: usize,
    pub google_scopes: Vec<String>,
    pub needs_sign_in: bool,
}

pub async fn list_users(repo: &Repo) -> Result<Vec<UserRow>, StoreError> {
    let mut rows = Vec::new();
    for (sub, user) in repo.list_kind::<UserRecord>(Kind::User).await? {
        let grants = repo.list_group::<GrantRecord>(Kind::Grant, &sub).await?;
        let last_grant_use = grants.iter().map(|(_, g)| g.value.last_used_at).max();
        rows.push(UserRow {
            email: user.value.email.clone(),
            last_activity_at: last_grant_use
                .unwrap_or(user.value.last_activity_at)
                .max(user.value.last_activity_at),
            sign_in_expires_at: grants
                .iter()
                .filter_map(|(_, g)| g.value.sign_in_expires_at)
                .min(),
            grants: grants.len(),
            google_scopes: user.value.google_scopes.clone(),
            needs_sign_in: user.value.needs_reauth,
        });
    }
    rows.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(rows)
}

pub fn render_users(rows: &[UserRow]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no users have signed in yet\n");
        return out;
    }
    for r in rows {
        let _ = writeln!(
            out,
            "{}\n  last activity: {}\n  sign-in expires: {}\n  connected clients: {}\n  status: {}\n  Google scopes: {}",
            r.email,
            when(r.last_activity_at),
            r.sign_in_expires_at
                .map(when)
                .unwrap_or_else(|| "not forced".into()),
            r.grants,
            if r.needs_sign_in {
                "must sign in again"
            } else {
                "active"
            },
            if r.google_scopes.is_empty() {
                "-".to_owned()
            } else {
                r.google_scopes.join(" ")
            }
        );
    }
    out
}

/// The user key (Google `sub`) of the user with `email`.
pub async fn find_user(repo: &Repo, email: &str) -> Result<Option<String>, StoreError> {
    let email = email.trim().to_ascii_lowercase();
    Ok(repo
        .list_kind::<UserRecord>(Kind::User)
        .await?
        .into_iter()
        .find(|(_, u)| u.value.email.to_ascii_lowercase() == email)
        .map(|(sub, _)| sub))
}

/// Re-encrypts every stored Google credential sealed under an older master
/// key. Returns (re-encrypted, already current).
pub async fn rewrap_secrets(repo: &Repo, vault: &Vault) -> anyhow::Result<(usize, usize)> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut rewrapped = 0;
    let mut current = 0;
    for (user, record) in repo.list_kind::<CredentialRecord>(Kind::Credential).await? {
        let mut value = record.value.clone();
        let mut changed = false;
        for (field, purpose) in [
            (&mut value.refresh_token, Purpose::GoogleRefreshToken),
            (&mut value.access_token, Purpose::GoogleAccessToken),
        ] {
            let Some(sealed_b64) = field.as_ref() else {
                continue;
            };
            let sealed = b64.decode(sealed_b64)?;
            if vault.needs_rewrap(&sealed) {
                let resealed = vault
                    .rewrap(&sealed, &SealContext::new(user.clone(), purpose))
                    .await?;
                *field = Some(b64.encode(resealed));
                changed = true;
            }
        }
        if changed {
            match repo
                .put(
                    Kind::Credential,
                    &user,
                    &value,
                    record.group.as_deref(),
                    record.expires_at,
                    Expect::Version(record.version),
                )
                .await
            {
                Ok(_) => rewrapped += 1,
                // Changed meanwhile (a refresh wrote under the current key).
                Err(StoreError::Conflict) => current += 1,
                Err(e) => return Err(e.into()),
            }
        } else {
            current += 1;
        }
    }
    Ok((rewrapped, current))
}

/// Opens the store and vault of `config` for a command.
pub async fn open(config: &Config) -> anyhow::Result<(Repo, Arc<Vault>)> {
    let store = open_store(config).await?;
    let vault = open_vault(config).await?;
    Ok((Repo::new(store), vault))
}

/// `users revoke EMAIL`: revokes the user's gateway tokens everywhere and the
/// Google grant at Google.
pub async fn revoke_user(config: &Config, email: &str) -> anyhow::Result<String> {
    let (repo, vault) = open(config).await?;
    let Some(sub) = find_user(&repo, email).await? else {
        anyhow::bail!("no user with the email {email} has signed in");
    };
    let google = GoogleOAuth::from_config(config)?;
    let credentials = Credentials::new(
        repo.clone(),
        vault,
        google,
        config.sign_in_url().to_string(),
    );
    credentials.sign_out(&sub, config.access_token_ttl).await?;
    let email = email.trim().to_ascii_lowercase();
    let event = AuditEvent::security(
        EventKind::AdminAction,
        Some((&sub, &email)),
        None,
        "done",
        "user_revoked",
    );
    Audit::configured(repo.store.clone(), config.audit_retention)
        .record_now(event)
        .await;
    Ok(format!(
        "revoked {email}: Google grant revoked, gateway tokens refused by every task within 60 s; the user must sign in again"
    ))
}

/// `audit --user EMAIL`: the user's audit events since `since`, newest
/// first, as a table or JSON lines; without a user, the events of no known
/// user (refused sign-ins, key rotations).
pub async fn audit_trail(
    config: &Config,
    email: Option<&str>,
    since: Since,
    json: bool,
    limit: usize,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        !config.audit_retention.is_zero(),
        "AUDIT_RETENTION_DAYS=0 keeps the audit trail in the log only: search the JSON log for target \"audit\""
    );
    let repo = Repo::new(open_store(config).await?);
    let group = match email {
        Some(email) => find_user(&repo, email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no user with the email {email} has signed in"))?,
        None => UNATTRIBUTED.to_owned(),
    };
    let events = query::events(&*repo.store, &group, since.as_ms(now_ms()), limit).await?;
    Ok(if json {
        query::render_json(&events)
    } else {
        query::render_table(&events)
    })
}

/// Records an administrator's action on no particular user.
pub async fn audit_admin_action(config: &Config, repo: &Repo, reason: &'static str) {
    let event = AuditEvent::security(EventKind::AdminAction, None, None, "done", reason);
    Audit::configured(repo.store.clone(), config.audit_retention)
        .record_now(event)
        .await;
}
