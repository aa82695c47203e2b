//! Each user's Drive: nested folders (Projects/2026/Q4), Docs, Sheets and
//! Slides, text and code files, a PDF with extractable text, a PNG, a Sheet
//! too large to export, a file shared by a colleague, and a shared drive
//! "Team Drive".

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{colleagues, display_name, docs, hash};
use crate::api::now_ms;
use crate::data::Person;
use crate::drive::store::{
    DOC, DriveFile, FOLDER, FORM, SHEET, SLIDES, SharedDrive, Workspace, make_id,
};

pub const FOLDER_PROJECTS: &str = "Projects";
pub const FOLDER_2026: &str = "2026";
pub const FOLDER_Q4: &str = "Q4";
pub const DOC_ROADMAP: &str = "Q4 Roadmap";
pub const DOC_MEETING_NOTES: &str = "Meeting Notes";
pub const DOC_HANDBOOK: &str = "Team Handbook";
pub const DOC_PARTNER_BRIEF: &str = "Partner Brief";
pub const SHEET_BUDGET: &str = "Q4 Budget";
pub const SHEET_ROSTER: &str = "Team Roster";
pub const SHEET_ARCHIVE: &str = "Event Archive 2019-2025";
pub const SLIDES_KICKOFF: &str = "Atlas Kickoff";
/// The budget's second sheet, whose name needs quoting in A1 notation.
pub const SHEET_TAB_QUOTED: &str = "It's Q4";
pub const FILE_NOTES_TXT: &str = "notes.txt";
pub const FILE_PLAN_MD: &str = "launch-plan.md";
pub const FILE_CODE: &str = "main.rs";
pub const FILE_PDF: &str = "Contract.pdf";
pub const FILE_PNG: &str = "logo.png";
pub const FILE_CHECKLIST: &str = "Onboarding checklist.txt";
/// A document the demo's two people of one domain share: the first owns it,
/// the second sees it in "Shared with me"; one id in both Drives.
pub const DOC_SHARED_PLAN: &str = "Offsite Plan";
/// (owner, reader) of [`DOC_SHARED_PLAN`].
pub const SHARED_PLAN_PEOPLE: (&str, &str) = ("dana@example.com", "alice@example.com");
pub const SHARED_DRIVE: &str = "Team Drive";
/// Text the seeded PDF's page shows.
pub const PDF_TEXT: &str = "Master Services Agreement between Acme Corp and Example Inc.";
/// Size Drive reports for the archive sheet (over the 10 MB export limit).
pub const ARCHIVE_SIZE: u64 = 14 * 1024 * 1024;

const PNG_1X1: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/// A one-page PDF showing `text` in Helvetica (a text-extractable content stream).
pub fn pdf(text: &str) -> Vec<u8> {
    let stream = format!(
        "BT /F1 14 Tf 72 720 Td ({}) Tj ET",
        text.replace('(', "\\(").replace(')', "\\)")
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

struct Builder<'a> {
    ws: Workspace,
    person: &'a Person,
    now: i64,
}

impl Builder<'_> {
    fn add(
        &mut self,
        name: &str,
        mime: &str,
        parent: &str,
        days_ago: i64,
        content: Vec<u8>,
    ) -> String {
        let id = make_id(&format!("{}#file#{name}", self.person.email));
        let drive_id = self.ws.drive_of(parent);
        let owner = drive_id
            .is_none()
            .then(|| (self.ws.name.clone(), self.person.email.clone()));
        let jitter = (hash(&self.person.email, name) % 3_600_000) as i64;
        let modified = self.now - days_ago * 86_400_000 - jitter;
        let mut file = DriveFile {
            id: id.clone(),
            name: name.to_string(),
            mime_type: mime.to_string(),
            parents: vec![parent.to_string()],
            trashed: false,
            starred: false,
            created: modified - 7 * 86_400_000,
            modified,
            owner,
            shared_with_me: false,
            drive_id,
            description: None,
            content,
            virtual_size: None,
            permissions: Vec::new(),
        };
        file.permissions = crate::drive::perms::owner_permissions(&self.ws, &file);
        self.ws.files.push(file);
        id
    }
}

pub(crate) fn workspace(person: &Person) -> Workspace {
    let email = person.email.as_str();
    let people = colleagues(email);
    let mut b = Builder {
        ws: Workspace::new(email, &display_name(person)),
        person,
        now: now_ms(),
    };
    let root = b.ws.root.clone();
    let projects = b.add(FOLDER_PROJECTS, FOLDER, &root, 40, vec![]);
    let year = b.add(FOLDER_2026, FOLDER, &projects, 30, vec![]);
    let q4 = b.add(FOLDER_Q4, FOLDER, &year, 20, vec![]);

    let roadmap = b.add(DOC_ROADMAP, DOC, &q4, 1, vec![]);
    b.ws.docs.insert(
        roadmap.clone(),
        docs::roadmap(&roadmap, DOC_ROADMAP, &people),
    );
    let budget = b.add(SHEET_BUDGET, SHEET, &q4, 2, vec![]);
    b.ws.sheets.insert(
        budget.clone(),
        docs::budget(&budget, SHEET_BUDGET, SHEET_TAB_QUOTED),
    );
    let plan =
        "# Launch plan\n\n- Freeze scope on Monday\n- Dry run on Wednesday\n- Launch on Thursday\n";
    b.add(
        FILE_PLAN_MD,
        "text/markdown",
        &q4,
        3,
        plan.as_bytes().to_vec(),
    );

    let notes = b.add(DOC_MEETING_NOTES, DOC, &root, 0, vec![]);
    let text = format!(
        "# Design sync\n\nAttendees: {}, {}\n\n- Agree on the API surface\n- Review the latency budget\n\nNext meeting in two weeks.",
        people[0].name, people[1].name
    );
    b.ws.docs.insert(
        notes.clone(),
        docs::simple(&notes, DOC_MEETING_NOTES, &text),
    );
    let roster = b.add(SHEET_ROSTER, SHEET, &root, 5, vec![]);
    b.ws.sheets
        .insert(roster.clone(), docs::roster(&roster, SHEET_ROSTER, &people));
    let archive = b.add(SHEET_ARCHIVE, SHEET, &root, 60, vec![]);
    b.ws.sheets.insert(
        archive.clone(),
        docs::roster(&archive, SHEET_ARCHIVE, &people),
    );
    if let Some(f) = b.ws.file_mut(&archive) {
        f.virtual_size = Some(ARCHIVE_SIZE);
    }
    let slides = "Atlas Kickoff\n\nWhy Atlas\nOne gateway for every workspace tool\n\nTimeline\nBeta in October, GA in December\n";
    b.add(SLIDES_KICKOFF, SLIDES, &root, 8, slides.as_bytes().to_vec());
    let txt = "Remember: renew the TLS certificates before Friday.\nBuy milk.\n";
    b.add(
        FILE_NOTES_TXT,
        "text/plain",
        &root,
        4,
        txt.as_bytes().to_vec(),
    );
    let code = "fn main() {\n    println!(\"Hello from Atlas\");\n}\n";
    b.add(
        FILE_CODE,
        "text/x-rust",
        &projects,
        6,
        code.as_bytes().to_vec(),
    );
    b.add(FILE_PDF, "application/pdf", &root, 10, pdf(PDF_TEXT));
    b.add(
        FILE_PNG,
        "image/png",
        &root,
        12,
        STANDARD.decode(PNG_1X1).expect("png"),
    );

    // A colleague's document shared with the user (no parent in their Drive).
    let brief = b.add(DOC_PARTNER_BRIEF, DOC, &root, 2, vec![]);
    let owner = &people[2];
    let my_name = b.ws.name.clone();
    b.ws.docs.insert(
        brief.clone(),
        docs::simple(
            &brief,
            DOC_PARTNER_BRIEF,
            "# Partner brief\n\nAcme wants a pilot in January.",
        ),
    );
    if let Some(f) = b.ws.file_mut(&brief) {
        f.parents.clear();
        f.shared_with_me = true;
        f.owner = Some((owner.name.clone(), owner.email.clone()));
        f.permissions = vec![
            crate::drive::store::Permission {
                id: hash(&owner.email, "permission").to_string(),
                kind: "user".into(),
                role: "owner".into(),
                email: Some(owner.email.clone()),
                domain: None,
                display_name: Some(owner.name.clone()),
            },
            crate::drive::store::Permission {
                id: hash(email, "permission").to_string(),
                kind: "user".into(),
                role: "reader".into(),
                email: Some(email.to_string()),
                domain: None,
                display_name: Some(my_name),
            },
        ];
    }

    shared_plan(&mut b, &root);

    let drive_id = format!("0A{}", &make_id(&format!("{email}#drive"))[1..20]);
    b.ws.drives.push(SharedDrive {
        id: drive_id.clone(),
        name: SHARED_DRIVE.into(),
        created: b.now - 90 * 86_400_000,
    });
    let handbook = b.add(DOC_HANDBOOK, DOC, &drive_id, 7, vec![]);
    b.ws.docs.insert(
        handbook.clone(),
        docs::simple(
            &handbook,
            DOC_HANDBOOK,
            "# Team handbook\n\n## Values\n\n- Write things down\n- Ship small steps",
        ),
    );
    let checklist = "1. Laptop\n2. Accounts\n3. Buddy lunch\n";
    b.add(
        FILE_CHECKLIST,
        "text/plain",
        &drive_id,
        9,
        checklist.as_bytes().to_vec(),
    );
    super::drive_notes::add(&mut b.ws, person, b.now);
    let survey = b.add(super::forms::FORM_SURVEY, FORM, &root, 6, vec![]);
    b.ws.forms.insert(
        survey.clone(),
        super::forms::survey(&survey, &people, b.now),
    );
    b.ws
}

/// The Drive id of [`DOC_SHARED_PLAN`].
pub fn shared_plan_id() -> String {
    make_id(&format!(
        "{}#shared#{DOC_SHARED_PLAN}",
        SHARED_PLAN_PEOPLE.0
    ))
}

/// Adds [`DOC_SHARED_PLAN`] to its owner's and its reader's Drive.
fn shared_plan(b: &mut Builder, root: &str) {
    let (owner_email, reader_email) = SHARED_PLAN_PEOPLE;
    let email = b.person.email.clone();
    if email != owner_email && email != reader_email {
        return;
    }
    let added = b.add(DOC_SHARED_PLAN, DOC, root, 1, vec![]);
    let id = shared_plan_id();
    b.ws.docs.insert(
        id.clone(),
        docs::simple(
            &id,
            DOC_SHARED_PLAN,
            "# Offsite plan\n\n- Venue: Lisbon\n- Dates: the second week of March\n- Budget owner: Dana",
        ),
    );
    let permission = |who: &str, name: &str, role: &str| crate::drive::store::Permission {
        id: hash(who, "permission").to_string(),
        kind: "user".into(),
        role: role.into(),
        email: Some(who.to_owned()),
        domain: None,
        display_name: Some(name.to_owned()),
    };
    if let Some(f) = b.ws.file_mut(&added) {
        f.id = id;
        f.owner = Some(("Dana Example".into(), owner_email.into()));
        f.permissions = vec![
            permission(owner_email, "Dana Example", "owner"),
            permission(reader_email, "Alice Example", "writer"),
        ];
        if email == reader_email {
            f.parents.clear();
            f.shared_with_me = true;
        }
    }
}
