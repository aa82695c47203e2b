//! Test hooks on the Tasks and People data: what a user's task lists and
//! contacts hold.

use crate::FakeGoogle;

/// A task as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    pub id: String,
    pub list_id: String,
    pub list_title: String,
    pub title: String,
    pub notes: Option<String>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    pub completed: bool,
    pub parent: Option<String>,
}

impl FakeGoogle {
    /// The user's tasks (seeded on first use), list by list, parents before subtasks.
    pub fn tasks(&self, email: &str) -> Vec<TaskInfo> {
        self.with_tasks(email, |set| {
            set.lists
                .iter()
                .flat_map(|list| {
                    list.ordered().into_iter().map(|t| TaskInfo {
                        id: t.id.clone(),
                        list_id: list.id.clone(),
                        list_title: list.title.clone(),
                        title: t.title.clone(),
                        notes: t.notes.clone(),
                        due: t.due.map(|d| d.to_string()),
                        completed: t.completed.is_some(),
                        parent: t.parent.clone(),
                    })
                })
                .collect()
        })
    }

    /// The id of the user's task list titled `title`.
    pub fn task_list_id(&self, email: &str, title: &str) -> Option<String> {
        self.with_tasks(email, |set| {
            set.lists
                .iter()
                .find(|l| l.title == title)
                .map(|l| l.id.clone())
        })
    }

    /// `(resource name, display name)` of the user's contacts.
    pub fn contacts(&self, email: &str) -> Vec<(String, String)> {
        self.with_contacts(email, |people| {
            people
                .iter()
                .map(|p| {
                    (
                        p["resourceName"].as_str().unwrap_or_default().to_string(),
                        p["names"][0]["displayName"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
    }
}
