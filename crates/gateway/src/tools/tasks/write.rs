//! `tasks_create`, `tasks_update`, `tasks_complete` and `tasks_delete`.
//!
//! Google chooses a new task's id, so an insert cannot be sent again safely:
//! it is sent once (retried only when Google refused it unread, 429). When
//! the answer is lost (a 5xx or a timeout after Google may have stored it),
//! the list is searched for a task updated since the call began with the
//! same title, notes, due date and parent: found, it is the one created;
//! not found, nothing was created and the model is told it may try again.
//! Patches set absolute values and deletes are idempotent: both are retried.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    ListRef, TaskRow, check_id, due_value, list_arg, list_info, list_tasks_url, parse_due,
    task_not_found,
};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry},
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
    },
};

const TITLE_MAX: usize = 1024;
const NOTES_MAX: usize = 8192;
/// Waits before looking for a task whose creation Google did not confirm.
const CONFIRM_DELAYS: [Duration; 2] = [Duration::ZERO, Duration::from_secs(2)];
/// How far before the call the lookup reaches (clocks differ).
const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(2);

fn check_len(field: &str, value: Option<&str>, max: usize) -> ToolResult<()> {
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(ToolError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskArgs {
    pub title: String,
    #[serde(default)]
    pub notes: Option<String>,
    /// YYYY-MM-DD (Google keeps the day only).
    #[serde(default)]
    pub due: Option<String>,
    /// A task id from tasks_list: the new task becomes its subtask.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// From tasks_lists; default the user's default list.
    #[serde(default)]
    pub task_list_id: Option<String>,
}

/// A task as a write left it, with its list.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WrittenTask {
    pub task_list: ListRef,
    pub task: TaskRow,
    /// Set when Google's answer was lost and the task was found in the list instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl WrittenTask {
    fn render(self, head: &str) -> Rendered<WrittenTask> {
        let mut text = format!(
            "{head} in {:?} (list id {}):\n{}",
            self.task_list.title,
            self.task_list.id,
            self.task.line("", usize::MAX)
        );
        if let Some(p) = &self.task.parent_id {
            text.push_str(&format!("subtask of {p}\n"));
        }
        if let Some(n) = &self.note {
            text.push_str(n);
            text.push('\n');
        }
        Rendered::new(self, text)
    }
}

/// The task the lost insert made, if the list holds it.
async fn find_created(
    ctx: &ToolCtx,
    api: &GoogleApi,
    list: &str,
    body: &Value,
    parent: Option<&str>,
    since: chrono::DateTime<Utc>,
) -> Result<Option<Value>, ApiError> {
    let mut url = list_tasks_url(api, list, &[]);
    url.query_pairs_mut()
        .append_pair("maxResults", "100")
        .append_pair("showCompleted", "true")
        .append_pair("showHidden", "true")
        .append_pair(
            "updatedMin",
            &(since - CLOCK_SLACK).to_rfc3339_opts(SecondsFormat::Millis, true),
        );
    let found = api.get(&ctx.user, url).await?;
    let same =
        |t: &&Value, key: &str| t[key].as_str().unwrap_or("") == body[key].as_str().unwrap_or("");
    Ok(found["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["deleted"] != true)
        .filter(|t| same(t, "title") && same(t, "notes"))
        .filter(|t| {
            t["due"].as_str().and_then(|d| d.get(..10))
                == body["due"].as_str().and_then(|d| d.get(..10))
        })
        .filter(|t| t["parent"].as_str() == parent)
        .max_by_key(|t| t["updated"].as_str().unwrap_or_default().to_owned())
        .cloned())
}

/// After an insert whose outcome is unknown: the task, or an error saying
/// whether it was created.
async fn settle(
    ctx: &ToolCtx,
    api: &GoogleApi,
    list: &str,
    body: &Value,
    parent: Option<&str>,
    since: chrono::DateTime<Utc>,
    cause: ApiError,
) -> ToolResult<Value> {
    let mut lookup_failed = false;
    for delay in CONFIRM_DELAYS {
        tokio::time::sleep(delay).await;
        match find_created(ctx, api, list, body, parent, since).await {
            Ok(Some(task)) => return Ok(task),
            Ok(None) => lookup_failed = false,
            Err(_) => lookup_failed = true,
        }
    }
    Err(ToolError::Refused(if lookup_failed {
        format!(
            "Google did not confirm the new task ({cause}) and the list could not be checked, so it may or may not exist. Check with tasks_list before creating it again."
        )
    } else {
        format!(
            "Google did not confirm the new task ({cause}); it is not in the list, so it was not created. It is safe to create it again."
        )
    }))
}

pub async fn create(ctx: ToolCtx, args: CreateTaskArgs) -> ToolResult<Rendered<WrittenTask>> {
    let api = &ctx.api;
    let title = args.title.trim();
    if title.is_empty() {
        return Err(ToolError::invalid("title", "must not be empty"));
    }
    check_len("title", Some(title), TITLE_MAX)?;
    check_len("notes", args.notes.as_deref(), NOTES_MAX)?;
    let due = args
        .due
        .as_deref()
        .map(|d| parse_due("due", d))
        .transpose()?;
    let parent = args
        .parent_id
        .as_deref()
        .map(|p| check_id("parent_id", p, "tasks_list"))
        .transpose()?;
    let task_list = list_info(&ctx, api, &list_arg(&args.task_list_id)?).await?;
    if let Some(p) = parent {
        let found = api
            .get(&ctx.user, list_tasks_url(api, &task_list.id, &[p]))
            .await
            .map_err(|e| match e {
                ApiError::NotFound(_) => ToolError::Refused(format!(
                    "Parent task {p:?} was not found in task list {:?}; use tasks_list to find it.",
                    task_list.title
                )),
                e => e.into(),
            })?;
        if let Some(grand) = found["parent"].as_str() {
            return Err(ToolError::invalid(
                "parent_id",
                format!(
                    "{p} is itself a subtask and Google Tasks nests one level: use its parent {grand}"
                ),
            ));
        }
    }
    let mut body = json!({ "title": title });
    if let Some(n) = args.notes.as_deref().filter(|n| !n.is_empty()) {
        body["notes"] = json!(n);
    }
    if let Some(d) = due {
        body["due"] = json!(due_value(d));
    }
    let mut url = list_tasks_url(api, &task_list.id, &[]);
    if let Some(p) = parent {
        url.query_pairs_mut().append_pair("parent", p);
    }
    let since = Utc::now();
    let sent = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body.clone())),
            Retry::RejectedOnly,
        )
        .await;
    let (task, note) = match sent {
        Ok((task, _)) => (task, None),
        Err(e @ ApiError::Unavailable(_)) => {
            let task = settle(&ctx, api, &task_list.id, &body, parent, since, e).await?;
            let note =
                "Google's answer was lost, but the task is in the list: it was created once.";
            (task, Some(note.to_owned()))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(WrittenTask {
        task_list,
        task: TaskRow::from_google(&task),
        note,
    }
    .render("Created"))
}

/// A task's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub enum TaskStatus {
    #[serde(rename = "needsAction")]
    NeedsAction,
    #[serde(rename = "completed")]
    Completed,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskArgs {
    /// From tasks_list.
    pub task_id: String,
    /// Default the user's default list.
    #[serde(default)]
    pub task_list_id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    /// Empty clears them.
    #[serde(default)]
    pub notes: Option<String>,
    /// YYYY-MM-DD; empty clears it.
    #[serde(default)]
    pub due: Option<String>,
    /// completed, or needsAction to reopen.
    #[serde(default)]
    pub status: Option<TaskStatus>,
}

/// Sends one patch (absolute values: safe to resend) and reads the list.
async fn patch(
    ctx: &ToolCtx,
    api: &GoogleApi,
    list: &str,
    task_id: &str,
    body: Value,
) -> ToolResult<WrittenTask> {
    let task_id = check_id("task_id", task_id, "tasks_list")?;
    let sent = api
        .call(
            &ctx.user,
            Method::PATCH,
            list_tasks_url(api, list, &[task_id]),
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await;
    let task = match sent {
        Ok((task, _)) => task,
        Err(e) => return Err(task_not_found(ctx, api, e, list, task_id).await),
    };
    Ok(WrittenTask {
        task_list: list_info(ctx, api, list).await?,
        task: TaskRow::from_google(&task),
        note: None,
    })
}

pub async fn update(ctx: ToolCtx, args: UpdateTaskArgs) -> ToolResult<Rendered<WrittenTask>> {
    let list = list_arg(&args.task_list_id)?;
    let mut body = json!({});
    if let Some(t) = &args.title {
        let t = t.trim();
        if t.is_empty() {
            return Err(ToolError::invalid("title", "must not be empty"));
        }
        check_len("title", Some(t), TITLE_MAX)?;
        body["title"] = json!(t);
    }
    if let Some(n) = &args.notes {
        check_len("notes", Some(n), NOTES_MAX)?;
        body["notes"] = if n.is_empty() { Value::Null } else { json!(n) };
    }
    if let Some(d) = &args.due {
        body["due"] = if d.trim().is_empty() {
            Value::Null
        } else {
            json!(due_value(parse_due("due", d)?))
        };
    }
    match args.status {
        Some(TaskStatus::Completed) => body["status"] = json!("completed"),
        Some(TaskStatus::NeedsAction) => {
            body["status"] = json!("needsAction");
            body["completed"] = Value::Null;
        }
        None => {}
    }
    if body.as_object().is_some_and(|o| o.is_empty()) {
        return Err(ToolError::Refused(
            "Nothing to change: give at least one of title, notes, due or status.".into(),
        ));
    }
    let written = patch(&ctx, &ctx.api, &list, &args.task_id, body).await?;
    Ok(written.render("Updated"))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIdArgs {
    /// From tasks_list.
    pub task_id: String,
    /// Default the user's default list.
    #[serde(default)]
    pub task_list_id: Option<String>,
}

pub async fn complete(ctx: ToolCtx, args: TaskIdArgs) -> ToolResult<Rendered<WrittenTask>> {
    let list = list_arg(&args.task_list_id)?;
    let body = json!({ "status": "completed" });
    let written = patch(&ctx, &ctx.api, &list, &args.task_id, body).await?;
    Ok(written.render("Completed"))
}

pub type DeleteTaskArgs = TaskIdArgs;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeletedTask {
    pub task_id: String,
    pub task_list_id: String,
    /// Title of the deleted task.
    pub title: String,
    pub deleted: bool,
}

pub async fn delete(ctx: ToolCtx, args: DeleteTaskArgs) -> ToolResult<DeletedTask> {
    let api = &ctx.api;
    let list = list_arg(&args.task_list_id)?;
    let task_id = check_id("task_id", &args.task_id, "tasks_list")?;
    let url = list_tasks_url(api, &list, &[task_id]);
    let task = match api.get(&ctx.user, url.clone()).await {
        Ok(t) if t["deleted"] != true => t,
        Ok(_) => {
            let gone = ApiError::NotFound("deleted".into());
            return Err(task_not_found(&ctx, api, gone, &list, task_id).await);
        }
        Err(e) => return Err(task_not_found(&ctx, api, e, &list, task_id).await),
    };
    match api
        .call(&ctx.user, Method::DELETE, url, None, Retry::Safe)
        .await
    {
        // A 404 now: a resent delete whose first answer was lost.
        Ok(_) | Err(ApiError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(DeletedTask {
        task_id: task_id.to_owned(),
        task_list_id: list,
        title: task["title"].as_str().unwrap_or("(no title)").to_owned(),
        deleted: true,
    })
}

impl ToolOutput for DeletedTask {
    fn text(&self) -> String {
        format!(
            "Deleted task {:?} (id {}) from list {}.",
            self.title, self.task_id, self.task_list_id
        )
    }
}
