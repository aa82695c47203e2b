//! A small RFC 2822 / MIME writer for the seeded mail (RFC 2047 headers,
//! base64 bodies, multipart/alternative and multipart/mixed).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};

/// A mailbox for a header: display name and address.
#[derive(Debug, Clone)]
pub struct Addr {
    pub name: String,
    pub email: String,
}

impl Addr {
    pub fn new(name: &str, email: &str) -> Self {
        Addr {
            name: name.into(),
            email: email.into(),
        }
    }

    fn header(&self) -> String {
        if self.name.is_empty() {
            self.email.clone()
        } else if self.name.is_ascii() {
            format!("\"{}\" <{}>", self.name, self.email)
        } else {
            format!("{} <{}>", encode_word(&self.name), self.email)
        }
    }
}

pub enum Body {
    Plain(String),
    Html(String),
    Alternative(String, String),
}

pub struct Attachment {
    pub filename: String,
    pub mime_type: String,
    pub data: Vec<u8>,
}

pub struct Mail {
    pub from: Addr,
    pub to: Vec<Addr>,
    pub cc: Vec<Addr>,
    pub subject: String,
    pub date: DateTime<Utc>,
    pub message_id: String,
    /// Message-IDs (without angle brackets) this one replies to, oldest first.
    pub references: Vec<String>,
    pub body: Body,
    pub attachments: Vec<Attachment>,
}

/// An RFC 2047 encoded word (`=?UTF-8?B?…?=`) for non-ASCII text, split to keep lines short.
pub fn encode_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join("\r\n ")
}

fn base64_lines(data: &[u8]) -> String {
    let encoded = STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

fn text_part(subtype: &str, text: &str) -> String {
    if text.is_ascii() {
        format!(
            "Content-Type: text/{subtype}; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{}\r\n",
            text.replace('\n', "\r\n")
        )
    } else {
        format!(
            "Content-Type: text/{subtype}; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            base64_lines(text.replace('\n', "\r\n").as_bytes())
        )
    }
}

fn body_part(body: &Body, boundary: &str) -> String {
    match body {
        Body::Plain(text) => text_part("plain", text),
        Body::Html(html) => text_part("html", html),
        Body::Alternative(text, html) => format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n{}--{boundary}\r\n{}--{boundary}--\r\n",
            text_part("plain", text),
            text_part("html", html),
        ),
    }
}

fn attachment_part(a: &Attachment) -> String {
    let name = encode_word(&a.filename);
    format!(
        "Content-Type: {}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        a.mime_type,
        base64_lines(&a.data)
    )
}

fn addresses(list: &[Addr]) -> String {
    list.iter().map(Addr::header).collect::<Vec<_>>().join(", ")
}

impl Mail {
    /// The raw message with CRLF line ends.
    pub fn to_raw(&self) -> Vec<u8> {
        let mut out = String::new();
        out.push_str("MIME-Version: 1.0\r\n");
        out.push_str(&format!("Date: {}\r\n", self.date.to_rfc2822()));
        out.push_str(&format!("Message-ID: <{}>\r\n", self.message_id));
        if let Some(parent) = self.references.last() {
            out.push_str(&format!("In-Reply-To: <{parent}>\r\n"));
            let refs: Vec<String> = self.references.iter().map(|r| format!("<{r}>")).collect();
            out.push_str(&format!("References: {}\r\n", refs.join(" ")));
        }
        out.push_str(&format!("Subject: {}\r\n", encode_word(&self.subject)));
        out.push_str(&format!("From: {}\r\n", self.from.header()));
        out.push_str(&format!("To: {}\r\n", addresses(&self.to)));
        if !self.cc.is_empty() {
            out.push_str(&format!("Cc: {}\r\n", addresses(&self.cc)));
        }
        let tag: String = self
            .message_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
        if self.attachments.is_empty() {
            out.push_str(&body_part(&self.body, &format!("alt_{tag}")));
        } else {
            let mixed = format!("mixed_{tag}");
            out.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"{mixed}\"\r\n\r\n"
            ));
            out.push_str(&format!(
                "--{mixed}\r\n{}",
                body_part(&self.body, &format!("alt_{tag}"))
            ));
            for a in &self.attachments {
                out.push_str(&format!("--{mixed}\r\n{}", attachment_part(a)));
            }
            out.push_str(&format!("--{mixed}--\r\n"));
        }
        out.into_bytes()
    }
}
