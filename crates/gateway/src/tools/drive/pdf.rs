//! Text of a PDF, page by page.

/// Pages read at most.
pub const MAX_PAGES: u32 = 500;

/// The text of each page (at most [`MAX_PAGES`]), or why there is none.
pub fn text(bytes: &[u8]) -> Result<Vec<String>, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| format!("not a readable PDF ({e})"))?;
    if doc.is_encrypted() {
        return Err("the PDF is encrypted".into());
    }
    let pages: Vec<u32> = doc
        .get_pages()
        .keys()
        .copied()
        .take(MAX_PAGES as usize)
        .collect();
    let mut out = Vec::with_capacity(pages.len());
    for page in pages {
        let text = doc.extract_text(&[page]).unwrap_or_default();
        out.push(text.trim().to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(text(b"not a pdf at all").is_err());
        assert!(text(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog").is_err());
    }
}
