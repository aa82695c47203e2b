//! Gmail write tools through a real MCP client: send (plain, Markdown,
//! attachments, replies, an unknown outcome settled without a second send),
//! drafts, label changes and trash, checked in the fake's mailboxes.

use base64::Engine;
use fake_google::{
    Fault,
    seed::mail::{SUBJECT_BUDGET, SUBJECT_LUNCH, SUBJECT_MUNICH},
};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;

use crate::gmail_support::{Loss, ann, ann_via_proxy, ids};
use crate::google_flow::{ANN, ERIN};

const SEND_PATH: &str = "/gmail/v1/users/me/messages/send";

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(raw).expect("a message")
}

/// The raw header block of a message.
fn head(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    s.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn send_plain_with_an_encoded_subject_reaches_the_recipient() {
    let (env, gm) = ann(&[]).await;
    let subject = "Grüße aus Köln – 会議 🍺";
    let (v, text) = gm
        .ok(
            "gmail_send",
            json!({
                "to": [format!("Erin Example <{ERIN}>")],
                "cc": ["lukas.weber@example.com"],
                "bcc": ["audit@example.com"],
                "subject": subject,
                "body": "Hallo Erin,\nbis morgen!",
            }),
        )
        .await;
    assert!(text.contains("Sent") && text.contains(subject), "{text}");
    let sent = env.fake().sent_messages(ANN);
    assert_eq!(sent.len(), 1);
    let raw = &sent[0];
    let h = head(raw);
    assert!(
        h.contains("Subject: =?utf-8?") || h.contains("Subject: =?UTF-8?"),
        "not RFC 2047: {h}"
    );
    assert!(h.is_ascii(), "non-ASCII header bytes: {h}");
    let m = parse(raw);
    assert_eq!(m.subject(), Some(subject));
    assert_eq!(
        m.body_text(0).unwrap().replace("\r\n", "\n").trim(),
        "Hallo Erin,\nbis morgen!"
    );
    assert_eq!(m.to().unwrap().first().unwrap().address(), Some(ERIN));
    let mid = m.message_id().unwrap();
    assert_eq!(v["message_id_header"], format!("<{mid}>"));
    assert!(mid.ends_with("@example.com"), "{mid}");
    let recipients = v["recipients"].as_array().unwrap();
    assert_eq!(recipients.len(), 3, "{v}");
    // Stored in Sent, delivered to Erin.
    let mine = env.fake().gmail_messages(ANN);
    let stored = mine
        .iter()
        .find(|m| m.id == v["id"].as_str().unwrap())
        .unwrap();
    assert!(stored.label_ids.contains(&"SENT".to_owned()));
    assert_eq!(stored.thread_id, v["thread_id"].as_str().unwrap());
    assert!(
        env.fake()
            .gmail_messages(ERIN)
            .iter()
            .any(|m| m.subject == subject)
    );
}

#[tokio::test]
async fn send_markdown_is_multipart_alternative() {
    let (env, gm) = ann(&[]).await;
    gm.ok(
        "gmail_send",
        json!({
            "to": [ERIN],
            "subject": "Status",
            "body": "# Status\n\n- **Atlas**: on track\n- see [the plan](https://wiki.example.com/plan)\n",
            "body_format": "markdown",
        }),
    )
    .await;
    let sent = env.fake().sent_messages(ANN);
    let m = parse(&sent[0]);
    let ct = m.root_part().content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    let html = m.body_html(0).unwrap();
    assert!(html.contains("<strong>Atlas</strong>"), "{html}");
    assert!(
        html.contains("<a href=\"https://wiki.example.com/plan\">"),
        "{html}"
    );
    let text = m.body_text(0).unwrap();
    assert!(text.contains("**Atlas**: on track"), "{text}");
}

#[tokio::test]
async fn send_with_attachments() {
    let (env, gm) = ann(&[]).await;
    let csv = b"name,amount\nrent,1200\nfood,450\n";
    let bin: Vec<u8> = (0..=255u8).cycle().take(40_000).collect();
    let b64 = base64::engine::general_purpose::STANDARD;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    gm.ok(
        "gmail_send",
        json!({
            "to": [ERIN],
            "subject": "Budget files",
            "body": "Two files attached.",
            "attachments": [
                {"filename": "budget.csv", "mime_type": "text/csv", "content_base64": b64.encode(csv)},
                {"filename": "Übersicht.bin", "mime_type": "application/octet-stream", "content_base64": url.encode(&bin)},
            ],
        }),
    )
    .await;
    let sent = env.fake().sent_messages(ANN);
    let m = parse(&sent[0]);
    assert_eq!(m.attachment_count(), 2);
    let a = m.attachment(0).unwrap();
    assert_eq!(a.attachment_name(), Some("budget.csv"));
    assert_eq!(a.contents(), csv);
    let b = m.attachment(1).unwrap();
    assert_eq!(b.attachment_name(), Some("Übersicht.bin"));
    assert_eq!(b.contents(), bin.as_slice());
    assert_eq!(m.body_text(0).unwrap().trim(), "Two files attached.");

    let text = gm
        .err(
            "gmail_send",
            json!({"to": [ERIN], "subject": "x", "body": "y",
                   "attachments": [{"filename": "a.txt", "mime_type": "text/plain", "content_base64": "%%%"}]}),
        )
        .await;
    assert!(text.contains("`attachments[0].content_base64`"), "{text}");
    assert_eq!(env.fake().sent_messages(ANN).len(), 1);
}

#[tokio::test]
async fn a_reply_joins_the_thread_with_in_reply_to_and_references() {
    let (env, gm) = ann(&[]).await;
    let budget = ids(&env, ANN, SUBJECT_BUDGET);
    let original = env
        .fake()
        .gmail_messages(ANN)
        .into_iter()
        .find(|m| m.id == budget[2])
        .unwrap();
    let earlier: Vec<String> = env
        .fake()
        .gmail_messages(ANN)
        .into_iter()
        .filter(|m| budget[..2].contains(&m.id))
        .filter_map(|m| m.message_id_header)
        .collect();
    let (v, _) = gm
        .ok(
            "gmail_send",
            json!({"body": "Will do, see you Thursday.", "reply_to_message_id": budget[2]}),
        )
        .await;
    assert_eq!(v["thread_id"], original.thread_id.as_str(), "{v}");
    assert_eq!(v["subject"], format!("Re: {SUBJECT_BUDGET}"));
    let sent = env.fake().sent_messages(ANN);
    let m = parse(&sent[0]);
    let orig_id = original.message_id_header.clone().unwrap();
    assert_eq!(m.in_reply_to().as_text(), Some(orig_id.as_str()));
    let refs: Vec<String> = m
        .references()
        .as_text_list()
        .unwrap_or_default()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(refs.last(), Some(&orig_id), "{refs:?}");
    for e in &earlier {
        assert!(refs.contains(e), "{e} not in {refs:?}");
    }
    assert_eq!(m.subject(), Some(format!("Re: {SUBJECT_BUDGET}").as_str()));
    // `to` defaults to the original sender.
    let from = original.from.clone();
    let to = m
        .to()
        .unwrap()
        .first()
        .unwrap()
        .address()
        .unwrap()
        .to_owned();
    assert!(from.contains(&to), "{from} vs {to}");
    // The fake threads it: four messages now.
    let thread_size = env
        .fake()
        .gmail_messages(ANN)
        .iter()
        .filter(|m| m.thread_id == original.thread_id)
        .count();
    assert_eq!(thread_size, 4);

    // An encoded original subject keeps its "Re:" once and its characters.
    let munich = &ids(&env, ANN, SUBJECT_MUNICH)[0];
    let (v, _) = gm
        .ok(
            "gmail_send",
            json!({"body": "Danke!", "reply_to_message_id": munich, "subject": format!("Re: {SUBJECT_MUNICH}")}),
        )
        .await;
    assert_eq!(v["subject"], format!("Re: {SUBJECT_MUNICH}"));
    let sent = env.fake().sent_messages(ANN);
    assert_eq!(
        parse(&sent[1]).subject(),
        Some(format!("Re: {SUBJECT_MUNICH}").as_str())
    );
}

#[tokio::test]
async fn drafts_are_saved_not_sent() {
    let (env, gm) = ann(&[]).await;
    let lunch = ids(&env, ANN, SUBJECT_LUNCH);
    let (v, text) = gm
        .ok(
            "gmail_create_draft",
            json!({"to": ERIN, "subject": "Plan for next week", "body": "*Draft* plan", "body_format": "markdown"}),
        )
        .await;
    assert!(v["draft_id"].as_str().unwrap().starts_with("r-"), "{v}");
    assert_eq!(
        v["recipients"],
        json!([ERIN]),
        "a single string is one recipient"
    );
    assert!(text.contains("not sent"), "{text}");
    assert!(env.fake().sent_messages(ANN).is_empty());
    let draft = env
        .fake()
        .gmail_messages(ANN)
        .into_iter()
        .find(|m| m.id == v["message_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(draft.label_ids, vec!["DRAFT".to_owned()]);
    assert_eq!(draft.subject, "Plan for next week");

    let (v, _) = gm
        .ok(
            "gmail_create_draft",
            json!({"body": "Count me in", "reply_to_message_id": lunch[2]}),
        )
        .await;
    let thread = env
        .fake()
        .gmail_thread_by_subject(ANN, SUBJECT_LUNCH)
        .unwrap();
    assert_eq!(v["thread_id"], thread.as_str());
    assert!(env.fake().sent_messages(ANN).is_empty());
}

#[tokio::test]
async fn a_lost_answer_to_a_send_is_settled_from_sent_without_sending_twice() {
    for how in [Loss::Unavailable, Loss::CutOff] {
        sent_once_despite(how).await;
    }
}

async fn sent_once_despite(how: Loss) {
    let (env, proxy, gm) = ann_via_proxy().await;
    proxy.lose_next(SEND_PATH, how);
    let (v, text) = gm
        .ok(
            "gmail_send",
            json!({"to": [ERIN], "subject": "Exactly once", "body": "Only one copy, please."}),
        )
        .await;
    assert!(text.contains("in Sent"), "{text}");
    let sent = env.fake().sent_messages(ANN);
    assert_eq!(sent.len(), 1, "{how:?}: sent more than once");
    let stored = env
        .fake()
        .gmail_messages(ANN)
        .into_iter()
        .find(|m| m.subject == "Exactly once")
        .unwrap();
    assert_eq!(v["id"], stored.id.as_str());
    assert_eq!(v["thread_id"], stored.thread_id.as_str());
    assert_eq!(
        env.fake()
            .gmail_messages(ERIN)
            .iter()
            .filter(|m| m.subject == "Exactly once")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_send_google_refused_with_503_is_reported_unsent_and_not_retried() {
    let (env, gm) = ann(&[]).await;
    env.fake().inject(Fault::status(SEND_PATH, 503).times(1));
    let text = gm
        .err(
            "gmail_send",
            json!({"to": [ERIN], "subject": "Try me", "body": "once"}),
        )
        .await;
    assert!(text.contains("not in Sent"), "{text}");
    assert!(text.contains("safe to send it again"), "{text}");
    assert_eq!(env.fake().requests(SEND_PATH), 1, "a send was retried");
    assert!(env.fake().sent_messages(ANN).is_empty());
    // The model's retry sends it, once.
    gm.ok(
        "gmail_send",
        json!({"to": [ERIN], "subject": "Try me", "body": "once"}),
    )
    .await;
    assert_eq!(env.fake().sent_messages(ANN).len(), 1);
}

#[tokio::test]
async fn a_rate_limited_send_is_retried_until_gmail_accepts_it() {
    let (env, gm) = ann(&[]).await;
    env.fake().inject(Fault::status(SEND_PATH, 429).times(2));
    gm.ok(
        "gmail_send",
        json!({"to": [ERIN], "subject": "After the limit", "body": "hi"}),
    )
    .await;
    assert_eq!(env.fake().requests(SEND_PATH), 3);
    assert_eq!(env.fake().sent_messages(ANN).len(), 1);
}
