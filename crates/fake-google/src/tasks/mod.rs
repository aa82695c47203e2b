//! Tasks API v1 (`/tasks/v1/…`, tasks.googleapis.com): each user's own task
//! lists (`@default` is the first) and tasks, subtasks one level under a
//! parent. Seeded on first use (`seed/tasks.rs`).

pub(crate) mod store;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use self::store::{Task, TaskList, list_resource, new_id, task_resource};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, no_content, ok_json, page};

const TITLE_MAX: usize = 1024;
const NOTES_MAX: usize = 8192;

pub(crate) fn routes() -> Router<FakeGoogle> {
    const T: &str = "/tasks/v1/lists/{tasklist}/tasks";
    Router::new()
        .route("/tasks/v1/users/@me/lists", get(lists))
        .route("/tasks/v1/users/@me/lists/{tasklist}", get(list_get))
        .route(T, get(task_list).post(insert))
        .route(
            &format!("{T}/{{task}}"),
            get(task_get).patch(patch).delete(delete),
        )
}

fn list_not_found() -> ApiError {
    ApiError::not_found("Task list not found.")
}

fn task_not_found() -> ApiError {
    ApiError::not_found("Task not found.")
}

/// Runs `f` on the caller's task list `id` (404 when they have none by that id).
fn with_list<R>(
    fake: &FakeGoogle,
    caller: &Caller,
    id: &str,
    f: impl FnOnce(&mut TaskList, &mut u64) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    fake.with_tasks(&caller.email, |set| {
        let created = &mut set.created;
        match set
            .lists
            .iter_mut()
            .enumerate()
            .find(|(i, l)| l.id == id || (id == "@default" && *i == 0))
        {
            Some((_, list)) => f(list, created),
            None => Err(list_not_found()),
        }
    })
}

/// `GET /tasks/v1/users/@me/lists`
async fn lists(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("tasks.tasklists.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("maxResults", 20, 100)?;
    let items: Vec<Value> = fake.with_tasks(&caller.email, |set| {
        set.lists.iter().map(list_resource).collect()
    });
    let (items, next) = page(items, params.get("pageToken"), max)?;
    let mut body = json!({
        "kind": "tasks#taskLists",
        "etag": format!("\"{}\"", items.len()),
        "items": items,
    });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&body))
}

/// `GET /tasks/v1/users/@me/lists/{tasklist}`
async fn list_get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require("tasks.tasklists.get")?;
    let body = fake.with_tasks(&caller.email, |set| set.get(&id).map(list_resource));
    body.map(|b| ok_json(&b)).ok_or_else(list_not_found)
}

fn time_param(params: &Params, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    params
        .get(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::invalid(format!("Invalid value for: {name}")).with_location(name)
                })
        })
        .transpose()
}

/// `GET /tasks/v1/lists/{tasklist}/tasks`: parents before their subtasks.
async fn task_list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(list_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("tasks.tasks.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("maxResults", 20, 100)?;
    let show_completed = params.get("showCompleted").is_none() || params.flag("showCompleted")?;
    let due_min = time_param(&params, "dueMin")?;
    let due_max = time_param(&params, "dueMax")?;
    let completed_min = time_param(&params, "completedMin")?;
    let completed_max = time_param(&params, "completedMax")?;
    let updated_min = time_param(&params, "updatedMin")?;
    let due_at = |t: &Task| {
        t.due
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
    };
    let items = with_list(&fake, &caller, &list_id, |list, _| {
        Ok(list
            .ordered()
            .into_iter()
            .filter(|t| show_completed || t.completed.is_none())
            .filter(|t| due_min.is_none_or(|m| due_at(t).is_some_and(|d| d >= m)))
            .filter(|t| due_max.is_none_or(|m| due_at(t).is_some_and(|d| d < m)))
            .filter(|t| completed_min.is_none_or(|m| t.completed.is_some_and(|c| c >= m)))
            .filter(|t| completed_max.is_none_or(|m| t.completed.is_some_and(|c| c < m)))
            .filter(|t| updated_min.is_none_or(|m| t.updated >= m))
            .map(|t| task_resource(&list.id, t))
            .collect::<Vec<Value>>())
    })?;
    let (items, next) = page(items, params.get("pageToken"), max)?;
    let mut body = json!({
        "kind": "tasks#tasks",
        "etag": format!("\"{}\"", Utc::now().timestamp_micros()),
        "items": items,
    });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&body))
}

/// `GET /tasks/v1/lists/{tasklist}/tasks/{task}`
async fn task_get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((list_id, task_id)): Path<(String, String)>,
) -> ApiResult {
    caller.require("tasks.tasks.get")?;
    let body = with_list(&fake, &caller, &list_id, |list, _| {
        list.task(&task_id)
            .map(|t| task_resource(&list.id, t))
            .ok_or_else(task_not_found)
    })?;
    Ok(ok_json(&body))
}

fn text(body: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(ApiError::invalid(format!(
            "Invalid value for: {field} is longer than {max} characters"
        ))),
        Some(_) => Err(ApiError::invalid_argument(format!(
            "Invalid JSON payload received. Invalid value at '{field}' (TYPE_STRING)"
        ))),
    }
}

/// `due` as Google reads it: an RFC 3339 timestamp whose date is kept.
fn due(body: &Map<String, Value>) -> Result<Option<NaiveDate>, ApiError> {
    match body.get("due") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.with_timezone(&Utc).date_naive()))
            .map_err(|_| ApiError::invalid(format!("Invalid value for: Invalid format: \"{s}\""))),
        Some(_) => Err(ApiError::invalid("Invalid value for: due")),
    }
}

/// `status` (and `completed`) of a body: `Some(None)` needs action, `Some(Some(t))` completed.
fn completion(body: &Map<String, Value>) -> Result<Option<Option<DateTime<Utc>>>, ApiError> {
    let at = match body.get("completed").and_then(Value::as_str) {
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| ApiError::invalid(format!("Invalid value for: completed \"{s}\"")))?,
        ),
        None => None,
    };
    match body.get("status").and_then(Value::as_str) {
        None => Ok(None),
        Some("needsAction") => Ok(Some(None)),
        Some("completed") => Ok(Some(Some(at.unwrap_or_else(Utc::now)))),
        Some(other) => Err(ApiError::invalid(format!(
            "Invalid value for: status \"{other}\""
        ))),
    }
}

fn object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match json_body::<Value>(body)? {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::invalid_argument(
            "Invalid JSON payload received. Expected an object.",
        )),
    }
}

/// `POST /tasks/v1/lists/{tasklist}/tasks` (`parent`, `previous`)
async fn insert(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(list_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("tasks.tasks.insert")?;
    let params = Params::parse(query.as_deref());
    let body = object(&body)?;
    let title = text(&body, "title", TITLE_MAX)?.unwrap_or_default();
    let notes = text(&body, "notes", NOTES_MAX)?;
    let due = due(&body)?;
    let completed = completion(&body)?.flatten();
    let parent = params.get("parent").map(str::to_owned);
    let previous = params.get("previous").map(str::to_owned);
    let email = caller.email.clone();
    let created = with_list(&fake, &caller, &list_id, |list, counter| {
        if let Some(p) = &parent {
            let parent_task = list
                .task(p)
                .ok_or_else(|| ApiError::invalid("Invalid parent task.").with_location("parent"))?;
            if parent_task.parent.is_some() {
                return Err(ApiError::invalid("Invalid parent task.").with_location("parent"));
            }
        }
        let position = match &previous {
            Some(prev) => {
                let prev = list
                    .task(prev)
                    .filter(|t| t.parent == parent)
                    .ok_or_else(|| {
                        ApiError::invalid("Invalid previous task.").with_location("previous")
                    })?
                    .clone();
                list.position_after(parent.as_deref(), &prev)
            }
            None => list.first_position(parent.as_deref()),
        };
        *counter += 1;
        let now = Utc::now();
        let task = Task {
            id: new_id(&format!(
                "{email}/task/new/{counter}/{}",
                now.timestamp_micros()
            )),
            title,
            notes,
            due,
            completed,
            parent,
            position,
            updated: now,
        };
        list.updated = now;
        let out = task_resource(&list.id, &task);
        list.tasks.push(task);
        Ok(out)
    })?;
    Ok(ok_json(&created))
}

/// `PATCH /tasks/v1/lists/{tasklist}/tasks/{task}`: the fields given replace
/// the stored ones (`null` clears).
async fn patch(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((list_id, task_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.require("tasks.tasks.patch")?;
    let body = object(&body)?;
    let title = text(&body, "title", TITLE_MAX)?;
    let notes = text(&body, "notes", NOTES_MAX)?;
    let due = due(&body)?;
    let completion = completion(&body)?;
    let updated = with_list(&fake, &caller, &list_id, |list, _| {
        let id = list.id.clone();
        let task = list.task_mut(&task_id).ok_or_else(task_not_found)?;
        if body.contains_key("title") {
            task.title = title.unwrap_or_default();
        }
        if body.contains_key("notes") {
            task.notes = notes.filter(|n| !n.is_empty());
        }
        if body.contains_key("due") {
            task.due = due;
        }
        if let Some(done) = completion {
            // Completing a completed task keeps its completion time.
            task.completed = done.map(|at| task.completed.unwrap_or(at));
        }
        task.updated = Utc::now();
        Ok(task_resource(&id, task))
    })?;
    Ok(ok_json(&updated))
}

/// `DELETE /tasks/v1/lists/{tasklist}/tasks/{task}`: its subtasks go with it.
async fn delete(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((list_id, task_id)): Path<(String, String)>,
) -> ApiResult {
    caller.require("tasks.tasks.delete")?;
    with_list(&fake, &caller, &list_id, |list, _| {
        list.task(&task_id).ok_or_else(task_not_found)?;
        list.tasks
            .retain(|t| t.id != task_id && t.parent.as_deref() != Some(task_id.as_str()));
        list.updated = Utc::now();
        Ok(())
    })?;
    Ok(no_content())
}
