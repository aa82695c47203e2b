//! Chat tools when Google's answer to a send is lost or refused: one
//! message at most, and a clear word on whether it was sent.

use fake_google::Fault;
use fake_google::seed::chat::SPACE_LAUNCH;
use reqwest::Method;
use serde_json::json;

use crate::gmail_support::{Loss, ann, ann_via_proxy};
use crate::google_flow::{ANN, ERIN, Env};

fn launch(env: &Env) -> String {
    env.fake().chat_space_id(ANN, SPACE_LAUNCH).unwrap()
}

fn count(env: &Env, space: &str, text: &str) -> usize {
    env.fake()
        .chat_messages(space)
        .iter()
        .filter(|m| m.text == text)
        .count()
}

#[tokio::test]
async fn a_send_whose_answer_was_lost_posts_exactly_one_message() {
    for (n, how) in [Loss::Unavailable, Loss::CutOff].into_iter().enumerate() {
        let (env, proxy, gm) = ann_via_proxy().await;
        let space = launch(&env);
        let text = format!("Lost answer {n}");
        proxy.lose_next_of("POST", &format!("/v1/{space}/messages"), how);
        let (v, out) = gm
            .ok("chat_send", json!({"space": space, "text": text}))
            .await;
        assert_eq!(proxy.lost.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(
            count(&env, &space, &text),
            1,
            "{how:?}: posted more than once"
        );
        let stored = env.fake().chat_messages(&space);
        let stored = stored.iter().find(|m| m.text == text).unwrap();
        assert_eq!(v["message"]["name"], stored.name.as_str(), "{how:?}");
        assert!(
            !out.contains("answer was lost"),
            "resent with its requestId: {out}"
        );
    }
}

#[tokio::test]
async fn a_send_whose_every_answer_was_lost_is_found_by_its_client_id() {
    let (env, proxy, gm) = ann_via_proxy().await;
    let space = launch(&env);
    proxy.lose_every_of("POST", &format!("/v1/{space}/messages"), Loss::CutOff);
    let (v, out) = gm
        .ok("chat_send", json!({"space": space, "text": "Never heard"}))
        .await;
    assert!(out.contains("it was sent once"), "{out}");
    assert!(
        proxy.lost.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "resent"
    );
    assert_eq!(count(&env, &space, "Never heard"), 1);
    let stored = env.fake().chat_messages(&space);
    let stored = stored.iter().find(|m| m.text == "Never heard").unwrap();
    assert_eq!(v["message"]["name"], stored.name.as_str());
    assert!(stored.client_id.is_some());
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_posts_exactly_one_reply_in_the_thread() {
    let (env, proxy, gm) = ann_via_proxy().await;
    let space = launch(&env);
    let first = env.fake().chat_messages(&space)[0].clone();
    proxy.lose_every_of("POST", &format!("/v1/{space}/messages"), Loss::CutOff);
    let (v, out) = gm
        .ok(
            "chat_reply",
            json!({"message": first.name, "text": "On it"}),
        )
        .await;
    assert!(out.contains("it was sent once"), "{out}");
    assert_eq!(count(&env, &space, "On it"), 1);
    assert_eq!(v["message"]["thread"], first.thread.as_str());
}

#[tokio::test]
async fn a_send_google_keeps_refusing_is_reported_not_sent_and_a_single_refusal_is_retried() {
    let (env, gm) = ann(&[]).await;
    let space = launch(&env);
    let path = format!("/v1/{space}/messages");
    // One 503: resent with the same requestId, posted once.
    env.fake().inject(
        Fault::status(path.clone(), 503)
            .method(Method::POST)
            .times(1),
    );
    gm.ok("chat_send", json!({"space": space, "text": "Retried"}))
        .await;
    assert_eq!(count(&env, &space, "Retried"), 1);
    // Every attempt refused: not sent, and the model may send it again.
    env.fake()
        .inject(Fault::status(path, 503).method(Method::POST));
    let text = gm
        .err("chat_send", json!({"space": space, "text": "Try me"}))
        .await;
    assert!(text.contains("it was not sent"), "{text}");
    assert!(text.contains("safe to send it again"), "{text}");
    assert_eq!(count(&env, &space, "Try me"), 0);
    env.fake().clear_faults();
    gm.ok("chat_send", json!({"space": space, "text": "Try me"}))
        .await;
    assert_eq!(count(&env, &space, "Try me"), 1);
}

#[tokio::test]
async fn a_person_is_messaged_in_one_direct_message_and_unknown_spaces_are_named() {
    let (env, gm) = ann(&[]).await;
    let (v1, _) = gm
        .ok("chat_send", json!({"to": ERIN, "text": "Hello Erin"}))
        .await;
    let (v2, out) = gm
        .ok("chat_send", json!({"to": ERIN, "text": "Again"}))
        .await;
    assert_eq!(v1["space"], v2["space"], "one direct message");
    assert!(
        out.contains(&format!("direct message with {ERIN}")),
        "{out}"
    );
    let dm = env.fake().chat_space_id(ANN, ERIN).unwrap();
    assert_eq!(v1["space"], dm.as_str());
    assert_eq!(count(&env, &dm, "Hello Erin"), 1);

    let text = gm
        .err("chat_send", json!({"space": "spaces/NOPE", "text": "x"}))
        .await;
    assert!(
        text.contains("space spaces/NOPE not found; use chat_list_spaces"),
        "{text}"
    );
    let text = gm
        .err(
            "chat_send",
            json!({"to": "nobody@nowhere.example", "text": "x"}),
        )
        .await;
    assert!(
        text.contains("Cannot message nobody@nowhere.example"),
        "{text}"
    );
}
