//! The company policy as the tools apply it: the outward checks of
//! [`crate::policy::rules`] and the daily caps of
//! [`crate::limits::daily`], as tool errors. A tool checks before it acts
//! and counts a capped action only when everything else allows it; an action
//! that then fails gives its count back.

use crate::{
    catalog::Service,
    limits::daily::{Action, DailyError},
    tools::{ToolCtx, ToolError, ToolResult},
};

/// The policy rule capping `action`, and its unit in messages.
fn cap_of(ctx: &ToolCtx, action: Action) -> (Option<u32>, &'static str, &'static str) {
    match action {
        Action::MailSent => (
            ctx.policy.mail.daily_send_limit,
            "mail.daily_send_limit",
            "messages sent",
        ),
        Action::FileShared => (
            ctx.policy.drive.daily_share_limit,
            "drive.daily_share_limit",
            "shares made",
        ),
    }
}

impl ToolCtx {
    /// Which of `services` this person may use: offered by the gateway and
    /// not off for them under the company policy.
    pub fn services_on(&self, services: &[Service]) -> Vec<Service> {
        let rule = self.policy.rule_for(&self.email);
        services
            .iter()
            .copied()
            .filter(|s| self.offer.services.contains(s))
            .filter(|s| {
                rule.and_then(|r| r.services.as_ref())
                    .is_none_or(|on| on.contains(s))
            })
            .collect()
    }

    /// Counts one capped `action` for this person today; a tool error when
    /// the cap is reached or cannot be checked. `Ok(true)`: counted (give it
    /// back with [`ToolCtx::give_back`] if the action fails).
    pub async fn take_daily(&self, action: Action) -> ToolResult<bool> {
        let (Some(cap), rule, unit) = cap_of(self, action) else {
            return Ok(false);
        };
        let unavailable = || {
            ToolError::Refused(format!(
                "The company's daily limit on {unit} could not be checked, so nothing was done. Try again shortly."
            ))
        };
        let daily = self.daily.as_ref().ok_or_else(unavailable)?;
        match daily.take(&self.user, action, cap).await {
            Ok(_) => Ok(true),
            Err(DailyError::Reached(cap)) => Err(ToolError::Policy {
                rule,
                message: format!(
                    "Refused by the company policy ({rule} = {cap}): you have reached {cap} {unit} today. The count starts again at 00:00 UTC; ask your administrator if you need more."
                ),
            }),
            Err(DailyError::Unavailable(e)) => {
                tracing::warn!(error = %e, rule, "daily cap unavailable");
                Err(unavailable())
            }
        }
    }

    /// Gives back a count taken by [`ToolCtx::take_daily`].
    pub async fn give_back(&self, action: Action, taken: bool) {
        if let (true, Some(daily)) = (taken, self.daily.as_ref()) {
            daily.give_back(&self.user, action).await;
        }
    }
}
