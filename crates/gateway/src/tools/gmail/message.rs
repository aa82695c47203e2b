//! Reading Gmail message resources (`format=full` / `metadata`): decoded
//! headers, a readable body, the attachment list, dates, base64url data.

use base64::{
    Engine,
    alphabet::URL_SAFE,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use mail_parser::{HeaderValue, parsers::MessageStream};
use rmcp::schemars;
use serde::Serialize;
use serde_json::Value;

use crate::google::api::ApiError;

/// Decodes base64url (or standard base64) with or without padding, as Gmail
/// sends attachment and body data.
pub fn decode_base64(data: &str) -> Option<Vec<u8>> {
    let engine = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let cleaned: String = data
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    engine.decode(cleaned).ok()
}

/// Decodes RFC 2047 encoded words, should a header value still carry them.
pub fn decode_header(value: &str) -> String {
    if !value.contains("=?") {
        return value.trim().to_owned();
    }
    let raw = format!("{value}\r\n");
    match MessageStream::new(raw.as_bytes()).parse_unstructured() {
        HeaderValue::Text(t) => t.trim().to_owned(),
        HeaderValue::TextList(list) => list.join(" ").trim().to_owned(),
        _ => value.trim().to_owned(),
    }
}

/// The decoded value of header `name` of a payload part (case-insensitive).
pub fn header(part: &Value, name: &str) -> String {
    part["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|h| h["value"].as_str())
        .map(decode_header)
        .unwrap_or_default()
}

/// `internalDate` (milliseconds since the epoch, as a string) in RFC 3339 (UTC).
pub fn internal_date(message: &Value) -> String {
    let ms = message["internalDate"]
        .as_str()
        .and_then(|s| s.parse::<i64>().ok())
        .or_else(|| message["internalDate"].as_i64());
    ms.and_then(|ms| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
    })
    .and_then(|d| {
        d.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .unwrap_or_default()
}

pub fn label_ids(message: &Value) -> Vec<String> {
    message["labelIds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect()
}

pub fn str_field(v: &Value, name: &str) -> String {
    v[name].as_str().unwrap_or_default().to_owned()
}

/// One attachment of a message.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AttachmentInfo {
    /// Pass to gmail_get_attachment with the message id.
    pub attachment_id: String,
    pub filename: String,
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// Where a body part's bytes are.
pub enum PartData {
    Inline(Vec<u8>),
    /// Large bodies Gmail leaves out of the message resource.
    Attachment(String),
}

/// A text body found in the part tree.
pub struct TextPart {
    pub data: PartData,
    pub charset: Option<String>,
}

/// The bodies and attachments of a `format=full` payload.
#[derive(Default)]
pub struct Parts {
    pub plain: Option<TextPart>,
    pub html: Option<TextPart>,
    pub attachments: Vec<AttachmentInfo>,
}

fn charset_of(part: &Value) -> Option<String> {
    let ct = header(part, "Content-Type");
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Walks the part tree in document order: the first plain and HTML bodies
/// that are not attachments, and every part with a filename.
pub fn parts(payload: &Value) -> Parts {
    let mut out = Parts::default();
    walk(payload, &mut out);
    out
}

fn walk(part: &Value, out: &mut Parts) {
    let mime = part["mimeType"].as_str().unwrap_or("").to_ascii_lowercase();
    if let Some(children) = part["parts"].as_array() {
        for child in children {
            walk(child, out);
        }
        return;
    }
    let filename = part["filename"].as_str().unwrap_or("");
    let body = &part["body"];
    let attachment_id = body["attachmentId"].as_str();
    let disposition = header(part, "Content-Disposition").to_ascii_lowercase();
    if !filename.is_empty() || disposition.starts_with("attachment") {
        if let Some(id) = attachment_id {
            out.attachments.push(AttachmentInfo {
                attachment_id: id.to_owned(),
                filename: if filename.is_empty() {
                    "attachment".into()
                } else {
                    filename.to_owned()
                },
                mime_type: mime,
                size: body["size"].as_u64().unwrap_or(0),
            });
        }
        return;
    }
    let slot = match mime.as_str() {
        "text/plain" => &mut out.plain,
        "text/html" => &mut out.html,
        _ => return,
    };
    if slot.is_some() {
        return;
    }
    let data = if let Some(d) = body["data"].as_str() {
        PartData::Inline(decode_base64(d).unwrap_or_default())
    } else if let Some(id) = attachment_id {
        PartData::Attachment(id.to_owned())
    } else {
        PartData::Inline(Vec::new())
    };
    *slot = Some(TextPart {
        data,
        charset: charset_of(part),
    });
}

/// Bytes of a text part as a string: UTF-8 when valid, else the declared charset.
pub fn to_string(bytes: &[u8], charset: Option<&str>) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    charset
        .and_then(|c| mail_parser::decoders::charsets::map::charset_decoder(c.as_bytes()))
        .map(|decode| decode(bytes))
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}

/// HTML as readable text; links stay as numbered references with their URLs.
pub fn html_to_text(html: &str) -> String {
    html2text::config::plain()
        .link_footnotes(true)
        .string_from_read(html.as_bytes(), 100)
        .unwrap_or_else(|_| html.to_owned())
}

/// Drops quoted lines (`> ...`) and the "On ... wrote:" line before them.
pub fn without_quotes(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with('>') {
            continue;
        }
        let next_quoted = lines[i + 1..]
            .iter()
            .find(|n| !n.trim().is_empty())
            .is_some_and(|n| n.trim_start().starts_with('>'));
        if next_quoted && l.trim_end().ends_with("wrote:") {
            continue;
        }
        out.push(l);
    }
    let joined = out.join("\n");
    joined.trim_end().to_owned()
}

/// Cuts `text` to `limit` characters; returns whether it was cut.
pub fn cut(text: &mut String, limit: usize) -> bool {
    let total = text.chars().count();
    if total <= limit {
        return false;
    }
    let keep: String = text.chars().take(limit).collect();
    *text = format!("{keep}\n[body cut at {limit} of {total} characters]");
    true
}

/// Whether a MIME type is shown as text.
pub fn is_text_type(mime: &str) -> bool {
    let m = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m.starts_with("text/")
        || matches!(
            m.as_str(),
            "application/json"
                | "application/xml"
                | "application/csv"
                | "application/x-csv"
                | "application/yaml"
                | "application/x-yaml"
                | "application/javascript"
                | "application/x-ndjson"
        )
        || m.ends_with("+json")
        || m.ends_with("+xml")
}

/// A 404 (or Gmail's 400 for a malformed id) as "no such `what`".
pub fn not_found(e: ApiError, what: &str, id: &str) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound(format!("{what} {id} in this mailbox")),
        ApiError::BadRequest(m) if m.to_ascii_lowercase().contains("invalid id") => {
            ApiError::NotFound(format!("{what} {id} in this mailbox"))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64url_with_or_without_padding() {
        assert_eq!(decode_base64("aGk").unwrap(), b"hi");
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode_base64("+/8=").unwrap(), vec![0xfb, 0xff]);
    }

    #[test]
    fn encoded_words_are_decoded() {
        assert_eq!(decode_header("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?="), "Grüße");
        assert_eq!(decode_header("plain"), "plain");
    }

    #[test]
    fn parts_prefer_bodies_and_list_attachments() {
        let payload = json!({"mimeType": "multipart/mixed", "parts": [
            {"mimeType": "multipart/alternative", "parts": [
                {"mimeType": "text/plain", "filename": "", "body": {"data": "aGk", "size": 2}},
                {"mimeType": "text/html", "filename": "", "body": {"data": "PGI-aGk8L2I-", "size": 9}}
            ]},
            {"mimeType": "text/plain", "filename": "a.txt", "body": {"attachmentId": "A1", "size": 5}}
        ]});
        let p = parts(&payload);
        assert!(matches!(p.plain.unwrap().data, PartData::Inline(ref b) if b == b"hi"));
        assert!(p.html.is_some());
        assert_eq!(p.attachments.len(), 1);
        assert_eq!(p.attachments[0].filename, "a.txt");
    }

    #[test]
    fn html_keeps_links() {
        let t = html_to_text("<p>See the <a href=\"https://x.example/doc\">doc</a></p>");
        assert!(t.contains("doc"), "{t}");
        assert!(t.contains("https://x.example/doc"), "{t}");
    }

    #[test]
    fn quotes_are_dropped() {
        let t = "Sure.\n\nOn Mon, Ann wrote:\n> old\n> text\n";
        assert_eq!(without_quotes(t), "Sure.");
    }

    #[test]
    fn text_types() {
        assert!(is_text_type("text/csv"));
        assert!(is_text_type("application/json; charset=utf-8"));
        assert!(is_text_type("application/vnd.api+json"));
        assert!(!is_text_type("application/pdf"));
        assert!(!is_text_type("image/png"));
    }
}
