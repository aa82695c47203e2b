//! `calendar_find_free_time`: one `freebusy.query` for the user and the
//! attendees, then free slots of the wanted length inside working hours.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    calendar_info, calendar_url,
    create::check_emails,
    time::{
        TimeArg, clock, human, is_weekday, local, parse_clock, parse_zone, rfc3339_in, rfc3339_utc,
        same_day,
    },
};
use crate::{
    google::api::{Body, GoogleApi, Retry},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

pub const MAX_WINDOW_DAYS: i64 = 62;
pub const MAX_ATTENDEES: usize = 49;
const DEFAULT_SLOTS: u32 = 10;
const MAX_SLOTS: u32 = 50;
/// Slots start on quarter hours.
const GRID_SECONDS: i64 = 15 * 60;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindFreeTimeArgs {
    /// The other people's emails (the user is included), at most 49.
    #[serde(default)]
    pub attendees: Vec<String>,
    /// 15 to 480 (default 30).
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    /// RFC 3339, local date-time or date (in `time_zone`); default now.
    #[serde(default)]
    pub time_min: Option<String>,
    /// Same forms; a date includes that day. Default 7 days after `time_min`, at most 62.
    #[serde(default)]
    pub time_max: Option<String>,
    /// IANA zone of the working hours and results; default the user's calendar's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// HH:MM (default 09:00).
    #[serde(default)]
    pub work_start: Option<String>,
    /// HH:MM (default 17:00).
    #[serde(default)]
    pub work_end: Option<String>,
    #[serde(default)]
    pub include_weekends: bool,
    /// 1 to 50 (default 10).
    #[serde(default)]
    pub max_slots: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Interval {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Slot {
    /// RFC 3339 in `time_zone`.
    pub start: String,
    pub end: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AttendeeBusy {
    pub email: String,
    /// True for the signed-in user.
    pub is_me: bool,
    /// Busy blocks inside the window, in start order.
    pub busy: Vec<Slot>,
    /// Why Google gave no free/busy for this person (then their time was not accounted for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FreeTime {
    pub time_zone: String,
    /// The window searched (RFC 3339 in `time_zone`).
    pub time_min: String,
    pub time_max: String,
    pub duration_minutes: u32,
    /// Working hours used, e.g. `09:00-17:00 Mon-Fri`.
    pub working_hours: String,
    /// Candidate slots when everyone with known free/busy is free, in start order.
    pub slots: Vec<Slot>,
    pub attendees: Vec<AttendeeBusy>,
}

fn slot(i: Interval, tz: Tz) -> Slot {
    Slot {
        start: rfc3339_in(i.start, tz),
        end: rfc3339_in(i.end, tz),
    }
}

fn parse_busy(v: &Value) -> Vec<Interval> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            let t = |k: &str| {
                b[k].as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|t| t.with_timezone(&Utc))
            };
            Some(Interval {
                start: t("start")?,
                end: t("end")?,
            })
        })
        .filter(|i| i.end > i.start)
        .collect()
}

/// Sorted, merged busy intervals.
fn merge(mut busy: Vec<Interval>) -> Vec<Interval> {
    busy.sort();
    let mut out: Vec<Interval> = Vec::new();
    for b in busy {
        match out.last_mut() {
            Some(last) if b.start <= last.end => last.end = last.end.max(b.end),
            _ => out.push(b),
        }
    }
    out
}

fn ceil_to_grid(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp();
    let rounded = secs.div_euclid(GRID_SECONDS) * GRID_SECONDS;
    let rounded = if rounded < secs || t.timestamp_subsec_nanos() > 0 && rounded == secs {
        rounded + GRID_SECONDS
    } else {
        rounded
    };
    DateTime::from_timestamp(rounded, 0).unwrap_or(t)
}

/// The rules of a search, checked.
struct Search {
    window: Interval,
    tz: Tz,
    work: (NaiveTime, NaiveTime),
    weekends: bool,
    duration: Duration,
    max_slots: usize,
}

/// Candidate slots avoiding `busy` (merged), spread over the days: each
/// day's free stretches are offered first, then later times in them.
fn candidates(s: &Search, busy: &[Interval]) -> Vec<Interval> {
    let first = s.window.start.with_timezone(&s.tz).date_naive();
    let last = s.window.end.with_timezone(&s.tz).date_naive();
    let mut per_day: Vec<Vec<Interval>> = Vec::new();
    let mut day = first;
    while day <= last {
        if s.weekends || is_weekday(day) {
            per_day.push(day_slots(s, busy, day));
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    let mut picked = Vec::new();
    let mut round = 0;
    while picked.len() < s.max_slots && per_day.iter().any(|d| d.len() > round) {
        for d in &per_day {
            if let Some(x) = d.get(round)
                && picked.len() < s.max_slots
            {
                picked.push(*x);
            }
        }
        round += 1;
    }
    picked.sort();
    picked
}

fn day_slots(s: &Search, busy: &[Interval], day: NaiveDate) -> Vec<Interval> {
    let (Ok(ws), Ok(we)) = (
        local("work_start", s.tz, day.and_time(s.work.0)),
        local("work_end", s.tz, day.and_time(s.work.1)),
    ) else {
        return Vec::new();
    };
    let from = ws.max(s.window.start);
    let to = we.min(s.window.end);
    if to <= from {
        return Vec::new();
    }
    // Free stretches of the working day.
    let mut gaps = Vec::new();
    let mut cursor = from;
    for b in busy.iter().filter(|b| b.end > from && b.start < to) {
        if b.start > cursor {
            gaps.push(Interval {
                start: cursor,
                end: b.start,
            });
        }
        cursor = cursor.max(b.end);
    }
    if cursor < to {
        gaps.push(Interval {
            start: cursor,
            end: to,
        });
    }
    let mut firsts = Vec::new();
    let mut rest = Vec::new();
    for g in gaps {
        let mut t = ceil_to_grid(g.start);
        let mut first = true;
        while t + s.duration <= g.end {
            let x = Interval {
                start: t,
                end: t + s.duration,
            };
            if first {
                firsts.push(x);
                first = false;
            } else {
                rest.push(x);
            }
            t += s.duration.max(Duration::minutes(30));
            t = ceil_to_grid(t);
        }
    }
    firsts.extend(rest);
    firsts
}

async fn search(ctx: &ToolCtx, api: &GoogleApi, args: &FindFreeTimeArgs) -> ToolResult<FreeTime> {
    let minutes = args.duration_minutes.unwrap_or(30);
    if !(15..=480).contains(&minutes) {
        return Err(ToolError::invalid(
            "duration_minutes",
            format!("must be between 15 and 480, got {minutes}"),
        ));
    }
    let max_slots = args.max_slots.unwrap_or(DEFAULT_SLOTS);
    if !(1..=MAX_SLOTS).contains(&max_slots) {
        return Err(ToolError::invalid(
            "max_slots",
            format!("must be between 1 and {MAX_SLOTS}, got {max_slots}"),
        ));
    }
    let explicit = args
        .time_zone
        .as_deref()
        .map(|z| parse_zone("time_zone", z))
        .transpose()?;
    let work_start = parse_clock("work_start", args.work_start.as_deref().unwrap_or("09:00"))?;
    let work_end = parse_clock("work_end", args.work_end.as_deref().unwrap_or("17:00"))?;
    if work_end <= work_start {
        return Err(ToolError::invalid("work_end", "must be after work_start"));
    }
    let duration = Duration::minutes(minutes.into());
    if work_end - work_start < duration {
        return Err(ToolError::invalid(
            "duration_minutes",
            format!("{minutes} minutes do not fit in the working hours"),
        ));
    }
    let others = check_emails("attendees", &args.attendees)?;
    if others.len() > MAX_ATTENDEES {
        return Err(ToolError::invalid(
            "attendees",
            format!("at most {MAX_ATTENDEES} people"),
        ));
    }
    let min = args
        .time_min
        .as_deref()
        .map(|v| TimeArg::parse("time_min", v))
        .transpose()?;
    let max = args
        .time_max
        .as_deref()
        .map(|v| TimeArg::parse("time_max", v))
        .transpose()?;

    let me = calendar_info(ctx, api, "primary").await?;
    let tz = explicit.unwrap_or(me.zone);
    let time_min = match min {
        Some(t) => t.instant("time_min", tz)?,
        None => ceil_to_grid(Utc::now()),
    };
    let time_max = match max {
        Some(TimeArg::Date(d)) => {
            TimeArg::Date(d.succ_opt().unwrap_or(d)).instant("time_max", tz)?
        }
        Some(t) => t.instant("time_max", tz)?,
        None => time_min + Duration::days(7),
    };
    if time_max <= time_min {
        return Err(ToolError::invalid("time_max", "must be after time_min"));
    }
    if time_max - time_min > Duration::days(MAX_WINDOW_DAYS) {
        return Err(ToolError::invalid(
            "time_max",
            format!("the window may span at most {MAX_WINDOW_DAYS} days"),
        ));
    }

    let my_email = me.id.to_ascii_lowercase();
    let mut people = vec![my_email.clone()];
    people.extend(others.into_iter().filter(|e| *e != my_email));
    let body = json!({
        "timeMin": rfc3339_utc(time_min),
        "timeMax": rfc3339_utc(time_max),
        "timeZone": tz.name(),
        "items": people.iter().map(|p| json!({ "id": p })).collect::<Vec<_>>(),
    });
    let (answer, _) = api
        .call(
            &ctx.user,
            Method::POST,
            calendar_url(api, &["freeBusy"]),
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await?;
    let calendars = &answer["calendars"];
    // Slots in the past are of no use: the search starts now at the earliest.
    let window = Interval {
        start: time_min.max(ceil_to_grid(Utc::now())),
        end: time_max,
    };
    let mut all_busy = Vec::new();
    let mut attendees = Vec::new();
    for p in &people {
        // Google keys the answer by the ids sent; match case-insensitively.
        let entry = calendars
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(p)))
            .map(|(_, v)| v);
        let unavailable = match entry {
            None => Some("Google gave no free/busy for this person".to_owned()),
            Some(v) => v["errors"]
                .as_array()
                .filter(|e| !e.is_empty())
                .map(|errs| {
                    let reasons: Vec<&str> =
                        errs.iter().filter_map(|e| e["reason"].as_str()).collect();
                    match reasons.first().copied() {
                        Some("notFound") => {
                            "no calendar found for this address, or it is not shared".to_owned()
                        }
                        _ => format!("free/busy unavailable ({})", reasons.join(", ")),
                    }
                }),
        };
        let busy = if unavailable.is_some() {
            Vec::new()
        } else {
            merge(
                parse_busy(&entry.map(|v| v["busy"].clone()).unwrap_or_default())
                    .into_iter()
                    .filter(|b| b.end > window.start && b.start < window.end)
                    .map(|b| Interval {
                        start: b.start.max(window.start),
                        end: b.end.min(window.end),
                    })
                    .collect(),
            )
        };
        all_busy.extend(busy.iter().copied());
        attendees.push(AttendeeBusy {
            email: p.clone(),
            is_me: *p == my_email,
            busy: busy.iter().map(|b| slot(*b, tz)).collect(),
            unavailable,
        });
    }
    let s = Search {
        window,
        tz,
        work: (work_start, work_end),
        weekends: args.include_weekends,
        duration,
        max_slots: max_slots as usize,
    };
    let slots = candidates(&s, &merge(all_busy));
    Ok(FreeTime {
        time_zone: tz.name().to_owned(),
        time_min: rfc3339_in(time_min, tz),
        time_max: rfc3339_in(time_max, tz),
        duration_minutes: minutes,
        working_hours: format!(
            "{}-{} {}",
            work_start.format("%H:%M"),
            work_end.format("%H:%M"),
            if args.include_weekends {
                "every day"
            } else {
                "Mon-Fri"
            }
        ),
        slots: slots.iter().map(|i| slot(*i, tz)).collect(),
        attendees,
    })
}

fn span_text(start: &str, end: &str, tz: Tz) -> String {
    let p = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    match (p(start), p(end)) {
        (Some(a), Some(b)) if same_day(a, b, tz) => format!("{}–{}", human(a, tz), clock(b, tz)),
        (Some(a), Some(b)) => format!("{} – {}", human(a, tz), human(b, tz)),
        _ => format!("{start} – {end}"),
    }
}

pub async fn find(ctx: ToolCtx, args: FindFreeTimeArgs) -> ToolResult<FreeTime> {
    search(&ctx, &ctx.api, &args).await
}

impl ToolOutput for FreeTime {
    fn text(&self) -> String {
        let f = self;
        let tz: Tz = f.time_zone.parse().unwrap_or(Tz::UTC);
        let mut text = format!(
            "{} free slots of {} min ({}, working hours {}), searching {}:\n",
            f.slots.len(),
            f.duration_minutes,
            f.time_zone,
            f.working_hours,
            span_text(&f.time_min, &f.time_max, tz),
        );
        for s in &f.slots {
            text.push_str(&format!("  {}\n", span_text(&s.start, &s.end, tz)));
        }
        if f.slots.is_empty() {
            text.push_str("  none: try a longer window, a shorter meeting or other hours\n");
        }
        text.push_str("busy:\n");
        for a in &f.attendees {
            let who = if a.is_me {
                format!("{} (you)", a.email)
            } else {
                a.email.clone()
            };
            match &a.unavailable {
                Some(why) => text.push_str(&format!("  {who}: {why}; not accounted for\n")),
                None if a.busy.is_empty() => text.push_str(&format!("  {who}: free throughout\n")),
                None => {
                    let blocks: Vec<String> = a
                        .busy
                        .iter()
                        .map(|b| span_text(&b.start, &b.end, tz))
                        .collect();
                    text.push_str(&format!("  {who}: {}\n", blocks.join(", ")));
                }
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn slots_avoid_busy_time_and_stay_in_working_hours_on_weekdays() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Friday 2025-03-07 to Tuesday 2025-03-11.
        let s = Search {
            window: Interval {
                start: at("2025-03-07T00:00:00+01:00"),
                end: at("2025-03-11T00:00:00+01:00"),
            },
            tz,
            work: (
                NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            ),
            weekends: false,
            duration: Duration::minutes(60),
            max_slots: 50,
        };
        let busy = merge(vec![
            Interval {
                start: at("2025-03-07T09:30:00+01:00"),
                end: at("2025-03-07T12:10:00+01:00"),
            },
            Interval {
                start: at("2025-03-07T12:00:00+01:00"),
                end: at("2025-03-07T16:30:00+01:00"),
            },
        ]);
        let slots = candidates(&s, &busy);
        assert!(!slots.is_empty());
        for x in &slots {
            let l = x.start.with_timezone(&tz);
            assert!(is_weekday(l.date_naive()), "{l}");
            assert!(
                l.time() >= s.work.0 && x.end.with_timezone(&tz).time() <= s.work.1,
                "{l}"
            );
            assert!(
                busy.iter().all(|b| x.end <= b.start || x.start >= b.end),
                "{x:?}"
            );
        }
        // Friday has no free hour; Monday is free all day.
        assert!(
            slots
                .iter()
                .all(|x| x.start.with_timezone(&tz).date_naive().to_string() == "2025-03-10")
        );
        assert_eq!(slots.len(), 8);
    }

    #[test]
    fn grid_rounds_up_to_quarter_hours() {
        assert_eq!(
            ceil_to_grid(at("2025-03-07T09:01:00Z")),
            at("2025-03-07T09:15:00Z")
        );
        assert_eq!(
            ceil_to_grid(at("2025-03-07T09:15:00Z")),
            at("2025-03-07T09:15:00Z")
        );
    }
}
