//! Writes of the Gmail settings and Drive comment tools when Google's
//! answer is lost: the gateway looks before it reports, and nothing is
//! created twice.

use serde_json::json;

use crate::gmail_support::{Loss, ann_via_proxy};
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
