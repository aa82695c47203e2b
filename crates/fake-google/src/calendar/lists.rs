//! `calendarList.list`, `calendars.get`, `freebusy.query`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::events::{Window, window_events};
use super::store::{Calendar, parse_rfc3339, rfc3339_ms, span};
use super::{Target, colleague, not_found, target};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, ok_json, page};

fn etag(cal: &Calendar) -> String {
    format!(
        "\"{}\"",
        super::store::event_id(&cal.id).len() as u64 * 61_001_207
    )
}

fn entry(cal: &Calendar) -> Value {
    let mut out = json!({
        "kind": "calendar#calendarListEntry",
        "etag": etag(cal),
        "id": cal.id,
        "summary": cal.summary,
        "timeZone": cal.time_zone,
        "colorId": cal.color_id,
        "backgroundColor": cal.background,
        "foregroundColor": "#000000",
        "selected": true,
        "accessRole": cal.access_role,
        "defaultReminders": if cal.writable() { json!([{ "method": "popup", "minutes": 10 }]) } else { json!([]) },
        "conferenceProperties": { "allowedConferenceSolutionTypes": ["hangoutsMeet"] },
    });
    if !cal.description.is_empty() {
        out["description"] = json!(cal.description);
    }
    if cal.primary {
        out["primary"] = json!(true);
    }
    out
}

fn role_rank(role: &str) -> u8 {
    match role {
        "owner" => 3,
        "writer" => 2,
        "reader" => 1,
        _ => 0,
    }
}

/// `GET /calendar/v3/users/me/calendarList`
pub(crate) async fn calendar_list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("calendar.calendarList.list")?;
    let params = Params::parse(query.as_deref());
    let min_role = role_rank(params.get("minAccessRole").unwrap_or("freeBusyReader"));
    let max = params.count("maxResults", 100, 250)?;
    let items: Vec<Value> = fake.with_calendars(&caller.email, |set| {
        set.calendars
            .iter()
            .filter(|c| role_rank(c.access_role) >= min_role)
            .map(entry)
            .collect()
    });
    let (items, next) = page(items, params.get("pageToken"), max)?;
    let mut body = json!({
        "kind": "calendar#calendarList",
        "etag": format!("\"p3{}\"", items.len()),
        "items": items,
    });
    match next {
        Some(next) => body["nextPageToken"] = json!(next),
        None => body["nextSyncToken"] = json!(format!("CNjr{}=", Utc::now().timestamp_micros())),
    }
    Ok(ok_json(&body))
}

/// `GET /calendar/v3/calendars/{calendarId}`
pub(crate) async fn calendar_get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(calendar_id): Path<String>,
) -> ApiResult {
    caller.require("calendar.calendars.get")?;
    if target(&fake, &caller, &calendar_id)? != Target::Own {
        return Err(not_found());
    }
    let body = fake.with_calendars(&caller.email, |set| {
        set.get(&calendar_id).map(|cal| {
            let mut out = json!({
                "kind": "calendar#calendar",
                "etag": etag(cal),
                "id": cal.id,
                "summary": cal.summary,
                "timeZone": cal.time_zone,
                "conferenceProperties": { "allowedConferenceSolutionTypes": ["hangoutsMeet"] },
            });
            if !cal.description.is_empty() {
                out["description"] = json!(cal.description);
            }
            out
        })
    });
    body.map(|b| ok_json(&b)).ok_or_else(not_found)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FreeBusyBody {
    time_min: Option<String>,
    time_max: Option<String>,
    items: Vec<FreeBusyItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FreeBusyItem {
    id: String,
}

fn utc(dt: DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Busy periods of a calendar in the window: opaque, not cancelled, not declined; merged.
fn busy(cal: &Calendar, owner: &str, min: DateTime<Utc>, max: DateTime<Utc>) -> Vec<Value> {
    let window = Window {
        min: Some(min),
        max: Some(max),
    };
    let tz = cal.tz();
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = window_events(cal, window, true, false)
        .iter()
        .filter(|e| e["transparency"] != "transparent")
        .filter(|e| {
            !e["attendees"].as_array().into_iter().flatten().any(|a| {
                a["email"]
                    .as_str()
                    .is_some_and(|m| m.eq_ignore_ascii_case(owner))
                    && a["responseStatus"] == "declined"
            })
        })
        .filter_map(|e| span(e, tz))
        .map(|(s, e)| (s.max(min), e.min(max)))
        .filter(|(s, e)| s < e)
        .collect();
    spans.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
        .into_iter()
        .map(|(s, e)| json!({ "start": utc(s), "end": utc(e) }))
        .collect()
}

/// `POST /calendar/v3/freeBusy`
pub(crate) async fn freebusy(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    body: Bytes,
) -> ApiResult {
    caller.require("calendar.freebusy.query")?;
    let body: FreeBusyBody = json_body(&body)?;
    let min = body
        .time_min
        .as_deref()
        .ok_or_else(|| ApiError::required("Missing timeMin parameter."))?;
    let max = body
        .time_max
        .as_deref()
        .ok_or_else(|| ApiError::required("Missing timeMax parameter."))?;
    let (Some(min), Some(max)) = (parse_rfc3339(min), parse_rfc3339(max)) else {
        return Err(ApiError::bad_request("Bad Request"));
    };
    if max <= min {
        return Err(ApiError::bad_request("The specified time range is empty.")
            .with_reason("timeRangeEmpty"));
    }
    if body.items.len() > 50 {
        return Err(ApiError::bad_request("Too many calendars requested.")
            .with_reason("tooManyCalendarsRequested"));
    }
    let mut calendars = Map::new();
    for item in &body.items {
        let own = fake.with_calendars(&caller.email, |set| {
            set.get(&item.id)
                .map(|cal| busy(cal, &caller.email, min, max))
        });
        let result = match own {
            Some(busy) => json!({ "busy": busy }),
            None if colleague(&fake, &caller, &item.id) => {
                let owner = item.id.to_ascii_lowercase();
                let busy = fake.with_calendars(&owner, |set| busy(set.primary(), &owner, min, max));
                json!({ "busy": busy })
            }
            None => json!({ "errors": [{ "domain": "global", "reason": "notFound" }], "busy": [] }),
        };
        calendars.insert(item.id.clone(), result);
    }
    Ok(ok_json(&json!({
        "kind": "calendar#freeBusy",
        "timeMin": rfc3339_ms(min),
        "timeMax": rfc3339_ms(max),
        "calendars": calendars,
    })))
}
