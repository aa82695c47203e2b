//! `calendar_create_event`, and the time and guest rules it shares with updates.
//!
//! Inserts carry an event id chosen by the gateway (Google accepts ids of 5
//! to 1024 base32hex characters). When an insert's outcome is unknown (a 5xx
//! or a timeout after Google may have stored it), the gateway sends it again
//! with the same id: a 409 then means the first attempt did create it, and
//! the stored event is returned. So one call never creates two events.

use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use reqwest::Method;
use rmcp::schemars;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    SendUpdates, calendar_info, default_calendar,
    event::EventDetail,
    events_url,
    time::{TimeArg, parse_zone, rfc3339_in},
};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Rendered},
};

/// Inserts sent per call when the outcome stays unknown.
const INSERT_ATTEMPTS: u32 = 3;
pub const MAX_ATTENDEES: usize = 100;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventArgs {
    pub summary: String,
    /// RFC 3339 (2025-03-04T09:00:00+01:00) or local (2025-03-04T09:00, in `time_zone`); with `all_day` a date.
    pub start: String,
    /// After `start`, same form; with `all_day` the last day, inclusive (one day: end = start).
    pub end: String,
    #[serde(default)]
    pub all_day: bool,
    /// IANA zone (Europe/Berlin); default the calendar's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Default `primary`.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// Guest emails, at most 100.
    #[serde(default)]
    pub attendees: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub add_meet_link: bool,
    /// RRULE lines, e.g. RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10.
    #[serde(default)]
    pub recurrence: Vec<String>,
    /// Whom to email; default all.
    #[serde(default)]
    pub send_updates: Option<SendUpdates>,
    /// 5 to 1024 characters of a-v and 0-9; a repeated id returns the event already made.
    #[serde(default)]
    pub event_id: Option<String>,
    /// Only once the person approved.
    #[serde(default)]
    pub confirm: bool,
}

/// Whether inviting `guests` is confirmed, asking the person when the
/// company policy wants it and the client can; deny rules refuse first.
pub fn guests_confirmed(
    ctx: &ToolCtx,
    summary: &str,
    guests: &[String],
    confirm: bool,
) -> ToolResult<bool> {
    ctx.policy.check_guests(guests, true)?;
    if !ctx.policy.guests_need_confirmation(guests) {
        return Ok(confirm);
    }
    let question = format!(
        "Invite {} to \"{}\", outside {}?",
        guests.join(", "),
        summary.trim(),
        ctx.policy.company()
    );
    Ok(ctx.ask(&question, confirm)?.yes())
}

/// A fresh event id: 128 random bits in base32hex (26 characters of 0-9a-v).
pub fn new_event_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let bits = u128::from_be_bytes(*uuid::Uuid::new_v4().as_bytes());
    (0..26)
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

pub fn check_new_event_id(field: &str, id: &str) -> ToolResult<()> {
    let ok = (5..=1024).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ToolError::invalid(
            field,
            "must be 5 to 1024 characters from a-v and 0-9 (Google's base32hex)",
        ))
    }
}

/// Checks and normalises guest emails.
pub fn check_emails(field: &str, emails: &[String]) -> ToolResult<Vec<String>> {
    if emails.len() > MAX_ATTENDEES {
        return Err(ToolError::invalid(
            field,
            format!("at most {MAX_ATTENDEES} addresses"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for e in emails {
        let e = e.trim().to_ascii_lowercase();
        let valid = e
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'))
            && !e.contains(char::is_whitespace);
        if !valid {
            return Err(ToolError::invalid(
                field,
                format!("{e:?} is not an email address"),
            ));
        }
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(out)
}

/// An event's new start and end as Google's `EventDateTime` values.
#[derive(Debug)]
pub struct Times {
    pub start: Value,
    pub end: Value,
}

fn date_of(field: &str, t: TimeArg) -> ToolResult<NaiveDate> {
    match t {
        TimeArg::Date(d) => Ok(d),
        _ => Err(ToolError::invalid(
            field,
            "with all_day, give a date like 2025-03-04",
        )),
    }
}

/// All-day times from an inclusive end date.
pub fn all_day_times(start: TimeArg, end: TimeArg) -> ToolResult<Times> {
    let s = date_of("start", start)?;
    let e = date_of("end", end)?;
    if e < s {
        return Err(ToolError::invalid(
            "end",
            format!("the last day ({e}) must be on or after start ({s})"),
        ));
    }
    let exclusive = e.succ_opt().unwrap_or(e);
    Ok(Times {
        start: json!({ "date": s.to_string() }),
        end: json!({ "date": exclusive.to_string() }),
    })
}

/// Timed start and end; `tz` reads local date-times and is stored with the event.
pub fn timed_times(start: TimeArg, end: TimeArg, tz: Option<Tz>) -> ToolResult<Times> {
    for (field, t) in [("start", start), ("end", end)] {
        if matches!(t, TimeArg::Date(_)) {
            return Err(ToolError::invalid(
                field,
                "a date alone makes an all-day event: set all_day to true, or give a time (2025-03-04T09:00)",
            ));
        }
    }
    let zone = tz.unwrap_or(Tz::UTC);
    let s = start.instant("start", zone)?;
    let e = end.instant("end", zone)?;
    if e <= s {
        return Err(ToolError::invalid(
            "end",
            format!(
                "must be after start ({} is not after {})",
                rfc3339_in(e, zone),
                rfc3339_in(s, zone)
            ),
        ));
    }
    let at = |t| match tz {
        Some(z) => json!({ "dateTime": rfc3339_in(t, z), "timeZone": z.name() }),
        None => json!({ "dateTime": super::time::rfc3339_utc(t) }),
    };
    Ok(Times {
        start: at(s),
        end: at(e),
    })
}

/// A new Meet conference request (`conferenceDataVersion=1` must be sent too).
pub fn meet_request(request_id: &str) -> Value {
    json!({
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": { "type": "hangoutsMeet" }
        }
    })
}

fn check_recurrence(lines: &[String]) -> ToolResult<()> {
    for l in lines {
        let upper = l.trim().to_ascii_uppercase();
        if !["RRULE:", "EXRULE:", "RDATE", "EXDATE"]
            .iter()
            .any(|p| upper.starts_with(p))
        {
            return Err(ToolError::invalid(
                "recurrence",
                format!(
                    "{l:?} is not an RRULE, EXRULE, RDATE or EXDATE line (e.g. RRULE:FREQ=WEEKLY;COUNT=5)"
                ),
            ));
        }
    }
    if lines.len() > 20 {
        return Err(ToolError::invalid("recurrence", "at most 20 lines"));
    }
    Ok(())
}

fn check_text(field: &str, value: &Option<String>, max: usize) -> ToolResult<()> {
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        return Err(ToolError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

pub fn check_texts(
    summary: &Option<String>,
    description: &Option<String>,
    location: &Option<String>,
) -> ToolResult<()> {
    check_text("summary", summary, 1_000)?;
    check_text("description", description, 8_000)?;
    check_text("location", location, 1_000)
}

async fn insert(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &CreateEventArgs,
) -> ToolResult<(EventDetail, bool)> {
    let calendar_id = default_calendar(&args.calendar_id);
    if args.summary.trim().is_empty() {
        return Err(ToolError::invalid("summary", "must not be empty"));
    }
    check_texts(
        &Some(args.summary.clone()),
        &args.description,
        &args.location,
    )?;
    let explicit = args
        .time_zone
        .as_deref()
        .map(|z| parse_zone("time_zone", z))
        .transpose()?;
    let start = TimeArg::parse("start", &args.start)?;
    let end = TimeArg::parse("end", &args.end)?;
    let attendees = check_emails("attendees", &args.attendees)?;
    let confirmed = guests_confirmed(ctx, &args.summary, &attendees, args.confirm)?;
    ctx.policy.check_guests(&attendees, confirmed)?;
    check_recurrence(&args.recurrence)?;
    let supplied_id = args.event_id.is_some();
    let event_id = match &args.event_id {
        Some(id) => {
            check_new_event_id("event_id", id)?;
            id.clone()
        }
        None => new_event_id(),
    };
    let times = if args.all_day {
        all_day_times(start, end)?
    } else {
        // Local times and recurring series need a zone; the calendar's is the default.
        let needs_zone = start.needs_zone() || end.needs_zone() || !args.recurrence.is_empty();
        let zone = match explicit {
            Some(z) => Some(z),
            None if needs_zone => Some(calendar_info(ctx, api, &calendar_id).await?.zone),
            None => None,
        };
        timed_times(start, end, zone)?
    };

    let mut body = json!({
        "id": event_id,
        "summary": args.summary.trim(),
        "start": times.start,
        "end": times.end,
    });
    if let Some(d) = &args.description {
        body["description"] = json!(d);
    }
    if let Some(l) = &args.location {
        body["location"] = json!(l);
    }
    if !attendees.is_empty() {
        body["attendees"] = attendees.iter().map(|e| json!({ "email": e })).collect();
    }
    if !args.recurrence.is_empty() {
        body["recurrence"] = json!(args.recurrence);
    }
    if args.add_meet_link {
        // The request id is the event id: a resent insert asks for the same conference.
        body["conferenceData"] = meet_request(&event_id);
    }
    let mut url = events_url(api, &calendar_id, &[]);
    url.query_pairs_mut()
        .append_pair("conferenceDataVersion", "1")
        .append_pair(
            "sendUpdates",
            args.send_updates.unwrap_or_default().as_str(),
        );

    let mut attempt = 0;
    let (event, existed) = loop {
        attempt += 1;
        let sent = api
            .call(
                &ctx.user,
                Method::POST,
                url.clone(),
                Some(Body::Json(body.clone())),
                Retry::RejectedOnly,
            )
            .await;
        match sent {
            Ok((event, _)) => break (event, false),
            // Outcome unknown: the same id makes sending it again safe.
            Err(ApiError::Unavailable(_)) if attempt < INSERT_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
            }
            // The id exists: an earlier attempt (or call with this id) created it.
            Err(ApiError::Conflict(_)) if attempt > 1 || supplied_id => {
                let existing = api
                    .get(&ctx.user, events_url(api, &calendar_id, &[&event_id]))
                    .await?;
                if existing["status"] == "cancelled" {
                    return Err(ToolError::invalid(
                        "event_id",
                        "an event with this id existed and was deleted; Google does not reuse ids: pick another",
                    ));
                }
                break (existing, attempt == 1);
            }
            Err(ApiError::NotFound(_)) => {
                return Err(ToolError::Refused(format!(
                    "Calendar {calendar_id:?} was not found or is not shared with this user; see calendar_list_calendars."
                )));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let tz = match explicit {
        Some(z) => z,
        None => super::list::display_zone(ctx, api, &calendar_id, None, &event).await?,
    };
    Ok((EventDetail::from_google(&event, &calendar_id, tz), existed))
}

pub async fn create(ctx: ToolCtx, args: CreateEventArgs) -> ToolResult<Rendered<EventDetail>> {
    let (detail, existed) = insert(&ctx, &ctx.api, &args).await?;
    let head = if existed {
        "An event with this id already existed (nothing new was created):\n"
    } else {
        "Created:\n"
    };
    let text = format!("{head}{}", detail.text());
    Ok(Rendered::new(detail, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_base32hex_and_unique() {
        let a = new_event_id();
        assert_eq!(a.len(), 26);
        check_new_event_id("event_id", &a).unwrap();
        assert_ne!(a, new_event_id());
        assert!(check_new_event_id("event_id", "ABC-1").is_err());
        assert!(check_new_event_id("event_id", "wxyz0").is_err());
    }

    #[test]
    fn all_day_end_is_inclusive_and_times_are_ordered() {
        let d = |s| TimeArg::parse("x", s).unwrap();
        let t = all_day_times(d("2025-03-04"), d("2025-03-04")).unwrap();
        assert_eq!(t.end["date"], "2025-03-05");
        assert!(all_day_times(d("2025-03-04"), d("2025-03-03")).is_err());
        let e =
            timed_times(d("2025-03-04T10:00:00Z"), d("2025-03-04T09:00:00Z"), None).unwrap_err();
        assert!(e.to_string().contains("`end`"), "{e}");
        let ny: Tz = "America/New_York".parse().unwrap();
        let t = timed_times(d("2025-03-04T09:00"), d("2025-03-04T10:00"), Some(ny)).unwrap();
        assert_eq!(t.start["dateTime"], "2025-03-04T09:00:00-05:00");
        assert_eq!(t.start["timeZone"], "America/New_York");
        assert!(check_emails("attendees", &["not-an-email".into()]).is_err());
    }
}
