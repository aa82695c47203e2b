//! `tasks_list`: one page of a list's tasks, subtasks after their parent.

use chrono::Duration;
use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::{ListRef, TaskRow, list_arg, list_info, list_not_found, list_tasks_url, parse_due};
use crate::{
    google::api::ApiError,
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

pub const DEFAULT_RESULTS: u32 = 50;
pub const MAX_RESULTS: u32 = 100;
/// Characters of a task's notes shown in the text.
const NOTES_SHOWN: usize = 200;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTasksArgs {
    /// From tasks_lists; default the user's default list.
    #[serde(default)]
    pub task_list_id: Option<String>,
    /// Also list completed tasks (default: open tasks only).
    #[serde(default)]
    pub include_completed: bool,
    /// Only tasks due on or before this day (YYYY-MM-DD).
    #[serde(default)]
    pub due_before: Option<String>,
    /// Only tasks due on or after this day (YYYY-MM-DD).
    #[serde(default)]
    pub due_after: Option<String>,
    /// 1-100, default 50.
    #[serde(default)]
    pub max_results: Option<u32>,
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TaskPage {
    pub task_list: ListRef,
    /// Parents each followed by their subtasks (`parent_id` set).
    pub tasks: Vec<TaskRow>,
    /// Pass as `page_token` to get more.
    pub next_page_token: Option<String>,
    #[serde(skip)]
    include_completed: bool,
}

/// Subtasks moved right after their parent when both are on the page; a
/// subtask whose parent is not keeps its place.
pub fn nest(rows: Vec<TaskRow>) -> Vec<TaskRow> {
    let on_page = |id: &str| rows.iter().any(|r| r.id == id);
    let mut out: Vec<TaskRow> = Vec::with_capacity(rows.len());
    for r in rows
        .iter()
        .filter(|r| r.parent_id.as_deref().is_none_or(|p| !on_page(p)))
    {
        out.push(r.clone());
        out.extend(
            rows.iter()
                .filter(|c| c.parent_id.as_deref() == Some(r.id.as_str()))
                .cloned(),
        );
    }
    out
}

pub async fn list(ctx: ToolCtx, args: ListTasksArgs) -> ToolResult<TaskPage> {
    let api = &ctx.api;
    let list = list_arg(&args.task_list_id)?;
    let max = args.max_results.unwrap_or(DEFAULT_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max) {
        return Err(ToolError::invalid(
            "max_results",
            format!("must be 1 to {MAX_RESULTS}"),
        ));
    }
    let before = args
        .due_before
        .as_deref()
        .map(|d| parse_due("due_before", d))
        .transpose()?;
    let after = args
        .due_after
        .as_deref()
        .map(|d| parse_due("due_after", d))
        .transpose()?;
    if let (Some(a), Some(b)) = (after, before)
        && b < a
    {
        return Err(ToolError::invalid(
            "due_before",
            format!("{b} is before due_after ({a})"),
        ));
    }
    let task_list = list_info(&ctx, api, &list).await?;
    let mut url = list_tasks_url(api, &task_list.id, &[]);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("maxResults", &max.to_string());
        // Completed tasks ticked off in Google's own apps are hidden ones.
        let completed = if args.include_completed {
            "true"
        } else {
            "false"
        };
        q.append_pair("showCompleted", completed);
        q.append_pair("showHidden", completed);
        // Bounds a second inside the neighbouring days hold whichever way
        // Google compares: due dates are midnight UTC.
        if let Some(b) = before {
            q.append_pair("dueMax", &format!("{b}T23:59:59.000Z"));
        }
        if let Some(a) = after {
            let eve = a - Duration::days(1);
            q.append_pair("dueMin", &format!("{eve}T23:59:59.000Z"));
        }
        if let Some(t) = args.page_token.as_deref().filter(|t| !t.is_empty()) {
            q.append_pair("pageToken", t);
        }
    }
    let body = api.get(&ctx.user, url).await.map_err(|e| match e {
        ApiError::NotFound(_) => list_not_found(&list),
        e => e.into(),
    })?;
    let rows = body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["deleted"] != true)
        .map(TaskRow::from_google)
        .collect();
    Ok(TaskPage {
        task_list,
        tasks: nest(rows),
        next_page_token: body["nextPageToken"].as_str().map(str::to_owned),
        include_completed: args.include_completed,
    })
}

impl ToolOutput for TaskPage {
    fn text(&self) -> String {
        let what = if self.include_completed {
            "tasks"
        } else {
            "open tasks"
        };
        let mut text = format!(
            "{} {what} in {:?} (id {})\n",
            self.tasks.len(),
            self.task_list.title,
            self.task_list.id
        );
        for t in &self.tasks {
            let nested = t
                .parent_id
                .as_deref()
                .is_some_and(|p| self.tasks.iter().any(|x| x.id == p));
            let mut line = t.line(if nested { "  " } else { "" }, NOTES_SHOWN);
            if let (false, Some(p)) = (nested, &t.parent_id) {
                // A subtask whose parent is on another page.
                line = line.replacen(" — id ", &format!(" — subtask of {p} — id "), 1);
            }
            text.push_str(&line);
        }
        if let Some(t) = &self.next_page_token {
            text.push_str(&format!("more: page_token={t}\n"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, parent: Option<&str>) -> TaskRow {
        TaskRow::from_google(&serde_json::json!({"id": id, "title": id, "parent": parent}))
    }

    #[test]
    fn subtasks_follow_their_parent_and_are_indented() {
        let rows = vec![
            row("c1", Some("p1")),
            row("p1", None),
            row("p2", None),
            row("c2", Some("p1")),
            row("orphan", Some("elsewhere")),
        ];
        let ids: Vec<String> = nest(rows).into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["p1", "c1", "c2", "p2", "orphan"]);
        let page = TaskPage {
            task_list: ListRef {
                id: "L".into(),
                title: "My Tasks".into(),
            },
            tasks: nest(vec![
                row("p1", None),
                row("c1", Some("p1")),
                row("o", Some("x")),
            ]),
            next_page_token: Some("n".into()),
            include_completed: false,
        };
        assert_eq!(
            page.text(),
            "3 open tasks in \"My Tasks\" (id L)\n[ ] p1 — id p1\n  [ ] c1 — id c1\n[ ] o — subtask of x — id o\nmore: page_token=n\n"
        );
    }
}
