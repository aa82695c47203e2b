//! `gmail_get_attachment`: text types as text, small binaries as an embedded
//! resource, large ones refused with their size.

use rmcp::{
    model::{ContentBlock, ResourceContents},
    schemars,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    gmail_path,
    message::{decode_base64, is_text_type, not_found, parts, to_string},
};
use crate::{
    google::api::{GoogleApi, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Rendered, bound, human_size},
};

/// Largest binary attachment returned (as an embedded resource).
pub const MAX_BINARY_BYTES: u64 = 1024 * 1024;
/// Largest text attachment read (its text is then cut to the output limit).
pub const MAX_TEXT_BYTES: u64 = 5 * 1024 * 1024;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetAttachmentArgs {
    pub message_id: String,
    /// `attachment_id` from gmail_read_message or gmail_read_thread.
    pub attachment_id: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AttachmentContent {
    pub message_id: String,
    pub filename: String,
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
    /// `text` (the content is in `text`) or `resource` (an embedded base64 resource in the result content).
    pub returned_as: String,
    /// The attachment's text, for text types (cut to the output limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Whether `text` was cut.
    pub truncated: bool,
}

/// Filename, MIME type and size of the attachment, from the message's part tree.
struct Meta {
    filename: String,
    mime_type: String,
    size: Option<u64>,
}

fn find_meta(message: &Value, attachment_id: &str) -> Option<Meta> {
    let list = parts(&message["payload"]).attachments;
    // Gmail may hand out a different attachment id on each read of a message,
    // so a single attachment is taken as the one asked for.
    let one = (list.len() == 1).then(|| list[0].clone());
    list.into_iter()
        .find(|a| a.attachment_id == attachment_id)
        .or(one)
        .map(|a| Meta {
            filename: a.filename,
            mime_type: a.mime_type,
            size: Some(a.size),
        })
}

fn check(args: &GetAttachmentArgs) -> ToolResult<()> {
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 2000
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !id_ok(&args.message_id) {
        return Err(ToolError::invalid("message_id", "not a Gmail message id"));
    }
    if !id_ok(&args.attachment_id) {
        return Err(ToolError::invalid(
            "attachment_id",
            "not an attachment id (take it from gmail_read_message)",
        ));
    }
    Ok(())
}

fn too_large(meta: &Meta, size: u64, limit: u64, kind: &str) -> ToolError {
    ToolError::Refused(format!(
        "The attachment {} ({}) is {} ({size} bytes); this gateway returns {kind} attachments up to {}. Open it in Gmail instead.",
        meta.filename,
        meta.mime_type,
        human_size(size),
        human_size(limit)
    ))
}

async fn fetch(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &GetAttachmentArgs,
) -> ToolResult<(AttachmentContent, Option<ContentBlock>)> {
    check(args)?;
    let mut url = api_url(
        &api.bases.gmail,
        &gmail_path(&format!("/messages/{}", args.message_id)),
    );
    url.query_pairs_mut().append_pair("format", "full");
    let message = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| not_found(e, "no message", &args.message_id))?;
    let meta = find_meta(&message, &args.attachment_id).unwrap_or(Meta {
        filename: "attachment".into(),
        mime_type: "application/octet-stream".into(),
        size: None,
    });
    let text = is_text_type(&meta.mime_type);
    let limit = if text {
        MAX_TEXT_BYTES
    } else {
        MAX_BINARY_BYTES
    };
    let kind = if text { "text" } else { "binary" };
    if let Some(size) = meta.size.filter(|s| *s > limit) {
        return Err(too_large(&meta, size, limit, kind));
    }
    let url = api_url(
        &api.bases.gmail,
        &gmail_path(&format!(
            "/messages/{}/attachments/{}",
            args.message_id, args.attachment_id
        )),
    );
    let body = api.get(&ctx.user, url).await.map_err(|e| match e {
        // Gmail's answer to an attachment id that is not the message's.
        crate::google::api::ApiError::BadRequest(m) if m.contains("attachment") => {
            crate::google::api::ApiError::NotFound(format!(
                "no attachment {} on message {}",
                args.attachment_id, args.message_id
            ))
        }
        e => not_found(e, "no attachment", &args.attachment_id),
    })?;
    let bytes = decode_base64(body["data"].as_str().unwrap_or_default()).ok_or_else(|| {
        ToolError::Api(crate::google::api::ApiError::Unavailable(
            "Gmail sent unreadable attachment data".into(),
        ))
    })?;
    let size = bytes.len() as u64;
    if size > limit {
        return Err(too_large(&meta, size, limit, kind));
    }
    let mut out = AttachmentContent {
        message_id: args.message_id.clone(),
        filename: meta.filename.clone(),
        mime_type: meta.mime_type.clone(),
        size,
        returned_as: kind.replace("binary", "resource"),
        text: None,
        truncated: false,
    };
    if text {
        let charset = meta.mime_type.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim() == "charset").then(|| v.trim().trim_matches('"').to_owned())
        });
        let full = to_string(&bytes, charset.as_deref());
        out.truncated = full.chars().count() > ctx.output_limit;
        out.text = Some(if out.truncated {
            bound(&full, ctx.output_limit)
        } else {
            full
        });
        return Ok((out, None));
    }
    use base64::Engine;
    let blob = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let uri = format!(
        "gmail://messages/{}/attachments/{}",
        args.message_id,
        urlencode(&meta.filename)
    );
    let resource = ContentBlock::resource(
        ResourceContents::blob(blob, uri).with_mime_type(meta.mime_type.clone()),
    );
    Ok((out, Some(resource)))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn get(ctx: ToolCtx, args: GetAttachmentArgs) -> ToolResult<Rendered<AttachmentContent>> {
    let (a, resource) = fetch(&ctx, &ctx.api, &args).await?;
    let head = format!("{} ({}, {})", a.filename, a.mime_type, human_size(a.size));
    let text = match &a.text {
        Some(t) => format!("{head}\n\n{t}"),
        None => format!("{head}: attached below as an embedded resource (base64)."),
    };
    Ok(Rendered {
        value: a,
        text,
        extra: resource,
    })
}
