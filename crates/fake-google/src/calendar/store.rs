//! A user's calendars and their events (kept as Calendar API resources), with
//! the time arithmetic events need: all-day dates, time zones, recurrence.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::RRuleSet;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How many instances of one recurring event are expanded at most.
const MAX_INSTANCES: u16 = 1000;

pub struct Calendar {
    pub id: String,
    pub summary: String,
    pub description: String,
    pub time_zone: String,
    pub primary: bool,
    /// `owner`, `writer`, `reader` or `freeBusyReader`.
    pub access_role: &'static str,
    pub color_id: &'static str,
    pub background: &'static str,
    /// Event resources: single events, recurring masters, and exceptions
    /// (with `recurringEventId` and `originalStartTime`).
    pub events: Vec<Value>,
}

impl Calendar {
    pub fn tz(&self) -> Tz {
        parse_tz(&self.time_zone).unwrap_or(Tz::UTC)
    }

    pub fn event(&self, id: &str) -> Option<&Value> {
        self.events.iter().find(|e| e["id"] == id)
    }

    pub fn event_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.events.iter_mut().find(|e| e["id"] == id)
    }

    pub fn writable(&self) -> bool {
        matches!(self.access_role, "owner" | "writer")
    }
}

pub struct CalendarSet {
    pub calendars: Vec<Calendar>,
}

impl CalendarSet {
    /// The calendar named by `id` (`primary` is the user's own).
    pub fn get(&self, id: &str) -> Option<&Calendar> {
        self.calendars
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id) || (id == "primary" && c.primary))
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Calendar> {
        self.calendars
            .iter_mut()
            .find(|c| c.id.eq_ignore_ascii_case(id) || (id == "primary" && c.primary))
    }

    pub fn primary(&self) -> &Calendar {
        self.calendars
            .iter()
            .find(|c| c.primary)
            .expect("a primary calendar")
    }
}

pub fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// An event id in Google's alphabet (base32hex, lowercase).
pub fn event_id(seed: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    Sha256::digest(seed.as_bytes())
        .iter()
        .take(26)
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect()
}

/// `2024-01-15T10:00:00.000Z`, as Google writes `created` and `updated`.
pub fn rfc3339_ms(dt: DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `2024-01-15T10:00:00+01:00` in `tz` (`Z` in UTC).
pub fn local_rfc3339(dt: DateTime<Utc>, tz: Tz) -> String {
    if tz == Tz::UTC {
        return dt.to_rfc3339_opts(SecondsFormat::Secs, true);
    }
    dt.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_rfc3339(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The instant of a `start`/`end`/`originalStartTime` object; all-day dates
/// are midnight in `tz` (the calendar's zone).
pub fn instant(time: &Value, tz: Tz) -> Option<DateTime<Utc>> {
    if let Some(dt) = time["dateTime"].as_str() {
        if let Some(parsed) = parse_rfc3339(dt) {
            return Some(parsed);
        }
        let zone = time["timeZone"].as_str().and_then(parse_tz).unwrap_or(tz);
        let naive = NaiveDateTime::parse_from_str(dt, "%Y-%m-%dT%H:%M:%S").ok()?;
        return zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|d| d.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(time["date"].as_str()?, "%Y-%m-%d").ok()?;
    tz.from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

pub fn is_all_day(event: &Value) -> bool {
    event["start"]["date"].is_string()
}

/// `(start, end)` of an event.
pub fn span(event: &Value, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((instant(&event["start"], tz)?, instant(&event["end"], tz)?))
}

pub fn is_cancelled(event: &Value) -> bool {
    event["status"] == "cancelled"
}

/// The zone a recurring event repeats in.
fn event_tz(event: &Value, tz: Tz) -> Tz {
    event["start"]["timeZone"]
        .as_str()
        .and_then(parse_tz)
        .unwrap_or(tz)
}

/// Start instants of a recurring event's instances (before `until`).
pub fn occurrences(master: &Value, tz: Tz, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let Some(start) = instant(&master["start"], tz) else {
        return Vec::new();
    };
    let zone = event_tz(master, tz);
    let local = start.with_timezone(&zone).format("%Y%m%dT%H%M%S");
    let mut text = if zone == Tz::UTC {
        format!("DTSTART:{local}Z")
    } else {
        format!("DTSTART;TZID={}:{local}", zone.name())
    };
    for line in master["recurrence"].as_array().into_iter().flatten() {
        if let Some(line) = line.as_str() {
            text.push('\n');
            text.push_str(line);
        }
    }
    let Ok(set) = text.parse::<RRuleSet>() else {
        return vec![start];
    };
    let Some(until) = rrule::Tz::UTC.timestamp_opt(until.timestamp(), 0).single() else {
        return Vec::new();
    };
    set.before(until)
        .all(MAX_INSTANCES)
        .dates
        .into_iter()
        .map(|d| d.with_timezone(&Utc))
        .collect()
}

/// The id of the instance of `master` starting at `start`.
pub fn instance_id(master: &Value, start: DateTime<Utc>) -> String {
    let id = master["id"].as_str().unwrap_or_default();
    if is_all_day(master) {
        format!("{id}_{}", start.format("%Y%m%d"))
    } else {
        format!("{id}_{}", start.format("%Y%m%dT%H%M%SZ"))
    }
}

/// The instance of `master` that starts at `start`, as a resource.
pub fn instance(master: &Value, start: DateTime<Utc>, tz: Tz) -> Value {
    let (master_start, master_end) = span(master, tz).unwrap_or((start, start));
    let end = start + (master_end - master_start);
    let mut event = master.clone();
    let object = event.as_object_mut().expect("event object");
    object.remove("recurrence");
    object.insert("id".into(), json!(instance_id(master, start)));
    object.insert("recurringEventId".into(), master["id"].clone());
    let zone = event_tz(master, tz);
    if is_all_day(master) {
        let date = |d: DateTime<Utc>| d.with_timezone(&tz).format("%Y-%m-%d").to_string();
        object.insert("start".into(), json!({ "date": date(start) }));
        object.insert("end".into(), json!({ "date": date(end) }));
        object.insert("originalStartTime".into(), json!({ "date": date(start) }));
    } else {
        let time = |d| json!({ "dateTime": local_rfc3339(d, zone), "timeZone": zone.name() });
        object.insert("start".into(), time(start));
        object.insert("end".into(), time(end));
        object.insert("originalStartTime".into(), time(start));
    }
    event
}

/// Splits an instance id into the master id and the original start.
pub fn parse_instance_id(id: &str, tz: Tz) -> Option<(String, DateTime<Utc>)> {
    let (master, suffix) = id.rsplit_once('_')?;
    let start = if let Some(stamp) = suffix.strip_suffix('Z') {
        let naive = NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S").ok()?;
        Utc.from_utc_datetime(&naive)
    } else {
        let date = NaiveDate::parse_from_str(suffix, "%Y%m%d").ok()?;
        tz.from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
            .earliest()?
            .with_timezone(&Utc)
    };
    Some((master.to_string(), start))
}

/// Rewrites `dateTime` values in `zone` for a response (`timeZone` fields stay).
pub fn localize(event: &mut Value, zone: Tz, calendar_tz: Tz) {
    for key in ["start", "end", "originalStartTime"] {
        if let Some(time) = event.get_mut(key)
            && time.get("dateTime").is_some()
            && let Some(at) = instant(time, calendar_tz)
        {
            time["dateTime"] = json!(local_rfc3339(at, zone));
        }
    }
}
