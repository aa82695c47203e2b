//! `gmail_get_vacation` and `gmail_set_vacation`: the vacation responder
//! (users.settings.vacation).

use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};
use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{gmail_path, message::html_to_text};
use crate::{
    google::api::{Body, GoogleApi, Retry, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Rendered, adapter::ToolOutput},
};

/// Longest subject and body.
const MAX_SUBJECT_CHARS: usize = 500;
const MAX_BODY_CHARS: usize = 20_000;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetVacationArgs {}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetVacationArgs {
    /// On or off. Off keeps the text for next time.
    pub enabled: bool,
    /// Kept as it is when left out.
    #[serde(default)]
    pub subject: Option<String>,
    /// Plain text; kept as it is when left out.
    #[serde(default)]
    pub body: Option<String>,
    /// RFC 3339 or a date (UTC midnight); default now.
    #[serde(default)]
    pub start: Option<String>,
    /// RFC 3339 or a date (the last day, inclusive); default none.
    #[serde(default)]
    pub end: Option<String>,
    /// Answer only people in the user's contacts.
    #[serde(default)]
    pub contacts_only: bool,
    /// Answer only people in the user's Workspace domain.
    #[serde(default)]
    pub domain_only: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Vacation {
    pub enabled: bool,
    pub subject: String,
    /// The reply as plain text (an HTML reply converted).
    pub body: String,
    /// RFC 3339, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    pub contacts_only: bool,
    pub domain_only: bool,
}

fn ms_to_rfc3339(v: &Value) -> Option<String> {
    let ms: i64 = match v {
        Value::String(s) => s.parse().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

pub(crate) fn from_google(v: &Value) -> Vacation {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let body = match v["responseBodyPlainText"]
        .as_str()
        .filter(|b| !b.is_empty())
    {
        Some(b) => b.to_owned(),
        None => html_to_text(&s("responseBodyHtml")).trim().to_owned(),
    };
    Vacation {
        enabled: v["enableAutoReply"] == true,
        subject: s("responseSubject"),
        body,
        start: ms_to_rfc3339(&v["startTime"]),
        end: ms_to_rfc3339(&v["endTime"]),
        contacts_only: v["restrictToContacts"] == true,
        domain_only: v["restrictToDomain"] == true,
    }
}

/// An instant from RFC 3339 or a date; `end` dates mean the end of that day.
pub(crate) fn instant(field: &str, value: &str, end: bool) -> ToolResult<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let d = if end {
            d.checked_add_days(Days::new(1)).unwrap_or(d)
        } else {
            d
        };
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    Err(ToolError::invalid(
        field,
        format!(
            "{value:?} is not a time: use RFC 3339 (2025-07-01T09:00:00+02:00) or a date (2025-07-01)"
        ),
    ))
}

fn bounded(field: &str, value: &str, max: usize) -> ToolResult<String> {
    if value.chars().count() > max {
        return Err(ToolError::invalid(
            field,
            format!("longer than {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Gmail's `VacationSettings` for `args`, `current` supplying the text left out.
pub(crate) fn settings(
    args: &SetVacationArgs,
    current: &Vacation,
    now: DateTime<Utc>,
) -> ToolResult<Value> {
    let subject = match &args.subject {
        Some(s) => bounded("subject", s.trim(), MAX_SUBJECT_CHARS)?,
        None => current.subject.clone(),
    };
    if subject.contains(['\r', '\n']) {
        return Err(ToolError::invalid("subject", "one line"));
    }
    let body = match &args.body {
        Some(b) => bounded("body", b, MAX_BODY_CHARS)?,
        None => current.body.clone(),
    };
    if args.enabled && subject.trim().is_empty() && body.trim().is_empty() {
        return Err(ToolError::invalid(
            "body",
            "an auto-reply needs a subject or a body",
        ));
    }
    let start = args
        .start
        .as_deref()
        .map(|s| instant("start", s, false))
        .transpose()?;
    let end = args
        .end
        .as_deref()
        .map(|s| instant("end", s, true))
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end)
        && s >= e
    {
        return Err(ToolError::invalid("end", "must be after start"));
    }
    if args.enabled
        && let Some(e) = end
        && e <= now
    {
        return Err(ToolError::invalid(
            "end",
            "is in the past: the responder would never answer; give a later end or none",
        ));
    }
    let mut v = json!({
        "enableAutoReply": args.enabled,
        "responseSubject": subject,
        "responseBodyPlainText": body,
        "restrictToContacts": args.contacts_only,
        "restrictToDomain": args.domain_only,
    });
    if let Some(s) = start {
        v["startTime"] = json!(s.timestamp_millis().to_string());
    }
    if let Some(e) = end {
        v["endTime"] = json!(e.timestamp_millis().to_string());
    }
    Ok(v)
}

fn url(api: &GoogleApi) -> url::Url {
    api_url(&api.bases.gmail, &gmail_path("/settings/vacation"))
}

async fn current(ctx: &ToolCtx, api: &GoogleApi) -> ToolResult<Vacation> {
    Ok(from_google(&api.get(&ctx.user, url(api)).await?))
}

pub async fn get_vacation(ctx: ToolCtx, _args: GetVacationArgs) -> ToolResult<Vacation> {
    current(&ctx, &ctx.api).await
}

impl ToolOutput for Vacation {
    fn text(&self) -> String {
        let mut text = format!(
            "Vacation responder: {}\n",
            if self.enabled { "on" } else { "off" }
        );
        crate::tools::line(&mut text, "From", self.start.as_deref().unwrap_or_default());
        crate::tools::line(&mut text, "Until", self.end.as_deref().unwrap_or_default());
        let who = match (self.contacts_only, self.domain_only) {
            (true, true) => "contacts in the domain only",
            (true, false) => "contacts only",
            (false, true) => "the domain only",
            (false, false) => "everyone",
        };
        let _ = writeln!(text, "Answers: {who}");
        crate::tools::line(&mut text, "Subject", &self.subject);
        if !self.body.is_empty() {
            let _ = writeln!(text, "\n{}", self.body);
        }
        text
    }
}

pub async fn set_vacation(ctx: ToolCtx, args: SetVacationArgs) -> ToolResult<Rendered<Vacation>> {
    let api = &*ctx.api;
    let now = Utc::now();
    let before = current(&ctx, api).await?;
    let body = settings(&args, &before, now)?;
    let (saved, _) = api
        .call(
            &ctx.user,
            Method::PUT,
            url(api),
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await?;
    let v = from_google(&saved);
    let text = format!("Saved. {}", v.text());
    Ok(Rendered::new(v, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn off() -> Vacation {
        from_google(
            &json!({ "enableAutoReply": false, "responseSubject": "Away", "responseBodyPlainText": "Back soon" }),
        )
    }

    #[test]
    fn settings_keep_the_text_left_out_and_read_dates() {
        let now = Utc::now();
        let args = SetVacationArgs {
            enabled: true,
            start: Some("2999-07-01".into()),
            end: Some("2999-07-14".into()),
            domain_only: true,
            ..SetVacationArgs::default()
        };
        let v = settings(&args, &off(), now).unwrap();
        assert_eq!(v["responseSubject"], "Away");
        assert_eq!(v["responseBodyPlainText"], "Back soon");
        assert_eq!(v["restrictToDomain"], true);
        let end = instant("end", "2999-07-15T00:00:00Z", false).unwrap();
        assert_eq!(v["endTime"], end.timestamp_millis().to_string());
        assert_eq!(from_google(&v).end.as_deref(), Some("2999-07-15T00:00:00Z"));
    }

    #[test]
    fn settings_refuse_what_would_never_answer() {
        let now = Utc::now();
        let empty = from_google(&json!({}));
        let on = |start: Option<&str>, end: Option<&str>| SetVacationArgs {
            enabled: true,
            subject: Some("Away".into()),
            start: start.map(Into::into),
            end: end.map(Into::into),
            ..SetVacationArgs::default()
        };
        assert!(settings(&on(None, Some("2000-01-01")), &empty, now).is_err());
        assert!(settings(&on(Some("2999-02-01"), Some("2999-01-01")), &empty, now).is_err());
        assert!(settings(&on(Some("tomorrow"), None), &empty, now).is_err());
        let blank = SetVacationArgs {
            enabled: true,
            ..SetVacationArgs::default()
        };
        assert!(settings(&blank, &empty, now).is_err());
        // Turning it off needs no text.
        assert!(settings(&SetVacationArgs::default(), &empty, now).is_ok());
    }
}
