//! Writes of the Gmail settings, Drive comment and Sheets chart tools when Google's
//! answer is lost: the gateway looks before it reports, and nothing is
//! created twice.

use fake_google::Fault;
use fake_google::seed::drive::{DOC_MEETING_NOTES, SHEET_BUDGET};
use reqwest::Method;
use serde_json::json;

use crate::gmail_support::{Loss, ann, ann_via_proxy};
use crate::google_flow::ANN;

#[tokio::test]
async fn a_filter_whose_answer_was_lost_is_created_once() {
    for (n, how) in [Loss::Unavailable, Loss::CutOff].into_iter().enumerate() {
        let (env, proxy, gm) = ann_via_proxy().await;
        let subject = format!("Lost filter {n}");
        let before = env.fake().gmail_filters(ANN).len();
        proxy.lose_next_of("POST", "/gmail/v1/users/me/settings/filters", how);
        let (v, text) = gm
            .ok(
                "gmail_create_filter",
                json!({"subject": subject, "add_labels": ["Receipts"], "archive": true}),
            )
            .await;
        assert_eq!(proxy.lost.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(text.contains("it was created once"), "{how:?}: {text}");
        let filters = env.fake().gmail_filters(ANN);
        assert_eq!(filters.len(), before + 1, "{how:?}: created more than once");
        assert_eq!(v["id"], filters[before]["id"]);
        assert_eq!(v["remove_labels"], json!(["INBOX"]));
    }
}

#[tokio::test]
async fn a_comment_whose_answer_was_lost_is_posted_once() {
    for (n, how) in [Loss::Unavailable, Loss::CutOff].into_iter().enumerate() {
        let (env, proxy, gm) = ann_via_proxy().await;
        let notes = env.fake().drive_file_id(ANN, DOC_MEETING_NOTES).unwrap();
        let before = env.fake().drive_comments(ANN, &notes).len();
        let content = format!("Lost comment {n}");
        proxy.lose_next_of("POST", &format!("/drive/v3/files/{notes}/comments"), how);
        let (v, text) = gm
            .ok(
                "drive_add_comment",
                json!({"file_id": notes, "content": content, "quoted_text": "latency budget"}),
            )
            .await;
        assert_eq!(proxy.lost.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(text.contains("it was posted once"), "{how:?}: {text}");
        let comments = env.fake().drive_comments(ANN, &notes);
        assert_eq!(comments.len(), before + 1, "{how:?}: posted more than once");
        assert_eq!(v["comment"]["id"], comments[before]["id"]);
        assert_eq!(v["comment"]["quoted"], "latency budget");
    }
}

#[tokio::test]
async fn a_comment_google_refused_with_503_is_reported_not_posted() {
    let (env, gm) = ann(&[]).await;
    let notes = env.fake().drive_file_id(ANN, DOC_MEETING_NOTES).unwrap();
    let path = format!("/drive/v3/files/{notes}/comments");
    env.fake()
        .inject(Fault::status(path, 503).method(Method::POST).times(1));
    let before = env.fake().drive_comments(ANN, &notes).len();
    let text = gm
        .err(
            "drive_add_comment",
            json!({"file_id": notes, "content": "Try me"}),
        )
        .await;
    assert!(text.contains("it was not posted"), "{text}");
    assert!(text.contains("safe to add it again"), "{text}");
    assert_eq!(env.fake().drive_comments(ANN, &notes).len(), before);
}

#[tokio::test]
async fn a_chart_whose_answer_was_lost_is_added_once() {
    for how in [Loss::Unavailable, Loss::CutOff] {
        let (env, proxy, gm) = ann_via_proxy().await;
        let id = env.fake().drive_file_id(ANN, SHEET_BUDGET).unwrap();
        proxy.lose_next_of("POST", &format!("/v4/spreadsheets/{id}:batchUpdate"), how);
        let (v, text) = gm
            .ok(
                "sheets_add_chart",
                json!({"spreadsheet_id": id, "range": "Summary!A1:C4", "chart_type": "line"}),
            )
            .await;
        assert_eq!(proxy.lost.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(text.contains("it was added once"), "{how:?}: {text}");
        let charts = &env.fake().sheet_formatting(ANN, &id, "Summary").unwrap()["charts"];
        assert_eq!(
            charts.as_array().unwrap().len(),
            1,
            "{how:?}: added more than once"
        );
        assert_eq!(charts[0]["chartId"], v["chart_id"]);
    }
}
