//! Forms API: a user's forms, edits all or nothing under a revision, and
//! responses, answers checked against forms.v1's discovery document.

use fake_google::seed::forms::{FORM_SURVEY, Q_CITY};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::*;
use crate::helpers::{ALICE, start};
use crate::schema::{Discovery, check_error};

pub const FORMS_BODY: &str = "https://www.googleapis.com/auth/forms.body";
pub const FORMS_BODY_READONLY: &str = "https://www.googleapis.com/auth/forms.body.readonly";
pub const RESPONSES_READONLY: &str = "https://www.googleapis.com/auth/forms.responses.readonly";
const DRIVE_FILE: &str = "https://www.googleapis.com/auth/drive.file";
const DANA: &str = "dana@example.com";

#[tokio::test]
async fn forms_answers_match_the_schemas_and_edits_are_all_or_nothing() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[FORMS_BODY, RESPONSES_READONLY, DRIVE_FILE]).await;

    let survey = fake.form_ids(ALICE, FORM_SURVEY).remove(0);
    let form = get_ok(&fake, &token, &format!("/v1/forms/{survey}")).await;
    d.check(
        "forms.forms.get",
        &form,
        &[
            "formId",
            "info.title",
            "revisionId",
            "responderUri",
            "items[].itemId",
            "items[].questionItem.question.questionId",
        ],
    );
    let responses = get_ok(&fake, &token, &format!("/v1/forms/{survey}/responses")).await;
    d.check(
        "forms.forms.responses.list",
        &responses,
        &[
            "responses[].responseId",
            "responses[].lastSubmittedTime",
            "responses[].answers",
        ],
    );
    assert_eq!(responses["responses"].as_array().unwrap().len(), 3);
    let paged = get_ok(
        &fake,
        &token,
        &format!("/v1/forms/{survey}/responses?pageSize=2"),
    )
    .await;
    assert_eq!(paged["responses"].as_array().unwrap().len(), 2);
    assert!(paged["nextPageToken"].is_string());
    let last = responses["responses"][2]["lastSubmittedTime"]
        .as_str()
        .unwrap();
    let since = get_ok(
        &fake,
        &token,
        &format!("/v1/forms/{survey}/responses?filter=timestamp%20%3E%3D%20{last}"),
    )
    .await;
    assert_eq!(since["responses"].as_array().unwrap().len(), 1);

    let (status, created) = post(
        &fake,
        &token,
        "/v1/forms",
        json!({ "info": { "title": "Lunch poll" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    d.check(
        "forms.forms.create",
        &created,
        &["formId", "info.title", "revisionId"],
    );
    let id = created["formId"].as_str().unwrap();
    let listed = get_ok(
        &fake,
        &token,
        "/drive/v3/files?q=mimeType%20%3D%20%27application%2Fvnd.google-apps.form%27&fields=files(id,name)",
    )
    .await;
    assert_eq!(
        listed["files"][0]["id"], id,
        "the new form is a Drive file: {listed}"
    );

    let batch = |revision: &str, options: serde_json::Value| {
        json!({
            "includeFormInResponse": true,
            "writeControl": { "requiredRevisionId": revision },
            "requests": [
                { "updateFormInfo": { "info": { "description": "Pick one" }, "updateMask": "description" } },
                { "createItem": { "location": { "index": 0 }, "item": { "title": "Where?",
                    "questionItem": { "question": { "required": true,
                        "choiceQuestion": { "type": "RADIO", "options": options } } } } } },
            ],
        })
    };
    let path = format!("/v1/forms/{id}:batchUpdate");
    let revision = created["revisionId"].as_str().unwrap();
    let (status, body) = post(
        &fake,
        &token,
        &path,
        batch(revision, json!([{ "value": "A" }, { "value": "A" }])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requests[1].createItem"),
        "{body}"
    );
    let unchanged = get_ok(&fake, &token, &format!("/v1/forms/{id}")).await;
    assert!(unchanged["info"].get("description").is_none() && unchanged.get("items").is_none());
    let (status, updated) = post(
        &fake,
        &token,
        &path,
        batch(revision, json!([{ "value": "A" }, { "value": "B" }])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    d.check(
        "forms.forms.batchUpdate",
        &updated,
        &[
            "replies",
            "writeControl.requiredRevisionId",
            "form.items[].itemId",
        ],
    );
    assert!(updated["replies"][1]["createItem"]["questionId"][0].is_string());
    // The same batch again under the old revision is refused: nothing doubles.
    let (status, body) = post(
        &fake,
        &token,
        &path,
        batch(revision, json!([{ "value": "A" }, { "value": "B" }])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["status"], "FAILED_PRECONDITION");
    assert_eq!(
        fake.form(ALICE, id).unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (_, body) = get(&fake, &token, "/v1/forms/nosuchform").await;
    check_error(&body, 404);
    let (_, body) = post(
        &fake,
        &token,
        "/v1/forms",
        json!({ "info": { "title": "x" }, "items": [] }),
    )
    .await;
    check_error(&body, 400);
    let readonly = crate::api::token(&fake, ALICE, &[FORMS_BODY_READONLY]).await;
    let (status, body) = post(
        &fake,
        &readonly,
        "/v1/forms",
        json!({ "info": { "title": "x" } }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);
    let (status, _) = get(&fake, &readonly, &format!("/v1/forms/{survey}/responses")).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "responses need their own scope"
    );
}

#[tokio::test]
async fn each_user_sees_only_their_own_forms() {
    let fake = start().await;
    let alice = token(&fake, ALICE, &[FORMS_BODY, RESPONSES_READONLY]).await;
    let dana = token(&fake, DANA, &[FORMS_BODY, RESPONSES_READONLY]).await;
    let alices = fake.form_ids(ALICE, FORM_SURVEY).remove(0);
    let danas = fake.form_ids(DANA, FORM_SURVEY).remove(0);
    assert_ne!(alices, danas);
    let form = get_ok(&fake, &dana, &format!("/v1/forms/{danas}")).await;
    assert_eq!(form["items"][1]["title"], Q_CITY);
    for path in [
        format!("/v1/forms/{alices}"),
        format!("/v1/forms/{alices}/responses"),
    ] {
        assert_eq!(
            get(&fake, &dana, &path).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (status, _) = post(
        &fake,
        &dana,
        &format!("/v1/forms/{alices}:batchUpdate"),
        json!({ "requests": [] }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&fake, &alice, &format!("/v1/forms/{alices}")).await.0,
        StatusCode::OK
    );
}
