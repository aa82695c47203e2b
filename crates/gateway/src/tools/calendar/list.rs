//! `calendar_list_events` and `calendar_get_event`.

use chrono::{Duration, Utc};
use chrono_tz::Tz;
use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::{
    calendar_info, default_calendar,
    event::{EventDetail, EventRow},
    events_url,
    time::{TimeArg, human, parse_zone, rfc3339_in, rfc3339_utc},
};
use crate::{
    google::api::{ApiError, GoogleApi},
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
    },
};

pub const DEFAULT_MAX_RESULTS: u32 = 50;
pub const MAX_RESULTS: u32 = 250;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListEventsArgs {
    /// Default `primary`.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// RFC 3339, local date-time or date (in `time_zone`); default now. Events still running are included.
    #[serde(default)]
    pub time_min: Option<String>,
    /// Same forms; a date includes that day. Default 7 days after `time_min`.
    #[serde(default)]
    pub time_max: Option<String>,
    /// IANA zone (Europe/Berlin) of shown and given times; default the calendar's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Free-text search.
    #[serde(default)]
    pub query: Option<String>,
    /// 1 to 250 (default 50).
    #[serde(default)]
    pub max_results: Option<u32>,
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EventList {
    pub calendar_id: String,
    /// The IANA zone the times are shown in.
    pub time_zone: String,
    /// The range searched (RFC 3339 in `time_zone`).
    pub time_min: String,
    pub time_max: String,
    /// Occurrences in start order; recurring events appear once per occurrence.
    pub events: Vec<EventRow>,
    /// Pass as `page_token` (with the same other arguments) to get more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

async fn fetch(ctx: &ToolCtx, api: &GoogleApi, args: &ListEventsArgs) -> ToolResult<EventList> {
    let calendar_id = default_calendar(&args.calendar_id);
    let max = args.max_results.unwrap_or(DEFAULT_MAX_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max) {
        return Err(ToolError::invalid(
            "max_results",
            format!("must be between 1 and {MAX_RESULTS}, got {max}"),
        ));
    }
    let explicit_zone = args
        .time_zone
        .as_deref()
        .map(|z| parse_zone("time_zone", z))
        .transpose()?;
    let min = args
        .time_min
        .as_deref()
        .map(|v| TimeArg::parse("time_min", v))
        .transpose()?;
    let max_arg = args
        .time_max
        .as_deref()
        .map(|v| TimeArg::parse("time_max", v))
        .transpose()?;
    let needs_zone = min.is_some_and(|t| t.needs_zone()) || max_arg.is_some_and(|t| t.needs_zone());
    // The calendar's zone is read only when a date has to be placed in time.
    let mut zone = explicit_zone;
    if zone.is_none() && needs_zone {
        zone = Some(calendar_info(ctx, api, &calendar_id).await?.zone);
    }
    let read_zone = zone.unwrap_or(Tz::UTC);
    let time_min = match min {
        Some(t) => t.instant("time_min", read_zone)?,
        None => Utc::now(),
    };
    let time_max = match max_arg {
        Some(TimeArg::Date(d)) => {
            TimeArg::Date(d.succ_opt().unwrap_or(d)).instant("time_max", read_zone)?
        }
        Some(t) => t.instant("time_max", read_zone)?,
        None => time_min + Duration::days(7),
    };
    if time_max <= time_min {
        return Err(ToolError::invalid(
            "time_max",
            format!(
                "must be after time_min ({} is not after {})",
                rfc3339_utc(time_max),
                rfc3339_utc(time_min)
            ),
        ));
    }

    let mut url = events_url(api, &calendar_id, &[]);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("timeMin", &rfc3339_utc(time_min))
            .append_pair("timeMax", &rfc3339_utc(time_max))
            .append_pair("singleEvents", "true")
            .append_pair("orderBy", "startTime")
            .append_pair("maxResults", &max.to_string());
        if let Some(z) = zone {
            q.append_pair("timeZone", z.name());
        }
        if let Some(text) = args.query.as_deref().filter(|t| !t.trim().is_empty()) {
            q.append_pair("q", text);
        }
        if let Some(t) = &args.page_token {
            q.append_pair("pageToken", t);
        }
    }
    let body = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| not_found_calendar(e, &calendar_id))?;
    // Without an explicit zone, times show in the calendar's zone as Google reports it.
    let tz = zone
        .or_else(|| body["timeZone"].as_str().and_then(|z| z.parse().ok()))
        .unwrap_or(Tz::UTC);
    let events = body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| EventRow::from_google(e, tz))
        .collect();
    Ok(EventList {
        calendar_id,
        time_zone: tz.name().to_owned(),
        time_min: rfc3339_in(time_min, tz),
        time_max: rfc3339_in(time_max, tz),
        events,
        next_page_token: body["nextPageToken"].as_str().map(str::to_owned),
    })
}

fn not_found_calendar(e: ApiError, calendar_id: &str) -> ToolError {
    match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "Calendar {calendar_id:?} was not found or is not shared with this user; see calendar_list_calendars for the calendars they can use."
        )),
        e => e.into(),
    }
}

pub async fn list(ctx: ToolCtx, args: ListEventsArgs) -> ToolResult<EventList> {
    fetch(&ctx, &ctx.api, &args).await
}

impl ToolOutput for EventList {
    fn text(&self) -> String {
        let list = self;
        let tz: Tz = list.time_zone.parse().unwrap_or(Tz::UTC);
        let range = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| human(t.with_timezone(&Utc), tz))
                .unwrap_or_default()
        };
        let mut text = format!(
            "{} events in {}, {} – {} ({})\n",
            list.events.len(),
            list.calendar_id,
            range(&list.time_min),
            range(&list.time_max),
            list.time_zone
        );
        for e in &list.events {
            text.push_str(&e.text());
            text.push('\n');
        }
        if let Some(t) = &list.next_page_token {
            text.push_str(&format!("more: page_token={t}\n"));
        }
        text
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetEventArgs {
    /// From calendar_list_events.
    pub event_id: String,
    /// Default `primary`.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// IANA zone to show times in; default the event's.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// The event's own zone, the explicit one, or the calendar's.
pub(crate) async fn display_zone(
    ctx: &ToolCtx,
    api: &GoogleApi,
    calendar_id: &str,
    explicit: Option<Tz>,
    event: &serde_json::Value,
) -> ToolResult<Tz> {
    if let Some(z) = explicit {
        return Ok(z);
    }
    if let Some(z) = event["start"]["timeZone"]
        .as_str()
        .and_then(|z| z.parse().ok())
    {
        return Ok(z);
    }
    Ok(calendar_info(ctx, api, calendar_id).await?.zone)
}

pub(crate) fn event_not_found(e: ApiError, event_id: &str, calendar_id: &str) -> ToolError {
    match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "Event {event_id:?} was not found in calendar {calendar_id:?} (it may have been deleted, or the id is from another calendar); use calendar_list_events to find current ids."
        )),
        e => e.into(),
    }
}

async fn fetch_one(ctx: &ToolCtx, api: &GoogleApi, args: &GetEventArgs) -> ToolResult<EventDetail> {
    let calendar_id = default_calendar(&args.calendar_id);
    let explicit = args
        .time_zone
        .as_deref()
        .map(|z| parse_zone("time_zone", z))
        .transpose()?;
    super::check_event_id("event_id", &args.event_id)?;
    let url = events_url(api, &calendar_id, &[&args.event_id]);
    let event = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| event_not_found(e, &args.event_id, &calendar_id))?;
    if event["status"] == "cancelled" {
        return Err(event_not_found(
            ApiError::NotFound("cancelled".into()),
            &args.event_id,
            &calendar_id,
        ));
    }
    let tz = display_zone(ctx, api, &calendar_id, explicit, &event).await?;
    Ok(EventDetail::from_google(&event, &calendar_id, tz))
}

pub async fn get(ctx: ToolCtx, args: GetEventArgs) -> ToolResult<Rendered<EventDetail>> {
    let d = fetch_one(&ctx, &ctx.api, &args).await?;
    let text = d.text();
    Ok(Rendered::new(d, text))
}
