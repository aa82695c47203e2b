//! Gmail messages (crates/gateway/src/tools/gmail/): what gmail_send and
//! gmail_create_draft build (compose.rs) parses back with the same
//! recipients, subject, body and attachments, and carries no header an
//! argument smuggled in; reading arbitrary Gmail message resources,
//! encoded words, base64 and address lists (message.rs, compose.rs) never
//! panics.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mail_parser::{Address, MessageParser};
use mcp_gateway::{
    fuzzing::{
        gmail_compose, gmail_cut, gmail_decode_base64, gmail_decode_header, gmail_parse_address,
        gmail_read, gmail_split_addresses,
    },
    tools::gmail::{AttachmentArg, BodyFormat, ComposeArgs},
};
use serde_json::{Value, json};

#[derive(Debug, Arbitrary)]
enum Addr {
    Raw(String),
    /// `local@domain.example`, with a display name or without.
    Built {
        name: Option<String>,
        local: u32,
        domain: u8,
    },
}

impl Addr {
    fn text(&self) -> String {
        match self {
            Addr::Raw(s) => s.clone(),
            Addr::Built {
                name,
                local,
                domain,
            } => {
                let addr = format!("u{local}.x@d{}.example", domain % 8);
                match name {
                    Some(n) => format!("{n} <{addr}>"),
                    None => addr,
                }
            }
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Attachment {
    filename: String,
    mime_type: Option<String>,
    content: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
struct Reply {
    thread_id: String,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    to: Vec<Addr>,
    cc: Vec<Addr>,
    bcc: Vec<Addr>,
    subject: Option<String>,
    body: String,
    markdown: bool,
    attachments: Vec<Attachment>,
    reply: Option<Reply>,
    sender: Option<String>,
    /// A Gmail message resource, as JSON text.
    resource: String,
    limit: u16,
}

fn addresses(list: &[Addr]) -> Vec<String> {
    list.iter().map(Addr::text).collect()
}

/// The addresses of a parsed header.
fn parsed_addresses(a: Option<&Address>) -> Vec<String> {
    a.into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address().map(str::to_owned))
        .collect()
}

fuzz_target!(|input: Input| {
    let args = ComposeArgs {
        to: addresses(&input.to),
        cc: addresses(&input.cc),
        bcc: addresses(&input.bcc),
        subject: input.subject.clone(),
        body: input.body.clone(),
        body_format: if input.markdown {
            BodyFormat::Markdown
        } else {
            BodyFormat::Plain
        },
        attachments: input
            .attachments
            .iter()
            .map(|a| AttachmentArg {
                filename: a.filename.clone(),
                mime_type: a
                    .mime_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into()),
                content_base64: base64_encode(&a.content),
            })
            .collect(),
        reply_to_message_id: input.reply.as_ref().map(|_| "18c0ffee".into()),
        ..Default::default()
    };
    let original = input.reply.as_ref().map(|r| {
        let headers: Vec<Value> = r
            .headers
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect();
        json!({"threadId": r.thread_id, "payload": {"headers": headers}})
    });

    // Every recipient argument is checked: a bad one refuses the message.
    let all: Vec<&String> = args.to.iter().chain(&args.cc).chain(&args.bcc).collect();
    let parsed: Vec<Option<(Option<String>, String)>> =
        all.iter().map(|a| gmail_parse_address(a)).collect();
    for (raw, p) in all.iter().zip(&parsed) {
        if let Some((name, addr)) = p {
            assert_eq!(addr.matches('@').count(), 1, "{raw:?}");
            assert!(
                !addr.chars().any(|c| c.is_whitespace() || c.is_control()),
                "{raw:?}"
            );
            assert!(
                !name
                    .as_deref()
                    .is_some_and(|n| n.chars().any(char::is_control))
            );
        }
    }

    match gmail_compose(&args, original.as_ref(), input.sender.as_deref()) {
        Err(_) => {}
        Ok(m) => {
            assert!(
                parsed.iter().all(Option::is_some),
                "a bad address was accepted"
            );
            let message = MessageParser::default()
                .parse(&m.raw)
                .expect("a built message parses");
            // The recipients are those given (or the original's sender).
            let mut back = parsed_addresses(message.to());
            back.extend(parsed_addresses(message.cc()));
            back.extend(parsed_addresses(message.bcc()));
            // (mail-parser decodes `=?…?=` even inside quoted strings, which
            // RFC 2047 section 5 forbids, and can run one across two names:
            // with such a display name it may lose an address.)
            let encoded_like_name = parsed.iter().flatten().any(|(n, _)| {
                n.as_deref()
                    .is_some_and(|n| n.contains("=?") || n.contains("?="))
            });
            if !encoded_like_name {
                assert_eq!(back, m.recipients, "{}", String::from_utf8_lossy(&m.raw));
            }
            if !args.to.is_empty() {
                let given: Vec<String> = parsed.iter().flatten().map(|(_, a)| a.clone()).collect();
                assert_eq!(m.recipients, given);
            }
            // The subject reads back as built (up to runs of white space,
            // which mail-parser folds into one where the header was folded).
            let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(
                message.subject().map(words),
                Some(words(&m.subject)),
                "{}",
                String::from_utf8_lossy(&m.raw)
            );
            assert!(!m.subject.contains(['\r', '\n']));
            // No argument adds a header.
            for h in message.headers() {
                let name = h.name().to_ascii_lowercase();
                assert!(
                    matches!(
                        name.as_str(),
                        "to" | "cc"
                            | "bcc"
                            | "subject"
                            | "message-id"
                            | "date"
                            | "mime-version"
                            | "content-type"
                            | "content-transfer-encoding"
                            | "in-reply-to"
                            | "references"
                    ),
                    "unexpected header {name}: {}",
                    String::from_utf8_lossy(&m.raw)
                );
            }
            assert_eq!(message.message_id(), Some(m.message_id.as_str()));
            assert_eq!(message.attachment_count(), args.attachments.len());
            for (i, a) in input.attachments.iter().enumerate() {
                let part = message.attachment(i as u32).expect("the attachment");
                // mail-parser decodes text/* parts into UTF-8 by their charset:
                // only other types come back byte for byte.
                let mime = args.attachments[i].mime_type.trim().to_ascii_lowercase();
                if !mime.starts_with("text/") {
                    assert_eq!(part.contents(), &a.content[..], "attachment {i} ({mime})");
                }
            }
            // The plain-text body reads back (line ends as CRLF or LF).
            let text = message.body_text(0).unwrap_or_default();
            let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_owned();
            if !args.body.contains('\r') {
                assert_eq!(
                    norm(&text),
                    norm(&args.body),
                    "{}",
                    String::from_utf8_lossy(&m.raw)
                );
            }
        }
    }

    // Address lists split into trimmed, non-empty entries.
    let joined = args.to.join(", ");
    for a in gmail_split_addresses(&joined) {
        assert!(!a.is_empty() && a == a.trim());
    }

    // Reading what Gmail answers: any resource, never a panic.
    let _ = gmail_decode_header(&input.resource);
    let _ = gmail_decode_base64(&input.resource);
    if let Ok(resource) = serde_json::from_str::<Value>(&input.resource) {
        let _ = gmail_read(&resource);
    }
    let mut text = input.body.clone();
    let total = text.chars().count();
    let limit = usize::from(input.limit);
    let cut = gmail_cut(&mut text, limit);
    assert_eq!(cut, total > limit);
    if cut {
        assert!(text.starts_with(&input.body.chars().take(limit).collect::<String>()));
    } else {
        assert_eq!(text, input.body);
    }
});

fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
