//! Gmail tool failures as the model reads them: unknown ids, missing Google
//! permission, quota, outages, bad arguments; users kept apart; READ_ONLY.

use fake_google::{
    FakeUser, Fault,
    seed::mail::{SUBJECT_BUDGET, SUBJECT_METRICS_PNG},
};
use mcp_gateway::{catalog, config};
use serde_json::json;

use crate::gmail_support::{Gm, ann, env, ids};
use crate::google_flow::{ANN, ERIN};

const LIST_PATH: &str = "/gmail/v1/users/me/messages";

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let (env, gm) = ann(&[]).await;
    let text = gm
        .err(
            "gmail_read_message",
            json!({"message_id": "ffffffffffffffff"}),
        )
        .await;
    assert!(
        text.contains("not found") && text.contains("ffffffffffffffff"),
        "{text}"
    );
    let text = gm
        .err(
            "gmail_read_thread",
            json!({"thread_id": "ffffffffffffffff"}),
        )
        .await;
    assert!(text.contains("not found"), "{text}");
    let png = &ids(&env, ANN, SUBJECT_METRICS_PNG)[0];
    let text = gm
        .err(
            "gmail_get_attachment",
            json!({"message_id": "ffffffffffffffff", "attachment_id": "ANGjdJxyz"}),
        )
        .await;
    assert!(text.contains("not found"), "{text}");
    let text = gm
        .err(
            "gmail_get_attachment",
            json!({"message_id": png, "attachment_id": "ANGjdJxyz"}),
        )
        .await;
    assert!(text.contains("not found: no attachment"), "{text}");
    let text = gm
        .err(
            "gmail_send",
            json!({"to": [ERIN], "subject": "x", "body": "y", "reply_to_message_id": "ffffffffffffffff"}),
        )
        .await;
    assert!(
        text.contains("not found") && text.contains("reply"),
        "{text}"
    );
    assert!(env.fake().sent_messages(ANN).is_empty());
}

#[tokio::test]
async fn invalid_arguments_name_the_field() {
    let (_env, gm) = ann(&[]).await;
    for (tool, args, field) in [
        ("gmail_search", json!({"max_results": 0}), "max_results"),
        ("gmail_search", json!({"max_results": 51}), "max_results"),
        (
            "gmail_read_message",
            json!({"message_id": "../etc"}),
            "message_id",
        ),
        (
            "gmail_read_message",
            json!({"message_id": "abc", "max_body_chars": 5}),
            "max_body_chars",
        ),
        ("gmail_read_thread", json!({"thread_id": ""}), "thread_id"),
        (
            "gmail_get_attachment",
            json!({"message_id": "abc", "attachment_id": "a b"}),
            "attachment_id",
        ),
        (
            "gmail_send",
            json!({"to": ["not an address"], "subject": "s", "body": "b"}),
            "to",
        ),
        (
            "gmail_send",
            json!({"to": ["a@example.com"], "cc": ["x@"], "subject": "s", "body": "b"}),
            "cc",
        ),
        (
            "gmail_send",
            json!({"to": [], "subject": "s", "body": "b"}),
            "to",
        ),
        (
            "gmail_send",
            json!({"to": ["a@example.com"], "body": "b"}),
            "subject",
        ),
        (
            "gmail_create_draft",
            json!({"to": ["a@example.com"], "subject": "s", "body": "b",
            "attachments": [{"filename": "a/b.txt", "mime_type": "text/plain", "content_base64": "aGk"}]}),
            "attachments[0].filename",
        ),
        (
            "gmail_create_draft",
            json!({"to": ["a@example.com"], "subject": "s", "body": "b",
            "attachments": [{"filename": "b.txt", "mime_type": "text", "content_base64": "aGk"}]}),
            "attachments[0].mime_type",
        ),
        ("gmail_search", json!({"label_ids": ["Nope"]}), "label_ids"),
    ] {
        let text = gm.err(tool, args.clone()).await;
        assert!(
            text.contains(&format!("Invalid argument `{field}`")),
            "{tool} {args}: {text}"
        );
    }
    // Unknown and mistyped fields are refused by the schema, naming them.
    let text = gm.err("gmail_search", json!({"q": "from:alice"})).await;
    assert!(
        text.contains("unknown field") && text.contains("`q`"),
        "{text}"
    );
    let text = gm.err("gmail_search", json!({"max_results": "ten"})).await;
    assert!(text.contains("invalid type"), "{text}");
}

#[tokio::test]
async fn a_user_without_the_gmail_permission_is_told_to_sign_in_again() {
    let env = env(&[]).await;
    let frank = "frank@example.com";
    let mut user = FakeUser::workspace(frank, "example.com");
    for scope in [
        catalog::GMAIL_READONLY,
        catalog::GMAIL_MODIFY,
        catalog::GMAIL_SEND,
        catalog::GMAIL_COMPOSE,
    ] {
        user = user.untick(scope);
    }
    env.fake().add_user(user);
    let gm = Gm::sign_in(&env, frank).await;
    let text = gm.err("gmail_search", json!({})).await;
    assert!(text.contains("lacks the Google permission"), "{text}");
    assert!(text.contains("Gmail"), "{text}");
    assert!(text.contains("/oauth/") || text.contains("http"), "{text}");
    let text = gm
        .err(
            "gmail_send",
            json!({"to": [ANN], "subject": "s", "body": "b"}),
        )
        .await;
    assert!(text.contains("lacks the Google permission"), "{text}");
    assert!(env.fake().sent_messages(frank).is_empty());
}

#[tokio::test]
async fn quota_and_outages_are_reported_after_retries() {
    let (env, gm) = ann(&[]).await;
    env.fake().inject(Fault::status(LIST_PATH, 429).times(10));
    let text = gm.err("gmail_search", json!({})).await;
    assert!(
        text.contains("quota") && text.contains("4 attempts"),
        "{text}"
    );
    assert_eq!(env.fake().requests(LIST_PATH), 4);
    env.fake().clear_faults();
    env.fake().reset_counters();

    env.fake().inject(Fault::status(LIST_PATH, 503).times(10));
    let text = gm.err("gmail_search", json!({})).await;
    assert!(
        text.contains("unavailable") && text.contains("503"),
        "{text}"
    );
    assert_eq!(env.fake().requests(LIST_PATH), 4);
    env.fake().clear_faults();

    // A brief outage is ridden out.
    env.fake().inject(Fault::status(LIST_PATH, 503).times(2));
    gm.ok("gmail_search", json!({"max_results": 1})).await;
}

#[tokio::test]
async fn users_see_only_their_own_mail() {
    let env = env(&[]).await;
    let ann = Gm::sign_in(&env, ANN).await;
    let erin = Gm::sign_in(&env, ERIN).await;
    let (a, _) = ann.ok("gmail_search", json!({"max_results": 50})).await;
    let (e, _) = erin.ok("gmail_search", json!({"max_results": 50})).await;
    let ids_of = |v: &serde_json::Value| -> Vec<String> {
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (a_ids, e_ids) = (ids_of(&a), ids_of(&e));
    assert!(!a_ids.is_empty() && !e_ids.is_empty());
    assert!(a_ids.iter().all(|id| !e_ids.contains(id)), "shared ids");
    let ann_budget = &ids(&env, ANN, SUBJECT_BUDGET)[0];
    let text = erin
        .err("gmail_read_message", json!({"message_id": ann_budget}))
        .await;
    assert!(text.contains("not found"), "{text}");
    let (v, _) = ann
        .ok("gmail_read_message", json!({"message_id": ann_budget}))
        .await;
    assert!(v["to"].as_str().unwrap().contains(ANN));
    // Erin's label change on Ann's id changes nothing.
    let (v, _) = erin
        .ok(
            "gmail_modify_labels",
            json!({"message_ids": [ann_budget], "star": true}),
        )
        .await;
    assert_eq!(v["not_found"], json!([ann_budget]));
    assert!(
        !env.fake()
            .gmail_messages(ANN)
            .iter()
            .any(|m| &m.id == ann_budget && m.label_ids.contains(&"STARRED".to_owned()))
    );
}

#[tokio::test]
async fn read_only_offers_no_gmail_writers() {
    let env = env(&[(config::READ_ONLY, "true")]).await;
    let gm = Gm::sign_in(&env, ANN).await;
    let names = gm.tool_names().await;
    for reader in [
        "gmail_search",
        "gmail_read_message",
        "gmail_read_thread",
        "gmail_get_attachment",
        "gmail_list_labels",
    ] {
        assert!(
            names.contains(&reader.to_owned()),
            "{reader} missing: {names:?}"
        );
    }
    for writer in [
        "gmail_send",
        "gmail_create_draft",
        "gmail_modify_labels",
        "gmail_trash",
    ] {
        assert!(
            !names.contains(&writer.to_owned()),
            "{writer} offered: {names:?}"
        );
    }
    let c = gm
        .mcp
        .request(
            99,
            "tools/call",
            json!({"name": "gmail_send", "arguments": {"to": [ERIN], "subject": "s", "body": "b"}}),
        )
        .await;
    let msg = c.message();
    assert!(
        msg.get("error").is_some() || msg["result"]["isError"] == true,
        "{msg}"
    );
    assert!(env.fake().sent_messages(ANN).is_empty());
}
