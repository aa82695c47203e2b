//! `calendar_list_calendars`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::calendar_path;
use crate::{
    google::api::{GoogleApi, api_url},
    tools::{ToolCtx, ToolResult, adapter::ToolOutput},
};

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCalendarsArgs {
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CalendarEntry {
    /// Calendar id (`primary` works for the user's own calendar too).
    pub id: String,
    pub name: String,
    pub primary: bool,
    /// IANA time zone of the calendar.
    pub time_zone: Option<String>,
    /// owner, writer, reader or freeBusyReader.
    pub access_role: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CalendarList {
    pub calendars: Vec<CalendarEntry>,
    /// Pass as `page_token` to get more.
    pub next_page_token: Option<String>,
}

async fn fetch(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: &ListCalendarsArgs,
) -> ToolResult<CalendarList> {
    let mut url = api_url(
        &api.bases.calendar,
        &calendar_path("/users/me/calendarList"),
    );
    url.query_pairs_mut().append_pair("maxResults", "100");
    if let Some(t) = &args.page_token {
        url.query_pairs_mut().append_pair("pageToken", t);
    }
    let body = api.get(&ctx.user, url).await?;
    let calendars = body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| CalendarEntry {
            id: c["id"].as_str().unwrap_or_default().to_owned(),
            name: c["summaryOverride"]
                .as_str()
                .or(c["summary"].as_str())
                .unwrap_or_default()
                .to_owned(),
            primary: c["primary"].as_bool().unwrap_or(false),
            time_zone: c["timeZone"].as_str().map(str::to_owned),
            access_role: c["accessRole"].as_str().map(str::to_owned),
        })
        .collect();
    Ok(CalendarList {
        calendars,
        next_page_token: body["nextPageToken"].as_str().map(str::to_owned),
    })
}

pub async fn list(ctx: ToolCtx, args: ListCalendarsArgs) -> ToolResult<CalendarList> {
    fetch(&ctx, &ctx.api, &args).await
}

impl ToolOutput for CalendarList {
    fn text(&self) -> String {
        let list = self;
        let mut text = format!("{} calendars\n", list.calendars.len());
        for c in &list.calendars {
            text.push_str(&format!(
                "{}{} — id {}, {}, {}\n",
                c.name,
                if c.primary { " (primary)" } else { "" },
                c.id,
                c.time_zone.as_deref().unwrap_or("no time zone"),
                c.access_role.as_deref().unwrap_or("?"),
            ));
        }
        if let Some(t) = &list.next_page_token {
            text.push_str(&format!("more: page_token={t}\n"));
        }
        text
    }
}
