//! `calendar_update_event`, `calendar_delete_event` and `calendar_respond`:
//! each reads the event first (for clear not-found errors and the current
//! values a partial change builds on), then sends one patch or delete.

use chrono::Duration;
use chrono_tz::Tz;
use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    SendUpdates, check_event_id,
    create::{
        Times, all_day_times, check_emails, check_texts, meet_request, new_event_id, timed_times,
    },
    default_calendar,
    event::{EventDetail, meet_link, my_attendee},
    events_url,
    list::{display_zone, event_not_found},
    time::{TimeArg, When, parse_zone, span},
};
use crate::{
    google::api::{Body, GoogleApi, Retry},
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
    },
};

/// The event as stored now; a cancelled event counts as missing.
async fn current(
    ctx: &ToolCtx,
    api: &GoogleApi,
    calendar_id: &str,
    event_id: &str,
) -> ToolResult<Value> {
    check_event_id("event_id", event_id)?;
    let event = api
        .get(&ctx.user, events_url(api, calendar_id, &[event_id]))
        .await
        .map_err(|e| event_not_found(e, event_id, calendar_id))?;
    if event["status"] == "cancelled" {
        return Err(event_not_found(
            crate::google::api::ApiError::NotFound("cancelled".into()),
            event_id,
            calendar_id,
        ));
    }
    Ok(event)
}

async fn patch(
    ctx: &ToolCtx,
    api: &GoogleApi,
    calendar_id: &str,
    event_id: &str,
    body: Value,
    params: &[(&str, &str)],
) -> ToolResult<Value> {
    let mut url = events_url(api, calendar_id, &[event_id]);
    url.query_pairs_mut().extend_pairs(params);
    // A patch sets absolute values, so resending it is harmless.
    let (event, _) = api
        .call(
            &ctx.user,
            Method::PATCH,
            url,
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await
        .map_err(|e| event_not_found(e, event_id, calendar_id))?;
    Ok(event)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEventArgs {
    /// From calendar_list_events.
    pub event_id: String,
    /// Default `primary`.
    #[serde(default)]
    pub calendar_id: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Empty clears it.
    #[serde(default)]
    pub description: Option<String>,
    /// Empty clears it.
    #[serde(default)]
    pub location: Option<String>,
    /// RFC 3339, local date-time (in `time_zone`) or date (all-day).
    #[serde(default)]
    pub start: Option<String>,
    /// Same forms; all-day: the last day, inclusive.
    #[serde(default)]
    pub end: Option<String>,
    /// Make it all-day or timed; default follows `start`/`end`.
    #[serde(default)]
    pub all_day: Option<bool>,
    /// IANA zone; default the event's.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub add_attendees: Vec<String>,
    #[serde(default)]
    pub remove_attendees: Vec<String>,
    #[serde(default)]
    pub add_meet_link: bool,
    /// Whom to email; default all.
    #[serde(default)]
    pub send_updates: Option<SendUpdates>,
    /// Only once the person approved.
    #[serde(default)]
    pub confirm: bool,
}

/// The new times of an update, from the arguments and the current event.
fn new_times(args: &UpdateEventArgs, event: &Value, zone: Option<Tz>) -> ToolResult<Option<Times>> {
    let start = args
        .start
        .as_deref()
        .map(|v| TimeArg::parse("start", v))
        .transpose()?;
    let end = args
        .end
        .as_deref()
        .map(|v| TimeArg::parse("end", v))
        .transpose()?;
    let cur_start = When::from_google(&event["start"]);
    let cur_end = When::from_google(&event["end"]);
    let currently_all_day = matches!(cur_start, Some(When::Date(_)));
    let given_dates = start.or(end).map(|t| matches!(t, TimeArg::Date(_)));
    let all_day = args.all_day.or(given_dates).unwrap_or(currently_all_day);
    if start.is_none() && end.is_none() && all_day == currently_all_day {
        return Ok(None);
    }
    let read_zone = zone.unwrap_or(Tz::UTC);
    if all_day {
        let date_of = |w: Option<When>| match w {
            Some(When::Date(d)) => Some(d),
            Some(When::At(t)) => Some(t.with_timezone(&read_zone).date_naive()),
            None => None,
        };
        let cur_s = date_of(cur_start);
        // Google's end date is exclusive; the tools speak of the last day.
        let cur_last = match (cur_start, cur_end) {
            (Some(When::Date(_)), Some(When::Date(e))) => e.pred_opt(),
            _ => date_of(cur_end),
        };
        let s =
            match start {
                Some(t) => t,
                None => TimeArg::Date(cur_s.ok_or_else(|| {
                    ToolError::invalid("start", "the event has no start: give one")
                })?),
            };
        let e = match (end, start, cur_s, cur_last) {
            (Some(e), _, _, _) => e,
            (None, Some(TimeArg::Date(ns)), Some(cs), Some(cl)) => {
                TimeArg::Date(ns + (cl - cs).max(Duration::zero()))
            }
            (None, Some(TimeArg::Date(ns)), _, _) => TimeArg::Date(ns),
            (None, _, _, Some(cl)) => TimeArg::Date(cl),
            _ => return Err(ToolError::invalid("end", "give the last day of the event")),
        };
        return all_day_times(s, e).map(Some);
    }
    let instant = |w: Option<When>| match w {
        Some(When::At(t)) => Some(t),
        _ => None,
    };
    let s = match start {
        Some(t) => t,
        None => match instant(cur_start) {
            Some(t) => TimeArg::Instant(t.with_timezone(&read_zone).fixed_offset()),
            None => {
                return Err(ToolError::invalid(
                    "start",
                    "turning an all-day event into a timed one needs a start time",
                ));
            }
        },
    };
    let e = match end {
        Some(e) => e,
        None => {
            // Keep the length (one hour when the event had no time of day).
            let length = match (instant(cur_start), instant(cur_end)) {
                (Some(a), Some(b)) if b > a => b - a,
                _ => Duration::hours(1),
            };
            let ns = s.instant("start", read_zone)?;
            TimeArg::Instant((ns + length).with_timezone(&read_zone).fixed_offset())
        }
    };
    timed_times(s, e, zone).map(Some)
}

async fn update_event(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &UpdateEventArgs,
) -> ToolResult<EventDetail> {
    let calendar_id = default_calendar(&args.calendar_id);
    if args.summary.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(ToolError::invalid("summary", "must not be empty"));
    }
    check_texts(&args.summary, &args.description, &args.location)?;
    let explicit = args
        .time_zone
        .as_deref()
        .map(|z| parse_zone("time_zone", z))
        .transpose()?;
    let add = check_emails("add_attendees", &args.add_attendees)?;
    let remove = check_emails("remove_attendees", &args.remove_attendees)?;
    let confirmed = super::create::guests_confirmed(
        ctx,
        args.summary.as_deref().unwrap_or(&args.event_id),
        &add,
        args.confirm,
    )?;
    ctx.policy.check_guests(&add, confirmed)?;
    let event = current(ctx, api, &calendar_id, &args.event_id).await?;

    let mut body = json!({});
    if let Some(s) = &args.summary {
        body["summary"] = json!(s.trim());
    }
    if let Some(d) = &args.description {
        body["description"] = json!(d);
    }
    if let Some(l) = &args.location {
        body["location"] = json!(l);
    }
    let time_change = args.start.is_some() || args.end.is_some() || args.all_day.is_some();
    if time_change {
        let zone = match explicit {
            Some(z) => Some(z),
            None => Some(display_zone(ctx, api, &calendar_id, None, &event).await?),
        };
        if let Some(t) = new_times(args, &event, zone)? {
            body["start"] = t.start;
            body["end"] = t.end;
        }
    }
    if !add.is_empty() || !remove.is_empty() {
        let mut list: Vec<Value> = event["attendees"].as_array().cloned().unwrap_or_default();
        let email_of = |a: &Value| a["email"].as_str().unwrap_or_default().to_ascii_lowercase();
        let missing: Vec<&String> = remove
            .iter()
            .filter(|r| !list.iter().any(|a| email_of(a) == **r))
            .collect();
        if !missing.is_empty() {
            return Err(ToolError::invalid(
                "remove_attendees",
                format!(
                    "not guests of this event: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        list.retain(|a| !remove.contains(&email_of(a)));
        for e in add {
            if !list.iter().any(|a| email_of(a) == e) {
                list.push(json!({ "email": e }));
            }
        }
        body["attendees"] = Value::Array(list);
    }
    let mut params = vec![(
        "sendUpdates",
        args.send_updates.unwrap_or_default().as_str(),
    )];
    if args.add_meet_link && meet_link(&event).is_none() {
        body["conferenceData"] = meet_request(&new_event_id());
        params.push(("conferenceDataVersion", "1"));
    }
    if body.as_object().is_some_and(|o| o.is_empty()) {
        return Err(ToolError::Refused(
            "Nothing to change: give at least one of summary, description, location, start, end, all_day, add_attendees, remove_attendees or add_meet_link.".into(),
        ));
    }
    let updated = patch(ctx, api, &calendar_id, &args.event_id, body, &params).await?;
    let tz = display_zone(ctx, api, &calendar_id, explicit, &updated).await?;
    Ok(EventDetail::from_google(&updated, &calendar_id, tz))
}

pub async fn update(ctx: ToolCtx, args: UpdateEventArgs) -> ToolResult<Rendered<EventDetail>> {
    let d = update_event(&ctx, &ctx.api, &args).await?;
    let text = format!("Updated:\n{}", d.text());
    Ok(Rendered::new(d, text))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteEventArgs {
    /// From calendar_list_events.
    pub event_id: String,
    /// Default `primary`.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// Whom to email; default all.
    #[serde(default)]
    pub send_updates: Option<SendUpdates>,
    /// Only once the person approved.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Deleted {
    pub event_id: String,
    pub calendar_id: String,
    /// Title of the deleted event.
    pub summary: String,
    pub deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

async fn delete_event(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &DeleteEventArgs,
) -> ToolResult<Deleted> {
    let calendar_id = default_calendar(&args.calendar_id);
    let event = current(ctx, api, &calendar_id, &args.event_id).await?;
    let summary = event["summary"].as_str().unwrap_or("(no title)").to_owned();
    let guests = event["attendees"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|g| g["self"] != true).count());
    let confirmed = if guests > 0 {
        ctx.confirm_action(
            &format!("Delete \"{summary}\", which has {guests} guest(s)?"),
            args.confirm,
        )?
    } else {
        crate::tools::confirm::Confirmed::ByModel
    };
    let mut url = events_url(api, &calendar_id, &[&args.event_id]);
    url.query_pairs_mut().append_pair(
        "sendUpdates",
        args.send_updates.unwrap_or_default().as_str(),
    );
    api.call(&ctx.user, Method::DELETE, url, None, Retry::Safe)
        .await
        .map_err(|e| event_not_found(e, &args.event_id, &calendar_id))?;
    Ok(Deleted {
        event_id: args.event_id.clone(),
        calendar_id,
        summary,
        deleted: true,
        note: confirmed.note(),
    })
}

pub async fn delete(ctx: ToolCtx, args: DeleteEventArgs) -> ToolResult<Deleted> {
    delete_event(&ctx, &ctx.api, &args).await
}

impl ToolOutput for Deleted {
    fn text(&self) -> String {
        let d = self;
        let mut text = format!(
            "Deleted {:?} (id {}) from {}.",
            d.summary, d.event_id, d.calendar_id
        );
        if let Some(n) = &d.note {
            text.push(' ');
            text.push_str(n);
        }
        text
    }
}

/// An answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResponseStatus {
    Accepted,
    Declined,
    Tentative,
}

impl ResponseStatus {
    fn as_str(self) -> &'static str {
        match self {
            ResponseStatus::Accepted => "accepted",
            ResponseStatus::Declined => "declined",
            ResponseStatus::Tentative => "tentative",
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RespondArgs {
    /// From calendar_list_events.
    pub event_id: String,
    pub response: ResponseStatus,
    /// A note to the organizer, at most 1000 characters.
    #[serde(default)]
    pub comment: Option<String>,
    /// Default `primary`.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// Email the organizer (default true).
    #[serde(default)]
    pub notify_organizer: Option<bool>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Response {
    pub event_id: String,
    pub summary: String,
    /// When the event starts (RFC 3339, or a date for all-day events).
    pub start: String,
    /// The response now recorded.
    pub response: ResponseStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

async fn respond_event(ctx: &ToolCtx, api: &GoogleApi, args: &RespondArgs) -> ToolResult<Response> {
    let calendar_id = default_calendar(&args.calendar_id);
    if args
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > 1000)
    {
        return Err(ToolError::invalid("comment", "at most 1000 characters"));
    }
    let event = current(ctx, api, &calendar_id, &args.event_id).await?;
    if my_attendee(&event).is_none() {
        let why = if event["organizer"]["self"].as_bool() == Some(true) {
            "The user organizes this event and is not on its guest list, so there is no invitation to answer."
        } else {
            "The user is not on this event's guest list, so there is no invitation to answer."
        };
        return Err(ToolError::Refused(why.into()));
    }
    let attendees: Vec<Value> = event["attendees"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let mut a = a.clone();
            if a["self"].as_bool() == Some(true) {
                a["responseStatus"] = json!(args.response.as_str());
                if let Some(c) = &args.comment {
                    a["comment"] = json!(c);
                }
            }
            a
        })
        .collect();
    let send = if args.notify_organizer.unwrap_or(true) {
        "all"
    } else {
        "none"
    };
    let updated = patch(
        ctx,
        api,
        &calendar_id,
        &args.event_id,
        json!({ "attendees": attendees }),
        &[("sendUpdates", send)],
    )
    .await?;
    let mine = my_attendee(&updated);
    let zone = event["start"]["timeZone"]
        .as_str()
        .and_then(|z| z.parse().ok())
        .unwrap_or(Tz::UTC);
    let sp = span(
        When::from_google(&updated["start"]),
        When::from_google(&updated["end"]),
        zone,
    );
    let response = match mine.and_then(|a| a["responseStatus"].as_str()) {
        Some("declined") => ResponseStatus::Declined,
        Some("tentative") => ResponseStatus::Tentative,
        Some("accepted") => ResponseStatus::Accepted,
        _ => args.response,
    };
    Ok(Response {
        event_id: args.event_id.clone(),
        summary: updated["summary"]
            .as_str()
            .unwrap_or("(no title)")
            .to_owned(),
        start: sp.start,
        response,
        comment: mine.and_then(|a| a["comment"].as_str()).map(str::to_owned),
    })
}

pub async fn respond(ctx: ToolCtx, args: RespondArgs) -> ToolResult<Response> {
    respond_event(&ctx, &ctx.api, &args).await
}

impl ToolOutput for Response {
    fn text(&self) -> String {
        let r = self;
        format!(
            "Answered {} to {:?} ({}){}",
            r.response.as_str(),
            r.summary,
            r.start,
            r.comment
                .as_deref()
                .map(|c| format!(" with note {c:?}"))
                .unwrap_or_default()
        )
    }
}
