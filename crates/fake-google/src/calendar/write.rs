//! `events.insert`, `events.patch` (patch semantics), `events.delete`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use chrono::Utc;
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use super::events::find_event;
use super::store::{Calendar, event_id, is_cancelled, localize, parse_tz, rfc3339_ms, span};
use super::{Target, not_found, target, writer_required};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, no_content, ok_json};

/// Fields the server owns; clients cannot set them.
const SERVER_FIELDS: &[&str] = &[
    "kind",
    "etag",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "iCalUID",
    "hangoutLink",
];

fn etag() -> String {
    format!("\"{}\"", Utc::now().timestamp_micros() * 10)
}

fn check_send_updates(params: &Params) -> Result<(), ApiError> {
    match params.get("sendUpdates") {
        None | Some("all" | "externalOnly" | "none") => Ok(()),
        Some(_) => Err(ApiError::invalid("Invalid value for: sendUpdates")),
    }
}

/// Checks `start`/`end` and fills in attendee defaults, Meet data and server fields.
fn finish(event: &mut Value, tz: Tz, caller: &Caller, params: &Params) -> Result<(), ApiError> {
    if event.get("start").is_none_or(Value::is_null) {
        return Err(ApiError::required("Missing start time."));
    }
    if event.get("end").is_none_or(Value::is_null) {
        return Err(ApiError::required("Missing end time."));
    }
    for key in ["start", "end"] {
        if let Some(zone) = event[key]["timeZone"].as_str()
            && parse_tz(zone).is_none()
        {
            return Err(ApiError::invalid(format!(
                "Invalid time zone definition for {key} time."
            )));
        }
    }
    let (start, end) =
        span(event, tz).ok_or_else(|| ApiError::bad_request("Invalid start or end time."))?;
    if end < start {
        return Err(ApiError::bad_request("The specified time range is empty.")
            .with_reason("timeRangeEmpty"));
    }
    if event.get("recurrence").is_some()
        && event["start"]["dateTime"].is_string()
        && event["start"]["timeZone"].is_null()
    {
        return Err(ApiError::bad_request(
            "Missing time zone definition for start time.",
        ));
    }
    let organizer = event["organizer"]["email"]
        .as_str()
        .unwrap_or(&caller.email)
        .to_string();
    if let Some(attendees) = event.get_mut("attendees").and_then(Value::as_array_mut) {
        for attendee in attendees.iter_mut() {
            let Some(email) = attendee["email"].as_str().map(str::to_ascii_lowercase) else {
                return Err(ApiError::required("Missing attendee email."));
            };
            let object = attendee.as_object_mut().expect("attendee object");
            if email == caller.email {
                object.insert("self".into(), json!(true));
            }
            if email == organizer {
                object.insert("organizer".into(), json!(true));
                object.entry("responseStatus").or_insert(json!("accepted"));
            }
            object
                .entry("responseStatus")
                .or_insert(json!("needsAction"));
        }
    }
    let version = params.count("conferenceDataVersion", 0, 1)?;
    if version == 0 {
        if let Some(object) = event.as_object_mut()
            && !object.contains_key("hangoutLink")
        {
            object.remove("conferenceData");
        }
    } else if let Some(request) = event["conferenceData"]["createRequest"]
        .as_object()
        .cloned()
        && event["conferenceData"].get("entryPoints").is_none()
    {
        let id = event_id(&format!(
            "meet/{}/{}",
            event["id"],
            request
                .get("requestId")
                .map(Value::to_string)
                .unwrap_or_default()
        ));
        let code = format!("{}-{}-{}", &id[..3], &id[3..7], &id[7..10]);
        let uri = format!("https://meet.google.com/{code}");
        let mut request = request;
        request.insert("status".into(), json!({ "statusCode": "success" }));
        request
            .entry("conferenceSolutionKey")
            .or_insert(json!({ "type": "hangoutsMeet" }));
        event["conferenceData"] = json!({
            "createRequest": request,
            "entryPoints": [{ "entryPointType": "video", "uri": uri, "label": format!("meet.google.com/{code}") }],
            "conferenceSolution": {
                "key": { "type": "hangoutsMeet" },
                "name": "Google Meet",
                "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png"
            },
            "conferenceId": code,
        });
        event["hangoutLink"] = json!(uri);
    }
    event["etag"] = json!(etag());
    event["updated"] = json!(rfc3339_ms(Utc::now()));
    Ok(())
}

/// A new event resource from a client body.
fn build(
    mut body: Map<String, Value>,
    cal: &Calendar,
    caller: &Caller,
    params: &Params,
) -> Result<Value, ApiError> {
    for field in SERVER_FIELDS {
        body.remove(*field);
    }
    let id = match body.get("id").and_then(Value::as_str) {
        Some(id) => {
            let valid = (5..=1024).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c));
            if !valid {
                return Err(ApiError::invalid("Invalid resource id value."));
            }
            id.to_string()
        }
        None => event_id(&format!(
            "{}/{}/{}",
            caller.email,
            Utc::now().timestamp_nanos_opt().unwrap_or_default(),
            cal.events.len()
        )),
    };
    if cal.event(&id).is_some() {
        return Err(ApiError::conflict(
            "duplicate",
            "The requested identifier already exists.",
        ));
    }
    let now = rfc3339_ms(Utc::now());
    let organizer = if cal.primary {
        json!({ "email": caller.email, "self": true })
    } else {
        json!({ "email": cal.id, "displayName": cal.summary, "self": true })
    };
    let mut event = json!({
        "kind": "calendar#event",
        "id": id,
        "status": "confirmed",
        "htmlLink": format!("https://www.google.com/calendar/event?eid={id}"),
        "created": now,
        "creator": { "email": caller.email, "self": true },
        "organizer": organizer,
        "iCalUID": format!("{id}@google.com"),
        "sequence": 0,
        "reminders": { "useDefault": true },
        "eventType": "default",
    });
    for (key, value) in body {
        if !value.is_null() {
            event[key.as_str()] = value;
        }
    }
    finish(&mut event, cal.tz(), caller, params)?;
    Ok(event)
}

fn writable_calendar(
    fake: &FakeGoogle,
    caller: &Caller,
    calendar_id: &str,
) -> Result<(), ApiError> {
    match target(fake, caller, calendar_id)? {
        Target::Colleague(_) => Err(writer_required()),
        Target::Own => {
            let writable = fake.with_calendars(&caller.email, |set| {
                set.get(calendar_id).is_some_and(Calendar::writable)
            });
            if writable {
                Ok(())
            } else {
                Err(writer_required())
            }
        }
    }
}

/// `POST /calendar/v3/calendars/{calendarId}/events`
pub(crate) async fn insert(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(calendar_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("calendar.events.insert")?;
    let params = Params::parse(query.as_deref());
    check_send_updates(&params)?;
    writable_calendar(&fake, &caller, &calendar_id)?;
    let body: Map<String, Value> = json_body(&body)?;
    let out = fake.with_calendars(&caller.email, |set| {
        let cal = set.get_mut(&calendar_id).ok_or_else(not_found)?;
        let event = build(body, cal, &caller, &params)?;
        cal.events.push(event.clone());
        let mut out = event;
        localize(&mut out, cal.tz(), cal.tz());
        Ok::<_, ApiError>(out)
    })?;
    Ok(ok_json(&out))
}

/// JSON merge: objects merge recursively, arrays and scalars replace, `null` removes.
fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else if value.is_object() && target.get(key).is_some_and(Value::is_object) {
                    merge(target.get_mut(key).expect("present"), value);
                } else {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// The stored event for `event_id`, making an exception of a recurring instance.
fn stored_mut<'a>(cal: &'a mut Calendar, event_id: &str) -> Option<&'a mut Value> {
    if cal.event(event_id).is_none() {
        let instance = find_event(cal, event_id)?;
        cal.events.push(instance);
    }
    cal.event_mut(event_id)
}

/// `PATCH /calendar/v3/calendars/{calendarId}/events/{eventId}`
pub(crate) async fn patch(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("calendar.events.patch")?;
    let params = Params::parse(query.as_deref());
    check_send_updates(&params)?;
    writable_calendar(&fake, &caller, &calendar_id)?;
    let mut body: Map<String, Value> = json_body(&body)?;
    for field in SERVER_FIELDS.iter().chain(&["id", "recurringEventId"]) {
        body.remove(*field);
    }
    let patch = Value::Object(body);
    let out = fake.with_calendars(&caller.email, |set| {
        let cal = set.get_mut(&calendar_id).ok_or_else(not_found)?;
        let tz = cal.tz();
        let event = stored_mut(cal, &event_id).ok_or_else(not_found)?;
        let mut updated = event.clone();
        let times_changed = patch.get("start").is_some() || patch.get("end").is_some();
        merge(&mut updated, &patch);
        finish(&mut updated, tz, &caller, &params)?;
        if times_changed {
            updated["sequence"] = json!(updated["sequence"].as_i64().unwrap_or(0) + 1);
        }
        *event = updated.clone();
        localize(&mut updated, tz, tz);
        Ok::<_, ApiError>(updated)
    })?;
    Ok(ok_json(&out))
}

/// `DELETE /calendar/v3/calendars/{calendarId}/events/{eventId}`: 204; 410 when already deleted.
pub(crate) async fn delete(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("calendar.events.delete")?;
    let params = Params::parse(query.as_deref());
    check_send_updates(&params)?;
    writable_calendar(&fake, &caller, &calendar_id)?;
    fake.with_calendars(&caller.email, |set| {
        let cal = set.get_mut(&calendar_id).ok_or_else(not_found)?;
        let event = stored_mut(cal, &event_id).ok_or_else(not_found)?;
        if is_cancelled(event) {
            return Err(ApiError::deleted());
        }
        event["status"] = json!("cancelled");
        event["updated"] = json!(rfc3339_ms(Utc::now()));
        event["etag"] = json!(etag());
        Ok(())
    })?;
    Ok(no_content())
}
