//! forms_create when Google's answer to the create or to the batch of
//! questions is lost or refused: one form at most, its questions once, and
//! a clear word on whether it exists.

use fake_google::Fault;
use reqwest::Method;
use serde_json::{Value, json};

use crate::gmail_support::{Loss, ann, ann_via_proxy};
use crate::google_flow::{ANN, Env};

fn args(title: &str) -> Value {
    json!({
        "title": title,
        "description": "Quick poll",
        "questions": [
            {"title": "Name", "kind": "text", "required": true},
            {"title": "Where?", "kind": "multiple_choice", "options": ["Lisbon", "Berlin"]},
            {"title": "Rate it", "kind": "scale", "low": 1, "high": 5},
        ],
    })
}

fn forms(env: &Env, title: &str) -> Vec<Value> {
    let fake = env.fake();
    fake.form_ids(ANN, title)
        .iter()
        .filter_map(|id| fake.form(ANN, id))
        .collect()
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_creates_exactly_one_form_with_its_questions() {
    for (n, how) in [Loss::Unavailable, Loss::CutOff].into_iter().enumerate() {
        let (env, proxy, gm) = ann_via_proxy().await;
        let title = format!("Lost form {n}");
        proxy.lose_next_of("POST", "/v1/forms", how);
        let (v, text) = gm.ok("forms_create", args(&title)).await;
        assert_eq!(proxy.lost.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(text.contains("it was created once"), "{how:?}: {text}");
        let made = forms(&env, &title);
        assert_eq!(made.len(), 1, "{how:?}: created more than once");
        assert_eq!(made[0]["items"].as_array().unwrap().len(), 3);
        assert_eq!(v["form_id"], made[0]["formId"]);
        assert_eq!(v["questions"].as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn a_batch_whose_answer_was_lost_adds_the_questions_once() {
    let (env, proxy, gm) = ann_via_proxy().await;
    proxy.lose_next_of("POST", "/v1/forms/*", Loss::Unavailable);
    let (v, _) = gm.ok("forms_create", args("Batch lost")).await;
    assert_eq!(proxy.lost.load(std::sync::atomic::Ordering::SeqCst), 1);
    let made = forms(&env, "Batch lost");
    assert_eq!(made.len(), 1);
    assert_eq!(
        made[0]["items"].as_array().unwrap().len(),
        3,
        "questions added twice or not at all"
    );
    assert_eq!(made[0]["info"]["description"], "Quick poll");
    assert_eq!(v["questions"][1]["options"], json!(["Lisbon", "Berlin"]));
}

#[tokio::test]
async fn a_create_google_refused_with_503_is_reported_not_created() {
    let (env, gm) = ann(&[]).await;
    env.fake().inject(
        Fault::status("/v1/forms", 503)
            .method(Method::POST)
            .times(1),
    );
    let text = gm.err("forms_create", args("Try me")).await;
    assert!(text.contains("it was not created"), "{text}");
    assert!(text.contains("safe to create it again"), "{text}");
    assert!(forms(&env, "Try me").is_empty());
    gm.ok("forms_create", args("Try me")).await;
    assert_eq!(forms(&env, "Try me").len(), 1);
}
