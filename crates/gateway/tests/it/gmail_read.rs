//! Gmail read tools through a real MCP client against the fake Google's
//! seeded mailboxes: search (with pages), messages, threads, attachments,
//! labels, output bounds.

use base64::Engine;
use fake_google::seed::mail::{
    PDF_SIZE, PNG_BASE64, SUBJECT_BUDGET, SUBJECT_METRICS_PNG, SUBJECT_NOTES_TXT, SUBJECT_OFFSITE,
    SUBJECT_WELCOME_HTML,
};
use mcp_gateway::config;
use serde_json::{Value, json};

use crate::gmail_support::{ann, ids};
use crate::google_flow::ANN;

fn rows(v: &Value) -> Vec<Value> {
    v["messages"].as_array().cloned().unwrap_or_default()
}

fn is_rfc3339(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

#[tokio::test]
async fn search_returns_compact_rows_with_label_names() {
    let (env, gm) = ann(&[]).await;
    let (v, text) = gm
        .ok(
            "gmail_search",
            json!({"query": format!("subject:(budget review)")}),
        )
        .await;
    let found = rows(&v);
    assert_eq!(found.len(), 3, "{v}");
    let budget = ids(&env, ANN, SUBJECT_BUDGET);
    for r in &found {
        assert!(
            budget.contains(&r["id"].as_str().unwrap().to_owned()),
            "{r}"
        );
        assert!(r["subject"].as_str().unwrap().contains(SUBJECT_BUDGET));
        assert!(is_rfc3339(r["date"].as_str().unwrap()), "{r}");
        assert!(!r["from"].as_str().unwrap().is_empty());
        assert!(!r["snippet"].as_str().unwrap().is_empty());
    }
    // Newest first; the newest one carries the user label by name.
    assert_eq!(found[0]["id"], budget[2].as_str());
    let labels: Vec<&str> = found[0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Follow-up"), "{labels:?}");
    assert!(labels.contains(&"UNREAD"), "{labels:?}");
    assert!(
        text.contains(SUBJECT_BUDGET) && text.contains(&budget[0]),
        "{text}"
    );

    let (v, _) = gm
        .ok("gmail_search", json!({"query": "has:attachment"}))
        .await;
    assert!(rows(&v).len() >= 3, "{v}");
    assert!(rows(&v).iter().all(|r| r["has_attachments"] == true), "{v}");
    // Label filter by name.
    let (v, _) = gm
        .ok("gmail_search", json!({"label_ids": ["Offsite"]}))
        .await;
    assert_eq!(rows(&v).len(), 4, "{v}");
}

#[tokio::test]
async fn search_pages_through_everything_with_page_tokens() {
    let (env, gm) = ann(&[]).await;
    let expected: Vec<String> = env
        .fake()
        .gmail_messages(ANN)
        .into_iter()
        .filter(|m| {
            !m.label_ids
                .iter()
                .any(|l| ["SPAM", "TRASH", "DRAFT"].contains(&l.as_str()))
        })
        .map(|m| m.id)
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut args = json!({"max_results": 7});
        if let Some(t) = &token {
            args["page_token"] = json!(t);
        }
        let (v, text) = gm.ok("gmail_search", args).await;
        pages += 1;
        let page = rows(&v);
        assert!(page.len() <= 7);
        seen.extend(page.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        token = v["next_page_token"].as_str().map(str::to_owned);
        match &token {
            Some(t) => assert!(text.contains(&format!("page_token={t}")), "{text}"),
            None => break,
        }
        assert!(pages < 10, "endless pages");
    }
    assert!(pages >= 3, "{pages} pages");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "a message on two pages");
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted, want);
}

#[tokio::test]
async fn read_message_gives_headers_body_and_attachments() {
    let (env, gm) = ann(&[]).await;
    let id = &ids(&env, ANN, SUBJECT_NOTES_TXT)[0];
    let (v, text) = gm.ok("gmail_read_message", json!({"message_id": id})).await;
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["subject"], SUBJECT_NOTES_TXT);
    assert!(v["from"].as_str().unwrap().contains("Jörg Müller"), "{v}");
    assert!(v["to"].as_str().unwrap().contains(ANN), "{v}");
    assert!(!v["cc"].as_str().unwrap().is_empty(), "{v}");
    assert!(v["message_id_header"].as_str().unwrap().contains('@'));
    assert!(is_rfc3339(v["date"].as_str().unwrap()));
    assert_eq!(v["body_source"], "text/plain");
    assert!(
        v["body"]
            .as_str()
            .unwrap()
            .contains("API-Entwurf bis Freitag")
    );
    let att = &v["attachments"][0];
    assert_eq!(att["filename"], "notes.txt");
    assert_eq!(att["mime_type"], "text/plain");
    assert!(att["size"].as_u64().unwrap() > 20);
    assert!(!att["attachment_id"].as_str().unwrap().is_empty());
    for needle in [
        "From: Jörg Müller",
        "Subject: Meeting notes",
        "notes.txt",
        "attachment_id",
    ] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }
}

#[tokio::test]
async fn an_html_only_message_reads_as_text_with_its_links() {
    let (env, gm) = ann(&[]).await;
    let id = &ids(&env, ANN, SUBJECT_WELCOME_HTML)[0];
    let (v, text) = gm.ok("gmail_read_message", json!({"message_id": id})).await;
    assert_eq!(v["body_source"], "text/html");
    let body = v["body"].as_str().unwrap();
    assert!(body.contains("Welcome aboard"), "{body}");
    assert!(body.contains("design doc"), "{body}");
    assert!(body.contains("https://wiki.example.com/atlas"), "{body}");
    assert!(body.contains("Kick-off: Monday"), "{body}");
    assert!(!body.contains("<h1>") && !body.contains("<a "), "{body}");
    assert!(text.contains("https://wiki.example.com/atlas"), "{text}");
}

#[tokio::test]
async fn read_thread_lists_every_message_oldest_first() {
    let (env, gm) = ann(&[]).await;
    let thread = env
        .fake()
        .gmail_thread_by_subject(ANN, SUBJECT_OFFSITE)
        .unwrap();
    let (v, text) = gm
        .ok("gmail_read_thread", json!({"thread_id": thread}))
        .await;
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4, "{v}");
    let want = ids(&env, ANN, SUBJECT_OFFSITE);
    let got: Vec<&str> = msgs.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(got, want.iter().map(String::as_str).collect::<Vec<_>>());
    let dates: Vec<&str> = msgs.iter().map(|m| m["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    assert!(msgs[0]["body"].as_str().unwrap().contains("Lakeside Lodge"));
    assert!(
        msgs[3]["body"]
            .as_str()
            .unwrap()
            .contains("Dietary preferences")
    );
    assert!(msgs.iter().all(|m| {
        m["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "Offsite")
    }));
    assert!(text.contains("4 messages, oldest first"), "{text}");
    assert!(text.contains("--- 4 of 4 ---"), "{text}");
}

#[tokio::test]
async fn attachments_come_as_text_or_embedded_resource_or_are_refused() {
    let (env, gm) = ann(&[]).await;
    let attachment_of = |v: &Value| {
        v["attachments"][0]["attachment_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // Text.
    let id = ids(&env, ANN, SUBJECT_NOTES_TXT)[0].clone();
    let (m, _) = gm.ok("gmail_read_message", json!({"message_id": id})).await;
    let (v, text) = gm
        .ok(
            "gmail_get_attachment",
            json!({"message_id": id, "attachment_id": attachment_of(&m)}),
        )
        .await;
    assert_eq!(v["returned_as"], "text");
    assert!(v["text"].as_str().unwrap().contains("Decide on pagination"));
    assert!(text.contains("Design sync notes"), "{text}");

    // A small binary: an embedded resource with the exact bytes.
    let id = ids(&env, ANN, SUBJECT_METRICS_PNG)[0].clone();
    let (m, _) = gm.ok("gmail_read_message", json!({"message_id": id})).await;
    let c = gm
        .call(
            "gmail_get_attachment",
            json!({"message_id": id, "attachment_id": attachment_of(&m)}),
        )
        .await;
    assert!(!c.is_error, "{}", c.text);
    assert_eq!(c.structured["returned_as"], "resource");
    let res = c
        .content
        .iter()
        .find(|b| b["type"] == "resource")
        .unwrap_or_else(|| panic!("no resource in {:?}", c.content));
    assert_eq!(res["resource"]["mimeType"], "image/png");
    let blob = base64::engine::general_purpose::STANDARD
        .decode(res["resource"]["blob"].as_str().unwrap())
        .unwrap();
    let png = base64::engine::general_purpose::STANDARD
        .decode(PNG_BASE64)
        .unwrap();
    assert_eq!(blob, png);

    // The 300 KB PDF is under the limit too.
    let id = ids(&env, ANN, fake_google::seed::mail::SUBJECT_CONTRACT_PDF)[0].clone();
    let (m, _) = gm.ok("gmail_read_message", json!({"message_id": id})).await;
    let c = gm
        .call(
            "gmail_get_attachment",
            json!({"message_id": id, "attachment_id": attachment_of(&m)}),
        )
        .await;
    assert!(!c.is_error, "{}", c.text);
    assert_eq!(c.structured["size"], PDF_SIZE as u64);

    // A 1.5 MB binary is refused with its size.
    let big = vec![7u8; 1536 * 1024];
    let raw = mail_builder::MessageBuilder::new()
        .from(("Big Files", "big@example.com"))
        .to(ANN)
        .subject("Large archive")
        .text_body("See the archive.")
        .attachment("application/zip", "archive.zip", big)
        .write_to_vec()
        .unwrap();
    let (id, _) = env
        .fake()
        .add_gmail_message(ANN, &raw, &["INBOX"], None)
        .unwrap();
    let (m, _) = gm.ok("gmail_read_message", json!({"message_id": id})).await;
    let text = gm
        .err(
            "gmail_get_attachment",
            json!({"message_id": id, "attachment_id": attachment_of(&m)}),
        )
        .await;
    assert!(text.contains("archive.zip"), "{text}");
    assert!(
        text.contains("1.5 MB") && text.contains("1572864 bytes"),
        "{text}"
    );
    assert!(text.contains("up to 1.0 MB"), "{text}");
}

#[tokio::test]
async fn long_output_is_cut_with_a_note() {
    let (env, gm) = ann(&[(config::TOOL_OUTPUT_LIMIT, "1000")]).await;
    let (v, text) = gm.ok("gmail_search", json!({"max_results": 20})).await;
    assert_eq!(rows(&v).len(), 20, "structured content stays whole");
    assert!(text.chars().count() <= 1000, "{}", text.chars().count());
    assert!(text.contains("[output cut at 1000 characters"), "{text}");

    let long = "Lorem ipsum dolor sit amet. ".repeat(400);
    let raw = mail_builder::MessageBuilder::new()
        .from("long@example.com")
        .to(ANN)
        .subject("A long one")
        .text_body(long)
        .write_to_vec()
        .unwrap();
    let (id, _) = env
        .fake()
        .add_gmail_message(ANN, &raw, &["INBOX"], None)
        .unwrap();
    let (v, text) = gm
        .ok(
            "gmail_read_message",
            json!({"message_id": id, "max_body_chars": 500}),
        )
        .await;
    assert_eq!(v["body_truncated"], true);
    assert!(v["body"].as_str().unwrap().contains("[body cut at 500 of"));
    assert!(text.chars().count() <= 1000);
}

#[tokio::test]
async fn labels_are_listed() {
    let (_env, gm) = ann(&[]).await;
    let (v, text) = gm.ok("gmail_list_labels", json!({})).await;
    let names: Vec<&str> = v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    for n in ["INBOX", "SENT", "Receipts", "Projects/Atlas"] {
        assert!(names.contains(&n), "{n} missing: {names:?}");
    }
    assert!(text.contains("Receipts"), "{text}");
}
