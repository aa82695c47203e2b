//! Calendar tools end to end: MCP over real HTTP to the gateway, the gateway
//! to the fake Google Calendar, against each user's seeded calendars.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::calendar_support::{Cal, ann, env, rows, summaries, today, zone};
use crate::google_flow::{ANN, ERIN};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s:?}: {e}"))
        .with_timezone(&Utc)
}

fn local(tz: Tz, date: chrono::NaiveDate, h: u32, m: u32) -> String {
    tz.from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
        .earliest()
        .unwrap()
        .fixed_offset()
        .to_rfc3339()
}

#[tokio::test]
async fn calendars_and_events_are_listed_with_compact_rows() {
    let (env, cal) = ann(&[]).await;
    let (cals, text) = cal.ok("calendar_list_calendars", json!({})).await;
    assert!(text.contains("(primary)"), "{text}");
    assert_eq!(cals["calendars"].as_array().unwrap().len(), 3, "{cals}");

    let tz = zone(&env, ANN);
    let (list, text) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": today(tz).to_string(), "time_max": (today(tz) + Duration::days(6)).to_string()}),
        )
        .await;
    assert_eq!(list["time_zone"], tz.name());
    let budget = rows(&list)
        .into_iter()
        .find(|e| e["summary"] == "Q3 budget review")
        .unwrap_or_else(|| panic!("no budget review in {text}"));
    assert_eq!(budget["location"], "Room Kepler, 3rd floor");
    assert_eq!(budget["attendees"], 4);
    assert_eq!(budget["my_response"], "accepted");
    assert_eq!(budget["all_day"], false);
    let start = at(budget["start"].as_str().unwrap()).with_timezone(&tz);
    assert_eq!(start.time(), NaiveTime::from_hms_opt(14, 0, 0).unwrap());
    assert!(text.contains("Q3 budget review"), "{text}");
    let standup = rows(&list)
        .into_iter()
        .find(|e| e["summary"] == "Daily stand-up")
        .expect("a stand-up this week");
    assert_eq!(standup["recurring"], true);
    assert!(
        standup["meet_link"]
            .as_str()
            .unwrap()
            .starts_with("https://meet.google.com/")
    );
    // Rows come in start order.
    let starts: Vec<String> = rows(&list)
        .iter()
        .filter(|e| e["all_day"] == false)
        .map(|e| e["start"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by_key(|s| at(s));
    assert_eq!(starts, sorted);
}

#[tokio::test]
async fn recurring_events_expand_once_per_week() {
    let (env, cal) = ann(&[]).await;
    let tz = zone(&env, ANN);
    let t = today(tz);
    let monday = t - Duration::days(t.weekday().num_days_from_monday().into());
    let (list, _) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": (monday - Duration::days(14)).to_string(),
                   "time_max": (monday + Duration::days(20)).to_string(),
                   "max_results": 250}),
        )
        .await;
    let ones: Vec<DateTime<Tz>> = rows(&list)
        .iter()
        .filter(|e| e["summary"].as_str().unwrap().starts_with("Weekly 1:1"))
        .map(|e| at(e["start"].as_str().unwrap()).with_timezone(&tz))
        .collect();
    assert_eq!(ones.len(), 5, "{ones:?}");
    for (i, o) in ones.iter().enumerate() {
        assert_eq!(o.weekday(), Weekday::Tue);
        assert_eq!(o.time(), NaiveTime::from_hms_opt(10, 0, 0).unwrap());
        if i > 0 {
            assert_eq!(o.date_naive() - ones[i - 1].date_naive(), Duration::days(7));
        }
    }
    let all = rows(&list);
    let ids: std::collections::HashSet<&str> =
        all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "occurrence ids are distinct");
}

#[tokio::test]
async fn time_min_bounds_the_end_and_time_max_the_start() {
    let (env, cal) = ann(&[]).await;
    let tz = zone(&env, ANN);
    let t = today(tz);
    // Design sync runs today 15:00–16:00.
    let (list, _) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": local(tz, t, 15, 30), "time_max": local(tz, t, 15, 45)}),
        )
        .await;
    assert!(
        summaries(&list).contains(&"Design sync".to_owned()),
        "{list}"
    );
    // Ended exactly at time_min: excluded; starting exactly at time_max: excluded.
    let (list, _) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": local(tz, t, 16, 0), "time_max": local(tz, t, 16, 10)}),
        )
        .await;
    assert!(
        !summaries(&list).contains(&"Design sync".to_owned()),
        "{list}"
    );
    let (list, _) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": local(tz, t, 14, 0), "time_max": local(tz, t, 15, 0)}),
        )
        .await;
    assert!(
        !summaries(&list).contains(&"Design sync".to_owned()),
        "{list}"
    );
}

#[tokio::test]
async fn all_day_events_show_dates_with_inclusive_ends() {
    let (env, cal) = ann(&[]).await;
    let tz = zone(&env, ANN);
    let t = today(tz);
    let (list, text) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": (t + Duration::days(9)).to_string(), "time_max": (t + Duration::days(20)).to_string()}),
        )
        .await;
    let find = |name: &str| {
        rows(&list)
            .into_iter()
            .find(|e| e["summary"] == name)
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    let holiday = find("Company holiday");
    assert_eq!(holiday["all_day"], true);
    assert_eq!(holiday["start"], (t + Duration::days(10)).to_string());
    assert_eq!(holiday["end"], (t + Duration::days(10)).to_string());
    let offsite = find("Team offsite");
    assert_eq!(offsite["start"], (t + Duration::days(14)).to_string());
    assert_eq!(offsite["end"], (t + Duration::days(16)).to_string());
    assert!(text.contains("(all day)"), "{text}");

    // Created with an inclusive last day; stored with Google's exclusive end.
    let first = t + Duration::days(40);
    let (created, _) = cal
        .ok(
            "calendar_create_event",
            json!({"summary": "Conference", "all_day": true, "start": first.to_string(),
                   "end": (first + Duration::days(1)).to_string(), "send_updates": "none"}),
        )
        .await;
    assert_eq!(created["all_day"], true);
    assert_eq!(created["end"], (first + Duration::days(1)).to_string());
    let stored = env
        .fake()
        .calendar_events(ANN, "primary")
        .into_iter()
        .find(|e| e["id"] == created["id"])
        .expect("stored");
    assert_eq!(
        stored["end"]["date"],
        (first + Duration::days(2)).to_string()
    );
    let (one, _) = cal
        .ok(
            "calendar_create_event",
            json!({"summary": "Day off", "all_day": true, "start": first.to_string(), "end": first.to_string()}),
        )
        .await;
    assert_eq!(one["start"], one["end"]);
}

#[tokio::test]
async fn an_event_created_in_new_york_lists_in_berlin_time() {
    let (_env, cal) = ann(&[]).await;
    let ny: Tz = "America/New_York".parse().unwrap();
    let berlin: Tz = "Europe/Berlin".parse().unwrap();
    let day = today(ny) + Duration::days(45);
    let (created, _) = cal
        .ok(
            "calendar_create_event",
            json!({"summary": "NY planning", "start": format!("{day}T09:00"), "end": format!("{day}T10:00"),
                   "time_zone": "America/New_York"}),
        )
        .await;
    assert_eq!(created["start"], local(ny, day, 9, 0));
    let (list, text) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": day.to_string(), "time_max": day.to_string(),
                   "time_zone": "Europe/Berlin", "query": "NY planning"}),
        )
        .await;
    let row = rows(&list)
        .into_iter()
        .find(|e| e["summary"] == "NY planning")
        .unwrap_or_else(|| panic!("{text}"));
    let expected = at(&local(ny, day, 9, 0)).with_timezone(&berlin);
    assert_eq!(row["start"], expected.fixed_offset().to_rfc3339());
    assert!(
        text.contains(&expected.format("%H:%M").to_string()),
        "{text}"
    );
}

#[tokio::test]
async fn pages_follow_next_page_token() {
    let (env, cal) = ann(&[]).await;
    let t = today(zone(&env, ANN));
    let range = json!({"time_min": (t - Duration::days(14)).to_string(), "time_max": (t + Duration::days(14)).to_string()});
    let mut args = range.clone();
    args["max_results"] = json!(4);
    let (first, text) = cal.ok("calendar_list_events", args.clone()).await;
    assert_eq!(rows(&first).len(), 4);
    let token = first["next_page_token"].as_str().expect("more pages");
    assert!(text.contains(&format!("page_token={token}")), "{text}");
    args["page_token"] = json!(token);
    let (second, _) = cal.ok("calendar_list_events", args).await;
    let ids = |v: &Value| -> Vec<String> {
        rows(v)
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!ids(&second).is_empty());
    assert!(ids(&second).iter().all(|id| !ids(&first).contains(id)));
    let (all, _) = cal.ok("calendar_list_events", range).await;
    assert_eq!(ids(&all)[4..4 + ids(&second).len()], ids(&second)[..]);
}

#[tokio::test]
async fn long_lists_are_cut_with_a_note() {
    let (env, cal) = ann(&[(mcp_gateway::config::TOOL_OUTPUT_LIMIT, "1000")]).await;
    let t = today(zone(&env, ANN));
    let c = cal
        .call(
            "calendar_list_events",
            json!({"time_min": (t - Duration::days(20)).to_string(), "time_max": (t + Duration::days(20)).to_string()}),
        )
        .await;
    assert!(!c.is_error, "{}", c.text);
    assert!(c.text.chars().count() <= 1000);
    assert!(
        c.text.contains("output cut at 1000 characters"),
        "{}",
        c.text
    );
    assert!(rows(&c.structured).len() > 10);
}

#[tokio::test]
async fn an_event_reads_in_full() {
    let (env, cal) = ann(&[]).await;
    let id = env
        .fake()
        .calendar_event_id(ANN, "Q3 budget review")
        .unwrap();
    let (e, text) = cal.ok("calendar_get_event", json!({"event_id": id})).await;
    assert_eq!(e["summary"], "Q3 budget review");
    assert_eq!(e["location"], "Room Kepler, 3rd floor");
    let attendees = e["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), 4);
    assert!(attendees.iter().any(
        |a| a["response"] == "declined" && a["email"].as_str().unwrap().starts_with("finance@")
    ));
    assert!(attendees.iter().any(|a| a["is_me"] == true));
    assert!(e["organizer"]["email"].as_str().unwrap() != ANN);
    assert_eq!(e["reminders"]["use_default"], true);
    assert!(e["html_link"].as_str().unwrap().starts_with("https://"));
    assert!(
        text.contains("finance@") && text.contains("declined"),
        "{text}"
    );

    let standup = env.fake().calendar_event_id(ANN, "Daily stand-up").unwrap();
    let (s, _) = cal
        .ok("calendar_get_event", json!({"event_id": standup}))
        .await;
    assert!(
        s["recurrence"][0]
            .as_str()
            .unwrap()
            .starts_with("RRULE:FREQ=DAILY")
    );
    assert!(
        s["meet_link"]
            .as_str()
            .unwrap()
            .starts_with("https://meet.google.com/")
    );
}

#[tokio::test]
async fn create_with_guests_and_a_meet_link() {
    let (env, cal) = ann(&[]).await;
    let day = today(zone(&env, ANN)) + Duration::days(30);
    let (e, text) = cal
        .ok(
            "calendar_create_event",
            json!({"summary": "Kickoff", "start": format!("{day}T11:00"), "end": format!("{day}T11:45"),
                   "attendees": ["erin@example.com", "Guest@Partner.example"], "add_meet_link": true,
                   "description": "Agenda", "location": "Room 1", "send_updates": "externalOnly"}),
        )
        .await;
    assert!(text.starts_with("Created"), "{text}");
    assert!(
        e["meet_link"]
            .as_str()
            .unwrap()
            .starts_with("https://meet.google.com/"),
        "{e}"
    );
    let emails: Vec<&str> = e["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"erin@example.com") && emails.contains(&"guest@partner.example"));
    let id = e["id"].as_str().unwrap();
    assert!(
        id.len() >= 5
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
    );
    let path = "/calendar/v3/calendars/primary/events";
    let last = env.fake().last_request(path).unwrap();
    assert_eq!(last.param("conferenceDataVersion"), Some("1"));
    assert_eq!(last.param("sendUpdates"), Some("externalOnly"));
    let (again, _) = cal.ok("calendar_get_event", json!({"event_id": id})).await;
    assert_eq!(again["meet_link"], e["meet_link"]);
}

#[tokio::test]
async fn a_client_chosen_id_makes_a_repeated_create_return_the_first_event() {
    let (env, cal) = ann(&[]).await;
    let day = today(zone(&env, ANN)) + Duration::days(31);
    let args = json!({"summary": "Once", "start": format!("{day}T08:00"), "end": format!("{day}T08:30"),
                      "event_id": "once0123456789abcdef"});
    let (first, _) = cal.ok("calendar_create_event", args.clone()).await;
    let (second, text) = cal.ok("calendar_create_event", args).await;
    assert_eq!(first["id"], second["id"]);
    assert!(text.contains("already existed"), "{text}");
    let n = env
        .fake()
        .calendar_events(ANN, "primary")
        .iter()
        .filter(|e| e["summary"] == "Once")
        .count();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn update_changes_only_the_given_fields() {
    let (env, cal) = ann(&[]).await;
    let id = env.fake().calendar_event_id(ANN, "Design sync").unwrap();
    let (before, _) = cal.ok("calendar_get_event", json!({"event_id": id})).await;
    let (after, text) = cal
        .ok(
            "calendar_update_event",
            json!({"event_id": id, "location": "Room Turing", "send_updates": "none"}),
        )
        .await;
    assert!(text.starts_with("Updated"), "{text}");
    assert_eq!(after["location"], "Room Turing");
    for field in [
        "summary",
        "description",
        "start",
        "end",
        "attendees",
        "organizer",
    ] {
        assert_eq!(after[field], before[field], "{field} changed");
    }
    // A new start alone keeps the length; guests can be added and removed.
    let old_start = at(before["start"].as_str().unwrap());
    let old_len = at(before["end"].as_str().unwrap()) - old_start;
    let new_start = old_start + Duration::days(1) + Duration::hours(1);
    let removed = before["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["is_me"] != true)
        .unwrap()["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let (moved, _) = cal
        .ok(
            "calendar_update_event",
            json!({"event_id": id, "start": new_start.to_rfc3339(), "add_attendees": ["new.person@example.com"],
                   "remove_attendees": [removed.clone()]}),
        )
        .await;
    assert_eq!(at(moved["start"].as_str().unwrap()), new_start);
    assert_eq!(at(moved["end"].as_str().unwrap()) - new_start, old_len);
    let emails: Vec<&str> = moved["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"new.person@example.com"));
    assert!(!emails.contains(&removed.as_str()));
    assert_eq!(moved["location"], "Room Turing");
    assert_eq!(moved["description"], before["description"]);
}

#[tokio::test]
async fn a_deleted_event_is_not_found() {
    let (env, cal) = ann(&[]).await;
    let id = env.fake().calendar_event_id(ANN, "Planning poker").unwrap();
    let (d, text) = cal
        .ok(
            "calendar_delete_event",
            json!({"event_id": id, "send_updates": "none"}),
        )
        .await;
    assert_eq!(d["deleted"], true);
    assert!(text.contains("Planning poker"), "{text}");
    let err = cal.err("calendar_get_event", json!({"event_id": id})).await;
    assert!(err.contains("not found"), "{err}");
    let err = cal
        .err("calendar_delete_event", json!({"event_id": id}))
        .await;
    assert!(err.contains("not found"), "{err}");
}

#[tokio::test]
async fn responding_changes_only_my_response() {
    let (env, cal) = ann(&[]).await;
    let id = env
        .fake()
        .calendar_event_id(ANN, "Roadmap brainstorm")
        .unwrap();
    let (before, _) = cal.ok("calendar_get_event", json!({"event_id": id})).await;
    assert_eq!(before["my_response"], "needsAction");
    let (r, text) = cal
        .ok(
            "calendar_respond",
            json!({"event_id": id, "response": "tentative", "comment": "Might be late"}),
        )
        .await;
    assert_eq!(r["response"], "tentative");
    assert!(text.contains("tentative"), "{text}");
    let (after, _) = cal.ok("calendar_get_event", json!({"event_id": id})).await;
    assert_eq!(after["my_response"], "tentative");
    let me = after["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["is_me"] == true)
        .unwrap()
        .clone();
    assert_eq!(me["comment"], "Might be late");
    let others = |v: &Value| -> Vec<Value> {
        v["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["is_me"] != true)
            .cloned()
            .collect()
    };
    assert_eq!(others(&after), others(&before));
    // An event the user organises alone has no invitation to answer.
    let focus = env.fake().calendar_event_id(ANN, "Focus time").unwrap();
    let err = cal
        .err(
            "calendar_respond",
            json!({"event_id": focus, "response": "accepted"}),
        )
        .await;
    assert!(err.contains("no invitation"), "{err}");
}

#[tokio::test]
async fn free_slots_avoid_every_busy_block_within_working_hours() {
    let (env, cal) = ann(&[]).await;
    let tz = zone(&env, ANN);
    let t = today(tz);
    let (f, text) = cal
        .ok(
            "calendar_find_free_time",
            json!({"attendees": [ERIN, "nobody@unknown.example"], "duration_minutes": 60,
                   "time_min": t.to_string(), "time_max": (t + Duration::days(6)).to_string(),
                   "max_slots": 20}),
        )
        .await;
    assert_eq!(f["time_zone"], tz.name());
    let people = f["attendees"].as_array().unwrap();
    assert_eq!(people.len(), 3, "{f}");
    let me = people.iter().find(|p| p["is_me"] == true).unwrap();
    assert!(!me["busy"].as_array().unwrap().is_empty(), "{text}");
    let erin = people.iter().find(|p| p["email"] == ERIN).unwrap();
    assert!(erin["unavailable"].is_null(), "{erin}");
    let nobody = people
        .iter()
        .find(|p| p["email"] == "nobody@unknown.example")
        .unwrap();
    assert!(nobody["unavailable"].is_string(), "{nobody}");
    assert!(text.contains("not accounted for"), "{text}");

    let busy: Vec<(DateTime<Utc>, DateTime<Utc>)> = people
        .iter()
        .flat_map(|p| p["busy"].as_array().unwrap().clone())
        .map(|b| {
            (
                at(b["start"].as_str().unwrap()),
                at(b["end"].as_str().unwrap()),
            )
        })
        .collect();
    // My own timed events, as listed, are all inside the busy blocks.
    let (list, _) = cal
        .ok(
            "calendar_list_events",
            json!({"time_min": t.to_string(), "time_max": (t + Duration::days(6)).to_string(), "max_results": 250}),
        )
        .await;
    let slots = f["slots"].as_array().unwrap();
    assert!(!slots.is_empty(), "{text}");
    for s in slots {
        let (a, b) = (
            at(s["start"].as_str().unwrap()),
            at(s["end"].as_str().unwrap()),
        );
        assert_eq!(b - a, Duration::minutes(60));
        let la = a.with_timezone(&tz);
        let lb = b.with_timezone(&tz);
        assert!(!matches!(la.weekday(), Weekday::Sat | Weekday::Sun), "{la}");
        assert!(
            la.time() >= NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            "{la}"
        );
        assert!(
            lb.time() <= NaiveTime::from_hms_opt(17, 0, 0).unwrap()
                && lb.date_naive() == la.date_naive(),
            "{lb}"
        );
        assert!(
            busy.iter().all(|(x, y)| b <= *x || a >= *y),
            "{s} overlaps a busy block"
        );
        for e in rows(&list)
            .iter()
            .filter(|e| e["all_day"] == false && e["my_response"] != "declined")
        {
            let (x, y) = (
                at(e["start"].as_str().unwrap()),
                at(e["end"].as_str().unwrap()),
            );
            assert!(b <= x || a >= y, "{s} overlaps {}", e["summary"]);
        }
    }
}

#[tokio::test]
async fn users_see_only_their_own_events() {
    let env = env(&[]).await;
    let ann = Cal::sign_in(&env, ANN).await;
    let erin = Cal::sign_in(&env, ERIN).await;
    let day = today(zone(&env, ANN)) + Duration::days(33);
    let (e, _) = ann
        .ok(
            "calendar_create_event",
            json!({"summary": "Ann's private thing", "start": format!("{day}T12:00:00Z"), "end": format!("{day}T13:00:00Z")}),
        )
        .await;
    let (list, _) = erin
        .ok(
            "calendar_list_events",
            json!({"time_min": day.to_string(), "time_max": day.to_string(), "time_zone": "UTC"}),
        )
        .await;
    assert!(!summaries(&list).contains(&"Ann's private thing".to_owned()));
    let err = erin
        .err("calendar_get_event", json!({"event_id": e["id"]}))
        .await;
    assert!(err.contains("not found"), "{err}");
    let (mine, _) = ann
        .ok(
            "calendar_list_events",
            json!({"time_min": day.to_string(), "time_max": day.to_string(), "time_zone": "UTC"}),
        )
        .await;
    assert!(summaries(&mine).contains(&"Ann's private thing".to_owned()));
}
