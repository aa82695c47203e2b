//! Tasks and People answers checked against Google's discovery documents
//! (tasks.v1, people.v1; see `schema.rs` for the checker).

use fake_google::seed::tasks::{PROJECT_LIST, TASK_CONTRACT, TASK_ROADMAP};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::*;
use crate::helpers::{ALICE, CAROL, start};
use crate::schema::{Discovery, check_error};

pub const TASKS: &str = "https://www.googleapis.com/auth/tasks";
pub const TASKS_READONLY: &str = "https://www.googleapis.com/auth/tasks.readonly";
pub const CONTACTS_READONLY: &str = "https://www.googleapis.com/auth/contacts.readonly";
pub const DIRECTORY_READONLY: &str = "https://www.googleapis.com/auth/directory.readonly";
const PERSON_MASK: &str =
    "names,emailAddresses,phoneNumbers,organizations,addresses,biographies,metadata";

#[tokio::test]
async fn tasks_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[TASKS]).await;
    let task = [
        "kind", "id", "etag", "title", "updated", "selfLink", "position", "status",
    ];

    let lists = get_ok(&fake, &token, "/tasks/v1/users/@me/lists").await;
    d.check(
        "tasks.tasklists.list",
        &lists,
        &["kind", "items[].id", "items[].title", "items[].updated"],
    );
    let project = fake.task_list_id(ALICE, PROJECT_LIST).unwrap();
    d.check(
        "tasks.tasklists.get",
        &get_ok(
            &fake,
            &token,
            &format!("/tasks/v1/users/@me/lists/{project}"),
        )
        .await,
        &["kind", "id", "title", "etag", "selfLink"],
    );
    const DEFAULT: &str = "/tasks/v1/lists/@default/tasks";
    for query in [
        "",
        "?showCompleted=false&maxResults=2",
        "?dueMin=2000-01-01T00:00:00Z&dueMax=2100-01-01T00:00:00Z",
    ] {
        let body = get_ok(&fake, &token, &format!("{DEFAULT}{query}")).await;
        d.check(
            "tasks.tasks.list",
            &body,
            &["kind", "items[].id", "items[].status"],
        );
    }
    let roadmap = fake
        .tasks(ALICE)
        .into_iter()
        .find(|t| t.title == TASK_ROADMAP)
        .unwrap();
    let mut with_notes = task.to_vec();
    with_notes.extend(["notes", "due", "webViewLink"]);
    d.check(
        "tasks.tasks.get",
        &get_ok(&fake, &token, &format!("{DEFAULT}/{}", roadmap.id)).await,
        &with_notes,
    );

    let (status, created) = post(
        &fake,
        &token,
        &format!("{DEFAULT}?parent={}", roadmap.id),
        json!({ "title": "Schema check", "notes": "n", "due": "2031-05-05T00:00:00.000Z" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let mut subtask = task.to_vec();
    subtask.extend(["parent", "due", "notes"]);
    d.check("tasks.tasks.insert", &created, &subtask);
    let id = created["id"].as_str().unwrap();
    let (status, done) = patch(
        &fake,
        &token,
        &format!("{DEFAULT}/{id}"),
        json!({ "status": "completed" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let mut completed = task.to_vec();
    completed.push("completed");
    d.check("tasks.tasks.patch", &done, &completed);
    let status = delete(&fake, &token, &format!("{DEFAULT}/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, body) = get(&fake, &token, "/tasks/v1/lists/nosuchlist/tasks").await;
    check_error(&body, 404);
    let (_, body) = get(&fake, &token, &format!("{DEFAULT}/nosuchtask")).await;
    check_error(&body, 404);
    let (_, body) = get(&fake, &token, &format!("{DEFAULT}?dueMin=tomorrow")).await;
    check_error(&body, 400);
    let readonly = crate::api::token(&fake, ALICE, &[TASKS_READONLY]).await;
    let contract = fake
        .tasks(ALICE)
        .into_iter()
        .find(|t| t.title == TASK_CONTRACT)
        .unwrap();
    let (status, body) = patch(
        &fake,
        &readonly,
        &format!("{DEFAULT}/{}", contract.id),
        json!({ "status": "completed" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);
}

#[tokio::test]
async fn people_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[CONTACTS_READONLY, DIRECTORY_READONLY]).await;

    let found = get_ok(
        &fake,
        &token,
        &format!("/v1/people:searchContacts?query=lena&readMask={PERSON_MASK}"),
    )
    .await;
    d.check(
        "people.people.searchContacts",
        &found,
        &[
            "results[].person.resourceName",
            "results[].person.etag",
            "results[].person.names[].displayName",
            "results[].person.emailAddresses[].value",
            "results[].person.phoneNumbers[].value",
            "results[].person.organizations[].name",
            "results[].person.metadata.sources[].type",
        ],
    );
    d.check(
        "people.people.searchContacts",
        &get_ok(
            &fake,
            &token,
            "/v1/people:searchContacts?query=&readMask=names",
        )
        .await,
        &[],
    );
    let directory = get_ok(
        &fake,
        &token,
        "/v1/people:searchDirectoryPeople?query=dana&readMask=names,emailAddresses&sources=DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE",
    )
    .await;
    d.check(
        "people.people.searchDirectoryPeople",
        &directory,
        &[
            "people[].resourceName",
            "people[].names[].displayName",
            "people[].emailAddresses[].value",
            "totalSize",
        ],
    );
    let contact = found["results"][0]["person"]["resourceName"]
        .as_str()
        .unwrap();
    d.check(
        "people.people.get",
        &get_ok(
            &fake,
            &token,
            &format!("/v1/{contact}?personFields={PERSON_MASK}"),
        )
        .await,
        &[
            "resourceName",
            "names[].givenName",
            "addresses[].formattedValue",
            "biographies[].value",
        ],
    );
    let colleague = directory["people"][0]["resourceName"].as_str().unwrap();
    d.check(
        "people.people.get",
        &get_ok(
            &fake,
            &token,
            &format!("/v1/{colleague}?personFields=names,emailAddresses"),
        )
        .await,
        &["resourceName", "emailAddresses[].value"],
    );

    let (status, body) = get(&fake, &token, "/v1/people/c123?personFields=names").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_error(&body, 404);
    let (_, body) = get(&fake, &token, &format!("/v1/{contact}")).await;
    check_error(&body, 400);
    let (_, body) = get(
        &fake,
        &token,
        "/v1/people:searchContacts?query=a&readMask=bogus",
    )
    .await;
    check_error(&body, 400);
    let consumer = crate::api::token(&fake, CAROL, &[DIRECTORY_READONLY]).await;
    let (status, body) = get(
        &fake,
        &consumer,
        "/v1/people:searchDirectoryPeople?query=a&readMask=names&sources=DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_error(&body, 400);
    assert_eq!(body["error"]["status"], "FAILED_PRECONDITION");
    let contacts_only = crate::api::token(&fake, ALICE, &[CONTACTS_READONLY]).await;
    let (status, body) = get(
        &fake,
        &contacts_only,
        &format!("/v1/{colleague}?personFields=names"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);
}
