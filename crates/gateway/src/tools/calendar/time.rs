//! Time arguments and renderings of the Calendar tools: RFC 3339 instants,
//! local date-times and bare dates, interpreted and shown in IANA time zones
//! (the tz database is compiled in, so no system zoneinfo is needed).

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, SecondsFormat, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde_json::Value;

use crate::tools::{ToolError, ToolResult};

/// A time argument as the model wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeArg {
    /// RFC 3339 with an offset (`2025-03-04T09:00:00+01:00`, `…Z`).
    Instant(DateTime<FixedOffset>),
    /// A date-time without offset (`2025-03-04T09:00`), read in a time zone.
    Local(NaiveDateTime),
    /// A bare date (`2025-03-04`).
    Date(NaiveDate),
}

impl TimeArg {
    /// Parses `value`; errors name `field`.
    pub fn parse(field: &str, value: &str) -> ToolResult<TimeArg> {
        let v = value.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(v) {
            return Ok(TimeArg::Instant(t));
        }
        if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            return Ok(TimeArg::Date(d));
        }
        for f in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(v, f) {
                return Ok(TimeArg::Local(t));
            }
        }
        Err(ToolError::invalid(
            field,
            format!(
                "{value:?} is not a time: use RFC 3339 (2025-03-04T09:00:00+01:00), a local date-time (2025-03-04T09:00) or a date (2025-03-04)"
            ),
        ))
    }

    pub fn needs_zone(&self) -> bool {
        !matches!(self, TimeArg::Instant(_))
    }

    /// The instant this argument names in `tz`; a date is its midnight.
    pub fn instant(&self, field: &str, tz: Tz) -> ToolResult<DateTime<Utc>> {
        match *self {
            TimeArg::Instant(t) => Ok(t.with_timezone(&Utc)),
            TimeArg::Local(t) => local(field, tz, t),
            TimeArg::Date(d) => local(field, tz, d.and_time(NaiveTime::MIN)),
        }
    }
}

/// `t` read as a wall-clock time in `tz`. In a DST gap the time after the gap
/// is used; in an overlap the earlier instant.
pub fn local(field: &str, tz: Tz, t: NaiveDateTime) -> ToolResult<DateTime<Utc>> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => Ok(x.with_timezone(&Utc)),
        LocalResult::None => {
            // Skipped by a DST change: read with the offset in force before the gap.
            let before = tz
                .from_local_datetime(&(t - Duration::hours(3)))
                .earliest()
                .ok_or_else(|| ToolError::invalid(field, format!("{t} does not exist in {tz}")))?;
            let offset = before.offset().fix();
            Ok((t - Duration::seconds(offset.local_minus_utc().into())).and_utc())
        }
    }
}

/// Parses an IANA time zone name; errors name `field`.
pub fn parse_zone(field: &str, name: &str) -> ToolResult<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        ToolError::invalid(
            field,
            format!("{name:?} is not an IANA time zone name such as Europe/Berlin, America/New_York or UTC"),
        )
    })
}

/// RFC 3339 in `tz`'s offset, seconds precision (`2025-03-04T09:00:00+01:00`).
pub fn rfc3339_in(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .fixed_offset()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// RFC 3339 in UTC, as Google's query parameters want it.
pub fn rfc3339_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `Tue 2025-03-04 09:00` in `tz`.
pub fn human(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %Y-%m-%d %H:%M").to_string()
}

/// `09:00` in `tz`.
pub fn clock(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

pub fn same_day(a: DateTime<Utc>, b: DateTime<Utc>, tz: Tz) -> bool {
    a.with_timezone(&tz).date_naive() == b.with_timezone(&tz).date_naive()
}

/// `Tue 2025-03-04`.
pub fn human_date(d: NaiveDate) -> String {
    d.format("%a %Y-%m-%d").to_string()
}

/// A Google `EventDateTime` (`{"date"}` or `{"dateTime", "timeZone"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Date(NaiveDate),
    At(DateTime<Utc>),
}

impl When {
    pub fn from_google(v: &Value) -> Option<When> {
        if let Some(d) = v["date"].as_str() {
            return NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .map(When::Date);
        }
        v["dateTime"]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| When::At(t.with_timezone(&Utc)))
    }
}

/// How an event's start and end read in `tz`: structured strings (all-day
/// ends are the last day, inclusive) and a compact human span.
pub struct Span {
    pub start: String,
    pub end: String,
    pub all_day: bool,
    pub text: String,
}

pub fn span(start: Option<When>, end: Option<When>, tz: Tz) -> Span {
    match (start, end) {
        (Some(When::Date(s)), e) => {
            let last = match e {
                Some(When::Date(e)) if e > s => e.pred_opt().unwrap_or(s),
                _ => s,
            };
            let text = if last == s {
                format!("{} (all day)", human_date(s))
            } else {
                format!("{} – {} (all day)", human_date(s), human_date(last))
            };
            Span {
                start: s.to_string(),
                end: last.to_string(),
                all_day: true,
                text,
            }
        }
        (Some(When::At(s)), Some(When::At(e))) => {
            let text = if same_day(s, e, tz) {
                format!("{}–{}", human(s, tz), clock(e, tz))
            } else {
                format!("{} – {}", human(s, tz), human(e, tz))
            };
            Span {
                start: rfc3339_in(s, tz),
                end: rfc3339_in(e, tz),
                all_day: false,
                text,
            }
        }
        (Some(When::At(s)), _) => Span {
            start: rfc3339_in(s, tz),
            end: String::new(),
            all_day: false,
            text: human(s, tz),
        },
        (None, _) => Span {
            start: String::new(),
            end: String::new(),
            all_day: false,
            text: "(no time)".into(),
        },
    }
}

/// Parses `HH:MM`; errors name `field`.
pub fn parse_clock(field: &str, value: &str) -> ToolResult<NaiveTime> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| {
        ToolError::invalid(field, format!("{value:?} is not a time of day like 09:00"))
    })
}

/// Whether `d` is Monday to Friday.
pub fn is_weekday(d: NaiveDate) -> bool {
    d.weekday().number_from_monday() <= 5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse_in_every_form() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let t = TimeArg::parse("x", "2025-03-04T09:00:00-05:00").unwrap();
        assert_eq!(
            rfc3339_in(t.instant("x", berlin).unwrap(), berlin),
            "2025-03-04T15:00:00+01:00"
        );
        let d = TimeArg::parse("x", "2025-07-01").unwrap();
        assert!(d.needs_zone());
        assert_eq!(
            rfc3339_utc(d.instant("x", berlin).unwrap()),
            "2025-06-30T22:00:00Z"
        );
        let l = TimeArg::parse("x", "2025-07-01T09:30").unwrap();
        assert_eq!(
            rfc3339_utc(l.instant("x", berlin).unwrap()),
            "2025-07-01T07:30:00Z"
        );
        let e = TimeArg::parse("time_min", "tomorrow").unwrap_err();
        assert!(e.to_string().contains("`time_min`"), "{e}");
    }

    #[test]
    fn dst_gaps_move_forward() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let gap = NaiveDate::from_ymd_opt(2025, 3, 30)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            rfc3339_in(local("x", berlin, gap).unwrap(), berlin),
            "2025-03-30T03:30:00+02:00"
        );
    }

    #[test]
    fn all_day_ends_read_inclusive() {
        let tz: Tz = "UTC".parse().unwrap();
        let d = |s: &str| {
            Some(When::Date(
                NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap(),
            ))
        };
        let one = span(d("2025-03-04"), d("2025-03-05"), tz);
        assert_eq!(
            (one.start.as_str(), one.end.as_str()),
            ("2025-03-04", "2025-03-04")
        );
        assert_eq!(one.text, "Tue 2025-03-04 (all day)");
        let three = span(d("2025-03-04"), d("2025-03-07"), tz);
        assert_eq!(three.end, "2025-03-06");
        assert!(
            parse_zone("time_zone", "Mars/Olympus")
                .unwrap_err()
                .to_string()
                .contains("`time_zone`")
        );
    }
}
