//! The audit trail through the real application: tool calls and security
//! events as stored per user, without subjects, bodies or tokens, and tool
//! calls that still work when the audit writes fail.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use mcp_gateway::{
    audit::{event::AuditEvent, query, writer},
    store::{Expect, Kind, Put, Record, Store, StoreError, StoreResult},
};
use serde_json::json;

use crate::{
    gmail_support::{Gm, ids},
    google_flow::{ANN, BOB, ERIN, Env},
};

/// The stored events of `email`, newest first, once `ready` holds for them.
async fn trail(env: &Env, email: &str, ready: impl Fn(&[AuditEvent]) -> bool) -> Vec<AuditEvent> {
    let store = env.app.store.clone();
    let sub = env.sub(email);
    for _ in 0..300 {
        let events = query::events(&*store, &sub, 0, 1000).await.unwrap();
        if ready(&events) {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let events = query::events(&*store, &sub, 0, 1000).await.unwrap();
    panic!("the trail of {email} never got there: {events:#?}");
}

fn tools(events: &[AuditEvent]) -> Vec<&str> {
    events.iter().filter_map(|e| e.tool.as_deref()).collect()
}

#[tokio::test]
async fn tool_calls_are_recorded_with_ids_but_without_subjects_or_bodies() {
    let env = crate::gmail_support::env(&[]).await;
    let gm = Gm::sign_in(&env, ANN).await;
    let subject = "Quarterly numbers, strictly confidential";
    let body = "The secret figure is 4711.";
    gm.ok(
        "gmail_send",
        json!({"to": [ERIN], "subject": subject, "body": body}),
    )
    .await;
    let sent = ids(&env, ANN, subject);
    assert_eq!(sent.len(), 1);
    let read = ids(&env, ANN, fake_google::seed::mail::SUBJECT_LUNCH)[0].clone();
    gm.ok("gmail_read_message", json!({"message_id": read}))
        .await;
    let events = trail(&env, ANN, |e| tools(e).len() >= 2).await;
    assert_eq!(tools(&events), ["gmail_read_message", "gmail_send"]);
    let (reading, sending) = (&events[0], &events[1]);
    assert_eq!(reading.ids, [format!("message:{read}")]);
    assert!(
        sending.ids.contains(&format!("message:{}", sent[0])),
        "{sending:?}"
    );
    assert_eq!(sending.outcome, "ok");
    assert_eq!(sending.email.as_deref(), Some(ANN));
    assert!(sending.client_id.is_some() && sending.latency_ms.is_some());
    // Neither the subject nor the body nor any token reached the store.
    let stored = env.app.store.list_kind(Kind::Audit).await.unwrap();
    for (_, record) in &stored {
        let text = String::from_utf8_lossy(&record.value);
        for secret in [subject, body, "4711", "Lunch", "Bearer", "mcp_at_"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // The sign-in was recorded as well, and the other user has none of it.
    assert!(
        events.iter().any(|e| e.kind.as_str() == "sign_in"),
        "{events:#?}"
    );
    let erin = Gm::sign_in(&env, ERIN).await;
    erin.ok("gmail_search", json!({"query": "in:inbox"})).await;
    let theirs = trail(&env, ERIN, |e| !tools(e).is_empty()).await;
    assert_eq!(tools(&theirs), ["gmail_search"]);
}

#[tokio::test]
async fn security_events_are_recorded_with_reason_codes() {
    let env = Env::start().await;
    let tokens = env.sign_in(ANN).await;
    // Refresh once, then present the spent token after the grace: reuse.
    let (status, _) = env.refresh(&tokens.client, &tokens.refresh).await;
    assert_eq!(status, 200);
    let hash = mcp_gateway::oauth::tokens::hash_secret(&tokens.refresh);
    env.app
        .state
        .oauth
        .repo
        .update::<mcp_gateway::repo::RefreshTokenRecord, _>(Kind::RefreshToken, &hash, |r| {
            r.used_at = Some(0);
        })
        .await
        .unwrap();
    let (status, _) = env.refresh(&tokens.client, &tokens.refresh).await;
    assert_eq!(status, 400);
    let events = trail(&env, ANN, |e| e.len() >= 2).await;
    let reuse = events
        .iter()
        .find(|e| e.kind.as_str() == "refresh_token_reuse")
        .unwrap_or_else(|| panic!("{events:#?}"));
    assert_eq!(reuse.reason.as_deref(), Some("family_revoked"));
    assert_eq!(
        reuse.client_id.as_deref(),
        Some(tokens.client.client_id.as_str())
    );

    // A code redeemed twice; then a client revoking its refresh token.
    let client = env.register().await;
    let flow = env.authorize_as(&client, ANN, &[]).await;
    let code = flow.params()["code"].clone();
    let (status, first) = env.redeem(&client, &code).await;
    assert_eq!(status, 200);
    assert_eq!(env.redeem(&client, &code).await.0, 400);
    let later = env.sign_in(ANN).await;
    let status = env
        .http
        .post(env.url("/oauth/revoke"))
        .form(&[
            ("token", later.refresh.as_str()),
            ("client_id", later.client.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let kinds = |e: &[AuditEvent]| -> Vec<String> {
        e.iter().map(|e| e.kind.as_str().to_owned()).collect()
    };
    let events = trail(&env, ANN, |e| {
        kinds(e).contains(&"token_revoked".to_owned())
    })
    .await;
    let found = kinds(&events);
    assert!(found.contains(&"code_reuse".to_owned()), "{found:?}");
    let code_reuse = events
        .iter()
        .find(|e| e.kind.as_str() == "code_reuse")
        .unwrap();
    assert_eq!(code_reuse.email.as_deref(), Some(ANN));
    assert_eq!(
        code_reuse.client_id.as_deref(),
        Some(client.client_id.as_str())
    );
    let text = serde_json::to_string(&events).unwrap();
    for secret in [
        code.as_str(),
        later.refresh.as_str(),
        first["access_token"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "a code or token in the trail");
    }

    // A refused sign-in has no user the gateway knows: it is unattributed.
    let client = env.register().await;
    env.authorize_as(&client, BOB, &[]).await;
    let store = env.app.store.clone();
    let mut refused = Vec::new();
    for _ in 0..300 {
        refused = query::events(&*store, writer::UNATTRIBUTED, 0, 10)
            .await
            .unwrap();
        if !refused.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0].kind.as_str(), "sign_in_refused");
    assert_eq!(refused[0].reason.as_deref(), Some("domain_not_allowed"));
    assert_eq!(
        refused[0].client_id.as_deref(),
        Some(client.client_id.as_str())
    );
}

/// The real store, except that every audit write fails.
struct AuditDown(Arc<dyn Store>);

#[async_trait]
impl Store for AuditDown {
    fn backend(&self) -> &'static str {
        self.0.backend()
    }
    async fn get(&self, kind: Kind, key: &str) -> StoreResult<Option<Record>> {
        self.0.get(kind, key).await
    }
    async fn put(&self, put: Put<'_>) -> StoreResult<u64> {
        if put.kind == Kind::Audit {
            return Err(StoreError::Unavailable("audit writes are down".into()));
        }
        self.0.put(put).await
    }
    async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool> {
        self.0.delete(kind, key, expect).await
    }
    async fn list_group(&self, kind: Kind, group: &str) -> StoreResult<Vec<(String, Record)>> {
        self.0.list_group(kind, group).await
    }
    async fn list_kind(&self, kind: Kind) -> StoreResult<Vec<(String, Record)>> {
        self.0.list_kind(kind).await
    }
    async fn purge_expired(&self) -> StoreResult<u64> {
        self.0.purge_expired().await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.0.ping().await
    }
}

#[tokio::test]
async fn tool_calls_succeed_when_audit_writes_fail_and_the_drops_are_counted() {
    let env = Env::start_wrapped(
        &[(mcp_gateway::config::TOOLS, "all")],
        Some(|store| Arc::new(AuditDown(store))),
    )
    .await;
    let gm = Gm::sign_in(&env, ANN).await;
    let before = writer::dropped();
    for _ in 0..3 {
        gm.ok("gmail_search", json!({"query": "in:inbox"})).await;
    }
    for _ in 0..300 {
        if writer::dropped() >= before + 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        writer::dropped() >= before + 3,
        "{}",
        writer::dropped() - before
    );
    assert!(
        env.app
            .store
            .list_kind(Kind::Audit)
            .await
            .unwrap()
            .is_empty()
    );
}
