//! Reading RFC 2822 messages (with `mail-parser`) into Gmail's shapes: the
//! `payload` part tree, decoded headers, snippets and the facts search needs.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use mail_parser::decoders::html::html_to_text;
use mail_parser::parsers::MessageStream;
use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// An attachment of a stored message.
#[derive(Debug, Clone)]
pub struct AttachmentRef {
    pub id: String,
    pub part_id: String,
    pub filename: String,
    pub mime_type: String,
}

/// What list, search and threading need to know about a message.
#[derive(Debug, Clone, Default)]
pub struct MessageInfo {
    pub subject: String,
    pub from: String,
    /// To, Cc and Bcc (decoded header values joined).
    pub recipients: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub message_id: Option<String>,
    /// Message-IDs named by In-Reply-To and References.
    pub references: Vec<String>,
    pub snippet: String,
    /// Lowercased plain text of the body, for free-text search.
    pub text: String,
    pub attachments: Vec<AttachmentRef>,
    /// The Date header, in milliseconds since the epoch.
    pub date_ms: Option<i64>,
}

/// Decodes a raw header value: unfolds lines and RFC 2047 encoded words, as
/// Gmail shows header values.
fn decode_value(raw: &[u8]) -> String {
    let mut owned = raw.to_vec();
    if !owned.ends_with(b"\n") {
        owned.extend_from_slice(b"\r\n");
    }
    let decoded = match MessageStream::new(&owned).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        HeaderValue::TextList(list) => list.join(" "),
        _ => String::new(),
    };
    decoded.trim().to_string()
}

/// `(name, decoded value)` of each header of a part, in order.
pub fn part_headers(raw: &[u8], part: &MessagePart) -> Vec<(String, String)> {
    part.headers
        .iter()
        .map(|h| {
            let start = (h.offset_start as usize).min(raw.len());
            let end = (h.offset_end as usize).clamp(start, raw.len());
            (h.name.as_str().to_string(), decode_value(&raw[start..end]))
        })
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn mime_type(part: &MessagePart) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None if part.is_multipart() => "multipart/mixed".into(),
        None => "text/plain".into(),
    }
}

fn filename(part: &MessagePart) -> String {
    part.attachment_name().unwrap_or_default().to_string()
}

/// The decoded body bytes of a leaf part.
fn contents(part: &MessagePart) -> Vec<u8> {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
        PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
        PartType::Message(m) => m.raw_message().to_vec(),
        PartType::Multipart(_) => Vec::new(),
    }
}

pub fn attachment_id(message_id: &str, part_id: &str) -> String {
    let digest = Sha256::digest(format!("{message_id}/{part_id}").as_bytes());
    format!("ANGjdJ{}", URL_SAFE_NO_PAD.encode(digest))
}

/// Walks the part tree: `(part index, Gmail partId)` in document order.
fn walk(message: &Message, index: u32, part_id: String, out: &mut Vec<(u32, String)>) {
    out.push((index, part_id.clone()));
    if let Some(PartType::Multipart(children)) = message.part(index).map(|p| &p.body) {
        for (n, child) in children.iter().enumerate() {
            let id = if part_id.is_empty() {
                n.to_string()
            } else {
                format!("{part_id}.{n}")
            };
            walk(message, *child, id, out);
        }
    }
}

pub fn parse(raw: &[u8]) -> Option<Message<'_>> {
    MessageParser::default().parse(raw)
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Message-IDs in a References/In-Reply-To value.
fn ids_in(value: &str) -> Vec<String> {
    value
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|s| s.trim_matches(|c| c == '<' || c == '>'))
        .filter(|s| s.contains('@'))
        .map(str::to_string)
        .collect()
}

/// Reads what the store needs from a raw message; `None` when it has no headers.
pub fn analyze(raw: &[u8], message_id: &str) -> Option<MessageInfo> {
    let message = parse(raw)?;
    let root = message.part(0)?;
    let headers = part_headers(raw, root);
    let get = |name| header(&headers, name).unwrap_or_default().to_string();
    let mut info = MessageInfo {
        subject: get("Subject"),
        from: get("From"),
        to: get("To"),
        cc: get("Cc"),
        bcc: get("Bcc"),
        message_id: message.message_id().map(str::to_string),
        date_ms: message.date().map(|d| d.to_timestamp() * 1000),
        ..MessageInfo::default()
    };
    info.recipients = [info.to.as_str(), &info.cc, &info.bcc].join(", ");
    for name in ["In-Reply-To", "References"] {
        if let Some(value) = header(&headers, name) {
            for id in ids_in(value) {
                if !info.references.contains(&id) {
                    info.references.push(id);
                }
            }
        }
    }
    let body_text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .or_else(|| message.body_html(0).map(|h| html_to_text(&h)))
        .unwrap_or_default();
    let collapsed = collapse(&body_text);
    let snippet: String = collapsed.chars().take(200).collect();
    info.snippet = html_escape(snippet.trim_end());
    info.text = collapsed.to_lowercase();
    let mut parts = Vec::new();
    walk(&message, 0, String::new(), &mut parts);
    for (index, part_id) in parts {
        let Some(part) = message.part(index) else {
            continue;
        };
        let name = filename(part);
        if name.is_empty() || part.is_multipart() {
            continue;
        }
        info.attachments.push(AttachmentRef {
            id: attachment_id(message_id, &part_id),
            part_id,
            filename: name,
            mime_type: mime_type(part),
        });
    }
    Some(info)
}

/// Headers of the root part (for `format=metadata`), filtered by name when `only` is not empty.
pub fn root_headers(raw: &[u8], only: &[&str]) -> Vec<(String, String)> {
    let Some(message) = parse(raw) else {
        return Vec::new();
    };
    let Some(root) = message.part(0) else {
        return Vec::new();
    };
    part_headers(raw, root)
        .into_iter()
        .filter(|(n, _)| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(n)))
        .collect()
}

fn headers_json(headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect(),
    )
}

/// `payload` of a message in `format=metadata`.
pub fn metadata_payload(raw: &[u8], only: &[&str]) -> Value {
    let mime = parse(raw)
        .and_then(|m| m.part(0).map(mime_type))
        .unwrap_or_else(|| "text/plain".into());
    json!({ "mimeType": mime, "headers": headers_json(&root_headers(raw, only)) })
}

/// `payload` of a message in `format=full`: the whole part tree.
pub fn full_payload(raw: &[u8], message_id: &str) -> Value {
    let Some(message) = parse(raw) else {
        return json!({ "partId": "", "mimeType": "text/plain", "filename": "", "headers": [], "body": { "size": 0 } });
    };
    part_json(raw, &message, 0, String::new(), message_id)
}

fn part_json(raw: &[u8], message: &Message, index: u32, part_id: String, msg_id: &str) -> Value {
    let Some(part) = message.part(index) else {
        return json!({});
    };
    let name = filename(part);
    let mut out = json!({
        "partId": part_id,
        "mimeType": mime_type(part),
        "filename": name,
        "headers": headers_json(&part_headers(raw, part)),
    });
    match &part.body {
        PartType::Multipart(children) => {
            out["body"] = json!({ "size": 0 });
            let parts: Vec<Value> = children
                .iter()
                .enumerate()
                .map(|(n, child)| {
                    let id = if part_id.is_empty() {
                        n.to_string()
                    } else {
                        format!("{part_id}.{n}")
                    };
                    part_json(raw, message, *child, id, msg_id)
                })
                .collect();
            out["parts"] = Value::Array(parts);
        }
        _ => {
            let bytes = contents(part);
            out["body"] = if !name.is_empty() {
                json!({ "attachmentId": attachment_id(msg_id, &part_id), "size": bytes.len() })
            } else if bytes.is_empty() {
                json!({ "size": 0 })
            } else {
                json!({ "size": bytes.len(), "data": URL_SAFE.encode(&bytes) })
            };
        }
    }
    out
}

/// The decoded bytes of the part with Gmail part id `part_id`.
pub fn part_bytes(raw: &[u8], part_id: &str) -> Option<Vec<u8>> {
    let message = parse(raw)?;
    let mut parts = Vec::new();
    walk(&message, 0, String::new(), &mut parts);
    let (index, _) = parts.into_iter().find(|(_, id)| id == part_id)?;
    message.part(index).map(contents)
}
