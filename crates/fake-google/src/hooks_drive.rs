//! Test hooks on Drive, Docs, Sheets and Slides: ids by name, file listings,
//! and the content of documents, spreadsheets and presentations.

use crate::FakeGoogle;

/// A Drive file as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveFileInfo {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub parents: Vec<String>,
    pub trashed: bool,
    /// The shared drive holding the file.
    pub drive_id: Option<String>,
    pub shared_with_me: bool,
    /// Role → address (or domain, or `anyone`) of each permission.
    pub permissions: Vec<(String, String)>,
}

impl FakeGoogle {
    /// Every file of the user's Drive (seeded on first use), shared drives included.
    pub fn drive_files(&self, email: &str) -> Vec<DriveFileInfo> {
        self.with_workspace(email, |ws| {
            ws.files
                .iter()
                .map(|f| DriveFileInfo {
                    id: f.id.clone(),
                    name: f.name.clone(),
                    mime_type: f.mime_type.clone(),
                    parents: f.parents.clone(),
                    trashed: f.trashed,
                    drive_id: f.drive_id.clone(),
                    shared_with_me: f.shared_with_me,
                    permissions: f
                        .permissions
                        .iter()
                        .map(|p| {
                            let who = p
                                .email
                                .clone()
                                .or(p.domain.clone())
                                .unwrap_or(p.kind.clone());
                            (p.role.clone(), who)
                        })
                        .collect(),
                })
                .collect()
        })
    }

    /// The id of the user's first file named `name` (files, folders, Docs, Sheets).
    pub fn drive_file_id(&self, email: &str, name: &str) -> Option<String> {
        self.drive_files(email)
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| f.id)
    }

    /// The id of the user's My Drive root folder.
    pub fn drive_root_id(&self, email: &str) -> String {
        self.with_workspace(email, |ws| ws.root.clone())
    }

    /// The id of the user's shared drive named `name`.
    pub fn shared_drive_id(&self, email: &str, name: &str) -> Option<String> {
        self.with_workspace(email, |ws| {
            ws.drives
                .iter()
                .find(|d| d.name == name)
                .map(|d| d.id.clone())
        })
    }

    /// The content of an uploaded (non-Google) file.
    pub fn drive_file_content(&self, email: &str, id: &str) -> Option<Vec<u8>> {
        self.with_workspace(email, |ws| ws.file(id).map(|f| f.content.clone()))
    }

    /// A sheet's formatting as JSON: `frozenRows`, `frozenColumns`,
    /// `formats` (`range`, `format`, `fields` of each `repeatCell`), `charts`,
    /// `conditionalFormats`.
    pub fn sheet_formatting(
        &self,
        email: &str,
        id: &str,
        sheet: &str,
    ) -> Option<serde_json::Value> {
        self.with_workspace(email, |ws| {
            let s = ws.sheets.get(id)?.sheet(sheet)?;
            let formats: Vec<serde_json::Value> = s
                .formats
                .iter()
                .map(|(r, f, m)| serde_json::json!({ "range": r, "format": f, "fields": m }))
                .collect();
            Some(serde_json::json!({
                "frozenRows": s.frozen_rows,
                "frozenColumns": s.frozen_columns,
                "formats": formats,
                "charts": s.charts,
                "conditionalFormats": s.conditional_formats,
            }))
        })
    }

    /// The `Comment` resources (replies inside) on a file, oldest first.
    pub fn drive_comments(&self, email: &str, id: &str) -> Vec<serde_json::Value> {
        self.with_workspace(email, |ws| ws.comments.get(id).cloned().unwrap_or_default())
    }

    /// The plain text of a Google Doc: every tab, paragraphs ending in `\n`,
    /// table cells separated by tabs.
    pub fn doc_text(&self, email: &str, id: &str) -> Option<String> {
        self.with_workspace(email, |ws| ws.docs.get(id).map(|d| d.plain_text()))
    }

    /// The titles of a Google Doc's tabs.
    pub fn doc_tab_titles(&self, email: &str, id: &str) -> Option<Vec<String>> {
        self.with_workspace(email, |ws| {
            ws.docs
                .get(id)
                .map(|d| d.tabs.iter().map(|t| t.title.clone()).collect())
        })
    }

    /// The sheet titles of a spreadsheet, in order.
    pub fn sheet_titles(&self, email: &str, id: &str) -> Option<Vec<String>> {
        self.with_workspace(email, |ws| {
            ws.sheets
                .get(id)
                .map(|s| s.sheets.iter().map(|sh| sh.title.clone()).collect())
        })
    }

    /// The text of each slide of a Google Slides deck, in order: the title,
    /// then each body paragraph, one per line. `None` if the user has no
    /// presentation with this id.
    pub fn slide_texts(&self, email: &str, id: &str) -> Option<Vec<String>> {
        self.with_workspace(email, |ws| {
            let deck = crate::slides::deck(ws, id).ok()?;
            let text = String::from_utf8_lossy(&deck.content);
            Some(
                crate::slides::parse(&text)
                    .iter()
                    .map(|s| s.text())
                    .collect(),
            )
        })
    }

    /// The formatted values of one sheet (trailing empty cells and rows dropped).
    pub fn sheet_values(&self, email: &str, id: &str, sheet: &str) -> Option<Vec<Vec<String>>> {
        self.with_workspace(email, |ws| {
            ws.sheets.get(id)?.sheet(sheet).map(|s| s.values())
        })
    }
}

impl FakeGoogle {
    /// Adds an uploaded file (not a Google type) to the user's My Drive root; returns its id.
    pub fn add_drive_file(
        &self,
        email: &str,
        name: &str,
        mime_type: &str,
        content: &[u8],
    ) -> String {
        self.with_workspace(email, |ws| {
            let id = ws.next_id("file");
            crate::sheets::insert_file(ws, &id, name, mime_type);
            if let Some(f) = ws.file_mut(&id) {
                f.content = content.to_vec();
            }
            id
        })
    }

    /// Adds a Google Doc built from Markdown (`#` headings, `-` bullets) to My Drive; returns its id.
    pub fn add_google_doc(&self, email: &str, title: &str, markdown: &str) -> String {
        self.with_workspace(email, |ws| {
            let id = ws.next_id("document");
            crate::sheets::insert_file(ws, &id, title, crate::drive::store::DOC);
            let doc = crate::docs::model::Document::from_text(&id, title, markdown, true);
            ws.docs.insert(id.clone(), doc);
            id
        })
    }

    /// Adds a Google Sheet with one sheet per `(title, rows)` to My Drive; values are
    /// parsed as `USER_ENTERED` literals (numbers, booleans, text). Returns its id.
    pub fn add_google_sheet(
        &self,
        email: &str,
        title: &str,
        sheets: &[(&str, &[&[&str]])],
    ) -> String {
        use crate::sheets::model::{Sheet, Spreadsheet};
        self.with_workspace(email, |ws| {
            let id = ws.next_id("spreadsheet");
            crate::sheets::insert_file(ws, &id, title, crate::drive::store::SHEET);
            let sheets = sheets
                .iter()
                .enumerate()
                .map(|(i, (name, rows))| Sheet::new(i as i64, name).with_rows(rows))
                .collect();
            ws.sheets
                .insert(id.clone(), Spreadsheet::new(&id, title, sheets));
            id
        })
    }

    /// Adds a Google Slides deck with one slide per `(title, body)` to My Drive
    /// (the body's lines become paragraphs; blank lines are dropped, a title
    /// should not be empty). Returns its id.
    pub fn add_presentation(&self, email: &str, title: &str, slides: &[(&str, &str)]) -> String {
        self.with_workspace(email, |ws| {
            let id = ws.next_id("presentation");
            crate::sheets::insert_file(ws, &id, title, crate::drive::store::SLIDES);
            if let Some(f) = ws.file_mut(&id) {
                f.content = crate::slides::to_text(slides).into_bytes();
            }
            id
        })
    }

    /// Makes Drive report `bytes` as the file's size (over 10 MB, exports fail
    /// with `exportSizeLimitExceeded`). Returns whether the file exists.
    pub fn set_drive_file_size(&self, email: &str, id: &str, bytes: u64) -> bool {
        self.with_workspace(email, |ws| {
            ws.file_mut(id)
                .map(|f| f.virtual_size = Some(bytes))
                .is_some()
        })
    }
}
