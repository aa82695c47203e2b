//! The Google objects one tool call touched, for the audit trail: the ids
//! in the paths of the requests it sent (messages, threads, drafts, labels,
//! calendars, events, files, documents, spreadsheets, presentations, task
//! lists, tasks, people, forms, Chat spaces and messages) and
//! the id of what a write created. Collected beside the request count of
//! [`counting`](super::api::counting), in the call's own task; deduplicated
//! and capped, so a long listing costs a few comparisons per request.

use std::cell::RefCell;

use serde_json::Value;
use url::Url;

/// Most ids kept for one call.
pub const MAX_IDS: usize = 50;

/// The ids one call touched, as `type:id`, and whether there were more.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Touched {
    pub ids: Vec<String>,
    pub capped: bool,
}

impl Touched {
    fn add(&mut self, kind: &str, id: &str) {
        if id.is_empty() {
            return;
        }
        let entry = format!("{kind}:{id}");
        if self.ids.contains(&entry) {
            return;
        }
        if self.ids.len() >= MAX_IDS {
            self.capped = true;
        } else {
            self.ids.push(entry);
        }
    }
}

tokio::task_local! {
    static TOUCHED: RefCell<Touched>;
}

/// Runs `fut`, collecting the objects its Google requests touch.
pub async fn collecting<F: std::future::Future>(fut: F) -> (F::Output, Touched) {
    TOUCHED
        .scope(RefCell::new(Touched::default()), async {
            let out = fut.await;
            (out, TOUCHED.with(|t| t.take()))
        })
        .await
}

/// The object type named by a collection in a Google API path.
fn kind_of(collection: &str) -> Option<&'static str> {
    Some(match collection {
        "messages" => "message",
        "threads" => "thread",
        "drafts" => "draft",
        "labels" => "label",
        "calendars" | "calendarList" => "calendar",
        "events" => "event",
        "files" => "file",
        "documents" => "document",
        "spreadsheets" => "spreadsheet",
        "presentations" => "presentation",
        "lists" => "tasklist",
        "tasks" => "task",
        "people" => "person",
        "spaces" => "space",
        "forms" => "form",
        "responses" => "response",
        _ => return None,
    })
}

/// Path segments after a collection that are methods, not ids.
fn is_method(segment: &str) -> bool {
    matches!(
        segment,
        "send"
            | "batchModify"
            | "batchDelete"
            | "import"
            | "insert"
            | "watch"
            | "quickAdd"
            | "generateIds"
            | "emptyTrash"
            | "stop"
    )
}

/// An API version segment (`v1`, `v3`).
fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `%xx` escapes decoded; anything malformed is kept as it is.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `(type, id)` pairs in a Google API path, e.g. `calendar:primary`
/// and `event:abc` in `/calendar/v3/calendars/primary/events/abc`.
pub fn path_ids(path: &str) -> Vec<(&'static str, String)> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut found = Vec::new();
    for pair in segments.windows(2) {
        let Some(kind) = kind_of(pair[0]) else {
            continue;
        };
        // `documents/ID:batchUpdate`, `spreadsheets/ID/values:batchGet`.
        let id = pair[1].split(':').next().unwrap_or_default();
        // `/tasks/v1/…` names the API, not a task.
        if is_version(id) {
            continue;
        }
        if !id.is_empty() && !is_method(id) {
            found.push((kind, decode(id)));
        }
    }
    found
}

/// Notes the objects named in a request's path.
pub fn note_request(url: &Url) {
    let _ = TOUCHED.try_with(|t| {
        let mut t = t.borrow_mut();
        for (kind, id) in path_ids(url.path()) {
            t.add(kind, &id);
        }
    });
}

/// What a write's answer names as created: `documentId`, `spreadsheetId`,
/// `presentationId`, or `id` (of the type the path's last collection names).
pub fn created_ids(path: &str, answer: &Value) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for (field, kind) in [
        ("documentId", "document"),
        ("spreadsheetId", "spreadsheet"),
        ("presentationId", "presentation"),
    ] {
        if let Some(id) = answer[field].as_str() {
            found.push((kind, id.to_owned()));
        }
    }
    if let Some(id) = answer["id"].as_str() {
        let last_collection = path
            .rsplit('/')
            .find_map(|s| kind_of(s.split(':').next().unwrap_or_default()));
        if let Some(kind) = last_collection {
            found.push((kind, id.to_owned()));
        }
    }
    if let Some(thread) = answer["threadId"].as_str() {
        found.push(("thread", thread.to_owned()));
    }
    found
}

/// Notes the objects a write's answer names.
pub fn note_answer(url: &Url, answer: &Value) {
    let _ = TOUCHED.try_with(|t| {
        let mut t = t.borrow_mut();
        for (kind, id) in created_ids(url.path(), answer) {
            t.add(kind, &id);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(path: &str) -> Vec<String> {
        path_ids(path)
            .into_iter()
            .map(|(k, id)| format!("{k}:{id}"))
            .collect()
    }

    #[test]
    fn ids_come_from_every_services_paths() {
        assert_eq!(
            ids("/gmail/v1/users/me/messages/18c2a/attachments/ANGjdJ"),
            ["message:18c2a"]
        );
        assert_eq!(
            ids("/gmail/v1/users/me/messages/send"),
            Vec::<String>::new()
        );
        assert_eq!(
            ids("/gmail/v1/users/me/messages/batchModify"),
            Vec::<String>::new()
        );
        assert_eq!(ids("/gmail/v1/users/me/threads/t1/trash"), ["thread:t1"]);
        assert_eq!(ids("/gmail/v1/users/me/drafts/r-9"), ["draft:r-9"]);
        assert_eq!(ids("/gmail/v1/users/me/labels/Label_3"), ["label:Label_3"]);
        assert_eq!(
            ids("/calendar/v3/calendars/alice%40example.com/events/ev1/instances"),
            ["calendar:alice@example.com", "event:ev1"]
        );
        assert_eq!(
            ids("/calendar/v3/calendars/primary/events/quickAdd"),
            ["calendar:primary"]
        );
        assert_eq!(ids("/drive/v3/files/1Bx_y-Z/export"), ["file:1Bx_y-Z"]);
        assert_eq!(ids("/upload/drive/v3/files"), Vec::<String>::new());
        assert_eq!(ids("/v1/documents/doc1:batchUpdate"), ["document:doc1"]);
        assert_eq!(
            ids("/v4/spreadsheets/s1/values/'It''s%20Q4'!A1:B2"),
            ["spreadsheet:s1"]
        );
        assert_eq!(
            ids("/v4/spreadsheets/s1/values:batchGet"),
            ["spreadsheet:s1"]
        );
        assert_eq!(ids("/v1/presentations/p1/pages/g1"), ["presentation:p1"]);
        assert_eq!(ids("/drive/v3/about"), Vec::<String>::new());
        assert_eq!(
            ids("/tasks/v1/lists/L1/tasks/T1"),
            ["tasklist:L1", "task:T1"]
        );
        assert_eq!(ids("/tasks/v1/users/@me/lists"), Vec::<String>::new());
        assert_eq!(ids("/v1/people/c42"), ["person:c42"]);
        assert_eq!(ids("/v1/people:searchContacts"), Vec::<String>::new());
        assert_eq!(
            ids("/v1/spaces/AAAA/messages/client-1a"),
            ["space:AAAA", "message:client-1a"]
        );
        assert_eq!(ids("/v1/spaces:findDirectMessage"), Vec::<String>::new());
        assert_eq!(ids("/v1/forms/F1:batchUpdate"), ["form:F1"]);
        assert_eq!(ids("/v1/forms/F1/responses"), ["form:F1"]);
    }

    #[test]
    fn created_objects_are_named_by_their_answers() {
        let sent = serde_json::json!({"id": "m9", "threadId": "t9", "labelIds": ["SENT"]});
        let got: Vec<_> = created_ids("/gmail/v1/users/me/messages/send", &sent);
        assert_eq!(got, [("message", "m9".into()), ("thread", "t9".into())]);
        let doc = serde_json::json!({"documentId": "d1", "title": "Plan"});
        assert_eq!(
            created_ids("/v1/documents", &doc),
            [("document", "d1".into())]
        );
        let event = serde_json::json!({"id": "e1", "summary": "Offsite"});
        assert_eq!(
            created_ids("/calendar/v3/calendars/primary/events", &event),
            [("event", "e1".into())]
        );
        let file = serde_json::json!({"id": "f1", "name": "notes.txt"});
        assert_eq!(
            created_ids("/upload/drive/v3/files", &file),
            [("file", "f1".into())]
        );
        assert!(created_ids("/drive/v3/about", &serde_json::json!({"id": "x"})).is_empty());
    }

    #[tokio::test]
    async fn collected_ids_are_deduplicated_and_capped() {
        let base = Url::parse("https://gmail.googleapis.com").unwrap();
        let ((), touched) = collecting(async {
            for i in 0..(MAX_IDS + 10) {
                let u = base
                    .join(&format!("/gmail/v1/users/me/messages/m{i}"))
                    .unwrap();
                note_request(&u);
                note_request(&u);
            }
        })
        .await;
        assert_eq!(touched.ids.len(), MAX_IDS);
        assert_eq!(touched.ids[0], "message:m0");
        assert!(touched.capped);
        // Outside a collecting call nothing is noted, and nothing fails.
        note_request(&base);
    }
}
