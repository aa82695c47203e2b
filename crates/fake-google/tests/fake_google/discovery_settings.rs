//! Gmail settings answers (filters, vacation responder, send-as) checked
//! against the gmail.v1 discovery document, with Google's errors.

use fake_google::seed::mail_settings::{FILTER_FROM, VACATION_SUBJECT, send_as_alias};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api::*;
use crate::helpers::{ALICE, BOB, CAROL, start};
use crate::schema::{Discovery, check_error};

pub const GMAIL_SETTINGS: &str = "https://www.googleapis.com/auth/gmail.settings.basic";
const ME: &str = "/gmail/v1/users/me/settings";

#[tokio::test]
async fn settings_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, &[GMAIL_SETTINGS]).await;

    let filters = get_ok(&fake, &token, &format!("{ME}/filters")).await;
    d.check(
        "gmail.users.settings.filters.list",
        &filters,
        &[
            "filter[].id",
            "filter[].criteria",
            "filter[].action.addLabelIds",
        ],
    );
    assert_eq!(filters["filter"][0]["criteria"]["from"], FILTER_FROM);
    let id = filters["filter"][0]["id"].as_str().unwrap();
    d.check(
        "gmail.users.settings.filters.get",
        &get_ok(&fake, &token, &format!("{ME}/filters/{id}")).await,
        &["id", "criteria.from", "action.removeLabelIds"],
    );
    let body = json!({
        "criteria": { "subject": "Schema check", "hasAttachment": true },
        "action": { "addLabelIds": ["Label_2"], "removeLabelIds": ["UNREAD"] },
    });
    let (status, created) = post(&fake, &token, &format!("{ME}/filters"), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    d.check(
        "gmail.users.settings.filters.create",
        &created,
        &[
            "id",
            "criteria.subject",
            "criteria.hasAttachment",
            "action.addLabelIds",
        ],
    );
    let (status, again) = post(&fake, &token, &format!("{ME}/filters"), body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_error(&again, 400);
    for bad in [
        json!({ "criteria": {}, "action": { "addLabelIds": ["STARRED"] } }),
        json!({ "criteria": { "from": "x@y.example" }, "action": {} }),
        json!({ "criteria": { "from": "x@y.example" }, "action": { "addLabelIds": ["Label_99"] } }),
        json!({ "criteria": { "from": "x@y.example" }, "action": { "forward": "me@evil.example" } }),
    ] {
        let (status, body) = post(&fake, &token, &format!("{ME}/filters"), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        check_error(&body, 400);
    }
    let new_id = created["id"].as_str().unwrap();
    assert_eq!(
        delete(&fake, &token, &format!("{ME}/filters/{new_id}")).await,
        StatusCode::NO_CONTENT
    );
    let (status, body) = get(&fake, &token, &format!("{ME}/filters/{new_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_error(&body, 404);

    let vacation = get_ok(&fake, &token, &format!("{ME}/vacation")).await;
    d.check(
        "gmail.users.settings.getVacation",
        &vacation,
        &[
            "enableAutoReply",
            "responseSubject",
            "responseBodyPlainText",
        ],
    );
    assert_eq!(vacation["responseSubject"], VACATION_SUBJECT);
    let (status, updated) = call(
        &fake,
        &token,
        Method::PUT,
        &format!("{ME}/vacation"),
        Some(json!({
            "enableAutoReply": true, "responseSubject": "Away", "responseBodyPlainText": "Back Monday",
            "restrictToDomain": true, "startTime": "1893456000000", "endTime": "1894060800000",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    d.check(
        "gmail.users.settings.updateVacation",
        &updated,
        &[
            "enableAutoReply",
            "startTime",
            "endTime",
            "restrictToDomain",
        ],
    );
    let (status, body) = call(
        &fake,
        &token,
        Method::PUT,
        &format!("{ME}/vacation"),
        Some(json!({ "enableAutoReply": true, "startTime": "2", "endTime": "1" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_error(&body, 400);

    let send_as = get_ok(&fake, &token, &format!("{ME}/sendAs")).await;
    d.check(
        "gmail.users.settings.sendAs.list",
        &send_as,
        &[
            "sendAs[].sendAsEmail",
            "sendAs[].displayName",
            "sendAs[].isDefault",
        ],
    );
    assert_eq!(send_as["sendAs"][1]["sendAsEmail"], send_as_alias(ALICE));
    assert_eq!(send_as["sendAs"][1]["verificationStatus"], "accepted");
}

#[tokio::test]
async fn settings_follow_scopes_and_stay_with_their_user() {
    let fake = start().await;
    let read = token(&fake, ALICE, &[GMAIL_READONLY]).await;
    get_ok(&fake, &read, &format!("{ME}/filters")).await;
    get_ok(&fake, &read, &format!("{ME}/sendAs")).await;
    let (status, body) = post(
        &fake,
        &read,
        &format!("{ME}/filters"),
        json!({ "criteria": { "from": "a@b.example" }, "action": { "addLabelIds": ["STARRED"] } }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);
    let (status, _) = call(
        &fake,
        &read,
        Method::PUT,
        &format!("{ME}/vacation"),
        Some(json!({ "enableAutoReply": false })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let alice = token(&fake, ALICE, &[GMAIL_SETTINGS]).await;
    let bob = token(&fake, BOB, &[GMAIL_SETTINGS]).await;
    let alice_filter = fake.gmail_filters(ALICE)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = get(&fake, &bob, &format!("{ME}/filters/{alice_filter}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "Bob sees Alice's filter");
    let (status, _) = get(
        &fake,
        &bob,
        &format!("/gmail/v1/users/{ALICE}/settings/filters"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &fake,
        &alice,
        Method::PUT,
        &format!("{ME}/vacation"),
        Some(json!({ "enableAutoReply": true, "responseSubject": "Gone" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fake.gmail_vacation(BOB)["enableAutoReply"], false);
    // Only Workspace accounts can answer their domain only.
    let consumer = token(&fake, CAROL, &[GMAIL_SETTINGS]).await;
    let (status, body) = call(
        &fake,
        &consumer,
        Method::PUT,
        &format!("{ME}/vacation"),
        Some(json!({ "enableAutoReply": true, "responseSubject": "x", "restrictToDomain": true })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_error(&body, 400);
}
