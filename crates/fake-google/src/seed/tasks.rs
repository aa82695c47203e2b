//! The seeded task lists: "My Tasks" (the default list) with open, overdue,
//! completed tasks and subtasks, and a "Q4 Launch" project list. Due dates
//! are relative to today (UTC); ids differ for every user.

use chrono::{Duration, Utc};

use super::colleagues;
use crate::data::Person;
use crate::tasks::store::{Task, TaskList, TaskSet, new_id};

pub const DEFAULT_LIST: &str = "My Tasks";
pub const PROJECT_LIST: &str = "Q4 Launch";
pub const TASK_ROADMAP: &str = "Prepare the Q4 roadmap review";
pub const SUBTASK_SLIDES: &str = "Draft the slides";
pub const SUBTASK_ROOM: &str = "Book a meeting room";
pub const TASK_CONTRACT: &str = "Send the signed contract to ACME";
pub const TASK_PASSPORT: &str = "Renew passport";
pub const TASK_EXPENSES: &str = "Expense report for the offsite";
pub const TASK_RELEASE_NOTES: &str = "Write the release notes";
pub const TASK_PRICING: &str = "Review the pricing page";

/// `(title, notes, due in days from today, done days ago, subtask of)`.
type Row = (
    &'static str,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
);

pub(crate) fn tasks(person: &Person) -> TaskSet {
    let email = &person.email;
    let mates = colleagues(email);
    let today = Utc::now().date_naive();
    let now = Utc::now();
    let build = |n: usize, title: &str, rows: Vec<Row>| {
        let list_id = new_id(&format!("{email}/tasklist/{n}"));
        let mut tasks: Vec<Task> = Vec::new();
        for (i, (t, notes, due, done, parent)) in rows.into_iter().enumerate() {
            let parent =
                parent.and_then(|p| tasks.iter().find(|x| x.title == p).map(|x| x.id.clone()));
            tasks.push(Task {
                id: new_id(&format!("{email}/task/{n}/{i}")),
                title: t.to_string(),
                notes,
                due: due.map(|d| today + Duration::days(d)),
                completed: done.map(|d| now - Duration::days(d) - Duration::hours(2)),
                parent,
                position: 1_000_000_000 + 1_000 * i as u64,
                updated: now - Duration::days(5 - i as i64 % 4),
            });
        }
        TaskList {
            id: list_id,
            title: title.to_string(),
            updated: now - Duration::days(1),
            tasks,
        }
    };
    let mine = build(
        0,
        DEFAULT_LIST,
        vec![
            (
                TASK_ROADMAP,
                Some(format!(
                    "Collect input from {} before Thursday.",
                    mates[0].name
                )),
                Some(2),
                None,
                None,
            ),
            (SUBTASK_SLIDES, None, Some(1), None, Some(TASK_ROADMAP)),
            (SUBTASK_ROOM, None, None, Some(1), Some(TASK_ROADMAP)),
            (
                TASK_CONTRACT,
                Some("Scan, sign, and mail to legal@acme-corp.example.".into()),
                Some(-1),
                None,
                None,
            ),
            (TASK_PASSPORT, None, None, None, None),
            (TASK_EXPENSES, None, Some(-4), Some(3), None),
        ],
    );
    let project = build(
        1,
        PROJECT_LIST,
        vec![
            (TASK_RELEASE_NOTES, None, Some(5), None, None),
            (
                TASK_PRICING,
                Some(format!("With {}.", mates[1].name)),
                Some(7),
                None,
                None,
            ),
        ],
    );
    TaskSet {
        lists: vec![mine, project],
        created: 0,
    }
}
