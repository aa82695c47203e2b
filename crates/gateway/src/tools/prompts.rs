//! MCP prompts: work a person picks from a menu. Each one reads what the
//! task starts from (the meeting, the unread mail, the thread, the week's
//! sent mail) with the person's own Google access and hands it to the model
//! with instructions naming the tools to go on with.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use rmcp::{
    ErrorData as McpError,
    model::{GetPromptResult, ListPromptsResult, Prompt, PromptArgument, PromptMessage, Role},
};
use serde_json::{Map, Value};

use crate::{
    catalog::Service,
    tools::{ToolCtx, ToolError, adapter::ToolOutput, bound, calendar, gmail, resources},
};

/// Mail rows a prompt reads at most.
const MAIL_ROWS: u32 = 25;

fn argument(name: &str, description: &str, required: bool) -> PromptArgument {
    PromptArgument::new(name)
        .with_description(description)
        .with_required(required)
}

pub fn list() -> ListPromptsResult {
    ListPromptsResult::with_all_items(vec![
        Prompt::new(
            "prepare_meeting",
            Some("Prepare me for a meeting: the event, its attendees, and the mail and documents about it."),
            Some(vec![argument(
                "event_id",
                "The meeting (an event id); default the next one in the coming 14 days.",
                false,
            )]),
        )
        .with_title("Prepare for my next meeting"),
        Prompt::new(
            "summarize_unread",
            Some("Summarise unread mail since a time, most important first, saying which need a reply."),
            Some(vec![argument(
                "since",
                "How far back: 1d, 3d, 7d (days) or a date YYYY-MM-DD; default 1d.",
                false,
            )]),
        )
        .with_title("Summarise unread mail"),
        Prompt::new(
            "draft_reply",
            Some("Draft a reply to a mail thread, saved as a draft and not sent."),
            Some(vec![argument("thread_id", "The thread to answer.", true)]),
        )
        .with_title("Draft a reply"),
        Prompt::new(
            "weekly_status",
            Some("A weekly status report from the mail I sent and the documents I edited."),
            Some(vec![argument(
                "week_of",
                "Any date of the week (YYYY-MM-DD); default this week.",
                false,
            )]),
        )
        .with_title("Weekly status"),
    ])
}

fn arg<'a>(args: &'a Option<Map<String, Value>>, name: &str) -> Option<&'a str> {
    args.as_ref()?
        .get(name)?
        .as_str()
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn invalid(message: impl Into<String>) -> McpError {
    McpError::invalid_params(message.into(), None)
}

/// A Google failure while reading what the prompt starts from.
fn google(e: ToolError) -> McpError {
    McpError::internal_error(e.to_string(), None)
}

fn needs(ctx: &ToolCtx, service: Service, prompt: &str) -> Result<(), McpError> {
    if ctx.services_on(&[service]).is_empty() {
        return Err(invalid(format!(
            "{prompt} needs {}, which is off for this user",
            service.as_str()
        )));
    }
    Ok(())
}

pub async fn get(
    ctx: ToolCtx,
    name: &str,
    args: &Option<Map<String, Value>>,
) -> Result<GetPromptResult, McpError> {
    let limit = ctx.output_limit;
    let (description, text) = match name {
        "prepare_meeting" => {
            needs(&ctx, Service::Calendar, name)?;
            let id = match arg(args, "event_id") {
                Some(id) => id.to_owned(),
                None => next_event(&ctx).await?,
            };
            let event = resources::event(ctx, &id)
                .await
                .map_err(|e| invalid(format!("event_id {id:?}: {e}")))?;
            (
                format!("Prepare for {}", event.value.summary),
                format!(
                    "Prepare me for this meeting.\n\n{}\nFind what it is about: use workspace_search with the meeting's title and with each attendee's name, and read the most relevant hits (gmail_read_thread, drive_read_file). Then give me a one-page brief: why we meet, what was said and decided before, open questions, and what I should prepare or bring.",
                    bound(&event.text(), limit)
                ),
            )
        }
        "summarize_unread" => {
            needs(&ctx, Service::Gmail, name)?;
            let since = since_date(arg(args, "since").unwrap_or("1d"))?;
            let query = format!("is:unread after:{}", since.format("%Y/%m/%d"));
            let found = mail(ctx, &query).await?;
            (
                format!("Unread mail since {since}"),
                format!(
                    "Summarise my unread mail since {since}: most important first, one or two lines each, and say which need a reply from me and by when. Read a message in full with gmail_read_message when its snippet is not enough; more with gmail_search `{query}`.\n\n{}",
                    bound(&found.text(), limit)
                ),
            )
        }
        "draft_reply" => {
            needs(&ctx, Service::Gmail, name)?;
            let id =
                arg(args, "thread_id").ok_or_else(|| invalid("draft_reply needs `thread_id`"))?;
            let thread = gmail::read::read_thread(
                ctx,
                gmail::read::ReadThreadArgs {
                    thread_id: id.to_owned(),
                    max_body_chars: None,
                },
            )
            .await
            .map_err(|e| invalid(format!("thread_id {id:?}: {e}")))?;
            let last = thread
                .messages
                .last()
                .map(|m| m.id.clone())
                .unwrap_or_default();
            (
                format!("Reply to \"{}\"", thread.subject),
                format!(
                    "Draft my reply to this thread, in my voice and the thread's language, answering what was asked of me. Save it with gmail_create_draft and reply_to_message_id {last}; do not send it. Show me the draft.\n\n{}",
                    bound(&thread.text(), limit)
                ),
            )
        }
        "weekly_status" => {
            needs(&ctx, Service::Gmail, name)?;
            let day = match arg(args, "week_of") {
                Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| invalid(format!("week_of {d:?} is not a date like 2026-12-07")))?,
                None => Utc::now().date_naive(),
            };
            let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            let next = monday + Duration::days(7);
            let query = format!(
                "in:sent after:{} before:{}",
                monday.format("%Y/%m/%d"),
                next.format("%Y/%m/%d")
            );
            let sent = mail(ctx, &query).await?;
            (
                format!("Weekly status, week of {monday}"),
                format!(
                    "Write my status report for the week of {monday}: done, in progress and blocked, grouped by project, short and factual. Below is the mail I sent (more with gmail_search `{query}`); find the documents I edited with drive_search and modified_after {monday}, and read what you need.\n\n{}",
                    bound(&sent.text(), limit)
                ),
            )
        }
        other => {
            return Err(invalid(format!(
                "no prompt named {other:?} (prepare_meeting, summarize_unread, draft_reply, weekly_status)"
            )));
        }
    };
    let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]);
    result.description = Some(description);
    Ok(result)
}

/// The first rows of a Gmail search.
async fn mail(ctx: ToolCtx, query: &str) -> Result<gmail::search::SearchResult, McpError> {
    gmail::search::search(
        ctx,
        gmail::search::SearchArgs {
            query: Some(query.to_owned()),
            max_results: Some(MAIL_ROWS),
            ..Default::default()
        },
    )
    .await
    .map_err(google)
}

/// The next event of the coming 14 days.
async fn next_event(ctx: &ToolCtx) -> Result<String, McpError> {
    let now = Utc::now();
    let list = calendar::list::list(
        ctx.clone(),
        calendar::list::ListEventsArgs {
            time_min: Some(now.to_rfc3339()),
            time_max: Some((now + Duration::days(14)).to_rfc3339()),
            max_results: Some(10),
            ..Default::default()
        },
    )
    .await
    .map_err(google)?;
    list.events
        .into_iter()
        .find(|e| !e.all_day && e.status.as_deref() != Some("cancelled"))
        .map(|e| e.id)
        .ok_or_else(|| invalid("no meeting in the next 14 days; give event_id"))
}

/// `Nd` days back, or a date.
fn since_date(value: &str) -> Result<NaiveDate, McpError> {
    if let Some(days) = value.strip_suffix('d').and_then(|n| n.parse::<i64>().ok())
        && (1..=365).contains(&days)
    {
        return Ok(Utc::now().date_naive() - Duration::days(days));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        invalid(format!(
            "since {value:?}: use 1d to 365d, or a date like 2026-12-01"
        ))
    })
}

/// Values for a prompt argument that start with (or, for ids, match) `value`.
pub async fn complete(ctx: ToolCtx, prompt: &str, argument: &str, value: &str) -> Vec<String> {
    let starting = |all: Vec<String>| -> Vec<String> {
        all.into_iter().filter(|v| v.starts_with(value)).collect()
    };
    match (prompt, argument) {
        ("prepare_meeting", "event_id") => resources::event_ids(ctx, value).await,
        ("draft_reply", "thread_id") => resources::thread_ids(ctx, value).await,
        ("summarize_unread", "since") => starting(
            ["1d", "2d", "3d", "7d", "14d", "30d"]
                .map(str::to_owned)
                .to_vec(),
        ),
        ("weekly_status", "week_of") => {
            let today = Utc::now().date_naive();
            let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            starting(
                (0..4)
                    .map(|w| (monday - Duration::weeks(w)).format("%Y-%m-%d").to_string())
                    .collect(),
            )
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_days_or_a_date() {
        let today = Utc::now().date_naive();
        assert_eq!(since_date("3d").unwrap(), today - Duration::days(3));
        assert_eq!(
            since_date("2026-12-01").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        for bad in ["0d", "400d", "yesterday", "12/01/2026"] {
            assert!(since_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_prompt_is_listed_with_its_arguments() {
        let listed = list();
        let names: Vec<&str> = listed.prompts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "prepare_meeting",
                "summarize_unread",
                "draft_reply",
                "weekly_status"
            ]
        );
        let reply = &listed.prompts[2];
        assert_eq!(reply.arguments.as_ref().unwrap()[0].required, Some(true));
    }
}
