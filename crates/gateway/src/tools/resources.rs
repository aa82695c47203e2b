//! MCP resources: the person's Drive files, Gmail threads and Calendar
//! events under stable URIs, read as the read tools read them (Docs as
//! Markdown, Sheets as CSV, threads and events as text).
//!
//! - `gdrive:///{file_id}`: a Drive file (`resources/list` pages over the
//!   most recently modified ones, folders left out);
//! - `gmail:///threads/{thread_id}`: a Gmail conversation;
//! - `gcal:///events/{event_id}`: an event of the primary calendar.
//!
//! A URI of another scheme, of something the person cannot see (another
//! person's file is "not found" to Google), or of a service that is off for
//! them is a resource-not-found error, never content.

use rmcp::{
    ErrorData as McpError,
    model::{
        ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
        ResourceContents, ResourceTemplate,
    },
};

use crate::{
    catalog::Service,
    google::api::ApiError,
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
        bound, calendar, drive, gmail,
    },
};

/// Files per `resources/list` page.
const PAGE: u32 = 25;
const FOLDER: &str = "application/vnd.google-apps.folder";

/// What a URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    File(String),
    Thread(String),
    Event(String),
}

impl Named {
    pub fn parse(uri: &str) -> Option<Named> {
        let id_ok = |id: &str| {
            !id.is_empty()
                && id.len() <= 1024
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let (kind, id) = if let Some(id) = uri.strip_prefix("gdrive:///") {
            (Named::File as fn(String) -> Named, id)
        } else if let Some(id) = uri.strip_prefix("gmail:///threads/") {
            (Named::Thread as fn(String) -> Named, id)
        } else if let Some(id) = uri.strip_prefix("gcal:///events/") {
            (Named::Event as fn(String) -> Named, id)
        } else {
            return None;
        };
        id_ok(id).then(|| kind(id.to_owned()))
    }

    fn service(&self) -> Service {
        match self {
            Named::File(_) => Service::Drive,
            Named::Thread(_) => Service::Gmail,
            Named::Event(_) => Service::Calendar,
        }
    }
}

pub fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new("gdrive:///{file_id}", "drive_file")
            .with_title("Drive file")
            .with_description("A Drive file as text: Docs as Markdown, Sheets as CSV, Slides per slide, PDFs' text."),
        ResourceTemplate::new("gmail:///threads/{thread_id}", "gmail_thread")
            .with_title("Gmail thread")
            .with_description("A Gmail conversation, oldest message first.")
            .with_mime_type("text/plain"),
        ResourceTemplate::new("gcal:///events/{event_id}", "calendar_event")
            .with_title("Calendar event")
            .with_description("An event of the primary calendar: time, place, attendees and their answers, description.")
            .with_mime_type("text/plain"),
    ])
}

fn not_found(uri: &str, why: &str) -> McpError {
    McpError::resource_not_found(
        format!("Resource not found: {uri} ({why})"),
        Some(serde_json::json!({ "uri": uri })),
    )
}

/// Google's refusal, as the protocol error a client expects.
fn failed(uri: &str, e: ToolError) -> McpError {
    match e {
        ToolError::Api(
            e @ (ApiError::Unavailable(_)
            | ApiError::QuotaExhausted { .. }
            | ApiError::Credentials(_)
            | ApiError::MissingScope { .. }),
        ) => McpError::internal_error(e.to_string(), None),
        e => not_found(uri, &e.to_string()),
    }
}

/// The person's most recently modified Drive files.
pub async fn list(ctx: ToolCtx, cursor: Option<String>) -> Result<ListResourcesResult, McpError> {
    if ctx.services_on(&[Service::Drive]).is_empty() {
        return Ok(ListResourcesResult::with_all_items(Vec::new()));
    }
    let page = drive::search::search(
        ctx,
        drive::search::SearchArgs {
            page_size: Some(PAGE),
            page_token: cursor,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| McpError::internal_error(e.to_string(), None))?
    .value;
    let resources = page
        .files
        .into_iter()
        .filter(|f| f.mime_type != FOLDER)
        .map(|f| {
            let mut r = Resource::new(format!("gdrive:///{}", f.id), f.name.clone())
                .with_mime_type(mime_of_kind(&f.mime_type))
                .with_description(match &f.modified {
                    Some(m) => format!("{}, modified {m}", f.kind),
                    None => f.kind.clone(),
                });
            if let Some(size) = f.size {
                r = r.with_size(size);
            }
            r
        })
        .collect();
    let mut result = ListResourcesResult::with_all_items(resources);
    result.next_cursor = page.next_page_token;
    Ok(result)
}

/// The MIME type a Drive file is read as.
fn mime_of_kind(mime: &str) -> &'static str {
    match mime {
        "application/vnd.google-apps.document" => "text/markdown",
        "application/vnd.google-apps.spreadsheet" => "text/csv",
        _ => "text/plain",
    }
}

pub async fn read(ctx: ToolCtx, uri: &str) -> Result<ReadResourceResult, McpError> {
    let named = Named::parse(uri).ok_or_else(|| {
        not_found(uri, "the gateway serves gdrive:///{file_id}, gmail:///threads/{thread_id} and gcal:///events/{event_id}")
    })?;
    if ctx.services_on(&[named.service()]).is_empty() {
        return Err(not_found(uri, "this service is off for this user"));
    }
    let limit = ctx.output_limit;
    let (text, mime) = match &named {
        Named::File(id) => {
            let content = drive::read::read(
                ctx,
                drive::read::ReadFileArgs {
                    file_id: id.clone(),
                },
            )
            .await
            .map_err(|e| failed(uri, e))?;
            let mime = match content.format.as_str() {
                "markdown" => "text/markdown",
                "csv" => "text/csv",
                _ => "text/plain",
            };
            (content.text, mime)
        }
        Named::Thread(id) => {
            let thread = gmail::read::read_thread(
                ctx,
                gmail::read::ReadThreadArgs {
                    thread_id: id.clone(),
                    max_body_chars: None,
                },
            )
            .await
            .map_err(|e| failed(uri, e))?;
            (bound(&thread.text(), limit), "text/plain")
        }
        Named::Event(id) => {
            let event = event(ctx, id).await.map_err(|e| failed(uri, e))?;
            (bound(&event.text(), limit), "text/plain")
        }
    };
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type(mime),
    ]))
}

/// An event of the primary calendar, shown in its own zone.
pub async fn event(ctx: ToolCtx, id: &str) -> ToolResult<Rendered<calendar::EventDetail>> {
    calendar::list::get(
        ctx,
        calendar::list::GetEventArgs {
            event_id: id.to_owned(),
            calendar_id: None,
            time_zone: None,
        },
    )
    .await
}

/// Ids for a template's argument whose names start with, or contain, `value`.
pub async fn complete(ctx: ToolCtx, template: &str, argument: &str, value: &str) -> Vec<String> {
    match (template, argument) {
        ("gdrive:///{file_id}", "file_id") => file_ids(ctx, value).await,
        ("gmail:///threads/{thread_id}", "thread_id") => thread_ids(ctx, value).await,
        ("gcal:///events/{event_id}", "event_id") => event_ids(ctx, value).await,
        _ => Vec::new(),
    }
}

/// Drive files whose name contains `value`, most recent first.
pub async fn file_ids(ctx: ToolCtx, value: &str) -> Vec<String> {
    if ctx.services_on(&[Service::Drive]).is_empty() {
        return Vec::new();
    }
    let args = drive::search::SearchArgs {
        name: Some(value.to_owned()).filter(|v| !v.trim().is_empty()),
        page_size: Some(10),
        ..Default::default()
    };
    drive::search::search(ctx, args)
        .await
        .map(|r| r.value.files.into_iter().map(|f| f.id).collect())
        .unwrap_or_default()
}

/// Threads whose subject holds `value`, newest first.
pub async fn thread_ids(ctx: ToolCtx, value: &str) -> Vec<String> {
    if ctx.services_on(&[Service::Gmail]).is_empty() {
        return Vec::new();
    }
    let value = value.trim().replace(['(', ')', '"'], " ");
    let args = gmail::search::SearchArgs {
        query: Some(value.trim().to_owned())
            .filter(|v| !v.is_empty())
            .map(|v| format!("subject:({v})")),
        max_results: Some(10),
        ..Default::default()
    };
    let mut ids: Vec<String> = Vec::new();
    for m in gmail::search::search(ctx, args)
        .await
        .map(|r| r.messages)
        .unwrap_or_default()
    {
        if !ids.contains(&m.thread_id) {
            ids.push(m.thread_id);
        }
    }
    ids
}

/// Events of the next 30 days whose text holds `value`.
pub async fn event_ids(ctx: ToolCtx, value: &str) -> Vec<String> {
    if ctx.services_on(&[Service::Calendar]).is_empty() {
        return Vec::new();
    }
    let now = chrono::Utc::now();
    let args = calendar::list::ListEventsArgs {
        time_min: Some(now.to_rfc3339()),
        time_max: Some((now + chrono::Duration::days(30)).to_rfc3339()),
        query: Some(value.trim().to_owned()).filter(|v| !v.is_empty()),
        max_results: Some(10),
        ..Default::default()
    };
    calendar::list::list(ctx, args)
        .await
        .map(|r| r.events.into_iter().map(|e| e.id).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_a_file_a_thread_or_an_event_and_nothing_else() {
        assert_eq!(
            Named::parse("gdrive:///1AbC-d_e"),
            Some(Named::File("1AbC-d_e".into()))
        );
        assert_eq!(
            Named::parse("gmail:///threads/18c0ffee"),
            Some(Named::Thread("18c0ffee".into()))
        );
        assert_eq!(
            Named::parse("gcal:///events/abc123"),
            Some(Named::Event("abc123".into()))
        );
        for bad in [
            "file:///etc/passwd",
            "gdrive:///",
            "gdrive:///../x",
            "gdrive:///a/b",
            "gmail:///messages/1",
            "https://drive.google.com/x",
        ] {
            assert_eq!(Named::parse(bad), None, "{bad}");
        }
    }
}
