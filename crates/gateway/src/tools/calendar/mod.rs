//! Calendar tools.

//!
//! Time rules shared by every tool: times are RFC 3339 with an offset, local
//! date-times read in a time zone, or dates; `time_zone` arguments are IANA
//! names; without one, the calendar's own zone applies. All-day events use
//! dates, and their end as shown and accepted here is the last day
//! (inclusive), while Google stores an exclusive end: the tools convert.

mod calendars;
mod create;
mod event;
mod free;
pub(crate) mod list;
mod time;
mod write;

use chrono_tz::Tz;
use rmcp::schemars;
use serde::Deserialize;
use url::Url;

use crate::{
    google::api::{GoogleApi, api_url_segments},
    tools::adapter::Route,
    tools::{ToolCtx, ToolError, ToolResult},
};

pub use calendars::{CalendarList, ListCalendarsArgs};
pub use create::CreateEventArgs;
pub use event::{EventDetail, EventRow};
pub use free::{FindFreeTimeArgs, FreeTime};
pub use list::{EventList, GetEventArgs, ListEventsArgs};
pub use write::{DeleteEventArgs, Deleted, RespondArgs, Response, UpdateEventArgs};

/// `/calendar/v3` + `rest` under the Calendar base URL.
pub(crate) fn calendar_path(rest: &str) -> String {
    format!("/calendar/v3{rest}")
}

/// `/calendar/v3/<segments…>` with each segment percent-encoded.
pub(crate) fn calendar_url(api: &GoogleApi, segments: &[&str]) -> Url {
    api_url_segments(&api.bases.calendar, "/calendar/v3", segments)
}

/// `/calendar/v3/calendars/{calendar_id}/events/<rest…>`.
pub(crate) fn events_url(api: &GoogleApi, calendar_id: &str, rest: &[&str]) -> Url {
    let mut segments = vec!["calendars", calendar_id, "events"];
    segments.extend_from_slice(rest);
    calendar_url(api, &segments)
}

pub(crate) fn default_calendar(id: &Option<String>) -> String {
    id.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("primary")
        .to_owned()
}

/// Checks an event id argument.
pub(crate) fn check_event_id(field: &str, id: &str) -> ToolResult<()> {
    if id.trim().is_empty() || id.len() > 1024 {
        return Err(ToolError::invalid(
            field,
            "must be an event id from calendar_list_events",
        ));
    }
    Ok(())
}

/// What the gateway reads about a calendar itself.
pub(crate) struct CalendarInfo {
    /// The calendar's id (the owner's email for a primary calendar).
    pub id: String,
    pub zone: Tz,
}

/// `calendars.get`: the calendar's id and time zone.
pub(crate) async fn calendar_info(
    ctx: &ToolCtx,
    api: &GoogleApi,
    calendar_id: &str,
) -> ToolResult<CalendarInfo> {
    let body = api
        .get(&ctx.user, calendar_url(api, &["calendars", calendar_id]))
        .await
        .map_err(|e| match e {
            crate::google::api::ApiError::NotFound(_) => ToolError::Refused(format!(
                "Calendar {calendar_id:?} was not found or is not shared with this user; see calendar_list_calendars."
            )),
            e => e.into(),
        })?;
    Ok(CalendarInfo {
        id: body["id"].as_str().unwrap_or(calendar_id).to_owned(),
        zone: body["timeZone"]
            .as_str()
            .and_then(|z| z.parse().ok())
            .unwrap_or(Tz::UTC),
    })
}

/// Whom Google notifies about a change (`sendUpdates`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub enum SendUpdates {
    #[serde(rename = "all")]
    #[default]
    All,
    #[serde(rename = "externalOnly")]
    ExternalOnly,
    #[serde(rename = "none")]
    None,
}

impl SendUpdates {
    pub fn as_str(self) -> &'static str {
        match self {
            SendUpdates::All => "all",
            SendUpdates::ExternalOnly => "externalOnly",
            SendUpdates::None => "none",
        }
    }
}

/// The calendar tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "calendar_list_calendars",
            "List calendars",
            "List the calendars the user can see (primary, shared, subscribed) with ids, time zones and access roles. An id is a `calendar_id` for the other calendar tools; most tasks need only `primary`.",
            calendars::list,
        ),
        Route::new(
            "calendar_list_events",
            "List calendar events",
            "List a calendar's events in a time range, in start order, recurring events expanded into occurrences. Compact rows (id, times, guest count, the user's response, Meet link); all-day events show dates with an inclusive end. For attendees and description use calendar_get_event.",
            list::list,
        ),
        Route::new(
            "calendar_get_event",
            "Get a calendar event",
            "Read one calendar event in full: times, attendees and their responses, organizer, location, description (cut at 4000 characters), Meet link, recurrence, reminders and its Calendar link.",
            list::get,
        ),
        Route::new(
            "calendar_create_event",
            "Create a calendar event",
            "Create a calendar event and invite guests (emailed per `send_updates`). Each call creates an event unless its `event_id` exists. When scheduling with others, find a time first with calendar_find_free_time.",
            create::create,
        ),
        Route::new(
            "calendar_update_event",
            "Update a calendar event",
            "Change a calendar event: only the given fields change; `start` alone moves it, keeping its length. An occurrence id changes that occurrence, a series id every one. To answer an invitation use calendar_respond.",
            write::update,
        )
        .idempotent(),
        Route::new(
            "calendar_delete_event",
            "Delete a calendar event",
            "Delete a calendar event, cancelling it for the guests when the user organizes it. An occurrence id deletes that occurrence, a series id the whole series. Cannot be undone here. With guests: clients that can ask the person are asked to confirm first; with others, confirm: true states the person agreed.",
            write::delete,
        )
        .idempotent()
        .destructive(),
        Route::new(
            "calendar_respond",
            "Respond to an invitation",
            "Answer an invitation as the user (accepted, declined or tentative), changing only their own response. An occurrence id answers that occurrence, a series id every one.",
            write::respond,
        )
        .idempotent(),
        Route::new(
            "calendar_find_free_time",
            "Find free meeting times",
            "Find meeting slots when the user and the attendees are all free (Google free/busy), within working hours, spread over the days, with each attendee's busy blocks. People whose free/busy Google does not share are listed as unavailable and not counted. Then use calendar_create_event.",
            free::find,
        ),
    ]
}
