//! Tasks and People: each user's own data, filters, subtasks, and edits.

use chrono::{Duration, Utc};
use fake_google::seed::contacts::CONTACT_LENA;
use fake_google::seed::tasks::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::*;
use crate::discovery_tasks::{CONTACTS_READONLY, DIRECTORY_READONLY, TASKS};
use crate::helpers::{ALICE, BOB, start};

const DEFAULT: &str = "/tasks/v1/lists/@default/tasks";

fn titles(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn task_lists_filter_by_completion_and_due_date_with_subtasks_after_parents() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[TASKS]).await;
    let lists = get_ok(&fake, &token, "/tasks/v1/users/@me/lists").await;
    assert_eq!(titles(&lists), [DEFAULT_LIST, PROJECT_LIST]);

    let all = get_ok(&fake, &token, DEFAULT).await;
    assert_eq!(
        titles(&all),
        [
            TASK_ROADMAP,
            SUBTASK_SLIDES,
            SUBTASK_ROOM,
            TASK_CONTRACT,
            TASK_PASSPORT,
            TASK_EXPENSES
        ]
    );
    let roadmap = all["items"][0]["id"].as_str().unwrap();
    assert_eq!(all["items"][1]["parent"], roadmap);
    let open = get_ok(&fake, &token, &format!("{DEFAULT}?showCompleted=false")).await;
    assert_eq!(
        titles(&open),
        [TASK_ROADMAP, SUBTASK_SLIDES, TASK_CONTRACT, TASK_PASSPORT]
    );
    let today = Utc::now().date_naive();
    let due_max = format!("{}T00:00:00Z", today + Duration::days(1));
    let soon = get_ok(
        &fake,
        &token,
        &format!("{DEFAULT}?showCompleted=false&dueMax={due_max}"),
    )
    .await;
    assert_eq!(titles(&soon), [TASK_CONTRACT]);
    let page = get_ok(&fake, &token, &format!("{DEFAULT}?maxResults=4")).await;
    assert_eq!(titles(&page).len(), 4);
    let next = page["nextPageToken"].as_str().unwrap();
    let rest = get_ok(
        &fake,
        &token,
        &format!("{DEFAULT}?maxResults=4&pageToken={next}"),
    )
    .await;
    assert_eq!(titles(&rest), [TASK_PASSPORT, TASK_EXPENSES]);
}

#[tokio::test]
async fn tasks_are_created_nested_patched_and_deleted_with_their_subtasks() {
    let fake = start().await;
    let token = token(&fake, ALICE, &[TASKS]).await;
    let (status, parent) = post(&fake, &token, DEFAULT, json!({ "title": "Plan the party" })).await;
    assert_eq!(status, StatusCode::OK, "{parent}");
    let parent_id = parent["id"].as_str().unwrap();
    assert_eq!(
        titles(&get_ok(&fake, &token, DEFAULT).await)[0],
        "Plan the party"
    );
    let (status, child) = post(
        &fake,
        &token,
        &format!("{DEFAULT}?parent={parent_id}"),
        json!({ "title": "Order cake", "due": "2031-05-05T15:30:00+02:00" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{child}");
    assert_eq!(child["due"], "2031-05-05T00:00:00.000Z");
    let child_id = child["id"].as_str().unwrap();
    let (status, body) = post(
        &fake,
        &token,
        &format!("{DEFAULT}?parent={child_id}"),
        json!({ "title": "Too deep" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let task_url = format!("{DEFAULT}/{child_id}");
    let (_, done) = patch(
        &fake,
        &token,
        &task_url,
        json!({ "status": "completed", "due": null }),
    )
    .await;
    assert_eq!(done["status"], "completed");
    assert!(
        done["completed"].is_string() && done.get("due").is_none(),
        "{done}"
    );
    let (_, reopened) = patch(&fake, &token, &task_url, json!({ "status": "needsAction" })).await;
    assert!(reopened.get("completed").is_none(), "{reopened}");
    let (status, _) = patch(&fake, &token, &task_url, json!({ "status": "finished" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let status = delete(&fake, &token, &format!("{DEFAULT}/{parent_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = get(&fake, &token, &task_url).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the subtask outlived its parent"
    );
    let status = delete(&fake, &token, &format!("{DEFAULT}/{parent_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_user_cannot_see_or_change_anothers_tasks_or_contacts() {
    let fake = start().await;
    let alice = token(
        &fake,
        ALICE,
        &[TASKS, CONTACTS_READONLY, DIRECTORY_READONLY],
    )
    .await;
    let bob = token(&fake, BOB, &[TASKS, CONTACTS_READONLY, DIRECTORY_READONLY]).await;
    let theirs = fake.tasks(ALICE);
    let mine = fake.tasks(BOB);
    assert!(
        theirs
            .iter()
            .all(|t| mine.iter().all(|m| m.id != t.id && m.list_id != t.list_id))
    );
    let task = &theirs[0];
    let url = format!("/tasks/v1/lists/{}/tasks/{}", task.list_id, task.id);
    assert_eq!(get(&fake, &bob, &url).await.0, StatusCode::NOT_FOUND);
    let (status, _) = patch(&fake, &bob, &url, json!({ "title": "mine now" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(delete(&fake, &bob, &url).await, StatusCode::NOT_FOUND);
    let own_url = format!("/tasks/v1/lists/@default/tasks/{}", task.id);
    assert_eq!(get(&fake, &bob, &own_url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        get_ok(&fake, &alice, &url).await["title"],
        task.title.as_str()
    );

    let lena = |token: String| {
        let fake = fake.clone();
        async move {
            let found = get_ok(
                &fake,
                &token,
                "/v1/people:searchContacts?query=lena&readMask=names",
            )
            .await;
            found["results"][0]["person"]["resourceName"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let (alices, bobs) = (lena(alice.clone()).await, lena(bob.clone()).await);
    assert_ne!(alices, bobs);
    assert!(
        fake.contacts(ALICE)
            .iter()
            .any(|(r, n)| *r == alices && n == CONTACT_LENA)
    );
    let (status, _) = get(&fake, &bob, &format!("/v1/{alices}?personFields=names")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The directory is the caller's own domain.
    let dir = "/v1/people:searchDirectoryPeople?query=alice&readMask=emailAddresses&sources=DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE";
    assert!(get_ok(&fake, &alice, dir).await["people"].is_array());
    assert_eq!(get_ok(&fake, &bob, dir).await, json!({}));
}
