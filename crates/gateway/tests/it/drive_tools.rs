//! Drive tools end to end: MCP over real HTTP to the gateway, the gateway to
//! the fake Google Drive (and Docs, Sheets, Slides), against each user's
//! seeded files: My Drive, a shared drive and a file shared by a colleague.

use base64::Engine as _;
use fake_google::seed::drive::*;
use fake_google::{FakeUser, Fault};
use mcp_gateway::{catalog, config};
use serde_json::{Value, json};

use crate::gmail_support::{Gm, ann, env};
use crate::google_flow::{ANN, ERIN};

fn names(list: &Value) -> Vec<String> {
    list["files"]
        .as_array()
        .unwrap_or_else(|| panic!("no files in {list}"))
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

fn id(env: &crate::google_flow::Env, name: &str) -> String {
    env.fake()
        .drive_file_id(ANN, name)
        .unwrap_or_else(|| panic!("no seeded {name}"))
}

#[tokio::test]
async fn search_covers_my_drive_shared_drives_and_shared_files() {
    let (env, gm) = ann(&[]).await;
    let (v, text) = gm.ok("drive_search", json!({"name": "Roadmap"})).await;
    assert_eq!(names(&v), vec![DOC_ROADMAP]);
    assert_eq!(v["files"][0]["kind"], "Google Doc");
    assert!(text.contains("Q4 Roadmap [Google Doc]"), "{text}");

    let (v, _) = gm.ok("drive_search", json!({"type": "spreadsheet"})).await;
    let found = names(&v);
    for s in [SHEET_BUDGET, SHEET_ROSTER, SHEET_ARCHIVE] {
        assert!(found.contains(&s.to_owned()), "{found:?}");
    }
    assert!(
        found
            .iter()
            .all(|n| ![DOC_ROADMAP, FILE_PDF].contains(&n.as_str()))
    );

    // Full text finds words inside a file, in a shared drive too.
    let (v, _) = gm
        .ok("drive_search", json!({"query": "TLS certificates"}))
        .await;
    assert_eq!(names(&v), vec![FILE_NOTES_TXT]);
    let (v, _) = gm.ok("drive_search", json!({"query": "Buddy lunch"})).await;
    assert_eq!(names(&v), vec![FILE_CHECKLIST]);
    assert!(v["files"][0]["drive_id"].is_string());

    let drive = env.fake().shared_drive_id(ANN, SHARED_DRIVE).unwrap();
    let (v, _) = gm
        .ok("drive_search", json!({"shared_drive_id": drive}))
        .await;
    let mut found = names(&v);
    found.sort();
    let mut want = vec![FILE_CHECKLIST, DOC_HANDBOOK];
    want.sort();
    assert_eq!(found, want);

    // The colleague's brief is found, but not among the user's own files.
    let (v, _) = gm.ok("drive_search", json!({"name": "Partner"})).await;
    assert_eq!(names(&v), vec![DOC_PARTNER_BRIEF]);
    assert!(!v["files"][0]["owner"].as_str().unwrap().contains(ANN));
    let (v, _) = gm
        .ok("drive_search", json!({"name": "Partner", "owner": "me"}))
        .await;
    assert!(names(&v).is_empty(), "{v}");

    let q4 = id(&env, FOLDER_Q4);
    let (v, _) = gm.ok("drive_search", json!({"folder_id": q4})).await;
    let mut found = names(&v);
    found.sort();
    let mut want = vec![FILE_PLAN_MD, DOC_ROADMAP, SHEET_BUDGET];
    want.sort();
    assert_eq!(found, want);

    let (v, _) = gm
        .ok("drive_search", json!({"modified_after": "2999-01-01"}))
        .await;
    assert!(names(&v).is_empty());
}

#[tokio::test]
async fn search_pages_through_every_file_once() {
    let (_env, gm) = ann(&[]).await;
    let (all, _) = gm.ok("drive_search", json!({"page_size": 100})).await;
    let all = names(&all);
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..20 {
        let mut args = json!({"page_size": 4});
        if let Some(t) = &token {
            args["page_token"] = json!(t);
        }
        let (page, text) = gm.ok("drive_search", args).await;
        assert!(names(&page).len() <= 4);
        seen.extend(names(&page));
        match page["next_page_token"].as_str() {
            Some(t) => {
                assert!(text.contains(&format!("page_token={t}")), "{text}");
                token = Some(t.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(seen, all);
    assert!(all.len() > 8, "{all:?}");
}

#[tokio::test]
async fn folders_list_folders_first_and_shared_drives_list_their_top() {
    let (env, gm) = ann(&[]).await;
    let (v, text) = gm.ok("drive_list_folder", json!({})).await;
    assert!(text.starts_with("My Drive"), "{text}");
    let root = names(&v);
    assert_eq!(root[0], FOLDER_PROJECTS, "{root:?}");
    assert!(root.contains(&FILE_PDF.to_owned()));
    assert!(!root.contains(&DOC_ROADMAP.to_owned()));

    let (v, _) = gm
        .ok(
            "drive_list_folder",
            json!({"folder_id": id(&env, FOLDER_PROJECTS)}),
        )
        .await;
    assert_eq!(names(&v), vec![FOLDER_2026, FILE_CODE]);

    let drive = env.fake().shared_drive_id(ANN, SHARED_DRIVE).unwrap();
    let (v, text) = gm
        .ok("drive_list_folder", json!({"folder_id": drive}))
        .await;
    assert!(text.starts_with(SHARED_DRIVE), "{text}");
    assert_eq!(names(&v).len(), 2);

    let text = gm
        .err(
            "drive_list_folder",
            json!({"folder_id": id(&env, FILE_PDF)}),
        )
        .await;
    assert!(
        text.contains("`folder_id`") && text.contains("not a folder"),
        "{text}"
    );
}

#[tokio::test]
async fn file_details_show_the_path_and_who_has_access() {
    let (env, gm) = ann(&[]).await;
    let (v, text) = gm
        .ok("drive_get_file", json!({"file_id": id(&env, DOC_ROADMAP)}))
        .await;
    assert_eq!(v["path"], "My Drive/Projects/2026/Q4");
    assert_eq!(v["can_edit"], true);
    let perms = v["permissions"].as_array().unwrap();
    assert!(
        perms
            .iter()
            .any(|p| p["role"] == "owner" && p["email"] == ANN),
        "{v}"
    );
    assert!(
        text.contains("Location: My Drive/Projects/2026/Q4"),
        "{text}"
    );
    assert!(text.contains(&format!("{ANN}>: owner (user)")), "{text}");

    // A link works as well as an id.
    let link = format!(
        "https://docs.google.com/document/d/{}/edit",
        id(&env, DOC_PARTNER_BRIEF)
    );
    let (v, text) = gm.ok("drive_get_file", json!({"file_id": link})).await;
    assert_eq!(v["can_edit"], false);
    assert!(!v["owner"].as_str().unwrap().contains(ANN));
    assert!(text.contains("The user can: "), "{text}");

    let (v, _) = gm
        .ok("drive_get_file", json!({"file_id": id(&env, DOC_HANDBOOK)}))
        .await;
    assert!(v["drive_id"].is_string());
    assert_eq!(v["path"], SHARED_DRIVE);
}

#[tokio::test]
async fn every_kind_of_file_reads_as_text() {
    let (env, gm) = ann(&[]).await;
    // A Doc: Markdown, every tab.
    let (v, text) = gm
        .ok("drive_read_file", json!({"file_id": id(&env, DOC_ROADMAP)}))
        .await;
    assert_eq!(v["format"], "markdown");
    let md = v["text"].as_str().unwrap();
    assert!(md.contains("# Q4 Roadmap"), "{md}");
    assert!(md.contains("| Milestone | Owner | Date |"), "{md}");
    assert!(
        md.contains("[design doc](https://example.com/design)"),
        "{md}"
    );
    assert!(
        md.contains("<!-- tab: Summary 概要 (id t.summary) -->"),
        "{md}"
    );
    assert_eq!(v["sections"], json!(["Overview", "Notes", "Summary 概要"]));
    assert!(text.contains("Q4 Roadmap [Google Doc]"), "{text}");

    // A Sheet: CSV of every sheet, quoting what CSV needs quoted.
    let (v, _) = gm
        .ok(
            "drive_read_file",
            json!({"file_id": id(&env, SHEET_BUDGET)}),
        )
        .await;
    assert_eq!(v["format"], "csv");
    assert_eq!(
        v["sections"],
        json!(["Summary", SHEET_TAB_QUOTED, "Raw data"])
    );
    let csv = v["text"].as_str().unwrap();
    assert!(
        csv.contains("## Sheet: Summary (5 rows)\n\nCategory,Budget,Actual\n"),
        "{csv}"
    );
    assert!(csv.contains("W42,150,2,\"press, \"\"quoted\"\"\""), "{csv}");
    assert!(csv.contains("## Sheet: Raw data (31 rows)"), "{csv}");

    // Slides: text per slide.
    let (v, _) = gm
        .ok(
            "drive_read_file",
            json!({"file_id": id(&env, SLIDES_KICKOFF)}),
        )
        .await;
    assert_eq!(v["format"], "slides");
    let slides = v["text"].as_str().unwrap();
    assert!(slides.contains("## Slide 1\n\nAtlas Kickoff"), "{slides}");
    assert!(
        slides.contains("## Slide 3\n\nTimeline\nBeta in October, GA in December"),
        "{slides}"
    );
    assert_eq!(v["sections"].as_array().unwrap().len(), 3);

    // A PDF: its text.
    let (v, _) = gm
        .ok("drive_read_file", json!({"file_id": id(&env, FILE_PDF)}))
        .await;
    assert_eq!(v["format"], "pdf_text");
    assert!(v["text"].as_str().unwrap().contains(PDF_TEXT), "{v}");

    // Text and code as they are, from a shared drive too.
    for (name, needle) in [
        (FILE_NOTES_TXT, "renew the TLS certificates"),
        (FILE_CODE, "println!(\"Hello from Atlas\");"),
        (FILE_PLAN_MD, "# Launch plan"),
        (FILE_CHECKLIST, "3. Buddy lunch"),
    ] {
        let (v, _) = gm
            .ok("drive_read_file", json!({"file_id": id(&env, name)}))
            .await;
        assert_eq!(v["format"], "text");
        assert!(v["text"].as_str().unwrap().contains(needle), "{name}: {v}");
    }
}

#[tokio::test]
async fn binaries_folders_and_large_files_are_refused_with_the_reason() {
    let (env, gm) = ann(&[]).await;
    let text = gm
        .err("drive_read_file", json!({"file_id": id(&env, FILE_PNG)}))
        .await;
    assert!(
        text.contains("image/png") && text.contains("bytes"),
        "{text}"
    );
    let text = gm
        .err("drive_read_file", json!({"file_id": id(&env, FOLDER_Q4)}))
        .await;
    assert!(text.contains("drive_list_folder"), "{text}");
    // Over Google's 10 MB export limit: refused before any export.
    env.fake().reset_counters();
    let archive = id(&env, SHEET_ARCHIVE);
    let text = gm.err("drive_read_file", json!({"file_id": archive})).await;
    assert!(
        text.contains("14.0 MB") && text.contains("10.0 MB"),
        "{text}"
    );
    assert!(text.contains("sheets_read_range"), "{text}");
    assert_eq!(
        env.fake().requests(&format!("/v4/spreadsheets/{archive}")),
        0
    );
    // A large blob is refused with its size, without downloading it.
    let big = env
        .fake()
        .add_drive_file(ANN, "huge.log", "text/plain", b"x");
    env.fake().set_drive_file_size(ANN, &big, 50 * 1024 * 1024);
    let text = gm.err("drive_read_file", json!({"file_id": big})).await;
    assert!(text.contains("50.0 MB"), "{text}");
}

#[tokio::test]
async fn files_and_folders_are_created_uploaded_and_organised() {
    let (env, gm) = ann(&[]).await;
    let q4 = id(&env, FOLDER_Q4);
    let (v, text) = gm
        .ok(
            "drive_create_file",
            json!({"name": "agenda.md", "content": "# Agenda\n\n- one\n", "folder_id": q4}),
        )
        .await;
    let file = v["file"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["file"]["mime_type"], "text/markdown");
    assert!(text.starts_with("Created agenda.md"), "{text}");
    assert_eq!(
        env.fake().drive_file_content(ANN, &file).unwrap(),
        b"# Agenda\n\n- one\n"
    );
    let info = env
        .fake()
        .drive_files(ANN)
        .into_iter()
        .find(|f| f.id == file)
        .unwrap();
    assert_eq!(info.parents, vec![q4.clone()]);

    // Binary content, base64.
    let png = [0x89u8, b'P', b'N', b'G', 0, 1, 2, 255];
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    let (v, _) = gm
        .ok(
            "drive_create_file",
            json!({"name": "pixel.png", "content_base64": b64, "mime_type": "image/png"}),
        )
        .await;
    let pixel = v["file"]["id"].as_str().unwrap();
    assert_eq!(env.fake().drive_file_content(ANN, pixel).unwrap(), png);

    // Markdown as a Google Doc, in a shared drive.
    let drive = env.fake().shared_drive_id(ANN, SHARED_DRIVE).unwrap();
    let (v, _) = gm
        .ok(
            "drive_create_file",
            json!({"name": "Plan", "content": "# Plan\n\nShip **it**.", "google_doc": true, "folder_id": drive}),
        )
        .await;
    assert_eq!(v["file"]["kind"], "Google Doc");
    assert_eq!(v["file"]["drive_id"], json!(drive));
    let doc = v["file"]["id"].as_str().unwrap().to_owned();
    let (read, _) = gm
        .ok("docs_read_document", json!({"document_id": doc}))
        .await;
    assert_eq!(read["markdown"], "# Plan\n\nShip **it**.\n");

    // A folder; move, copy, rename, trash and restore.
    let (v, _) = gm
        .ok(
            "drive_create_folder",
            json!({"name": "Archive", "parent_id": q4}),
        )
        .await;
    let folder = v["file"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["file"]["kind"], "folder");
    let (v, _) = gm
        .ok("drive_move", json!({"file_id": file, "folder_id": folder}))
        .await;
    assert_eq!(v["action"], "moved");
    let parents = |id: &str| {
        env.fake()
            .drive_files(ANN)
            .into_iter()
            .find(|f| f.id == id)
            .map(|f| (f.parents, f.trashed, f.name))
            .unwrap()
    };
    assert_eq!(parents(&file).0, vec![folder.clone()]);
    // Moving again changes nothing and succeeds.
    gm.ok("drive_move", json!({"file_id": file, "folder_id": folder}))
        .await;
    assert_eq!(parents(&file).0, vec![folder.clone()]);

    let (v, _) = gm.ok("drive_copy", json!({"file_id": file})).await;
    let copy = v["file"]["id"].as_str().unwrap().to_owned();
    assert_ne!(copy, file);
    assert_eq!(
        env.fake().drive_file_content(ANN, &copy).unwrap(),
        b"# Agenda\n\n- one\n"
    );
    gm.ok(
        "drive_rename",
        json!({"file_id": copy, "name": "agenda-v2.md"}),
    )
    .await;
    assert_eq!(parents(&copy).2, "agenda-v2.md");
    let (v, text) = gm.ok("drive_trash", json!({"file_id": copy})).await;
    assert_eq!(v["action"], "trashed");
    assert!(text.starts_with("Trashed"), "{text}");
    assert!(parents(&copy).1);
    gm.ok("drive_trash", json!({"file_id": copy, "restore": true}))
        .await;
    assert!(!parents(&copy).1);
    let text = gm.err("drive_copy", json!({"file_id": folder})).await;
    assert!(
        text.contains("`file_id`") && text.contains("folder"),
        "{text}"
    );
}

#[tokio::test]
async fn invalid_arguments_name_their_field() {
    let (env, gm) = ann(&[]).await;
    let cases = [
        (
            "drive_read_file",
            json!({"file_id": "../etc/passwd"}),
            "`file_id`",
        ),
        ("drive_search", json!({"owner": "nobody"}), "`owner`"),
        ("drive_search", json!({"page_size": 500}), "`page_size`"),
        (
            "drive_create_file",
            json!({"name": "x.bin", "content_base64": "AAAA"}),
            "`mime_type`",
        ),
        (
            "drive_create_file",
            json!({"name": "x.bin", "content_base64": "@@", "mime_type": "application/octet-stream"}),
            "`content_base64`",
        ),
        (
            "drive_create_file",
            json!({"name": "x", "content": "a", "content_base64": "AAAA"}),
            "`content_base64`",
        ),
        ("drive_create_file", json!({"name": "  "}), "`name`"),
        (
            "drive_share",
            json!({"file_id": id(&env, FILE_PDF), "email": "not an address"}),
            "`email`",
        ),
        (
            "drive_share",
            json!({"file_id": id(&env, FILE_PDF), "email": "x@example.com", "notify": false, "message": "hi"}),
            "`message`",
        ),
        (
            "drive_move",
            json!({"file_id": id(&env, FILE_PDF), "folder_id": id(&env, FILE_PNG)}),
            "`folder_id`",
        ),
    ];
    for (tool, args, field) in cases {
        let text = gm.err(tool, args.clone()).await;
        assert!(text.contains(field), "{tool} {args}: {text}");
    }
    let text = gm.err("drive_search", json!({"colour": "red"})).await;
    assert!(text.contains("colour"), "{text}");
}

#[tokio::test]
async fn sharing_adds_people_and_groups_with_their_role() {
    let (env, gm) = ann(&[]).await;
    let pdf = id(&env, FILE_PDF);
    let (v, text) = gm
        .ok(
            "drive_share",
            json!({"file_id": pdf, "email": ERIN, "role": "writer", "notify": false}),
        )
        .await;
    assert_eq!(v["permission"]["role"], "writer");
    assert_eq!(v["notified"], false);
    assert!(text.contains(ERIN) && text.contains("writer"), "{text}");
    gm.ok(
        "drive_share",
        json!({"file_id": pdf, "email": "team@example.com", "type": "group", "message": "FYI"}),
    )
    .await;
    let perms = env
        .fake()
        .drive_files(ANN)
        .into_iter()
        .find(|f| f.id == pdf)
        .unwrap()
        .permissions;
    assert!(perms.contains(&("writer".into(), ERIN.into())), "{perms:?}");
    assert!(
        perms.contains(&("reader".into(), "team@example.com".into())),
        "{perms:?}"
    );
    let (v, text) = gm
        .ok("drive_list_permissions", json!({"file_id": pdf}))
        .await;
    assert_eq!(v["permissions"].as_array().unwrap().len(), 3, "{v}");
    assert!(text.contains("team@example.com>: reader (group)"), "{text}");
    // Only the user's own files: a view-only file cannot be shared on.
    let text = gm
        .err(
            "drive_share",
            json!({"file_id": id(&env, DOC_PARTNER_BRIEF), "email": ERIN}),
        )
        .await;
    assert!(text.contains("refused"), "{text}");
}

#[tokio::test]
async fn users_see_only_their_own_drive() {
    let env = env(&[]).await;
    let ann = Gm::sign_in(&env, ANN).await;
    let erin = Gm::sign_in(&env, ERIN).await;
    let ann_doc = env.fake().drive_file_id(ANN, DOC_ROADMAP).unwrap();
    let erin_doc = env.fake().drive_file_id(ERIN, DOC_ROADMAP).unwrap();
    assert_ne!(ann_doc, erin_doc);
    let (v, _) = erin.ok("drive_search", json!({"name": "Roadmap"})).await;
    assert_eq!(v["files"][0]["id"], json!(erin_doc));
    for tool in [
        "drive_read_file",
        "drive_get_file",
        "drive_trash",
        "drive_rename",
    ] {
        let mut args = json!({"file_id": ann_doc});
        if tool == "drive_rename" {
            args["name"] = json!("mine now");
        }
        let text = erin.err(tool, args).await;
        assert!(text.contains("not found"), "{tool}: {text}");
    }
    let text = erin
        .err("docs_read_document", json!({"document_id": ann_doc}))
        .await;
    assert!(text.contains("not found"), "{text}");
    // Ann's file is untouched and still hers.
    let (v, _) = ann.ok("drive_get_file", json!({"file_id": ann_doc})).await;
    assert_eq!(v["name"], DOC_ROADMAP);
    assert_eq!(v["trashed"], false);
}

#[tokio::test]
async fn google_failures_become_actionable_tool_errors() {
    let (env, gm) = ann(&[]).await;
    env.fake()
        .inject(Fault::status("/drive/v3/files", 429).times(10));
    let text = gm.err("drive_search", json!({})).await;
    assert!(
        text.contains("quota") && text.contains("4 attempts"),
        "{text}"
    );
    env.fake().clear_faults();
    env.fake()
        .inject(Fault::status("/drive/v3/files", 503).times(10));
    let text = gm.err("drive_list_folder", json!({})).await;
    assert!(text.contains("unavailable"), "{text}");
    env.fake().clear_faults();
    env.fake()
        .inject(Fault::status("/drive/v3/files", 503).times(2));
    gm.ok("drive_search", json!({"page_size": 1})).await;

    // A user who did not grant Drive access is told how to grant it.
    let frank = "frank@example.com";
    env.fake().add_user(
        FakeUser::workspace(frank, "example.com")
            .untick(catalog::DRIVE_READONLY)
            .untick(catalog::DRIVE)
            .untick(catalog::DRIVE_FILE),
    );
    let fm = Gm::sign_in(&env, frank).await;
    let text = fm.err("drive_search", json!({})).await;
    assert!(
        text.contains("lacks the Google permission") && text.contains("Drive"),
        "{text}"
    );
}

#[tokio::test]
async fn long_content_is_cut_with_a_note() {
    let (env, gm) = ann(&[(config::TOOL_OUTPUT_LIMIT, "1000")]).await;
    let long: String = (0..400).map(|i| format!("line {i}\n")).collect();
    let file = env
        .fake()
        .add_drive_file(ANN, "long.txt", "text/plain", long.as_bytes());
    let c = gm.call("drive_read_file", json!({"file_id": file})).await;
    assert!(!c.is_error, "{}", c.text);
    assert_eq!(c.structured["truncated"], true);
    assert_eq!(c.structured["text"].as_str().unwrap().chars().count(), 1000);
    assert_eq!(
        c.structured["characters"].as_u64().unwrap() as usize,
        long.chars().count()
    );
    assert!(
        c.text.contains("[output cut at 1000 characters"),
        "{}",
        c.text
    );
    assert!(c.text.starts_with("long.txt [text]"), "{}", c.text);
}

#[tokio::test]
async fn read_only_gateways_offer_no_drive_or_docs_writers() {
    let env = env(&[(config::READ_ONLY, "true")]).await;
    let gm = Gm::sign_in(&env, ANN).await;
    let names = gm.tool_names().await;
    for reader in [
        "drive_search",
        "drive_read_file",
        "docs_read_document",
        "drive_list_permissions",
    ] {
        assert!(names.contains(&reader.to_owned()), "{names:?}");
    }
    for writer in [
        "drive_create_file",
        "drive_share",
        "drive_trash",
        "docs_create_document",
        "docs_insert_text",
        "docs_find_replace",
    ] {
        assert!(
            !names.contains(&writer.to_owned()),
            "{writer} offered: {names:?}"
        );
    }
}
