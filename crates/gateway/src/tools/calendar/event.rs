//! Google Calendar events read into the tools' compact shapes: rows for
//! lists, details for one event. Times are shown in one requested zone.

use chrono_tz::Tz;
use rmcp::schemars;
use serde::Serialize;
use serde_json::Value;

use super::time::{When, span};

/// Characters of an event description shown before it is cut.
pub const DESCRIPTION_LIMIT: usize = 4_000;

fn s(v: &Value) -> Option<String> {
    v.as_str().filter(|x| !x.is_empty()).map(str::to_owned)
}

/// The video meeting link: `hangoutLink`, else the conference's video entry point.
pub fn meet_link(e: &Value) -> Option<String> {
    s(&e["hangoutLink"]).or_else(|| {
        e["conferenceData"]["entryPoints"]
            .as_array()?
            .iter()
            .find(|p| p["entryPointType"] == "video")
            .and_then(|p| s(&p["uri"]))
    })
}

/// The signed-in user's own attendee entry.
pub fn my_attendee(e: &Value) -> Option<&Value> {
    e["attendees"]
        .as_array()?
        .iter()
        .find(|a| a["self"].as_bool() == Some(true))
}

/// One event in a list.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EventRow {
    /// Event id (for a recurring event, the id of this occurrence).
    pub id: String,
    pub summary: String,
    /// Start: RFC 3339 in the requested time zone, or a date for all-day events.
    pub start: String,
    /// End: RFC 3339 in the requested time zone, or for all-day events the last day (inclusive).
    pub end: String,
    pub all_day: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Organizer's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<String>,
    /// Number of attendees (0 when the event has no guest list).
    pub attendees: usize,
    /// The user's own response: needsAction, accepted, declined or tentative (absent when not invited as a guest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_response: Option<String>,
    /// True for an occurrence of a recurring series.
    pub recurring: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meet_link: Option<String>,
    /// confirmed, tentative or cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The time span as text in the requested zone.
    #[serde(skip)]
    pub when: String,
}

impl EventRow {
    pub fn from_google(e: &Value, tz: Tz) -> EventRow {
        let sp = span(
            When::from_google(&e["start"]),
            When::from_google(&e["end"]),
            tz,
        );
        EventRow {
            id: s(&e["id"]).unwrap_or_default(),
            summary: s(&e["summary"]).unwrap_or_else(|| "(no title)".into()),
            start: sp.start,
            end: sp.end,
            all_day: sp.all_day,
            location: s(&e["location"]),
            organizer: s(&e["organizer"]["email"]),
            attendees: e["attendees"].as_array().map_or(0, Vec::len),
            my_response: my_attendee(e).and_then(|a| s(&a["responseStatus"])),
            recurring: e["recurringEventId"].is_string() || e["recurrence"].is_array(),
            meet_link: meet_link(e),
            status: s(&e["status"]).filter(|x| x != "confirmed"),
            when: sp.text,
        }
    }

    /// `Tue 2025-03-04 09:00–09:30  Weekly sync [recurring] · 3 guests · you: accepted · Room 1 · meet … · id …`
    pub fn text(&self) -> String {
        let mut out = format!("{}  {}", self.when, self.summary);
        if self.recurring {
            out.push_str(" [recurring]");
        }
        if let Some(st) = &self.status {
            out.push_str(&format!(" [{st}]"));
        }
        if self.attendees > 0 {
            out.push_str(&format!(" · {} guests", self.attendees));
        }
        if let Some(r) = &self.my_response {
            out.push_str(&format!(" · you: {r}"));
        }
        if let Some(l) = &self.location {
            out.push_str(&format!(" · {l}"));
        }
        if let Some(m) = &self.meet_link {
            out.push_str(&format!(" · {m}"));
        }
        out.push_str(&format!(" · id {}", self.id));
        out
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Person {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Person {
    fn from_google(v: &Value) -> Option<Person> {
        Some(Person {
            email: s(&v["email"])?,
            name: s(&v["displayName"]),
        })
    }

    fn text(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} <{}>", self.email),
            None => self.email.clone(),
        }
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Attendee {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// needsAction, accepted, declined or tentative.
    pub response: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub organizer: bool,
    /// True for the signed-in user.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_me: bool,
    /// A room or other resource.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resource: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Reminder {
    /// email or popup.
    pub method: String,
    pub minutes: i64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Reminders {
    /// The calendar's default reminders apply.
    pub use_default: bool,
    pub overrides: Vec<Reminder>,
}

/// One event in full.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EventDetail {
    pub id: String,
    pub calendar_id: String,
    pub summary: String,
    /// confirmed, tentative or cancelled.
    pub status: String,
    /// Start: RFC 3339 in `time_zone`, or a date for all-day events.
    pub start: String,
    /// End: RFC 3339 in `time_zone`, or for all-day events the last day (inclusive).
    pub end: String,
    pub all_day: bool,
    /// The IANA zone the times are shown in.
    pub time_zone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The description, cut at 4000 characters (see `description_truncated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub description_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<Person>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<Person>,
    pub attendees: Vec<Attendee>,
    /// The user's own response, when invited as a guest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_response: Option<String>,
    /// Video meeting link (Google Meet or other conference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meet_link: Option<String>,
    /// RRULE/EXDATE/RDATE lines of a recurring series.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recurrence: Vec<String>,
    /// For one occurrence of a series: the series' event id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_event_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminders: Option<Reminders>,
    /// The event in Google Calendar's web UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_link: Option<String>,
    #[serde(skip)]
    when: String,
}

impl EventDetail {
    pub fn from_google(e: &Value, calendar_id: &str, tz: Tz) -> EventDetail {
        let sp = span(
            When::from_google(&e["start"]),
            When::from_google(&e["end"]),
            tz,
        );
        let (description, description_truncated) = match s(&e["description"]) {
            Some(d) if d.chars().count() > DESCRIPTION_LIMIT => {
                (Some(d.chars().take(DESCRIPTION_LIMIT).collect()), true)
            }
            d => (d, false),
        };
        let attendees = e["attendees"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some(Attendee {
                    email: s(&a["email"])?,
                    name: s(&a["displayName"]),
                    response: s(&a["responseStatus"]).unwrap_or_else(|| "needsAction".into()),
                    optional: a["optional"].as_bool().unwrap_or(false),
                    organizer: a["organizer"].as_bool().unwrap_or(false),
                    is_me: a["self"].as_bool().unwrap_or(false),
                    resource: a["resource"].as_bool().unwrap_or(false),
                    comment: s(&a["comment"]),
                })
            })
            .collect();
        let reminders = e["reminders"].is_object().then(|| Reminders {
            use_default: e["reminders"]["useDefault"].as_bool().unwrap_or(false),
            overrides: e["reminders"]["overrides"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| Reminder {
                    method: s(&r["method"]).unwrap_or_default(),
                    minutes: r["minutes"].as_i64().unwrap_or_default(),
                })
                .collect(),
        });
        EventDetail {
            id: s(&e["id"]).unwrap_or_default(),
            calendar_id: calendar_id.to_owned(),
            summary: s(&e["summary"]).unwrap_or_else(|| "(no title)".into()),
            status: s(&e["status"]).unwrap_or_else(|| "confirmed".into()),
            start: sp.start,
            end: sp.end,
            all_day: sp.all_day,
            time_zone: tz.name().to_owned(),
            location: s(&e["location"]),
            description,
            description_truncated,
            organizer: Person::from_google(&e["organizer"]),
            creator: Person::from_google(&e["creator"]),
            attendees,
            my_response: my_attendee(e).and_then(|a| s(&a["responseStatus"])),
            meet_link: meet_link(e),
            recurrence: e["recurrence"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(s)
                .collect(),
            recurring_event_id: s(&e["recurringEventId"]),
            reminders,
            html_link: s(&e["htmlLink"]),
            when: sp.text,
        }
    }

    pub fn text(&self) -> String {
        let mut out = format!("{}\n{} ({})\n", self.summary, self.when, self.time_zone);
        let mut line = |label: &str, value: &str| crate::tools::line(&mut out, label, value);
        line("id", &self.id);
        if self.status != "confirmed" {
            line("status", &self.status);
        }
        line("location", self.location.as_deref().unwrap_or_default());
        line(
            "organizer",
            &self
                .organizer
                .as_ref()
                .map(Person::text)
                .unwrap_or_default(),
        );
        line("meet", self.meet_link.as_deref().unwrap_or_default());
        line("you", self.my_response.as_deref().unwrap_or_default());
        line("recurrence", &self.recurrence.join("; "));
        line(
            "series",
            self.recurring_event_id.as_deref().unwrap_or_default(),
        );
        if let Some(r) = &self.reminders {
            let text = if r.use_default {
                "calendar default".to_owned()
            } else {
                r.overrides
                    .iter()
                    .map(|o| format!("{} {} min before", o.method, o.minutes))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            line("reminders", &text);
        }
        line("link", self.html_link.as_deref().unwrap_or_default());
        if !self.attendees.is_empty() {
            out.push_str(&format!("attendees ({}):\n", self.attendees.len()));
            for a in &self.attendees {
                let who = match &a.name {
                    Some(n) => format!("{n} <{}>", a.email),
                    None => a.email.clone(),
                };
                let mut flags = vec![a.response.as_str()];
                if a.organizer {
                    flags.push("organizer");
                }
                if a.optional {
                    flags.push("optional");
                }
                if a.is_me {
                    flags.push("you");
                }
                out.push_str(&format!("  {who} — {}", flags.join(", ")));
                if let Some(c) = &a.comment {
                    out.push_str(&format!(" — \"{c}\""));
                }
                out.push('\n');
            }
        }
        if let Some(d) = &self.description {
            out.push_str("description:\n");
            out.push_str(d);
            if self.description_truncated {
                out.push_str("\n[description cut]");
            }
            out.push('\n');
        }
        out
    }
}
