//! `drive_share`.

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{file_error, files_url, get_file, info::Permission};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    limits::daily::Action,
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput, confirm::Confirmed, google_id},
};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareType {
    #[default]
    User,
    Group,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareRole {
    #[default]
    Reader,
    Commenter,
    Writer,
}

impl ShareRole {
    fn as_str(self) -> &'static str {
        match self {
            ShareRole::Reader => "reader",
            ShareRole::Commenter => "commenter",
            ShareRole::Writer => "writer",
        }
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareArgs {
    /// Id or link.
    pub file_id: String,
    pub email: String,
    /// Default user.
    #[serde(default, rename = "type")]
    pub share_type: ShareType,
    /// Default reader.
    #[serde(default)]
    pub role: ShareRole,
    /// Email them (default true).
    #[serde(default)]
    pub notify: Option<bool>,
    /// A note in the email, at most 2000 characters.
    #[serde(default)]
    pub message: Option<String>,
    /// Only once the person approved.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Shared {
    pub file_id: String,
    pub name: String,
    pub permission: Permission,
    pub notified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 254
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
}

async fn run(ctx: &ToolCtx, api: &GoogleApi, args: ShareArgs) -> ToolResult<Shared> {
    let id = google_id("file_id", &args.file_id)?;
    let email = args.email.trim().to_owned();
    if !valid_email(&email) {
        return Err(ToolError::invalid("email", "must be one email address"));
    }
    let notify = args.notify.unwrap_or(true);
    if let Some(m) = &args.message {
        if !notify {
            return Err(ToolError::invalid("message", "needs `notify` to be true"));
        }
        if m.chars().count() > 2000 {
            return Err(ToolError::invalid("message", "longer than 2000 characters"));
        }
    }
    ctx.policy.check_share(&email, true)?;
    let f = get_file(ctx, api, &id, "id,name").await?;
    let name = f["name"].as_str().unwrap_or_default().to_owned();
    let outside = !ctx.policy.inside_company(&email);
    let confirmed = if outside {
        let question = format!(
            "Share \"{name}\" as {} with {email}, outside {}?",
            args.role.as_str(),
            ctx.policy.company()
        );
        ctx.confirm_action(&question, args.confirm)?
    } else {
        Confirmed::ByModel
    };
    ctx.policy.check_share(&email, confirmed.yes())?;
    let counted = ctx.take_daily(Action::FileShared).await?;
    let mut url = files_url(api, &[&id, "permissions"]);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair(
            "sendNotificationEmail",
            if notify { "true" } else { "false" },
        )
        .append_pair("fields", "id,type,role,emailAddress,domain,displayName");
        if let Some(m) = &args.message {
            q.append_pair("emailMessage", m);
        }
    }
    let kind = match args.share_type {
        ShareType::User => "user",
        ShareType::Group => "group",
    };
    let body = json!({ "type": kind, "role": args.role.as_str(), "emailAddress": email });
    // A retry could send a second notification: only retried when Google refused outright.
    let shared = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await;
    if matches!(&shared, Err(e) if !matches!(e, ApiError::Unavailable(_))) {
        ctx.give_back(Action::FileShared, counted).await;
    }
    let (p, _) = shared.map_err(|e| match e {
            ApiError::BadRequest(m) => ToolError::Refused(format!(
                "Google refused to share with {email}: {m} (is the address right, and is sharing outside the organisation allowed?)."
            )),
            e => file_error(e, &id),
        })?;
    Ok(Shared {
        file_id: id,
        name,
        permission: Permission::from_json(&p),
        notified: notify,
        note: confirmed.note(),
    })
}

pub async fn share(ctx: ToolCtx, args: ShareArgs) -> ToolResult<Shared> {
    run(&ctx, &ctx.api, args).await
}

impl ToolOutput for Shared {
    fn text(&self) -> String {
        let s = self;
        let mut text = format!(
            "Shared {} (id {}) with {}{}\n",
            s.name,
            s.file_id,
            s.permission.line(),
            if s.notified {
                ", notified by email"
            } else {
                ", without a notification"
            }
        );
        if let Some(n) = &s.note {
            text.push_str(n);
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy's promise that no tool makes a public or domain-wide link
    /// or transfers ownership (`policy/rules.rs`) rests on these two lists.
    #[test]
    fn sharing_offers_no_public_link_and_no_ownership_transfer() {
        let schema = serde_json::to_value(schemars::schema_for!(ShareArgs)).unwrap();
        let text = schema.to_string();
        for word in ["anyone", "domain", "owner"] {
            assert!(
                !text.contains(&format!("\"{word}\"")),
                "drive_share offers {word}"
            );
        }
        assert!(text.contains("\"group\"") && text.contains("\"writer\""));
    }
}
