//! Calendar tool tests' helpers: the Gmail tests' gateway and session, and
//! what the calendar tests read (zones, dates, event rows).

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::google_flow::Env;

/// A signed-in MCP session for one user, a gateway offering every tool, and
/// ANN signed in on one: the same as the Gmail tests'.
pub use crate::gmail_support::{Gm as Cal, ann, env};

/// The user's calendar zone as the fake seeded it.
pub fn zone(env: &Env, email: &str) -> Tz {
    env.fake().calendar_time_zone(email).parse().unwrap()
}

pub fn today(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

/// Rows of a `calendar_list_events` answer.
pub fn rows(list: &Value) -> Vec<Value> {
    list["events"].as_array().cloned().unwrap_or_default()
}

pub fn summaries(list: &Value) -> Vec<String> {
    rows(list)
        .iter()
        .map(|e| e["summary"].as_str().unwrap_or_default().to_owned())
        .collect()
}
