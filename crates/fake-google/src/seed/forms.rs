//! The seeded form: every user owns a "Team Offsite Survey" (a short
//! answer, a multiple choice, a checkbox and a scale question) answered by
//! three colleagues; it sits in the root of their My Drive.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::Colleague;
use crate::drive::store::FormData;

pub const FORM_SURVEY: &str = "Team Offsite Survey";
pub const Q_NAME: &str = "Your name";
pub const Q_CITY: &str = "Where should we go?";
pub const Q_ACTIVITIES: &str = "Which activities interest you?";
pub const Q_RATING: &str = "How was last year's offsite?";
pub const CITIES: [&str; 3] = ["Lisbon", "Berlin", "Barcelona"];
pub const ACTIVITIES: [&str; 3] = ["Hiking", "Cooking class", "Boat trip"];

fn question(item: &str, qid: &str, title: &str, kind: Value) -> Value {
    let mut q = json!({ "questionId": qid, "required": title == Q_NAME });
    for (k, v) in kind.as_object().into_iter().flatten() {
        q[k] = v.clone();
    }
    json!({ "itemId": item, "title": title, "questionItem": { "question": q } })
}

fn options(values: &[&str]) -> Value {
    json!(
        values
            .iter()
            .map(|v| json!({ "value": v }))
            .collect::<Vec<_>>()
    )
}

pub(crate) fn survey(id: &str, people: &[Colleague], now_ms: i64) -> FormData {
    let form = json!({
        "formId": id,
        "info": {
            "title": FORM_SURVEY,
            "documentTitle": FORM_SURVEY,
            "description": "Help us plan this year's team offsite.",
        },
        "revisionId": "00000005",
        "responderUri": format!("https://docs.google.com/forms/d/e/{id}/viewform"),
        "publishSettings": { "publishState": { "isPublished": true, "isAcceptingResponses": true } },
        "items": [
            question("1a2b3c01", "0a1b2c01", Q_NAME, json!({ "textQuestion": {} })),
            question("1a2b3c02", "0a1b2c02", Q_CITY,
                json!({ "choiceQuestion": { "type": "RADIO", "options": options(&CITIES) } })),
            question("1a2b3c03", "0a1b2c03", Q_ACTIVITIES,
                json!({ "choiceQuestion": { "type": "CHECKBOX", "options": options(&ACTIVITIES) } })),
            question("1a2b3c04", "0a1b2c04", Q_RATING,
                json!({ "scaleQuestion": { "low": 1, "high": 5, "lowLabel": "Poor", "highLabel": "Great" } })),
        ],
    });
    let text = |qid: &str, values: &[&str]| {
        json!({ "questionId": qid,
            "textAnswers": { "answers": values.iter().map(|v| json!({ "value": v })).collect::<Vec<_>>() } })
    };
    let responses = people
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, p)| {
            let at = Utc
                .timestamp_millis_opt(now_ms - (3 - i as i64) * 86_400_000)
                .single()
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            json!({
                "formId": id,
                "responseId": format!("ACYDBN{}{i}", &id[1..12]),
                "createTime": at,
                "lastSubmittedTime": at,
                "respondentEmail": p.email,
                "answers": {
                    "0a1b2c01": text("0a1b2c01", &[&p.name]),
                    "0a1b2c02": text("0a1b2c02", &[CITIES[i % 3]]),
                    "0a1b2c03": text("0a1b2c03", &ACTIVITIES[..=i % 3]),
                    "0a1b2c04": text("0a1b2c04", &[["4", "5", "3"][i % 3]]),
                },
            })
        })
        .collect();
    FormData { form, responses }
}
