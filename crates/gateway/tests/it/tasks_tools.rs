//! Tasks tools when Google's answer to a create is lost or refused: one
//! task at most, and a clear word on whether it exists.

use fake_google::Fault;
use fake_google::seed::tasks::DEFAULT_LIST;
use reqwest::Method;
use serde_json::json;

use crate::gmail_support::{Loss, ann, ann_via_proxy};
use crate::google_flow::{ANN, Env};

fn tasks_path(env: &Env) -> String {
    let list = env.fake().task_list_id(ANN, DEFAULT_LIST).unwrap();
    format!("/tasks/v1/lists/{list}/tasks")
}

fn count(env: &Env, title: &str) -> usize {
    env.fake()
        .tasks(ANN)
        .iter()
        .filter(|t| t.title == title)
        .count()
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_creates_exactly_one_task() {
    for (n, how) in [Loss::Unavailable, Loss::CutOff].into_iter().enumerate() {
        let (env, proxy, gm) = ann_via_proxy().await;
        let title = format!("Lost answer {n}");
        proxy.lose_next_of("POST", &tasks_path(&env), how);
        let (v, text) = gm
            .ok(
                "tasks_create",
                json!({"title": title, "notes": "once", "due": "2031-05-05"}),
            )
            .await;
        assert_eq!(proxy.lost.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(text.contains("it was created once"), "{how:?}: {text}");
        assert_eq!(count(&env, &title), 1, "{how:?}: created more than once");
        let stored = env
            .fake()
            .tasks(ANN)
            .into_iter()
            .find(|t| t.title == title)
            .unwrap();
        assert_eq!(v["task"]["id"], stored.id.as_str());
        assert_eq!(v["task"]["due"], "2031-05-05");
    }
}

#[tokio::test]
async fn a_create_google_refused_with_503_is_reported_not_created_and_not_resent() {
    let (env, gm) = ann(&[]).await;
    let path = tasks_path(&env);
    env.fake().inject(
        Fault::status(path.clone(), 503)
            .method(Method::POST)
            .times(1),
    );
    let text = gm.err("tasks_create", json!({"title": "Try me"})).await;
    assert!(text.contains("it was not created"), "{text}");
    assert!(text.contains("safe to create it again"), "{text}");
    assert_eq!(count(&env, "Try me"), 0);
    // The model's retry creates it, once.
    gm.ok("tasks_create", json!({"title": "Try me"})).await;
    assert_eq!(count(&env, "Try me"), 1);
}
