//! Google Tasks tools: task lists, and tasks with notes, due dates and
//! subtasks (Google nests one level). Lists default to the user's default
//! list (`@default`); due dates are days (Google keeps no time of day).

mod list;
mod lists;
mod write;

use chrono::{DateTime, NaiveDate};
use rmcp::schemars;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::{
    google::api::{ApiError, GoogleApi, api_url_segments},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Route},
};

pub use list::{ListTasksArgs, TaskPage};
pub use lists::{ListListsArgs, TaskLists};
pub use write::{CreateTaskArgs, DeleteTaskArgs, DeletedTask, TaskIdArgs, UpdateTaskArgs};

/// `/tasks/v1/<segments…>` under the Tasks base URL, each segment encoded.
pub(crate) fn tasks_url(api: &GoogleApi, segments: &[&str]) -> Url {
    api_url_segments(&api.bases.tasks, "/tasks/v1", segments)
}

/// `/tasks/v1/lists/{list}/tasks/<rest…>`.
pub(crate) fn list_tasks_url(api: &GoogleApi, list: &str, rest: &[&str]) -> Url {
    let mut segments = vec!["lists", list, "tasks"];
    segments.extend_from_slice(rest);
    tasks_url(api, &segments)
}

/// The list an argument names (`@default` when absent), checked.
pub(crate) fn list_arg(raw: &Option<String>) -> ToolResult<String> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok("@default".to_owned()),
        Some(id) => check_id("task_list_id", id, "tasks_lists").map(str::to_owned),
    }
}

/// An id argument: non-empty, at most 200 characters, no whitespace.
pub(crate) fn check_id<'a>(field: &str, id: &'a str, from: &str) -> ToolResult<&'a str> {
    let id = id.trim();
    if id.is_empty() || id.len() > 200 || id.contains(char::is_whitespace) {
        return Err(ToolError::invalid(
            field,
            format!("must be an id from {from}"),
        ));
    }
    Ok(id)
}

pub(crate) fn list_not_found(list: &str) -> ToolError {
    ToolError::Refused(format!(
        "Task list {list:?} was not found; use tasks_lists to see the user's lists."
    ))
}

/// A list's id and title (`tasklists.get`); a missing list is a clear error.
pub(crate) async fn list_info(ctx: &ToolCtx, api: &GoogleApi, list: &str) -> ToolResult<ListRef> {
    let body = api
        .get(&ctx.user, tasks_url(api, &["users", "@me", "lists", list]))
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => list_not_found(list),
            e => e.into(),
        })?;
    Ok(ListRef {
        id: str_of(&body, "id").unwrap_or_else(|| list.to_owned()),
        title: str_of(&body, "title").unwrap_or_default(),
    })
}

/// After a 404 on a task: whether the list or the task is missing.
pub(crate) async fn task_not_found(
    ctx: &ToolCtx,
    api: &GoogleApi,
    e: ApiError,
    list: &str,
    task: &str,
) -> ToolError {
    if !matches!(e, ApiError::NotFound(_)) {
        return e.into();
    }
    match list_info(ctx, api, list).await {
        Ok(_) => ToolError::Refused(format!(
            "Task {task:?} was not found in task list {list:?}; use tasks_list to see its tasks."
        )),
        Err(e) => e,
    }
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A due date argument: `YYYY-MM-DD`, or an RFC 3339 time whose own date is taken.
pub(crate) fn parse_due(field: &str, raw: &str) -> ToolResult<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|t| t.date_naive())
        })
        .ok_or_else(|| ToolError::invalid(field, "must be a date like 2025-03-04"))
}

/// Google's form of a due date (midnight UTC; only the date counts).
pub(crate) fn due_value(date: NaiveDate) -> String {
    format!("{date}T00:00:00.000Z")
}

/// A task list, as the tools name it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ListRef {
    /// Task list id (a `task_list_id`).
    pub id: String,
    pub title: String,
}

/// One task.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TaskRow {
    /// Task id (a `task_id`, or a `parent_id` for a subtask).
    pub id: String,
    pub title: String,
    pub completed: bool,
    /// Due date (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// When it was completed (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The parent task's id, for a subtask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// The task in Google Tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl TaskRow {
    pub fn from_google(t: &Value) -> Self {
        TaskRow {
            id: str_of(t, "id").unwrap_or_default(),
            title: str_of(t, "title").unwrap_or_else(|| "(no title)".to_owned()),
            completed: t["status"] == "completed",
            due: t["due"]
                .as_str()
                .and_then(|d| d.get(..10))
                .map(str::to_owned),
            completed_at: str_of(t, "completed"),
            notes: str_of(t, "notes"),
            parent_id: str_of(t, "parent"),
            link: str_of(t, "webViewLink"),
        }
    }

    /// `[ ] Title — due 2025-03-04 — id X`, and the first line of the notes
    /// below it (cut at `notes_max` characters; 0 leaves them out).
    pub fn line(&self, indent: &str, notes_max: usize) -> String {
        let mut out = format!(
            "{indent}[{}] {}",
            if self.completed { "x" } else { " " },
            self.title
        );
        if let Some(d) = &self.due {
            out.push_str(&format!(" — due {d}"));
        }
        if let Some(at) = &self.completed_at {
            out.push_str(&format!(" — done {}", at.get(..10).unwrap_or(at)));
        }
        out.push_str(&format!(" — id {}\n", self.id));
        if let Some(n) = self.notes.as_deref().filter(|_| notes_max > 0) {
            let first = n.lines().next().unwrap_or_default();
            let mut cut: String = first.chars().take(notes_max).collect();
            if cut.len() < n.trim_end().len() {
                cut.push('…');
            }
            out.push_str(&format!("{indent}    {cut}\n"));
        }
        out
    }
}

/// The Tasks tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "tasks_lists",
            "List task lists",
            "List the user's Google Tasks lists with their ids (a `task_list_id` for the other tasks tools; without one they use the default list).",
            lists::lists,
        ),
        Route::new(
            "tasks_list",
            "List tasks",
            "List the tasks of a Google Tasks list, subtasks indented under their parent: title, due date, notes, id. Open tasks only unless `include_completed`; filter by due date.",
            list::list,
        ),
        Route::new(
            "tasks_create",
            "Create a task",
            "Create a Google Tasks task with optional notes and due date; with `parent_id` it becomes a subtask (one level deep). Never creates it twice when Google's answer is lost.",
            write::create,
        ),
        Route::new(
            "tasks_update",
            "Update a task",
            "Change a task's title, notes, due date or status (completed or needsAction to reopen); only the given fields change. To tick a task off, tasks_complete is simpler.",
            write::update,
        )
        .idempotent(),
        Route::new(
            "tasks_complete",
            "Complete a task",
            "Mark a Google Tasks task as completed (done). Completing a completed task changes nothing.",
            write::complete,
        )
        .idempotent(),
        Route::new(
            "tasks_delete",
            "Delete a task",
            "Delete a Google Tasks task and its subtasks. Cannot be undone here: confirm with the user first; to tick a task off use tasks_complete.",
            write::delete,
        )
        .idempotent()
        .destructive(),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_read_googles_task_and_render_compactly() {
        let t = json!({"id": "T1", "title": "Renew passport", "status": "completed",
            "due": "2025-03-04T00:00:00.000Z", "completed": "2025-03-02T10:00:00.000Z",
            "notes": "Bring photos\nand the old one", "parent": "P1",
            "webViewLink": "https://tasks.google.com/task/T1"});
        let row = TaskRow::from_google(&t);
        assert_eq!(row.due.as_deref(), Some("2025-03-04"));
        assert!(row.completed);
        assert_eq!(row.parent_id.as_deref(), Some("P1"));
        assert_eq!(
            row.line("  ", 200),
            "  [x] Renew passport — due 2025-03-04 — done 2025-03-02 — id T1\n      Bring photos…\n"
        );
        let bare = TaskRow::from_google(&json!({"id": "T2", "status": "needsAction"}));
        assert_eq!(bare.line("", 200), "[ ] (no title) — id T2\n");
    }

    #[test]
    fn due_dates_are_days_and_ids_are_checked() {
        let d = parse_due("due", "2025-03-04").unwrap();
        assert_eq!(due_value(d), "2025-03-04T00:00:00.000Z");
        assert_eq!(
            parse_due("due", "2025-03-04T23:30:00-08:00").unwrap(),
            d,
            "the time's own date, not UTC's"
        );
        assert!(parse_due("due", "next friday").is_err());
        assert_eq!(list_arg(&None).unwrap(), "@default");
        assert_eq!(list_arg(&Some(" L1 ".into())).unwrap(), "L1");
        assert!(list_arg(&Some("a b".into())).is_err());
    }
}
