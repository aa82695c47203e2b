//! `events.list`, `events.get`, `events.instances`.

use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::store::{
    Calendar, instance, instant, is_cancelled, localize, occurrences, parse_instance_id,
    parse_rfc3339, parse_tz, rfc3339_ms, span,
};
use super::{Target, not_found, target};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, ok_json, page};

/// How far ahead open-ended recurring events are expanded.
const HORIZON_DAYS: i64 = 400;

/// A time window: an event overlaps it when it ends after `min` and starts before `max`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Window {
    pub min: Option<DateTime<Utc>>,
    pub max: Option<DateTime<Utc>>,
}

impl Window {
    fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.min.is_none_or(|min| end > min) && self.max.is_none_or(|max| start < max)
    }
}

/// Instances of a recurring master (exceptions applied) that overlap `window`.
fn expand(cal: &Calendar, master: &Value, window: Window, show_deleted: bool) -> Vec<Value> {
    let tz = cal.tz();
    let until = window
        .max
        .unwrap_or_else(|| Utc::now() + Duration::days(HORIZON_DAYS));
    let master_id = master["id"].as_str().unwrap_or_default();
    let exceptions: Vec<&Value> = cal
        .events
        .iter()
        .filter(|e| e["recurringEventId"] == master_id)
        .collect();
    let mut out = Vec::new();
    for start in occurrences(master, tz, until) {
        let overridden = exceptions
            .iter()
            .any(|e| instant(&e["originalStartTime"], tz) == Some(start));
        if overridden {
            continue;
        }
        let event = instance(master, start, tz);
        if let Some((s, e)) = span(&event, tz)
            && window.overlaps(s, e)
        {
            out.push(event);
        }
    }
    for exception in exceptions {
        if is_cancelled(exception) && !show_deleted {
            continue;
        }
        if span(exception, tz).is_some_and(|(s, e)| window.overlaps(s, e))
            || is_cancelled(exception)
        {
            out.push(exception.clone());
        }
    }
    out
}

/// The events of `cal` overlapping `window`: single events and, with
/// `single`, the instances of recurring events; otherwise their masters.
pub(crate) fn window_events(
    cal: &Calendar,
    window: Window,
    single: bool,
    show_deleted: bool,
) -> Vec<Value> {
    let tz = cal.tz();
    let mut out = Vec::new();
    for event in &cal.events {
        if event.get("recurringEventId").is_some() {
            if !single {
                let keep = (show_deleted || !is_cancelled(event))
                    && span(event, tz).is_some_and(|(s, e)| window.overlaps(s, e));
                if keep {
                    out.push(event.clone());
                }
            }
            continue;
        }
        if is_cancelled(event) && !show_deleted {
            continue;
        }
        if event.get("recurrence").is_some() {
            let instances = expand(cal, event, window, show_deleted);
            if single {
                if !is_cancelled(event) {
                    out.extend(instances);
                }
            } else if !instances.is_empty() || is_cancelled(event) {
                out.push(event.clone());
            }
            continue;
        }
        if span(event, tz).is_some_and(|(s, e)| window.overlaps(s, e)) {
            out.push(event.clone());
        }
    }
    out
}

fn text_matches(event: &Value, q: &str) -> bool {
    let q = q.to_lowercase();
    let mut haystack = String::new();
    for key in ["summary", "description", "location"] {
        haystack.push_str(event[key].as_str().unwrap_or_default());
        haystack.push(' ');
    }
    for attendee in event["attendees"].as_array().into_iter().flatten() {
        haystack.push_str(attendee["email"].as_str().unwrap_or_default());
        haystack.push(' ');
        haystack.push_str(attendee["displayName"].as_str().unwrap_or_default());
        haystack.push(' ');
    }
    haystack.push_str(event["organizer"]["email"].as_str().unwrap_or_default());
    let haystack = haystack.to_lowercase();
    q.split_whitespace().all(|w| haystack.contains(w))
}

fn time_param(params: &Params, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => parse_rfc3339(v)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("Bad Request").with_reason("badRequest")),
    }
}

/// Only what a free/busy reader may see of an event.
fn busy_only(event: &Value) -> Value {
    json!({
        "kind": "calendar#event",
        "etag": event["etag"],
        "id": event["id"],
        "status": event["status"],
        "start": event["start"],
        "end": event["end"],
    })
}

fn response_zone(params: &Params, cal: &Calendar) -> Result<Tz, ApiError> {
    match params.get("timeZone") {
        None => Ok(cal.tz()),
        Some(name) => parse_tz(name)
            .ok_or_else(|| ApiError::invalid("Invalid time zone definition for timeZone.")),
    }
}

/// Sorts, filters by `q`, pages, and wraps events as an `Events` resource.
fn events_page(
    cal: &Calendar,
    mut items: Vec<Value>,
    params: &Params,
    role: &str,
) -> Result<Value, ApiError> {
    let zone = response_zone(params, cal)?;
    let tz = cal.tz();
    if let Some(q) = params.get("q") {
        items.retain(|e| text_matches(e, q));
    }
    if params.get("orderBy") == Some("updated") {
        items.sort_by(|a, b| a["updated"].as_str().cmp(&b["updated"].as_str()));
    } else {
        items.sort_by_key(|e| {
            instant(&e["start"], tz).or_else(|| instant(&e["originalStartTime"], tz))
        });
    }
    let max = params.count("maxResults", 250, 2500)?;
    let (items, next) = page(items, params.get("pageToken"), max)?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|mut e| {
            localize(&mut e, zone, tz);
            if role == "freeBusyReader" {
                busy_only(&e)
            } else {
                e
            }
        })
        .collect();
    let mut body = json!({
        "kind": "calendar#events",
        "etag": format!("\"{}\"", Utc::now().timestamp_millis() * 1000),
        "summary": cal.summary,
        "description": cal.description,
        "updated": rfc3339_ms(Utc::now()),
        "timeZone": zone.name(),
        "accessRole": role,
        "defaultReminders": if role == "owner" { json!([{ "method": "popup", "minutes": 10 }]) } else { json!([]) },
        "items": items,
    });
    match next {
        Some(next) => body["nextPageToken"] = json!(next),
        None => body["nextSyncToken"] = json!(format!("CPi{}=", Utc::now().timestamp_micros())),
    }
    Ok(body)
}

/// `GET /calendar/v3/calendars/{calendarId}/events`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("calendar.events.list")?;
    let params = Params::parse(query.as_deref());
    let single = params.flag("singleEvents")?;
    if let Some(order) = params.get("orderBy") {
        match order {
            "startTime" if !single => {
                return Err(ApiError::bad_request(
                    "The requested ordering is not available for the particular query.",
                ));
            }
            "startTime" | "updated" => {}
            _ => return Err(ApiError::invalid("Invalid value for: orderBy")),
        }
    }
    let window = Window {
        min: time_param(&params, "timeMin")?,
        max: time_param(&params, "timeMax")?,
    };
    if let (Some(min), Some(max)) = (window.min, window.max)
        && max <= min
    {
        return Err(ApiError::bad_request("The specified time range is empty.")
            .with_reason("timeRangeEmpty"));
    }
    let show_deleted = params.flag("showDeleted")?;
    let (owner, role) = match target(&fake, &caller, &calendar_id)? {
        Target::Own => (caller.email.clone(), None),
        Target::Colleague(email) => (email, Some("freeBusyReader")),
    };
    let lookup = if role.is_some() {
        "primary"
    } else {
        calendar_id.as_str()
    };
    let body = fake.with_calendars(&owner, |set| {
        let cal = set.get(lookup).ok_or_else(not_found)?;
        let role = role.unwrap_or(cal.access_role);
        let items = window_events(
            cal,
            window,
            single || role == "freeBusyReader",
            show_deleted,
        );
        events_page(cal, items, &params, role)
    })?;
    Ok(ok_json(&body))
}

/// An event by id: stored events, or an instance of a recurring event.
pub(crate) fn find_event(cal: &Calendar, event_id: &str) -> Option<Value> {
    if let Some(event) = cal.event(event_id) {
        return Some(event.clone());
    }
    let tz = cal.tz();
    let (master_id, start) = parse_instance_id(event_id, tz)?;
    let master = cal.event(&master_id)?;
    master.get("recurrence")?;
    occurrences(master, tz, start + Duration::seconds(1))
        .contains(&start)
        .then(|| instance(master, start, tz))
}

/// `GET /calendar/v3/calendars/{calendarId}/events/{eventId}`
pub(crate) async fn get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("calendar.events.get")?;
    let params = Params::parse(query.as_deref());
    if target(&fake, &caller, &calendar_id)? != Target::Own {
        return Err(not_found());
    }
    let body = fake.with_calendars(&caller.email, |set| {
        let cal = set.get(&calendar_id).ok_or_else(not_found)?;
        let zone = response_zone(&params, cal)?;
        let mut event = find_event(cal, &event_id).ok_or_else(not_found)?;
        localize(&mut event, zone, cal.tz());
        Ok::<_, ApiError>(event)
    })?;
    Ok(ok_json(&body))
}

/// `GET /calendar/v3/calendars/{calendarId}/events/{eventId}/instances`
pub(crate) async fn instances(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("calendar.events.instances")?;
    let params = Params::parse(query.as_deref());
    if target(&fake, &caller, &calendar_id)? != Target::Own {
        return Err(not_found());
    }
    let window = Window {
        min: time_param(&params, "timeMin")?,
        max: time_param(&params, "timeMax")?,
    };
    let show_deleted = params.flag("showDeleted")?;
    let body = fake.with_calendars(&caller.email, |set| {
        let cal = set.get(&calendar_id).ok_or_else(not_found)?;
        let master = cal.event(&event_id).ok_or_else(not_found)?;
        let items = if master.get("recurrence").is_some() {
            expand(cal, master, window, show_deleted)
        } else {
            vec![master.clone()]
        };
        events_page(cal, items, &params, cal.access_role)
    })?;
    Ok(ok_json(&body))
}
