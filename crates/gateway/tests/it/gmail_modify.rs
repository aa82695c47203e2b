//! `gmail_modify_labels` and `gmail_trash` against the fake's mailboxes.

use fake_google::seed::mail::{SUBJECT_LUNCH, SUBJECT_NEWSLETTER, SUBJECT_OFFSITE};
use serde_json::json;

use crate::gmail_support::{ann, ids};
use crate::google_flow::ANN;

fn labels_of(env: &crate::google_flow::Env, id: &str) -> Vec<String> {
    env.fake()
        .gmail_messages(ANN)
        .into_iter()
        .find(|m| m.id == id)
        .unwrap()
        .label_ids
}

/// Id of the seeded user label "Offsite" (the only user label on its thread).
fn offsite_label_id(env: &crate::google_flow::Env) -> String {
    let offsite = &ids(env, ANN, SUBJECT_OFFSITE)[0];
    labels_of(env, offsite)
        .into_iter()
        .find(|l| l.starts_with("Label_"))
        .unwrap()
}

#[tokio::test]
async fn labels_change_by_name_and_by_flag() {
    let (env, gm) = ann(&[]).await;
    let lunch = ids(&env, ANN, SUBJECT_LUNCH);
    let news = ids(&env, ANN, SUBJECT_NEWSLETTER)[0].clone();
    let targets = vec![lunch[2].clone(), news.clone()];
    let (v, text) = gm
        .ok(
            "gmail_modify_labels",
            json!({"message_ids": targets, "add_labels": ["offsite"], "archive": true, "mark_read": true, "star": true}),
        )
        .await;
    assert_eq!(v["changed"], json!(targets));
    assert_eq!(v["not_found"], json!([]));
    assert!(text.contains("Changed 2 message(s)"), "{text}");
    let offsite = offsite_label_id(&env);
    for id in &targets {
        let l = labels_of(&env, id);
        assert!(l.contains(&offsite), "{l:?}");
        assert!(l.contains(&"STARRED".to_owned()), "{l:?}");
        assert!(!l.contains(&"INBOX".to_owned()), "{l:?}");
        assert!(!l.contains(&"UNREAD".to_owned()), "{l:?}");
    }

    // Back: by id, unread, unstar; an unknown id is reported, not changed.
    let (v, _) = gm
        .ok(
            "gmail_modify_labels",
            json!({"message_ids": [news, "ffffffffffffffff"], "remove_labels": [offsite], "add_labels": ["INBOX"], "mark_unread": true, "unstar": true}),
        )
        .await;
    assert_eq!(v["changed"], json!([news]));
    assert_eq!(v["not_found"], json!(["ffffffffffffffff"]));
    let l = labels_of(&env, &news);
    assert!(l.contains(&"INBOX".to_owned()) && l.contains(&"UNREAD".to_owned()));
    assert!(!l.contains(&"STARRED".to_owned()) && !l.contains(&offsite));

    // Unknown label names and contradictions name the field.
    let text = gm
        .err(
            "gmail_modify_labels",
            json!({"message_ids": [news], "add_labels": ["No Such Label"]}),
        )
        .await;
    assert!(
        text.contains("`add_labels`") && text.contains("No Such Label"),
        "{text}"
    );
    let text = gm
        .err(
            "gmail_modify_labels",
            json!({"message_ids": [news], "mark_read": true, "mark_unread": true}),
        )
        .await;
    assert!(text.contains("`mark_read`"), "{text}");
    let text = gm
        .err("gmail_modify_labels", json!({"message_ids": [news]}))
        .await;
    assert!(text.contains("nothing to change"), "{text}");
    let many: Vec<String> = (0..101).map(|i| format!("{i:016x}")).collect();
    let text = gm
        .err(
            "gmail_modify_labels",
            json!({"message_ids": many, "star": true}),
        )
        .await;
    assert!(text.contains("`message_ids`"), "{text}");
}

#[tokio::test]
async fn trash_reports_each_message() {
    let (env, gm) = ann(&[]).await;
    let lunch = ids(&env, ANN, SUBJECT_LUNCH);
    let (v, text) = gm
        .ok(
            "gmail_trash",
            json!({"message_ids": [lunch[0], "ffffffffffffffff"]}),
        )
        .await;
    let results = v["results"].as_array().unwrap();
    assert_eq!(results[0]["id"], lunch[0].as_str());
    assert_eq!(results[0]["trashed"], true);
    assert_eq!(results[1]["trashed"], false);
    assert!(
        results[1]["error"].as_str().unwrap().contains("not found"),
        "{v}"
    );
    assert!(text.contains("Moved 1 of 2"), "{text}");
    assert!(labels_of(&env, &lunch[0]).contains(&"TRASH".to_owned()));
    // Trashed mail leaves search results.
    let (v, _) = gm
        .ok(
            "gmail_search",
            json!({"query": "subject:(Lunch on Friday)"}),
        )
        .await;
    assert_eq!(v["messages"].as_array().unwrap().len(), 2, "{v}");

    let text = gm
        .err("gmail_trash", json!({"message_ids": ["ffffffffffffffff"]}))
        .await;
    assert!(
        text.contains("Moved 0 of 1") && text.contains("not found"),
        "{text}"
    );
    let text = gm.err("gmail_trash", json!({"message_ids": []})).await;
    assert!(text.contains("`message_ids`"), "{text}");
}
