//! A user's task lists and their tasks, and how they look as Tasks API
//! resources.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A task: Google keeps only the date of `due`.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub notes: Option<String>,
    pub due: Option<NaiveDate>,
    /// When it was completed; `None` while it needs action.
    pub completed: Option<DateTime<Utc>>,
    pub parent: Option<String>,
    /// Orders siblings (lexicographically, as Google's position strings).
    pub position: u64,
    pub updated: DateTime<Utc>,
}

pub struct TaskList {
    pub id: String,
    pub title: String,
    pub updated: DateTime<Utc>,
    pub tasks: Vec<Task>,
}

impl TaskList {
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    pub fn task_mut(&mut self, id: &str) -> Option<&mut Task> {
        self.tasks.iter_mut().find(|t| t.id == id)
    }

    /// Top-level tasks in position order, each followed by its subtasks.
    pub fn ordered(&self) -> Vec<&Task> {
        let mut top: Vec<&Task> = self.tasks.iter().filter(|t| t.parent.is_none()).collect();
        top.sort_by_key(|t| t.position);
        let mut out = Vec::with_capacity(self.tasks.len());
        for parent in top {
            out.push(parent);
            let mut children: Vec<&Task> = self
                .tasks
                .iter()
                .filter(|t| t.parent.as_deref() == Some(parent.id.as_str()))
                .collect();
            children.sort_by_key(|t| t.position);
            out.extend(children);
        }
        out
    }

    /// A position before every sibling under `parent` (Google puts a new
    /// task first unless `previous` is given).
    pub fn first_position(&self, parent: Option<&str>) -> u64 {
        self.tasks
            .iter()
            .filter(|t| t.parent.as_deref() == parent)
            .map(|t| t.position)
            .min()
            .map_or(1_000_000_000, |p| p.saturating_sub(1))
    }

    /// A position right after `previous` (and before its next sibling).
    pub fn position_after(&self, parent: Option<&str>, previous: &Task) -> u64 {
        let next = self
            .tasks
            .iter()
            .filter(|t| t.parent.as_deref() == parent && t.position > previous.position)
            .map(|t| t.position)
            .min();
        match next {
            Some(n) => previous.position + (n - previous.position) / 2,
            None => previous.position + 1_000,
        }
    }
}

/// Every task list of one user; the first is the default (`@default`).
pub struct TaskSet {
    pub lists: Vec<TaskList>,
    /// Makes new ids unique.
    pub created: u64,
}

impl TaskSet {
    pub fn get(&self, id: &str) -> Option<&TaskList> {
        if id == "@default" {
            return self.lists.first();
        }
        self.lists.iter().find(|l| l.id == id)
    }
}

/// An id in the style of Google's (URL-safe base64, 22 characters).
pub fn new_id(seed: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(seed.as_bytes())[..16])
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn etag(at: DateTime<Utc>) -> String {
    format!("\"{}\"", at.timestamp_micros())
}

/// `2025-03-04T00:00:00.000Z`: Google's `due` (the time is always midnight UTC).
pub fn due_stamp(date: NaiveDate) -> String {
    format!("{date}T00:00:00.000Z")
}

pub fn list_resource(list: &TaskList) -> Value {
    json!({
        "kind": "tasks#taskList",
        "id": list.id,
        "etag": etag(list.updated),
        "title": list.title,
        "updated": stamp(list.updated),
        "selfLink": format!("https://www.googleapis.com/tasks/v1/users/@me/lists/{}", list.id),
    })
}

pub fn task_resource(list_id: &str, task: &Task) -> Value {
    let mut out = json!({
        "kind": "tasks#task",
        "id": task.id,
        "etag": etag(task.updated),
        "title": task.title,
        "updated": stamp(task.updated),
        "selfLink": format!("https://www.googleapis.com/tasks/v1/lists/{list_id}/tasks/{}", task.id),
        "position": format!("{:020}", task.position),
        "status": if task.completed.is_some() { "completed" } else { "needsAction" },
        "links": [],
        "webViewLink": format!("https://tasks.google.com/task/{}?sa=6", task.id),
    });
    if let Some(parent) = &task.parent {
        out["parent"] = json!(parent);
    }
    if let Some(notes) = &task.notes {
        out["notes"] = json!(notes);
    }
    if let Some(due) = task.due {
        out["due"] = json!(due_stamp(due));
    }
    if let Some(done) = task.completed {
        out["completed"] = json!(stamp(done));
    }
    out
}
