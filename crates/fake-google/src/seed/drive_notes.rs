//! Comments and earlier revisions seeded on each user's Drive: on the
//! Meeting Notes Doc, an open comment with a colleague's reply and a
//! resolved one, and a first draft as an earlier revision; notes.txt has an
//! earlier revision too.

use serde_json::{Value, json};

use super::drive::{DOC_MEETING_NOTES, FILE_NOTES_TXT};
use super::{colleagues, docs, hash};
use crate::data::Person;
use crate::drive::rfc3339;
use crate::drive::store::{Revision, Workspace};

/// The open comment on Meeting Notes.
pub const COMMENT_OPEN: &str = "Can we add the latency numbers from last week?";
/// The colleague's reply to it.
pub const REPLY_OPEN: &str = "I'll paste them in before Friday.";
/// The resolved comment.
pub const COMMENT_RESOLVED: &str = "Typo in the title";
/// The text of the first draft of Meeting Notes (its earlier revision).
pub const NOTES_FIRST_DRAFT: &str = "First draft: agenda to be decided";
/// The earlier revision of notes.txt.
pub const TXT_FIRST_REVISION: &str = "Buy milk.\n";

/// A Drive user as comments and revisions show them.
pub(crate) fn user(name: &str, email: &str, me: &str) -> Value {
    json!({
        "kind": "drive#user",
        "displayName": name,
        "emailAddress": email,
        "me": email == me,
        "photoLink": format!("https://lh3.googleusercontent.com/a/{}", hash(email, "photo")),
    })
}

fn reply(id: &str, at: i64, author: Value, content: &str, action: Option<&str>) -> Value {
    let mut r = json!({
        "kind": "drive#reply",
        "id": id,
        "createdTime": rfc3339(at),
        "modifiedTime": rfc3339(at),
        "author": author,
        "htmlContent": content,
        "content": content,
        "deleted": false,
    });
    if let Some(a) = action {
        r["action"] = json!(a);
    }
    r
}

pub(crate) fn add(ws: &mut Workspace, person: &Person, now: i64) {
    let me = person.email.as_str();
    let people = colleagues(me);
    let by_name = |ws: &Workspace, name: &str| {
        ws.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| (f.id.clone(), f.modified))
    };
    const DAY: i64 = 86_400_000;
    if let Some((notes, modified)) = by_name(ws, DOC_MEETING_NOTES) {
        let colleague = user(&people[0].name, &people[0].email, me);
        let mine = user(&ws.name, me, me);
        let at = modified - DAY;
        let mut open = json!({
            "kind": "drive#comment",
            "id": format!("AAAB{}", hash(me, "comment-open") % 1_000_000_000),
            "createdTime": rfc3339(at),
            "modifiedTime": rfc3339(at + 3_600_000),
            "author": colleague,
            "htmlContent": COMMENT_OPEN,
            "content": COMMENT_OPEN,
            "deleted": false,
            "resolved": false,
            "quotedFileContent": { "mimeType": "text/html", "value": "Review the latency budget" },
            "anchor": "kix.latency1",
        });
        open["replies"] = json!([reply(
            "AAAB-r1",
            at + 3_600_000,
            mine.clone(),
            REPLY_OPEN,
            None
        )]);
        let resolved_id = format!("AAAC{}", hash(me, "comment-resolved") % 1_000_000_000);
        let resolved = json!({
            "kind": "drive#comment",
            "id": resolved_id,
            "createdTime": rfc3339(at - DAY),
            "modifiedTime": rfc3339(at - DAY / 2),
            "author": mine.clone(),
            "htmlContent": COMMENT_RESOLVED,
            "content": COMMENT_RESOLVED,
            "deleted": false,
            "resolved": true,
            "replies": [reply("AAAC-r1", at - DAY / 2, colleague, "", Some("resolve"))],
        });
        ws.comments.insert(notes.clone(), vec![resolved, open]);
        let draft = docs::simple(
            &notes,
            DOC_MEETING_NOTES,
            &format!("# Design sync\n\n{NOTES_FIRST_DRAFT}"),
        );
        ws.revisions.insert(
            notes,
            vec![Revision {
                id: "1".into(),
                modified: modified - 2 * DAY,
                author: (people[0].name.clone(), people[0].email.clone()),
                doc: Some(draft),
                content: Vec::new(),
            }],
        );
    }
    if let Some((txt, modified)) = by_name(ws, FILE_NOTES_TXT) {
        ws.revisions.insert(
            txt,
            vec![Revision {
                id: format!("0B{}", hash(me, "txt-rev") % 1_000_000_000_000),
                modified: modified.min(now) - DAY,
                author: (ws.name.clone(), me.to_owned()),
                doc: None,
                content: TXT_FIRST_REVISION.as_bytes().to_vec(),
            }],
        );
    }
}
