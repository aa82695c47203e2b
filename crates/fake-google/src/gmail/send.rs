//! `users.messages.send` (JSON `raw` or media upload), threading and delivery
//! to recipients who are users of this fake.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::authorize;
use super::messages::brief;
use super::mime::{self, MessageInfo};
use super::store::Mailbox;
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, now_ms, ok_json};

/// base64url with or without padding (standard-alphabet input is accepted too).
pub(crate) fn decode_raw(raw: &str) -> Result<Vec<u8>, ApiError> {
    let engine = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    engine
        .decode(cleaned)
        .map_err(|_| ApiError::invalid_argument("Invalid value for ByteString: raw"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct MessageBody {
    pub raw: Option<String>,
    pub thread_id: Option<String>,
}

/// Adds the headers Gmail adds when a client leaves them out (From, Date, Message-ID).
pub(crate) fn complete_headers(raw: &[u8], caller: &Caller) -> Vec<u8> {
    let info = mime::analyze(raw, "").unwrap_or_default();
    let mut extra = String::new();
    if info.from.is_empty() {
        extra.push_str(&format!("From: {} <{}>\r\n", caller.name, caller.email));
    }
    if info.date_ms.is_none() {
        extra.push_str(&format!("Date: {}\r\n", chrono::Utc::now().to_rfc2822()));
    }
    if info.message_id.is_none() {
        let digest = Sha256::digest([raw, &now_ms().to_be_bytes()].concat());
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18]);
        extra.push_str(&format!("Message-ID: <CA+{token}@mail.gmail.com>\r\n"));
    }
    let mut out = extra.into_bytes();
    out.extend_from_slice(raw);
    out
}

fn base_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let Some(prefix) = ["re:", "fwd:", "fw:", "aw:", "wg:", "sv:"]
            .iter()
            .find(|p| lower.starts_with(*p))
        else {
            return lower;
        };
        s = s[prefix.len()..].trim_start();
    }
}

/// Gmail's rule: the message joins `thread_id` only when its References or
/// In-Reply-To name a message of that thread and the subjects match.
pub(crate) fn resolve_thread(
    mb: &Mailbox,
    thread_id: Option<&str>,
    info: &MessageInfo,
) -> Result<Option<String>, ApiError> {
    let Some(thread_id) = thread_id.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let thread = mb.thread(thread_id);
    if thread.is_empty() {
        return Err(ApiError::invalid_argument("Invalid thread_id value"));
    }
    let referenced = thread.iter().any(|m| {
        m.info
            .message_id
            .as_ref()
            .is_some_and(|id| info.references.contains(id))
    });
    let same_subject = thread
        .iter()
        .any(|m| base_subject(&m.info.subject) == base_subject(&info.subject));
    Ok((referenced && same_subject).then(|| thread_id.to_string()))
}

/// Addresses in To, Cc and Bcc.
pub(crate) fn recipients(raw: &[u8]) -> Vec<String> {
    let Some(message) = mime::parse(raw) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for list in [message.to(), message.cc(), message.bcc()]
        .into_iter()
        .flatten()
    {
        for addr in list.iter() {
            if let Some(a) = addr.address() {
                let a = a.to_ascii_lowercase();
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// Sends `raw` as the caller: stores it as SENT, records it, delivers it to
/// recipients known to this fake. Returns `{id, threadId, labelIds}`.
pub(crate) fn deliver(
    fake: &FakeGoogle,
    caller: &Caller,
    raw: Vec<u8>,
    thread_id: Option<&str>,
    replace_draft: Option<&str>,
) -> Result<Value, ApiError> {
    let to = recipients(&raw);
    if to.is_empty() {
        return Err(ApiError::invalid_argument("Recipient address required"));
    }
    let raw = complete_headers(&raw, caller);
    let info = mime::analyze(&raw, "")
        .ok_or_else(|| ApiError::invalid_argument("Invalid RFC822 message"))?;
    let to_self = to.contains(&caller.email);
    let sent = fake.with_mailbox(&caller.email, |mb| {
        let thread = resolve_thread(mb, thread_id, &info)?;
        if let Some(draft_id) = replace_draft {
            let message_id = mb
                .drafts
                .iter()
                .find(|d| d.id == draft_id)
                .map(|d| d.message_id.clone());
            mb.drafts.retain(|d| d.id != draft_id);
            if let Some(message_id) = message_id {
                mb.messages.retain(|m| m.id != message_id);
            }
        }
        let labels: &[&str] = if to_self {
            &["SENT", "INBOX", "UNREAD"]
        } else {
            &["SENT"]
        };
        let stored = mb
            .insert(raw.clone(), labels, thread, Some(now_ms()))
            .ok_or_else(|| ApiError::invalid_argument("Invalid RFC822 message"))?;
        Ok::<_, ApiError>(brief(stored))
    })?;
    fake.with_data(|d| {
        d.sent
            .entry(caller.email.clone())
            .or_default()
            .push(raw.clone());
    });
    for address in to.iter().filter(|a| **a != caller.email) {
        if fake.knows(address) {
            fake.with_mailbox(address, |mb| {
                let thread = mb.thread_of_message_ids(&info.references);
                mb.insert(
                    raw.clone(),
                    &["INBOX", "UNREAD", "CATEGORY_PERSONAL"],
                    thread,
                    Some(now_ms()),
                );
            });
        }
    }
    Ok(sent)
}

/// `POST /gmail/v1/users/{userId}/messages/send` with `{"raw": base64url, "threadId"?}`
pub(crate) async fn send(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.send")?;
    let body: MessageBody = json_body(&body)?;
    let Some(raw) = body.raw.as_deref().filter(|r| !r.is_empty()) else {
        return Err(ApiError::invalid_argument(
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
        ));
    };
    let raw = decode_raw(raw)?;
    let out = deliver(&fake, &caller, raw, body.thread_id.as_deref(), None)?;
    Ok(ok_json(&out))
}

/// `POST /upload/gmail/v1/users/{userId}/messages/send?uploadType=media` with a `message/rfc822` body
pub(crate) async fn send_upload(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.messages.send")?;
    let params = Params::parse(query.as_deref());
    if params.get("uploadType") != Some("media") {
        return Err(ApiError::bad_request(
            "Only uploadType=media is supported by this server",
        ));
    }
    let out = deliver(&fake, &caller, body.to_vec(), params.get("threadId"), None)?;
    Ok(ok_json(&out))
}
