//! Chat API: spaces shared within a domain, direct messages, messages and
//! threads, answers checked against chat.v1's discovery document.

use fake_google::seed::chat::{DM_HELLO, LAUNCH_KICKOFF, SPACE_COFFEE, SPACE_LAUNCH};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::*;
use crate::helpers::{ALICE, BOB, start};
use crate::schema::{Discovery, check_error};

pub const SPACES_READONLY: &str = "https://www.googleapis.com/auth/chat.spaces.readonly";
pub const SPACES_CREATE: &str = "https://www.googleapis.com/auth/chat.spaces.create";
pub const MESSAGES_READONLY: &str = "https://www.googleapis.com/auth/chat.messages.readonly";
pub const MESSAGES_CREATE: &str = "https://www.googleapis.com/auth/chat.messages.create";
const DANA: &str = "dana@example.com";
const ALL: &[&str] = &[
    SPACES_READONLY,
    SPACES_CREATE,
    MESSAGES_READONLY,
    MESSAGES_CREATE,
];

fn names(body: &Value, key: &str, field: &str) -> Vec<String> {
    body[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s[field].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn chat_answers_match_the_schemas() {
    let d = Discovery::load();
    let fake = start().await;
    let token = token(&fake, ALICE, ALL).await;
    let space = ["name", "spaceType", "createTime", "lastActiveTime"];

    let spaces = get_ok(&fake, &token, "/v1/spaces").await;
    d.check(
        "chat.spaces.list",
        &spaces,
        &["spaces[].name", "spaces[].spaceType"],
    );
    let launch = fake.chat_space_id(ALICE, SPACE_LAUNCH).unwrap();
    let mut named = space.to_vec();
    named.push("displayName");
    d.check(
        "chat.spaces.get",
        &get_ok(&fake, &token, &format!("/v1/{launch}")).await,
        &named,
    );
    let messages = get_ok(&fake, &token, &format!("/v1/{launch}/messages")).await;
    let message = [
        "name",
        "sender.name",
        "sender.type",
        "createTime",
        "text",
        "thread.name",
        "space.name",
    ];
    let listed: Vec<String> = message.iter().map(|f| format!("messages[].{f}")).collect();
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    d.check("chat.spaces.messages.list", &messages, &listed);
    let (status, created) = post(
        &fake,
        &token,
        &format!("/v1/{launch}/messages?requestId=r-1&messageId=client-schema-1"),
        json!({ "text": "Schema check" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let mut with_client = message.to_vec();
    with_client.push("clientAssignedMessageId");
    d.check("chat.spaces.messages.create", &created, &with_client);
    d.check(
        "chat.spaces.messages.get",
        &get_ok(
            &fake,
            &token,
            &format!("/v1/{launch}/messages/client-schema-1"),
        )
        .await,
        &with_client,
    );
    let (status, set_up) = post(
        &fake,
        &token,
        "/v1/spaces:setup",
        json!({ "space": { "spaceType": "DIRECT_MESSAGE" },
                "memberships": [{ "member": { "name": format!("users/{DANA}"), "type": "HUMAN" } }] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set_up}");
    d.check("chat.spaces.setup", &set_up, &space);
    d.check(
        "chat.spaces.findDirectMessage",
        &get_ok(
            &fake,
            &token,
            &format!("/v1/spaces:findDirectMessage?name=users/{DANA}"),
        )
        .await,
        &space,
    );

    let (_, body) = get(&fake, &token, "/v1/spaces/nosuchspace").await;
    check_error(&body, 404);
    let (_, body) = get(
        &fake,
        &token,
        &format!("/v1/{launch}/messages?orderBy=size"),
    )
    .await;
    check_error(&body, 400);
    let readonly = crate::api::token(&fake, ALICE, &[MESSAGES_READONLY]).await;
    let (status, body) = post(
        &fake,
        &readonly,
        &format!("/v1/{launch}/messages"),
        json!({ "text": "no scope" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check_error(&body, 403);
}

#[tokio::test]
async fn a_domain_shares_its_spaces_and_each_user_keeps_their_direct_messages() {
    let fake = start().await;
    let alice = token(&fake, ALICE, ALL).await;
    let dana = token(&fake, DANA, ALL).await;
    let bob = token(&fake, BOB, ALL).await;
    let list = |t: String| {
        let fake = fake.clone();
        async move {
            let body = get_ok(&fake, &t, "/v1/spaces").await;
            (
                names(&body, "spaces", "name"),
                names(&body, "spaces", "displayName"),
            )
        }
    };
    let (alice_spaces, alice_titles) = list(alice.clone()).await;
    let (dana_spaces, _) = list(dana.clone()).await;
    let (bob_spaces, bob_titles) = list(bob.clone()).await;
    assert!(alice_titles.contains(&SPACE_LAUNCH.to_string()));
    assert!(alice_titles.contains(&SPACE_COFFEE.to_string()));
    assert_eq!(
        alice_spaces.len(),
        3,
        "two shared spaces and a direct message"
    );
    let launch = fake.chat_space_id(ALICE, SPACE_LAUNCH).unwrap();
    assert!(dana_spaces.contains(&launch), "shared within the domain");
    let alice_dm = alice_spaces
        .iter()
        .find(|s| !dana_spaces.contains(s))
        .unwrap();
    assert!(
        bob_titles.contains(&SPACE_LAUNCH.to_string()),
        "bob's own domain's"
    );
    assert!(
        !bob_spaces.contains(&launch),
        "another domain's space is not bob's"
    );
    assert_eq!(
        get(&fake, &bob, &format!("/v1/{launch}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&fake, &dana, &format!("/v1/{alice_dm}/messages"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let dm = get_ok(&fake, &alice, &format!("/v1/{alice_dm}/messages")).await;
    assert_eq!(dm["messages"][0]["text"], DM_HELLO);

    // Newest first on request; paging.
    let path = format!("/v1/{launch}/messages");
    let oldest = get_ok(&fake, &alice, &path).await;
    assert_eq!(oldest["messages"][0]["text"], LAUNCH_KICKOFF);
    let newest = get_ok(
        &fake,
        &alice,
        &format!("{path}?orderBy=createTime%20desc&pageSize=2"),
    )
    .await;
    assert_eq!(newest["messages"].as_array().unwrap().len(), 2);
    let token_next = newest["nextPageToken"].as_str().unwrap();
    let more = get_ok(
        &fake,
        &alice,
        &format!("{path}?orderBy=createTime%20desc&pageSize=2&pageToken={token_next}"),
    )
    .await;
    assert_ne!(more["messages"][0]["name"], newest["messages"][0]["name"]);

    // A message dana posts is seen by alice.
    let (status, posted) = post(&fake, &dana, &path, json!({ "text": "Hello from Dana" })).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let seen = get_ok(
        &fake,
        &alice,
        &format!("{path}?orderBy=createTime%20desc&pageSize=1"),
    )
    .await;
    assert_eq!(seen["messages"][0]["text"], "Hello from Dana");
    assert_eq!(seen["messages"][0]["sender"]["email"], DANA);
}

#[tokio::test]
async fn a_repeated_request_id_creates_one_message_and_replies_join_threads() {
    let fake = start().await;
    let alice = token(&fake, ALICE, ALL).await;
    let launch = fake.chat_space_id(ALICE, SPACE_LAUNCH).unwrap();
    let path = format!("/v1/{launch}/messages?requestId=req-42&messageId=client-once");
    let (s1, first) = post(&fake, &alice, &path, json!({ "text": "Once" })).await;
    let (s2, again) = post(&fake, &alice, &path, json!({ "text": "Once" })).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(first["name"], again["name"]);
    let count = |text: &str| {
        fake.chat_messages(&launch)
            .iter()
            .filter(|m| m.text == text)
            .count()
    };
    assert_eq!(count("Once"), 1);
    // The same client id without the request id is taken.
    let (status, body) = post(
        &fake,
        &alice,
        &format!("/v1/{launch}/messages?messageId=client-once"),
        json!({ "text": "Twice" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    check_error(&body, 409);
    let (status, _) = post(
        &fake,
        &alice,
        &format!("/v1/{launch}/messages?messageId=Client_Bad"),
        json!({ "text": "x" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post(
        &fake,
        &alice,
        &format!("/v1/{launch}/messages"),
        json!({ "text": " " }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A reply joins the thread of the message it answers.
    let thread = first["thread"]["name"].as_str().unwrap();
    let (status, reply) = post(
        &fake,
        &alice,
        &format!("/v1/{launch}/messages?messageReplyOption=REPLY_MESSAGE_OR_FAIL"),
        json!({ "text": "A reply", "thread": { "name": thread } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["thread"]["name"], thread);
    assert_eq!(reply["threadReply"], true);
    let in_thread = get_ok(
        &fake,
        &alice,
        &format!("/v1/{launch}/messages?filter=thread.name%20%3D%20{thread}"),
    )
    .await;
    assert_eq!(names(&in_thread, "messages", "text"), ["Once", "A reply"]);
    let (status, _) = post(
        &fake,
        &alice,
        &format!("/v1/{launch}/messages?messageReplyOption=REPLY_MESSAGE_OR_FAIL"),
        json!({ "text": "lost", "thread": { "name": format!("{launch}/threads/nope") } }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Direct messages: none with dana yet, then set up once.
    let find = format!("/v1/spaces:findDirectMessage?name=users/{DANA}");
    assert_eq!(get(&fake, &alice, &find).await.0, StatusCode::NOT_FOUND);
    let setup = json!({ "space": { "spaceType": "DIRECT_MESSAGE" },
        "memberships": [{ "member": { "name": format!("users/{DANA}"), "type": "HUMAN" } }] });
    let (_, a) = post(&fake, &alice, "/v1/spaces:setup", setup.clone()).await;
    let (_, b) = post(&fake, &alice, "/v1/spaces:setup", setup).await;
    assert_eq!(a["name"], b["name"]);
    assert_eq!(get_ok(&fake, &alice, &find).await["name"], a["name"]);
    let dana = token(&fake, DANA, ALL).await;
    let (status, _) = get(
        &fake,
        &dana,
        &format!("/v1/{}", a["name"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "dana is in the direct message");
    let (status, _) = post(
        &fake,
        &alice,
        "/v1/spaces:setup",
        json!({ "space": { "spaceType": "DIRECT_MESSAGE" },
            "memberships": [{ "member": { "name": "users/stranger@nowhere.example", "type": "HUMAN" } }] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
