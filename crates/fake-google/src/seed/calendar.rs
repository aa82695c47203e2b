//! The seeded calendars: a primary calendar in the user's time zone (20 events
//! over three weeks back and forth, including recurring ones with exceptions),
//! a team calendar and a read-only holiday calendar. Dates are relative to
//! today in the user's zone.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::{colleagues, display_name, domain, hash};
use crate::calendar::store::{Calendar, CalendarSet, event_id, local_rfc3339, rfc3339_ms};
use crate::data::Person;

pub const SUMMARY_ONE_ON_ONE: &str = "Weekly 1:1";
pub const SUMMARY_STANDUP: &str = "Daily stand-up";
pub const SUMMARY_STANDUP_MOVED: &str = "Daily stand-up (moved)";
pub const SUMMARY_BUDGET: &str = "Q3 budget review";
pub const SUMMARY_DESIGN: &str = "Design sync";
pub const SUMMARY_ACME: &str = "Customer call: ACME Corp";
pub const SUMMARY_TOKYO: &str = "Call with Tokyo office";
pub const SUMMARY_ALL_HANDS: &str = "Quarterly all-hands";
pub const SUMMARY_INVITATION: &str = "Roadmap brainstorm";
pub const SUMMARY_HOLIDAY: &str = "Company holiday";
pub const SUMMARY_OFFSITE: &str = "Team offsite";
pub const TEAM_CALENDAR_SUMMARY: &str = "Engineering team";

/// The user's time zone: Europe/Berlin or America/New_York, by email.
pub fn time_zone(email: &str) -> &'static str {
    if hash(&email.to_ascii_lowercase(), "tz").is_multiple_of(2) {
        "Europe/Berlin"
    } else {
        "America/New_York"
    }
}

struct Builder {
    email: String,
    name: String,
    tz: Tz,
    today: NaiveDate,
    n: u32,
}

impl Builder {
    fn id(&mut self) -> String {
        self.n += 1;
        event_id(&format!("{}/event/{}", self.email, self.n))
    }

    fn stamp(&self, days_ago: i64) -> String {
        rfc3339_ms(Utc::now() - Duration::days(days_ago.max(1) + 7))
    }

    /// A timed event `day` days from today at `h:m` in `zone`, lasting `minutes`.
    fn timed(
        &mut self,
        summary: &str,
        day: i64,
        h: u32,
        m: u32,
        minutes: i64,
        zone: Option<Tz>,
    ) -> Value {
        let zone = zone.unwrap_or(self.tz);
        let date = self.today + Duration::days(day);
        let start = zone
            .from_local_datetime(&date.and_hms_opt(h, m, 0).expect("valid time"))
            .earliest()
            .expect("local time exists")
            .with_timezone(&Utc);
        let end = start + Duration::minutes(minutes);
        let mut event = self.base(summary, day);
        event["start"] = json!({ "dateTime": local_rfc3339(start, zone), "timeZone": zone.name() });
        event["end"] = json!({ "dateTime": local_rfc3339(end, zone), "timeZone": zone.name() });
        event
    }

    /// An all-day event from `day` for `days` days (end date exclusive).
    fn all_day(&mut self, summary: &str, day: i64, days: i64) -> Value {
        let start = self.today + Duration::days(day);
        let mut event = self.base(summary, day);
        event["start"] = json!({ "date": start.format("%Y-%m-%d").to_string() });
        event["end"] =
            json!({ "date": (start + Duration::days(days)).format("%Y-%m-%d").to_string() });
        event
    }

    fn base(&mut self, summary: &str, day: i64) -> Value {
        let id = self.id();
        json!({
            "kind": "calendar#event",
            "etag": format!("\"{}\"", 3_400_000_000_000_000u64 + u64::from(self.n) * 1_000),
            "id": id,
            "status": "confirmed",
            "htmlLink": format!("https://www.google.com/calendar/event?eid={id}"),
            "created": self.stamp(-day),
            "updated": self.stamp(-day - 1),
            "summary": summary,
            "creator": { "email": self.email, "self": true },
            "organizer": { "email": self.email, "self": true },
            "iCalUID": format!("{id}@google.com"),
            "sequence": 0,
            "reminders": { "useDefault": true },
            "eventType": "default",
        })
    }

    fn me(&self, status: &str) -> Value {
        json!({ "email": self.email, "displayName": self.name, "self": true, "organizer": true, "responseStatus": status })
    }
}

fn guest(email: &str, name: &str, status: &str) -> Value {
    json!({ "email": email, "displayName": name, "responseStatus": status })
}

fn organized_by(event: &mut Value, email: &str, name: &str) {
    event["organizer"] = json!({ "email": email, "displayName": name });
    event["creator"] = json!({ "email": email, "displayName": name });
}

/// The seeded calendars of `person`.
pub(crate) fn calendars(person: &Person) -> CalendarSet {
    let tz: Tz = time_zone(&person.email).parse().expect("known zone");
    let today = Utc::now().with_timezone(&tz).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let to_monday = (monday - today).num_days();
    let mut b = Builder {
        email: person.email.clone(),
        name: display_name(person),
        tz,
        today,
        n: 0,
    };
    let c = colleagues(&person.email);
    let dom = domain(person);
    let mut primary = Vec::new();

    // Weekly 1:1 on Tuesdays, from two weeks ago, ten times.
    let mut one_on_one = b.timed(
        &format!("{SUMMARY_ONE_ON_ONE} {} / {}", b.name, c[0].name),
        to_monday - 13,
        10,
        0,
        30,
        None,
    );
    one_on_one["recurrence"] = json!(["RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10"]);
    one_on_one["attendees"] = json!([b.me("accepted"), guest(&c[0].email, &c[0].name, "accepted")]);
    primary.push(one_on_one);

    // Daily stand-up on weekdays until four weeks from now; this Wednesday moved, next Monday cancelled.
    let until = (monday + Duration::days(27)).format("%Y%m%dT235959Z");
    let mut standup = b.timed(SUMMARY_STANDUP, to_monday - 14, 9, 30, 15, None);
    standup["recurrence"] = json!([format!(
        "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL={until}"
    )]);
    standup["attendees"] = json!([
        b.me("accepted"),
        guest(&c[1].email, &c[1].name, "accepted"),
        guest(&c[2].email, &c[2].name, "accepted"),
        guest(&c[3].email, &c[3].name, "tentative")
    ]);
    standup["conferenceData"] = meet(&b.email, "standup");
    standup["hangoutLink"] = standup["conferenceData"]["entryPoints"][0]["uri"].clone();
    let moved_original = b.timed(SUMMARY_STANDUP, to_monday + 2, 9, 30, 15, None);
    let mut moved = b.timed(SUMMARY_STANDUP_MOVED, to_monday + 2, 10, 0, 15, None);
    let cancelled_original = b.timed(SUMMARY_STANDUP, to_monday + 7, 9, 30, 15, None);
    for (exception, original, cancelled) in [
        (&mut moved, &moved_original, false),
        (&mut cancelled_original.clone(), &cancelled_original, true),
    ] {
        let start = crate::calendar::store::instant(&original["start"], tz).expect("start");
        let mut e = crate::calendar::store::instance(&standup, start, tz);
        if cancelled {
            e["status"] = json!("cancelled");
        } else {
            e["summary"] = exception["summary"].clone();
            e["start"] = exception["start"].clone();
            e["end"] = exception["end"].clone();
        }
        primary.push(e);
    }
    primary.push(standup);

    let mut budget = b.timed(SUMMARY_BUDGET, 1, 14, 0, 60, None);
    organized_by(&mut budget, &c[0].email, &c[0].name);
    budget["location"] = json!("Room Kepler, 3rd floor");
    budget["attendees"] = json!([
        { "email": c[0].email, "displayName": c[0].name, "organizer": true, "responseStatus": "accepted" },
        { "email": b.email, "displayName": b.name, "self": true, "responseStatus": "accepted" },
        guest(&c[1].email, &c[1].name, "tentative"),
        guest(&format!("finance@{dom}"), "Finance", "declined"),
    ]);
    primary.push(budget);

    let mut design = b.timed(SUMMARY_DESIGN, 0, 15, 0, 60, None);
    design["description"] =
        json!("Agenda: API error format, pagination, review of the Atlas schema.");
    design["attendees"] = json!([
        b.me("accepted"),
        guest(&c[2].email, &c[2].name, "accepted"),
        guest(
            &format!("joerg.mueller@{dom}"),
            "Jörg Müller",
            "needsAction"
        )
    ]);
    primary.push(design);

    let mut acme = b.timed(
        SUMMARY_ACME,
        2,
        9,
        0,
        45,
        Some(chrono_tz::America::Los_Angeles),
    );
    acme["attendees"] = json!([
        b.me("accepted"),
        guest("support@acme.example.com", "ACME Support", "accepted")
    ]);
    primary.push(acme);

    let mut tokyo = b.timed(SUMMARY_TOKYO, 3, 17, 0, 30, Some(chrono_tz::Asia::Tokyo));
    tokyo["attendees"] = json!([
        b.me("accepted"),
        guest(&format!("taro.tanaka@{dom}"), "田中 太郎", "accepted")
    ]);
    primary.push(tokyo);

    let mut all_hands = b.timed(SUMMARY_ALL_HANDS, 8, 17, 0, 60, None);
    all_hands["location"] = json!("Main office, Atlas room");
    all_hands["description"] = json!("Quarterly results and roadmap. Join in person or on Meet.");
    all_hands["conferenceData"] = meet(&b.email, "all-hands");
    all_hands["hangoutLink"] = all_hands["conferenceData"]["entryPoints"][0]["uri"].clone();
    organized_by(&mut all_hands, &c[5].email, &c[5].name);
    all_hands["attendees"] = json!([{ "email": c[5].email, "displayName": c[5].name, "organizer": true, "responseStatus": "accepted" }, { "email": b.email, "self": true, "responseStatus": "accepted" }]);
    primary.push(all_hands);

    let mut invitation = b.timed(SUMMARY_INVITATION, 4, 13, 0, 90, None);
    organized_by(&mut invitation, &c[1].email, &c[1].name);
    invitation["attendees"] = json!([
        { "email": c[1].email, "displayName": c[1].name, "organizer": true, "responseStatus": "accepted" },
        { "email": b.email, "displayName": b.name, "self": true, "responseStatus": "needsAction" },
        guest(&c[2].email, &c[2].name, "accepted"),
    ]);
    primary.push(invitation);

    for (summary, day, h, m, minutes) in [
        ("Interview: Senior Backend Engineer", 1, 16, 0, 60),
        ("Hiring debrief", -3, 11, 0, 30),
        ("Architecture review", -7, 14, 0, 90),
        ("Sprint retro", -5, 16, 0, 60),
        ("Lunch & learn: Rust", -12, 12, 0, 60),
        ("Vendor demo", -18, 10, 0, 45),
        ("Dentist", 6, 8, 0, 60),
        ("Planning poker", 9, 11, 0, 60),
        ("Focus time", 2, 13, 0, 120),
    ] {
        let mut event = b.timed(summary, day, h, m, minutes, None);
        if summary == "Dentist" {
            event["visibility"] = json!("private");
        } else if summary != "Focus time" {
            event["attendees"] =
                json!([b.me("accepted"), guest(&c[4].email, &c[4].name, "accepted")]);
        }
        primary.push(event);
    }

    let mut holiday = b.all_day(SUMMARY_HOLIDAY, 10, 1);
    holiday["transparency"] = json!("transparent");
    primary.push(holiday);
    let mut offsite = b.all_day(SUMMARY_OFFSITE, 14, 3);
    offsite["location"] = json!("Lakeside Lodge");
    primary.push(offsite);

    let team_id = format!(
        "c_{}@group.calendar.google.com",
        event_id(&format!("{}/team", person.email))
    );
    let mut team = Vec::new();
    let mut freeze = b.all_day("Release freeze", 12, 2);
    organized_by(&mut freeze, &team_id, TEAM_CALENDAR_SUMMARY);
    team.push(freeze);
    let mut handover = b.timed("On-call handover", to_monday - 14, 9, 0, 15, None);
    handover["recurrence"] = json!(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"]);
    organized_by(&mut handover, &team_id, TEAM_CALENDAR_SUMMARY);
    team.push(handover);
    let mut planning = b.timed("Sprint planning", to_monday + 7, 10, 0, 90, None);
    organized_by(&mut planning, &team_id, TEAM_CALENDAR_SUMMARY);
    team.push(planning);

    let year = today.year();
    let holidays = [
        ("New Year's Day", NaiveDate::from_ymd_opt(year + 1, 1, 1)),
        ("Labour Day", NaiveDate::from_ymd_opt(year, 5, 1)),
    ]
    .into_iter()
    .filter_map(|(summary, date)| {
        let date = date?;
        let mut e = b.all_day(summary, (date - today).num_days(), 1);
        e["transparency"] = json!("transparent");
        e["visibility"] = json!("public");
        organized_by(
            &mut e,
            "en.german#holiday@group.v.calendar.google.com",
            "Holidays",
        );
        Some(e)
    })
    .collect();

    CalendarSet {
        calendars: vec![
            Calendar {
                id: person.email.clone(),
                summary: person.email.clone(),
                description: String::new(),
                time_zone: tz.name().into(),
                primary: true,
                access_role: "owner",
                color_id: "14",
                background: "#9fe1e7",
                events: primary,
            },
            Calendar {
                id: team_id,
                summary: TEAM_CALENDAR_SUMMARY.into(),
                description: "Shared calendar of the engineering team".into(),
                time_zone: tz.name().into(),
                primary: false,
                access_role: "owner",
                color_id: "7",
                background: "#42d692",
                events: team,
            },
            Calendar {
                id: "en.german#holiday@group.v.calendar.google.com".into(),
                summary: "Holidays".into(),
                description: "Public holidays".into(),
                time_zone: tz.name().into(),
                primary: false,
                access_role: "reader",
                color_id: "8",
                background: "#16a765",
                events: holidays,
            },
        ],
    }
}

/// Meet conference data as Google attaches it.
pub(crate) fn meet(email: &str, label: &str) -> Value {
    let id = event_id(&format!("{email}/meet/{label}"));
    let code = format!("{}-{}-{}", &id[..3], &id[3..7], &id[7..10]);
    json!({
        "entryPoints": [{ "entryPointType": "video", "uri": format!("https://meet.google.com/{code}"), "label": format!("meet.google.com/{code}") }],
        "conferenceSolution": {
            "key": { "type": "hangoutsMeet" },
            "name": "Google Meet",
            "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png"
        },
        "conferenceId": code,
    })
}
