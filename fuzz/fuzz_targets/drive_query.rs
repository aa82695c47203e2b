//! Drive search queries (crates/gateway/src/tools/drive/search.rs): every
//! value given lands in one string literal with its quotes and backslashes
//! escaped, so the query keeps its shape whatever the arguments hold; a raw
//! query is appended in parentheses (refused when its own do not balance);
//! bad filters are refused naming their field.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcp_gateway::{
    fuzzing::drive_query,
    tools::drive::{FileType, SearchArgs},
};

/// Every file type, picked by index.
const KINDS: [FileType; 7] = [
    FileType::Document,
    FileType::Spreadsheet,
    FileType::Presentation,
    FileType::Folder,
    FileType::Pdf,
    FileType::Image,
    FileType::Text,
];

#[derive(Debug, Arbitrary)]
enum Owner {
    Me,
    Email(String),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    query: Option<String>,
    name: Option<String>,
    file_type: Option<u8>,
    owner: Option<Owner>,
    modified_after: Option<String>,
    folder_id: Option<String>,
    include_trashed: bool,
    raw_query: Option<String>,
}

/// Splits a query into its text outside literals (each literal as `?`) and
/// the literals' decoded values; `None` when a literal never closes or an
/// escape is not `\\` or `\'`.
fn tokens(q: &str) -> Option<(String, Vec<String>)> {
    let (mut shape, mut literals) = (String::new(), Vec::new());
    let mut chars = q.chars();
    while let Some(c) = chars.next() {
        if c != '\'' {
            shape.push(c);
            continue;
        }
        let mut lit = String::new();
        loop {
            match chars.next()? {
                '\'' => break,
                '\\' => match chars.next()? {
                    e @ ('\\' | '\'') => lit.push(e),
                    _ => return None,
                },
                other => lit.push(other),
            }
        }
        shape.push('?');
        literals.push(lit);
    }
    Some((shape, literals))
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fuzz_target!(|input: Input| {
    let owner = input.owner.as_ref().map(|o| match o {
        Owner::Me => "me".to_owned(),
        Owner::Email(local) => format!("{local}@example.com"),
        Owner::Raw(s) => s.clone(),
    });
    let file_type = input.file_type.map(|i| KINDS[usize::from(i) % KINDS.len()]);
    let mut args = SearchArgs {
        query: input.query.clone(),
        name: input.name.clone(),
        file_type,
        owner: owner.clone(),
        modified_after: input.modified_after.clone(),
        folder_id: input.folder_id.clone(),
        shared_drive_id: None,
        include_trashed: input.include_trashed,
        raw_query: None,
        page_size: None,
        page_token: None,
    };
    let q = match drive_query(&args) {
        Ok(q) => q,
        Err(e) => {
            let text = e.to_string();
            assert!(
                ["`owner`", "`modified_after`", "`folder_id`"]
                    .iter()
                    .any(|f| text.contains(f)),
                "{text}"
            );
            return;
        }
    };
    let (shape, literals) = tokens(&q).unwrap_or_else(|| panic!("a literal is broken: {q}"));

    // The shape is the filters' own, the literals the values given.
    let mut want_shape = Vec::new();
    let mut want = Vec::new();
    if let Some(v) = non_empty(&input.query) {
        want_shape.push("fullText contains ?");
        want.push(Some(v.to_owned()));
    }
    if let Some(v) = non_empty(&input.name) {
        want_shape.push("name contains ?");
        want.push(Some(v.to_owned()));
    }
    if let Some(t) = file_type {
        want_shape.push(if matches!(t, FileType::Image | FileType::Text) {
            "mimeType contains ?"
        } else {
            "mimeType = ?"
        });
        want.push(None);
    }
    if let Some(o) = non_empty(&owner) {
        want_shape.push("? in owners");
        want.push(Some(o.to_owned()));
    }
    if non_empty(&input.modified_after).is_some() {
        want_shape.push("modifiedTime > ?");
        want.push(None);
    }
    if non_empty(&input.folder_id).is_some() {
        want_shape.push("? in parents");
        want.push(None);
    }
    if !input.include_trashed {
        want_shape.push("trashed = false");
    }
    assert_eq!(shape, want_shape.join(" and "), "{q}");
    assert_eq!(literals.len(), want.len(), "{q}");
    for (lit, w) in literals.iter().zip(&want) {
        if let Some(w) = w {
            assert_eq!(lit, w, "{q}");
        }
    }

    // A raw query follows, in parentheses; one whose parentheses do not
    // balance outside its quotes (it could step out of them) is refused.
    args.raw_query = input.raw_query.clone();
    let with_raw = match drive_query(&args) {
        Ok(q) => q,
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains("`raw_query`"), "{text}");
            let r = non_empty(&input.raw_query).expect("only a raw query is refused here");
            assert!(r.contains(['(', ')', '\'']), "{r:?}: {text}");
            return;
        }
    };
    match non_empty(&input.raw_query) {
        Some(r) if q.is_empty() => assert_eq!(with_raw, format!("({r})")),
        Some(r) => assert_eq!(with_raw, format!("{q} and ({r})")),
        None => assert_eq!(with_raw, q),
    }
});
