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
mod list;
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
    /// Email every guest.
    #[serde(rename = "all")]
    #[default]
    All,
    /// Email only guests outside the user's organisation.
    #[serde(rename = "externalOnly")]
    ExternalOnly,
    /// Email nobody.
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
            "List the calendars the user can see (their primary calendar, shared and subscribed ones) with ids, time zones and access roles. Use an id as `calendar_id` in the other calendar tools; most tasks only need the primary calendar (`primary`).",
            calendars::list,
        ),
        Route::new(
            "calendar_list_events",
            "List calendar events",
            "List events of a calendar in a time range, in start order, with recurring events expanded into their occurrences (a weekly meeting appears once per week). Default range: now to 7 days later; an event that started before `time_min` but is still running is included. Times are shown in `time_zone` (IANA, default the calendar's zone); dates and local date-times in `time_min`/`time_max` are read in that zone, and a date as `time_max` means through the end of that day. All-day events show dates, with `end` the last day (inclusive). `query` searches text. Rows are compact (id, times, guests count, your response, Meet link): use calendar_get_event for attendees, description and reminders. Up to 250 per page; follow `next_page_token`.",
            list::list,
        ),
        Route::new(
            "calendar_get_event",
            "Get a calendar event",
            "Read one calendar event in full: time (in `time_zone`, default the event's own zone), attendees with their responses, organizer, location, description (cut at 4000 characters), video meeting link, recurrence rules, reminders and the link to open it in Google Calendar. Use an `event_id` from calendar_list_events.",
            list::get,
        ),
        Route::new(
            "calendar_create_event",
            "Create a calendar event",
            "Create a calendar event, and invite guests by email (Google emails them per `send_updates`, default all). Timed events: `start` and `end` as RFC 3339 (2025-03-04T09:00:00+01:00) or local date-times (2025-03-04T09:00) read in `time_zone` (IANA; default the calendar's zone). All-day events: `all_day: true` with dates; `end` is the last day, inclusive (a one-day event has end = start), converted to Google's exclusive end. `end` must be after `start`. `add_meet_link` attaches a Google Meet video link. Optional `recurrence` takes RRULE lines. Each call creates a new event; the gateway's own retries never duplicate it, and passing the same `event_id` again returns the existing event instead of creating a second one. Check free time first with calendar_find_free_time when scheduling with others.",
            create::create,
        ),
        Route::new(
            "calendar_update_event",
            "Update a calendar event",
            "Change an existing calendar event: only the fields given change (summary, description, location, start/end, guests to add or remove, a Meet link); everything else stays as it is. Giving only `start` moves the event and keeps its length. Times follow the same rules as calendar_create_event (RFC 3339 or local date-times in `time_zone`; dates with `all_day`, inclusive end). An occurrence id changes only that occurrence of a recurring event; the series id changes every occurrence. Guests are emailed per `send_updates` (default all). To answer an invitation use calendar_respond instead.",
            write::update,
        )
        .idempotent(),
        Route::new(
            "calendar_delete_event",
            "Delete a calendar event",
            "Delete a calendar event (cancels it for every guest when the user is the organizer; guests are emailed per `send_updates`, default all). An occurrence id deletes only that occurrence; a series id deletes the whole recurring series. Cannot be undone through this gateway: confirm with the user first.",
            write::delete,
        )
        .idempotent()
        .destructive(),
        Route::new(
            "calendar_respond",
            "Respond to an invitation",
            "Answer an invitation as the signed-in user: accepted, declined or tentative, with an optional note to the organizer. Changes only the user's own response. An occurrence id answers that occurrence only; a series id answers every occurrence.",
            write::respond,
        )
        .idempotent(),
        Route::new(
            "calendar_find_free_time",
            "Find free meeting times",
            "Find meeting times when the user and the given attendees are all free, from Google's free/busy data. Looks within `time_min`..`time_max` (default now to 7 days later, at most 62 days) and within working hours (default 09:00–17:00, Monday to Friday, in `time_zone`; default the user's calendar zone). Returns up to `max_slots` candidate slots of `duration_minutes` (15 to 480), spread over the days, and each attendee's busy blocks. Attendees whose free/busy Google cannot share (outside the organisation, unknown) are listed as unavailable and not accounted for. Then create the event with calendar_create_event.",
            free::find,
        ),
    ]
}
