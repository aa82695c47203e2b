//! A user's Drive: files (folders, uploads, Google Docs/Sheets/Slides),
//! shared drives, and the Docs, Sheets and Forms content behind native files.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::docs::model::Document;
use crate::sheets::model::Spreadsheet;

pub const FOLDER: &str = "application/vnd.google-apps.folder";
pub const DOC: &str = "application/vnd.google-apps.document";
pub const SHEET: &str = "application/vnd.google-apps.spreadsheet";
pub const SLIDES: &str = "application/vnd.google-apps.presentation";
pub const FORM: &str = "application/vnd.google-apps.form";

/// Drive's limit on exported content.
pub const EXPORT_LIMIT: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    pub id: String,
    /// `user`, `group`, `domain` or `anyone`.
    pub kind: String,
    /// `owner`, `organizer`, `fileOrganizer`, `writer`, `commenter`, `reader`.
    pub role: String,
    pub email: Option<String>,
    pub domain: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriveFile {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub parents: Vec<String>,
    pub trashed: bool,
    pub starred: bool,
    pub created: i64,
    pub modified: i64,
    pub owner: Option<(String, String)>,
    /// Shared with the user by someone else (shown in "Shared with me").
    pub shared_with_me: bool,
    /// The shared drive holding the file.
    pub drive_id: Option<String>,
    pub description: Option<String>,
    /// Bytes of an uploaded (non-native) file; the text of a Slides deck.
    pub content: Vec<u8>,
    /// A size to report instead of the content's (for very large files).
    pub virtual_size: Option<u64>,
    pub permissions: Vec<Permission>,
}

impl DriveFile {
    pub fn is_native(&self) -> bool {
        self.mime_type.starts_with("application/vnd.google-apps.")
    }

    pub fn size(&self) -> u64 {
        self.virtual_size.unwrap_or(self.content.len() as u64)
    }
}

/// A Google Form (the Forms API's `Form` resource) and its responses.
#[derive(Debug, Clone, PartialEq)]
pub struct FormData {
    pub form: serde_json::Value,
    /// `FormResponse` resources, oldest first.
    pub responses: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SharedDrive {
    pub id: String,
    pub name: String,
    pub created: i64,
}

/// Everything a user's Drive, Docs and Sheets hold.
pub struct Workspace {
    pub email: String,
    pub name: String,
    /// The id of the user's My Drive root folder.
    pub root: String,
    pub files: Vec<DriveFile>,
    pub drives: Vec<SharedDrive>,
    pub docs: HashMap<String, Document>,
    pub sheets: HashMap<String, Spreadsheet>,
    /// `Comment` resources (replies inside) per file id, oldest first.
    pub comments: HashMap<String, Vec<serde_json::Value>>,
    /// Earlier revisions per file id, oldest first (the file itself is the
    /// head revision).
    pub revisions: HashMap<String, Vec<Revision>>,
    pub forms: HashMap<String, FormData>,
    pub counter: u64,
}

/// An earlier state of a file: a Doc's content or a file's bytes.
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: String,
    pub modified: i64,
    /// `(name, email)` of who made it.
    pub author: (String, String),
    pub doc: Option<Document>,
    pub content: Vec<u8>,
}

/// A Drive-style id (44 url-safe characters) derived from `seed`.
pub fn make_id(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut id = format!("1{}", URL_SAFE_NO_PAD.encode(&digest[..32]));
    id.truncate(44);
    id
}

impl Workspace {
    pub fn new(email: &str, name: &str) -> Self {
        Workspace {
            email: email.to_string(),
            name: name.to_string(),
            root: make_id(&format!("{email}#root")),
            files: Vec::new(),
            drives: Vec::new(),
            docs: HashMap::new(),
            sheets: HashMap::new(),
            comments: HashMap::new(),
            revisions: HashMap::new(),
            forms: HashMap::new(),
            counter: 0,
        }
    }

    /// A fresh id for a new file, permission or sheet.
    pub fn next_id(&mut self, kind: &str) -> String {
        self.counter += 1;
        make_id(&format!("{}#{kind}#{}", self.email, self.counter))
    }

    pub fn file(&self, id: &str) -> Option<&DriveFile> {
        self.files.iter().find(|f| f.id == id)
    }

    pub fn file_mut(&mut self, id: &str) -> Option<&mut DriveFile> {
        self.files.iter_mut().find(|f| f.id == id)
    }

    /// Resolves `root` to the root folder's id.
    pub fn resolve<'a>(&'a self, id: &'a str) -> &'a str {
        if id == "root" { &self.root } else { id }
    }

    /// Whether `id` is a folder (or the root, or a shared drive) files can live in.
    pub fn is_container(&self, id: &str) -> bool {
        id == self.root
            || self.drives.iter().any(|d| d.id == id)
            || self.file(id).is_some_and(|f| f.mime_type == FOLDER)
    }

    /// The shared drive a container belongs to (`None` for My Drive).
    pub fn drive_of(&self, container: &str) -> Option<String> {
        if self.drives.iter().any(|d| d.id == container) {
            return Some(container.to_string());
        }
        self.file(container).and_then(|f| f.drive_id.clone())
    }

    /// Deletes a file and, for a folder, everything below it.
    pub fn delete_tree(&mut self, id: &str) {
        let children: Vec<String> = self
            .files
            .iter()
            .filter(|f| f.parents.iter().any(|p| p == id))
            .map(|f| f.id.clone())
            .collect();
        for child in children {
            self.delete_tree(&child);
        }
        self.files.retain(|f| f.id != id);
        self.docs.remove(id);
        self.sheets.remove(id);
        self.forms.remove(id);
    }
}
