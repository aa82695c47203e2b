//! The schema checker: Google's discovery documents (copied into
//! `tests/discovery/`, see SOURCE.md) and a check of answers against a
//! method's response schema: every field must exist with the right JSON type
//! (`int64` as strings, `date-time` as RFC 3339, `byte` as base64), and the
//! fields clients rely on must be present.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

const GMAIL: &str = include_str!("../discovery/gmail.v1.json");
const CALENDAR: &str = include_str!("../discovery/calendar.v3.json");
const DRIVE: &str = include_str!("../discovery/drive.v3.json");
const DOCS: &str = include_str!("../discovery/docs.v1.json");
const SHEETS: &str = include_str!("../discovery/sheets.v4.json");
const SLIDES: &str = include_str!("../discovery/slides.v1.json");
const TASKS: &str = include_str!("../discovery/tasks.v1.json");
const PEOPLE: &str = include_str!("../discovery/people.v1.json");
const FORMS: &str = include_str!("../discovery/forms.v1.json");
const CHAT: &str = include_str!("../discovery/chat.v1.json");

pub struct Discovery {
    pub gmail: Value,
    pub calendar: Value,
    pub drive: Value,
    pub docs: Value,
    pub sheets: Value,
    pub slides: Value,
    pub tasks: Value,
    pub people: Value,
    pub forms: Value,
    pub chat: Value,
}

impl Discovery {
    pub fn load() -> Self {
        Discovery {
            gmail: serde_json::from_str(GMAIL).expect("gmail discovery"),
            calendar: serde_json::from_str(CALENDAR).expect("calendar discovery"),
            drive: serde_json::from_str(DRIVE).expect("drive discovery"),
            docs: serde_json::from_str(DOCS).expect("docs discovery"),
            sheets: serde_json::from_str(SHEETS).expect("sheets discovery"),
            slides: serde_json::from_str(SLIDES).expect("slides discovery"),
            tasks: serde_json::from_str(TASKS).expect("tasks discovery"),
            people: serde_json::from_str(PEOPLE).expect("people discovery"),
            forms: serde_json::from_str(FORMS).expect("forms discovery"),
            chat: serde_json::from_str(CHAT).expect("chat discovery"),
        }
    }

    fn doc(&self, method: &str) -> &Value {
        match method.split('.').next() {
            Some("gmail") => &self.gmail,
            Some("drive") => &self.drive,
            Some("docs") => &self.docs,
            Some("sheets") => &self.sheets,
            Some("slides") => &self.slides,
            Some("tasks") => &self.tasks,
            Some("people") => &self.people,
            Some("forms") => &self.forms,
            Some("chat") => &self.chat,
            _ => &self.calendar,
        }
    }

    pub fn method(&self, id: &str) -> Value {
        fn find(resources: &Value, id: &str) -> Option<Value> {
            for resource in resources.as_object()?.values() {
                for method in resource["methods"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    if method["id"] == id {
                        return Some(method.clone());
                    }
                }
                if let Some(found) = find(&resource["resources"], id) {
                    return Some(found);
                }
            }
            None
        }
        find(&self.doc(id)["resources"], id).unwrap_or_else(|| panic!("method {id} in discovery"))
    }

    /// Checks `body` against the response schema of `method`; panics listing every mismatch.
    pub fn check(&self, method: &str, body: &Value, required: &[&str]) {
        let schema = self.method(method)["response"].clone();
        let mut errors = Vec::new();
        check(self.doc(method), body, &schema, method, &mut errors);
        for path in required {
            if pointer(body, path).is_none() {
                errors.push(format!("{method}: missing required field {path}"));
            }
        }
        assert!(errors.is_empty(), "{}\nbody: {body}", errors.join("\n"));
    }
}

/// A dotted path where `[]` means "every element" (all must have the field; at least one element).
fn pointer<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = vec![value];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            if let Some(field) = part.strip_suffix("[]") {
                let items = v.get(field)?.as_array()?;
                if items.is_empty() {
                    return None;
                }
                next.extend(items.iter());
            } else {
                next.push(v.get(part)?);
            }
        }
        current = next;
    }
    current.first().copied()
}

pub fn check(doc: &Value, value: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(name) = schema["$ref"].as_str() {
        let resolved = &doc["schemas"][name];
        assert!(resolved.is_object(), "schema {name}");
        return check(doc, value, resolved, path, errors);
    }
    let kind = schema["type"].as_str().unwrap_or("any");
    let ok = match kind {
        "object" => {
            let Some(object) = value.as_object() else {
                errors.push(format!("{path}: expected object, got {value}"));
                return;
            };
            for (key, field) in object {
                let sub = format!("{path}.{key}");
                if let Some(property) = schema["properties"].get(key) {
                    check(doc, field, property, &sub, errors);
                } else if let Some(additional) = schema.get("additionalProperties") {
                    check(doc, field, additional, &sub, errors);
                } else {
                    errors.push(format!("{sub}: not in the schema"));
                }
            }
            true
        }
        "array" => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(doc, item, &schema["items"], &format!("{path}[{i}]"), errors);
                }
                true
            }
            None => false,
        },
        "string" => value
            .as_str()
            .is_some_and(|s| string_format_ok(s, schema["format"].as_str())),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !ok {
        errors.push(format!(
            "{path}: expected {kind} ({}), got {value}",
            schema["format"].as_str().unwrap_or("-")
        ));
    }
}

fn string_format_ok(s: &str, format: Option<&str>) -> bool {
    match format {
        Some("int64") => s.parse::<i64>().is_ok(),
        Some("uint64") => s.parse::<u64>().is_ok(),
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        Some("byte") => {
            URL_SAFE.decode(s).is_ok()
                || URL_SAFE_NO_PAD.decode(s).is_ok()
                || STANDARD.decode(s).is_ok()
        }
        _ => true,
    }
}

/// Google's error body: `{"error": {"code", "message", "errors": [...], "status"?, "details"?}}`.
pub fn check_error(body: &Value, code: u16) {
    let error = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("error object: {body}"));
    for key in error.keys() {
        assert!(
            ["code", "message", "errors", "status", "details"].contains(&key.as_str()),
            "{key} in {body}"
        );
    }
    assert_eq!(error["code"], code);
    assert!(error["message"].is_string());
    if let Some(status) = error.get("status") {
        assert!(
            status
                .as_str()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
        );
    }
    for item in error["errors"].as_array().unwrap() {
        for key in item.as_object().unwrap().keys() {
            assert!(
                ["message", "domain", "reason", "location", "locationType"].contains(&key.as_str()),
                "{key}"
            );
        }
        assert!(
            item["reason"].is_string() && item["domain"].is_string() && item["message"].is_string()
        );
    }
}

#[test]
fn scope_table_matches_the_discovery_documents() {
    let discovery = Discovery::load();
    for (method, scopes) in fake_google::METHOD_SCOPES {
        let found = discovery.method(method);
        let listed: Vec<&str> = found["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(&listed, scopes, "{method}");
    }
}

#[test]
fn the_checker_rejects_wrong_shapes() {
    let d = Discovery::load();
    let schema = json!({ "$ref": "Message" });
    for bad in [
        json!({ "id": 1 }),
        json!({ "internalDate": 5 }),
        json!({ "historyId": "abc" }),
        json!({ "bogus": "x" }),
        json!({ "payload": { "headers": [{ "name": 1 }] } }),
        json!({ "raw": "not base64!" }),
    ] {
        let mut errors = Vec::new();
        check(&d.gmail, &bad, &schema, "Message", &mut errors);
        assert!(!errors.is_empty(), "{bad}");
    }
    let mut errors = Vec::new();
    check(
        &d.calendar,
        &json!({ "updated": "yesterday" }),
        &json!({ "$ref": "Event" }),
        "Event",
        &mut errors,
    );
    assert_eq!(errors.len(), 1);
}
