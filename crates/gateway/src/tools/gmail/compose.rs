//! Building an RFC 2822 message for `gmail_send` and `gmail_create_draft`:
//! checked recipients, RFC 2047 headers (by `mail-builder`), Markdown as
//! multipart/alternative, attachments, reply threading.

use mail_builder::{
    MessageBuilder,
    headers::{address::Address, message_id::MessageId, raw::Raw},
};
use rmcp::schemars;
use serde::Deserialize;

use super::{
    gmail_path,
    message::{decode_base64, header, not_found, str_field},
};
use crate::{
    google::api::{GoogleApi, api_url},
    tools::{ToolCtx, ToolError, ToolResult},
};

/// Most recipients (To, Cc and Bcc together) of one message.
pub const MAX_RECIPIENTS: usize = 100;
/// Largest total size of the attachments of one message (decoded).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 500_000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// Plain text, sent as is.
    #[default]
    Plain,
    /// Markdown, sent as HTML with the Markdown source as the plain-text alternative.
    Markdown,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentArg {
    pub filename: String,
    pub mime_type: String,
    /// Standard or URL-safe base64.
    pub content_base64: String,
}

#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComposeArgs {
    /// `a@x.com` or `Name <a@x.com>`; at most 100 recipients with cc and bcc. Empty when
    /// replying: the original sender.
    #[serde(default, deserialize_with = "one_or_many")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub cc: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub bcc: Vec<String>,
    /// Required unless replying (then the original's, with `Re: `).
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
    /// Default plain; markdown is sent as HTML with a plain-text alternative.
    #[serde(default)]
    pub body_format: BodyFormat,
    /// At most 10 MB in all.
    #[serde(default)]
    pub attachments: Vec<AttachmentArg>,
    /// A message id to reply to: the new message joins its thread.
    #[serde(default)]
    pub reply_to_message_id: Option<String>,
    /// Only once the person approved.
    #[serde(default)]
    pub confirm: bool,
    /// A verified send-as address.
    #[serde(default)]
    pub from: Option<String>,
}

/// A list of addresses, also accepted as one string (`"a@x.com, b@y.com"`).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::Many(v) => v,
        OneOrMany::One(s) => split_addresses(&s),
    })
}

/// Splits `a@x.com, Name <b@y.com>` at commas outside quotes and angle brackets.
pub(crate) fn split_addresses(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, mut quoted, mut angle) = (String::new(), false, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' => angle = true,
            '>' => angle = false,
            ',' | ';' if !quoted && !angle => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect()
}

/// A built message, ready for `raw`.
pub struct Composed {
    pub raw: Vec<u8>,
    pub thread_id: Option<String>,
    /// Our Message-ID, without angle brackets.
    pub message_id: String,
    pub subject: String,
    pub recipients: Vec<String>,
    /// Bytes of the attachments, decoded.
    pub attachment_bytes: u64,
}

/// `(display name, address)` from `a@b.c` or `Name <a@b.c>`.
pub fn parse_address(s: &str) -> Option<(Option<String>, String)> {
    let s = s.trim();
    let (name, addr) = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => {
            let name = s[..i].trim().trim_matches('"').trim();
            (
                (!name.is_empty()).then(|| name.to_owned()),
                &s[i + 1..s.len() - 1],
            )
        }
        _ => (None, s),
    };
    let addr = addr.trim();
    let (local, domain) = addr.split_once('@')?;
    let bad = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"@\\".contains(c);
    if local.is_empty()
        || domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || local.chars().any(bad)
        || domain.chars().any(bad)
        || addr.len() > 254
    {
        return None;
    }
    if name
        .as_deref()
        .is_some_and(|n| n.chars().any(char::is_control))
    {
        return None;
    }
    Some((name, addr.to_owned()))
}

fn addresses(field: &str, list: &[String]) -> ToolResult<Vec<(Option<String>, String)>> {
    list.iter()
        .map(|s| {
            parse_address(s).ok_or_else(|| {
                ToolError::invalid(
                    field,
                    format!(
                        "{s:?} is not an email address (use a@example.com or Name <a@example.com>)"
                    ),
                )
            })
        })
        .collect()
}

fn address_header(list: Vec<(Option<String>, String)>) -> Address<'static> {
    Address::new_list(
        list.into_iter()
            .map(|(n, a)| Address::new_address(n, a))
            .collect(),
    )
}

fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` as RFC 2047 encoded words (UTF-8, base64), for a header whose text
/// holds `=?`: written as it is, a reader would decode that part as an
/// encoded word and show something else.
fn encoded_words(text: &str) -> String {
    use base64::Engine;
    let mut words = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        // 45 bytes make 60 base64 characters: each word within 75.
        let mut end = rest.len().min(45);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, tail) = rest.split_at(end);
        words.push(format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(piece)
        ));
        rest = tail;
    }
    words.join(" ")
}

/// Markdown as an HTML document body.
pub fn markdown_to_html(md: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = String::with_capacity(md.len() * 2);
    html::push_html(&mut out, Parser::new_ext(md, opts));
    format!("<html><body>\n{out}</body></html>\n")
}

fn has_re(subject: &str) -> bool {
    subject
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("re:"))
}

/// What a reply needs from the original message.
pub(crate) struct Original {
    thread_id: String,
    message_id: String,
    references: Vec<String>,
    subject: String,
    reply_to: String,
}

fn ids_in(value: &str) -> Vec<String> {
    value
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|s| s.trim_matches(|c| c == '<' || c == '>'))
        .filter(|s| s.contains('@'))
        .map(str::to_owned)
        .collect()
}

async fn original(ctx: &ToolCtx, api: &GoogleApi, id: &str) -> ToolResult<Original> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ToolError::invalid(
            "reply_to_message_id",
            format!("{id:?} is not a Gmail message id"),
        ));
    }
    let mut url = api_url(&api.bases.gmail, &gmail_path(&format!("/messages/{id}")));
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("format", "metadata");
        for h in ["Message-ID", "References", "Subject", "From", "Reply-To"] {
            q.append_pair("metadataHeaders", h);
        }
    }
    let m = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| not_found(e, "no message to reply to with id", id))?;
    Ok(Original::from_metadata(&m))
}

impl Original {
    /// Reads a Gmail message resource fetched with `format=metadata`.
    pub(crate) fn from_metadata(m: &serde_json::Value) -> Self {
        let p = &m["payload"];
        let reply_to = match header(p, "Reply-To") {
            r if r.is_empty() => header(p, "From"),
            r => r,
        };
        Self {
            thread_id: str_field(m, "threadId"),
            message_id: ids_in(&header(p, "Message-ID"))
                .into_iter()
                .next()
                .unwrap_or_default(),
            references: ids_in(&header(p, "References")),
            subject: header(p, "Subject"),
            reply_to,
        }
    }
}

/// A fresh Message-ID (without brackets) on the sender's domain, when that
/// is a host name (letters, digits, `-` and `.`): anything else would end up
/// in the header as it is.
pub fn new_message_id(sender: Option<&str>) -> String {
    let domain = sender
        .and_then(|s| s.rsplit_once('@'))
        .map(|(_, d)| d)
        .filter(|d| {
            !d.is_empty()
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
        .unwrap_or("mcp-gateway.local");
    format!("{}.mcp@{domain}", uuid::Uuid::new_v4().simple())
}

/// Checks the arguments and builds the message.
pub async fn compose(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ComposeArgs,
    sender: Option<&str>,
) -> ToolResult<Composed> {
    compose_with(
        args,
        sender,
        |id| async move { original(ctx, api, &id).await },
    )
    .await
}

/// [`compose`], with the message replied to read by `original` (given the
/// trimmed `reply_to_message_id`).
pub(crate) async fn compose_with<F, Fut>(
    args: &ComposeArgs,
    sender: Option<&str>,
    original: F,
) -> ToolResult<Composed>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ToolResult<Original>>,
{
    let mut to = addresses("to", &args.to)?;
    let cc = addresses("cc", &args.cc)?;
    let bcc = addresses("bcc", &args.bcc)?;
    if to.len() + cc.len() + bcc.len() > MAX_RECIPIENTS {
        return Err(ToolError::invalid(
            "to",
            format!("at most {MAX_RECIPIENTS} recipients in to, cc and bcc together"),
        ));
    }
    if to.is_empty() && args.reply_to_message_id.is_none() {
        return Err(ToolError::invalid("to", "at least one recipient is needed"));
    }
    if args.body.chars().count() > MAX_BODY_CHARS {
        return Err(ToolError::invalid(
            "body",
            format!("longer than {MAX_BODY_CHARS} characters"),
        ));
    }
    let mut files = Vec::with_capacity(args.attachments.len());
    let mut total = 0usize;
    for (i, a) in args.attachments.iter().enumerate() {
        let name = one_line(&a.filename);
        if name.is_empty() || name.len() > 255 || name.contains(['/', '\\']) {
            return Err(ToolError::invalid(
                &format!("attachments[{i}].filename"),
                "a plain file name is needed (no folders, at most 255 bytes)",
            ));
        }
        let mime = a.mime_type.trim().to_ascii_lowercase();
        let valid_mime = mime.split_once('/').is_some_and(|(t, s)| {
            !t.is_empty()
                && !s.is_empty()
                && mime
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/.+-_".contains(c))
        });
        if !valid_mime {
            return Err(ToolError::invalid(
                &format!("attachments[{i}].mime_type"),
                format!("{:?} is not a MIME type like application/pdf", a.mime_type),
            ));
        }
        let data = decode_base64(&a.content_base64).ok_or_else(|| {
            ToolError::invalid(
                &format!("attachments[{i}].content_base64"),
                "not valid base64",
            )
        })?;
        total += data.len();
        if total > MAX_ATTACHMENT_BYTES {
            return Err(ToolError::invalid(
                "attachments",
                format!(
                    "together larger than {} MB",
                    MAX_ATTACHMENT_BYTES / (1024 * 1024)
                ),
            ));
        }
        files.push((name, mime, data));
    }
    let reply = match args.reply_to_message_id.as_deref() {
        Some(id) => Some(original(id.trim().to_owned()).await?),
        None => None,
    };
    let given = args.subject.as_deref().map(one_line).unwrap_or_default();
    let subject = match &reply {
        Some(o) => {
            let base = if given.is_empty() { &o.subject } else { &given };
            if has_re(base) {
                base.clone()
            } else {
                format!("Re: {base}")
            }
        }
        None if given.is_empty() => {
            return Err(ToolError::invalid(
                "subject",
                "a subject is needed for a new message",
            ));
        }
        None => given,
    };
    if to.is_empty()
        && let Some(o) = &reply
    {
        let first = o.reply_to.split(',').next().unwrap_or_default();
        match parse_address(first) {
            Some(a) => to.push(a),
            None => {
                return Err(ToolError::invalid(
                    "to",
                    "the original message has no sender to reply to; give `to`",
                ));
            }
        }
    }
    let recipients: Vec<String> = to
        .iter()
        .chain(&cc)
        .chain(&bcc)
        .map(|(_, a)| a.clone())
        .collect();
    let message_id = new_message_id(sender);
    let mut b = MessageBuilder::new().to(address_header(to));
    if let Some(from) = args.from.as_deref() {
        let (name, address) = parse_address(from).ok_or_else(|| {
            ToolError::invalid("from", format!("{from:?} is not an email address"))
        })?;
        b = b.from(Address::new_address(name, address));
    }
    b = if subject.contains("=?") {
        b.header("Subject", Raw::new(encoded_words(&subject)))
    } else {
        b.subject(subject.clone())
    };
    b = b.message_id(message_id.clone());
    if !cc.is_empty() {
        b = b.cc(address_header(cc));
    }
    if !bcc.is_empty() {
        b = b.bcc(address_header(bcc));
    }
    let mut thread_id = None;
    if let Some(o) = reply.filter(|o| !o.message_id.is_empty()) {
        let mut refs = o.references;
        if !refs.contains(&o.message_id) {
            refs.push(o.message_id.clone());
        }
        b = b
            .in_reply_to(o.message_id)
            .references(MessageId::new_list(refs.into_iter()));
        thread_id = Some(o.thread_id).filter(|t| !t.is_empty());
    }
    b = b.text_body(args.body.clone());
    if args.body_format == BodyFormat::Markdown {
        b = b.html_body(markdown_to_html(&args.body));
    }
    for (name, mime, data) in files {
        b = b.attachment(mime, name, data);
    }
    let raw = b
        .write_to_vec()
        .map_err(|e| ToolError::Refused(format!("the message could not be built: {e}")))?;
    Ok(Composed {
        raw,
        thread_id,
        message_id,
        subject,
        recipients,
        attachment_bytes: total as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_and_without_names() {
        assert_eq!(
            parse_address("a@b.example"),
            Some((None, "a@b.example".into()))
        );
        assert_eq!(
            parse_address("Zoë F <z@b.example>"),
            Some((Some("Zoë F".into()), "z@b.example".into()))
        );
        assert_eq!(parse_address("nope"), None);
        assert_eq!(parse_address("a b@c.example"), None);
        assert_eq!(parse_address("a@localhost"), None);
        assert_eq!(parse_address("x@y.example\r\nBcc: e@vil.example"), None);
    }

    #[test]
    fn address_lists_split_outside_quotes() {
        assert_eq!(
            split_addresses("a@x.example, \"Doe, Jane\" <j@y.example>;b@z.example"),
            vec!["a@x.example", "\"Doe, Jane\" <j@y.example>", "b@z.example"]
        );
    }

    #[test]
    fn markdown_becomes_html() {
        let h = markdown_to_html("# Hi\n\n**bold** and [a link](https://x.example)");
        assert!(h.contains("<h1>Hi</h1>"), "{h}");
        assert!(h.contains("<strong>bold</strong>"), "{h}");
        assert!(h.contains("href=\"https://x.example\""), "{h}");
    }

    /// Found by the `mime` fuzz target: a sender whose domain is not a host
    /// name (here a space) made a Message-ID that does not read back.
    #[test]
    fn message_ids_stay_on_a_host_name() {
        let id = new_message_id(Some("a@b.example"));
        assert!(id.ends_with(".mcp@b.example"), "{id}");
        for sender in ["x@ ", "x@", "x@b.example\r\nX-Injected: 1", "nobody"] {
            let id = new_message_id(Some(sender));
            assert!(id.ends_with(".mcp@mcp-gateway.local"), "{sender:?}: {id}");
        }
    }

    /// Found by the `mime` fuzz target: a subject holding `=?…?=` was
    /// written as it is and read back decoded, as another subject.
    #[test]
    fn subjects_that_look_encoded_read_back_as_written() {
        for subject in [
            "tUTF-8?Q?**=?UTF-7?Q?*)**\\9?=et",
            "=?UTF-8?B?SGk=?= and =?",
            &format!("{}=?é", "long ".repeat(30)),
        ] {
            let args = ComposeArgs {
                to: vec!["a@b.example".into()],
                subject: Some(subject.into()),
                body: "x".into(),
                ..ComposeArgs::default()
            };
            let never = |_: String| async { Err(ToolError::Refused("no reply".into())) };
            let c = futures::executor::block_on(compose_with(&args, None, never)).unwrap();
            let m = mail_parser::MessageParser::default().parse(&c.raw).unwrap();
            assert_eq!(
                m.subject(),
                Some(subject),
                "{}",
                String::from_utf8_lossy(&c.raw)
            );
        }
    }

    #[test]
    fn reply_prefix() {
        assert!(has_re("RE: x"));
        assert!(!has_re("Report"));
        assert!(!has_re("Ré"));
    }
}
