//! Docs tools end to end against the fake Google Docs: Markdown out (every
//! tab) and in (a round trip keeps the structure), insertion around headings
//! with UTF-16 indexes past emoji and non-Latin text, find and replace.

use fake_google::seed::drive::*;
use serde_json::{Value, json};

use crate::gmail_support::{Gm, ann, env};
use crate::google_flow::{ANN, ERIN};

fn doc(env: &crate::google_flow::Env, name: &str) -> String {
    env.fake().drive_file_id(ANN, name).unwrap()
}

async fn markdown(gm: &Gm, id: &str) -> String {
    let (v, _) = gm
        .ok("docs_read_document", json!({"document_id": id}))
        .await;
    v["markdown"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn documents_read_as_markdown_with_every_tab() {
    let (env, gm) = ann(&[]).await;
    let id = doc(&env, DOC_ROADMAP);
    let (v, text) = gm
        .ok("docs_read_document", json!({"document_id": id}))
        .await;
    let md = v["markdown"].as_str().unwrap();
    for needle in [
        "<!-- tab: Overview (id t.0) -->",
        "# Q4 Roadmap",
        "# Goals\n\n- Ship the Drive tools 🚀\n- Grow to 10k weekly users\n- Cut p95 latency below 200 ms",
        "See the [design doc](https://example.com/design) for details. **Deadlines are firm.** *Scope may change.*",
        "## Milestones",
        "| Milestone | Owner | Date |\n| --- | --- | --- |\n| Beta |",
        "<!-- tab: Notes (id t.notes) -->",
        "Emoji test: 😀 family 👨‍👩‍👧 end.",
        "# Zusammenfassung – 概要",
    ] {
        assert!(md.contains(needle), "{needle:?} not in:\n{md}");
    }
    assert_eq!(v["tabs"].as_array().unwrap().len(), 3);
    assert_eq!(v["truncated"], false);
    assert!(text.starts_with("Document \"Q4 Roadmap\""), "{text}");

    // One tab, by title (any case) or id.
    let (v, _) = gm
        .ok(
            "docs_read_document",
            json!({"document_id": id, "tab": "notes"}),
        )
        .await;
    let notes = v["markdown"].as_str().unwrap();
    assert!(
        notes.starts_with("# Open questions\n\n- Which regions launch first? 🌍"),
        "{notes}"
    );
    assert!(!notes.contains("Goals"));
    let text = gm
        .err(
            "docs_read_document",
            json!({"document_id": id, "tab": "Budget"}),
        )
        .await;
    assert!(
        text.contains("`tab`") && text.contains("\"Notes\" (id t.notes)"),
        "{text}"
    );
}

#[tokio::test]
async fn markdown_round_trips_through_a_new_document() {
    let (_env, gm) = ann(&[]).await;
    let source = "# Project Atlas\n\nIntro with **bold**, *italic* and a [link](https://example.com/a).\n\n## Tasks 📋\n\n- first task\n- second task with **strong** words\n\n1. step one\n2. step two\n3. step three\n\nClosing words 😀 and 日本語.\n";
    let (v, text) = gm
        .ok(
            "docs_create_document",
            json!({"title": "Atlas brief", "content": source}),
        )
        .await;
    let id = v["document_id"].as_str().unwrap().to_owned();
    assert_eq!(v["paragraphs"], 9);
    assert!(text.contains("Created document \"Atlas brief\""), "{text}");
    assert_eq!(markdown(&gm, &id).await, source);
    // The document is the user's, in My Drive.
    let (f, _) = gm.ok("drive_get_file", json!({"file_id": id})).await;
    assert_eq!(f["kind"], "Google Doc");
    assert_eq!(f["path"], "My Drive");

    // Plain text stays plain: Markdown signs are kept as typed.
    let (v, _) = gm
        .ok(
            "docs_create_document",
            json!({"title": "Raw", "content": "# not a heading\n*stars*", "format": "plain"}),
        )
        .await;
    let md = markdown(&gm, v["document_id"].as_str().unwrap()).await;
    assert_eq!(md, "\\# not a heading\n\n\\*stars\\*\n");
    let text = gm.err("docs_create_document", json!({"title": " "})).await;
    assert!(text.contains("`title`"), "{text}");
}

#[tokio::test]
async fn text_goes_at_the_end_the_start_or_around_a_heading() {
    let (env, gm) = ann(&[]).await;
    let id = doc(&env, DOC_ROADMAP);
    // After the emoji paragraph that ends the Notes tab: UTF-16 indexes.
    let (v, text) = gm
        .ok(
            "docs_insert_text",
            json!({"document_id": id, "tab": "Notes", "text": "## Décisions 🗳️\n\nWe **ship** in 東京 first."}),
        )
        .await;
    assert_eq!(v["tab_id"], "t.notes");
    assert!(text.starts_with("Inserted 2 paragraphs"), "{text}");
    let (n, _) = gm
        .ok(
            "docs_read_document",
            json!({"document_id": id, "tab": "t.notes"}),
        )
        .await;
    assert!(
        n["markdown"].as_str().unwrap().ends_with(
            "Emoji test: 😀 family 👨‍👩‍👧 end.\n\n## Décisions 🗳️\n\nWe **ship** in 東京 first.\n"
        ),
        "{n}"
    );

    // Directly below a heading, and at the end of its section.
    gm.ok(
        "docs_insert_text",
        json!({"document_id": id, "text": "Owner: the platform team.", "position": "after_heading", "heading": "goals"}),
    )
    .await;
    gm.ok(
        "docs_insert_text",
        json!({"document_id": id, "text": "- Keep the error rate under 0.1%", "position": "end_of_section", "heading": "Goals"}),
    )
    .await;
    gm.ok(
        "docs_insert_text",
        json!({"document_id": id, "text": "Draft — do not share.", "position": "start", "format": "plain"}),
    )
    .await;
    let (v, _) = gm
        .ok(
            "docs_read_document",
            json!({"document_id": id, "tab": "Overview"}),
        )
        .await;
    let md = v["markdown"].as_str().unwrap();
    assert!(md.starts_with("Draft — do not share.\n\n# Q4 Roadmap\n\n# Goals\n\nOwner: the platform team.\n\n- Ship the Drive tools 🚀"), "{md}");
    // Goals (heading 1) runs until the next heading 1 or the tab's end.
    assert!(
        md.trim_end().ends_with("- Keep the error rate under 0.1%"),
        "{md}"
    );

    let text = gm
        .err(
            "docs_insert_text",
            json!({"document_id": id, "text": "x", "position": "after_heading", "heading": "Nowhere"}),
        )
        .await;
    assert!(
        text.contains("`heading`") && text.contains("\"Milestones\""),
        "{text}"
    );
    let text = gm
        .err(
            "docs_insert_text",
            json!({"document_id": id, "text": "x", "position": "end_of_section"}),
        )
        .await;
    assert!(
        text.contains("`heading`") && text.contains("required"),
        "{text}"
    );
}

#[tokio::test]
async fn find_and_replace_counts_and_respects_case_and_tabs() {
    let (env, gm) = ann(&[]).await;
    let id = doc(&env, DOC_ROADMAP);
    let (v, text) = gm
        .ok(
            "docs_find_replace",
            json!({"document_id": id, "replacements": [
                {"find": "Beta", "replace": "Preview"},
                {"find": "ship the drive", "replace": "Launch the Drive", "match_case": false},
                {"find": "absent words", "replace": "x"},
            ]}),
        )
        .await;
    let counts: Vec<u64> = v["replacements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["occurrences"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![1, 1, 0]);
    assert!(
        text.contains("\"absent words\" → \"x\" (0 occurrences)"),
        "{text}"
    );
    let md = markdown(&gm, &id).await;
    assert!(
        md.contains("| Preview |") && md.contains("- Launch the Drive tools 🚀"),
        "{md}"
    );

    // Limited to one tab: the emoji in Notes changes, Overview's does not.
    let (v, _) = gm
        .ok(
            "docs_find_replace",
            json!({"document_id": id, "tab": "Notes", "replacements": [{"find": "🚀", "replace": "x"}, {"find": "😀", "replace": "🙂"}]}),
        )
        .await;
    assert_eq!(v["total"], 1);
    let md = markdown(&gm, &id).await;
    assert!(
        md.contains("Emoji test: 🙂 family") && md.contains("Drive tools 🚀"),
        "{md}"
    );

    let text = gm
        .err(
            "docs_find_replace",
            json!({"document_id": id, "replacements": [{"find": ""}]}),
        )
        .await;
    assert!(text.contains("`replacements[0].find`"), "{text}");
    let text = gm
        .err(
            "docs_find_replace",
            json!({"document_id": id, "replacements": []}),
        )
        .await;
    assert!(text.contains("`replacements`"), "{text}");
}

#[tokio::test]
async fn docs_errors_say_what_to_do() {
    let env = env(&[]).await;
    let ann = Gm::sign_in(&env, ANN).await;
    let erin = Gm::sign_in(&env, ERIN).await;
    let roadmap = doc(&env, DOC_ROADMAP);
    let before = env.fake().doc_text(ANN, &roadmap).unwrap();
    // Another user's document does not exist for them, to read or to write.
    let text = erin
        .err("docs_read_document", json!({"document_id": roadmap}))
        .await;
    assert!(
        text.contains("not found") && text.contains("drive_search"),
        "{text}"
    );
    let text = erin
        .err(
            "docs_insert_text",
            json!({"document_id": roadmap, "text": "hi"}),
        )
        .await;
    assert!(text.contains("not found"), "{text}");
    assert_eq!(env.fake().doc_text(ANN, &roadmap).unwrap(), before);

    // A spreadsheet is not a document.
    let text = ann
        .err(
            "docs_read_document",
            json!({"document_id": doc(&env, SHEET_BUDGET)}),
        )
        .await;
    assert!(text.contains("not a Google Doc"), "{text}");
    // A colleague's document shared for viewing cannot be edited.
    let brief = doc(&env, DOC_PARTNER_BRIEF);
    let before = env.fake().doc_text(ANN, &brief).unwrap();
    let text = ann
        .err(
            "docs_insert_text",
            json!({"document_id": brief, "text": "mine"}),
        )
        .await;
    assert!(text.contains("only view"), "{text}");
    assert_eq!(env.fake().doc_text(ANN, &brief).unwrap(), before);
    let text = ann
        .err(
            "docs_read_document",
            json!({"document_id": "not a/valid id"}),
        )
        .await;
    assert!(text.contains("`document_id`"), "{text}");
}

#[tokio::test]
async fn a_link_to_the_document_works_as_its_id() {
    let (env, gm) = ann(&[]).await;
    let id = doc(&env, DOC_MEETING_NOTES);
    let (v, _) = gm
        .ok(
            "docs_read_document",
            json!({"document_id": format!("https://docs.google.com/document/d/{id}/edit?tab=t.0")}),
        )
        .await;
    assert_eq!(v["document_id"], json!(id));
    assert!(
        v["markdown"].as_str().unwrap().starts_with("# Design sync"),
        "{v}"
    );
    let _: Value = v;
}
