//! `workspace_search`: the query goes to Gmail, Drive (full text) and
//! Calendar at once, each under its own time limit; the hits are merged and
//! ranked ([`super::rank`]). A service that fails or is slow is named in the
//! answer and the others still answer. Each service pages on its own: the
//! answer's cursor carries the next page token of every service that has
//! more.

use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::rank;
use crate::{
    catalog::{SEARCH_TOOLS, Service, spec_of},
    tools::{
        ToolCtx, ToolError, ToolResult, adapter::ToolOutput, calendar, contacts, drive, gmail,
    },
};

/// Each service's time limit: a slow one is named, not waited for.
pub const SERVICE_TIMEOUT: Duration = Duration::from_secs(8);
const DEFAULT_PAGE: u32 = 8;
const MAX_PAGE: u32 = 25;
/// How far back and ahead Calendar is searched.
const CALENDAR_DAYS: i64 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Searched {
    Gmail,
    Drive,
    Calendar,
    Contacts,
}

impl Searched {
    const ALL: [Searched; 4] = [
        Searched::Gmail,
        Searched::Drive,
        Searched::Calendar,
        Searched::Contacts,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Searched::Gmail => "gmail",
            Searched::Drive => "drive",
            Searched::Calendar => "calendar",
            Searched::Contacts => "contacts",
        }
    }

    fn service(self) -> Service {
        match self {
            Searched::Gmail => Service::Gmail,
            Searched::Drive => Service::Drive,
            Searched::Calendar => Service::Calendar,
            Searched::Contacts => Service::Contacts,
        }
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words to find; Gmail search syntax also narrows the mail.
    pub query: String,
    /// Default every one offered (contacts when contacts_search is).
    #[serde(default)]
    pub services: Option<Vec<Searched>>,
    /// Hits per service, 1 to 25 (default 8).
    #[serde(default)]
    pub page_size: Option<u32>,
    /// `next_cursor` of the previous answer, with the same query.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One hit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Hit {
    /// gmail, drive or calendar.
    pub service: String,
    /// Message, file or event id (for the service's read tool).
    pub id: String,
    pub title: String,
    /// Received, modified or start time (RFC 3339, or a date).
    pub when: Option<String>,
    pub link: String,
    /// Sender, file type and owner, or the event's time and place.
    pub detail: String,
    pub snippet: String,
}

/// A service that did not answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Unavailable {
    pub service: String,
    pub reason: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SearchResults {
    pub query: String,
    /// Best first.
    pub hits: Vec<Hit>,
    /// The services asked.
    pub searched: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<Unavailable>,
    /// Pass as `cursor` for the services that have more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The page tokens a cursor carries, per service.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Cursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gmail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    drive: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calendar: Option<String>,
}
// Contacts answers in one page: it never has a next one.

impl Cursor {
    fn token(&self, s: Searched) -> Option<&String> {
        match s {
            Searched::Gmail => self.gmail.as_ref(),
            Searched::Drive => self.drive.as_ref(),
            Searched::Calendar => self.calendar.as_ref(),
            Searched::Contacts => None,
        }
    }

    fn set(&mut self, s: Searched, token: Option<String>) {
        match s {
            Searched::Gmail => self.gmail = token,
            Searched::Drive => self.drive = token,
            Searched::Calendar => self.calendar = token,
            Searched::Contacts => {}
        }
    }

    fn encode(&self) -> Option<String> {
        (self.gmail.is_some() || self.drive.is_some() || self.calendar.is_some()).then(|| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(self).unwrap_or_default())
        })
    }

    fn decode(s: &str) -> ToolResult<Cursor> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| ToolError::invalid("cursor", "not a cursor from workspace_search"))
    }
}

/// One service's page: its hits and its next page token.
type Page = (Vec<Hit>, Option<String>);

/// The services this person may search: those whose search tool is
/// offered and not withheld from them by the company policy.
fn searchable(ctx: &ToolCtx) -> Vec<Searched> {
    let rule = ctx.policy.rule_for(&ctx.email);
    Searched::ALL
        .into_iter()
        .filter(|s| {
            SEARCH_TOOLS
                .iter()
                .find(|(service, _)| *service == s.service())
                .and_then(|(_, tool)| spec_of(tool))
                .is_some_and(|spec| {
                    ctx.offer.offers(spec) && rule.is_none_or(|r| r.withholds(spec).is_none())
                })
        })
        .collect()
}

pub async fn search(ctx: ToolCtx, args: SearchArgs) -> ToolResult<SearchResults> {
    let query = args.query.trim().to_owned();
    if query.is_empty() {
        return Err(ToolError::invalid("query", "must not be empty"));
    }
    if query.chars().count() > 500 {
        return Err(ToolError::invalid("query", "longer than 500 characters"));
    }
    let size = args.page_size.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&size) {
        return Err(ToolError::invalid(
            "page_size",
            format!("must be between 1 and {MAX_PAGE}, got {size}"),
        ));
    }
    let allowed = searchable(&ctx);
    let mut wanted: Vec<Searched> = match &args.services {
        None => allowed.clone(),
        Some(list) => {
            if let Some(off) = list.iter().find(|s| !allowed.contains(s)) {
                return Err(ToolError::invalid(
                    "services",
                    format!("{} is not offered to this user", off.as_str()),
                ));
            }
            Searched::ALL
                .into_iter()
                .filter(|s| list.contains(s))
                .collect()
        }
    };
    let cursor = args.cursor.as_deref().map(Cursor::decode).transpose()?;
    if let Some(c) = &cursor {
        wanted.retain(|s| c.token(*s).is_some());
    }
    if wanted.is_empty() {
        return Err(ToolError::Refused(
            "No service to search: Gmail, Drive and Calendar are all off for this user.".into(),
        ));
    }

    let now = Utc::now();
    let runs = wanted.iter().map(|&s| {
        let (ctx, query) = (ctx.clone(), query.clone());
        let token = cursor.as_ref().and_then(|c| c.token(s).cloned());
        async move {
            let page =
                tokio::time::timeout(SERVICE_TIMEOUT, one(s, ctx, query, size, token, now)).await;
            (s, page)
        }
    });
    // As each service answers: its progress, when the client asked for it.
    let total = u32::try_from(wanted.len()).unwrap_or(u32::MAX);
    let mut pending: futures::stream::FuturesUnordered<_> = runs.collect();
    let mut answers = Vec::with_capacity(wanted.len());
    while let Some((s, page)) = futures::StreamExt::next(&mut pending).await {
        let done = u32::try_from(answers.len() + 1).unwrap_or(u32::MAX);
        let how = if matches!(page, Ok(Ok(_))) {
            "answered"
        } else {
            "did not answer"
        };
        ctx.report(done, total, format!("{} {how}", s.as_str()))
            .await;
        answers.push((s, page));
    }
    // Merged in a fixed order, whatever order the services answered in.
    answers.sort_by_key(|(s, _)| Searched::ALL.iter().position(|x| x == s));

    let words = rank::words(&query);
    let mut scored: Vec<(f64, Hit)> = Vec::new();
    let mut unavailable = Vec::new();
    let mut next = Cursor::default();
    for (s, page) in answers {
        match page {
            Ok(Ok((hits, token))) => {
                next.set(s, token);
                scored.extend(hits.into_iter().map(|h| {
                    let when = h.when.as_deref().and_then(rank::instant);
                    (rank::score(&words, &h.title, &h.snippet, when, now), h)
                }));
            }
            Ok(Err(e)) => unavailable.push(Unavailable {
                service: s.as_str().to_owned(),
                reason: e.to_string().chars().take(300).collect(),
            }),
            Err(_) => unavailable.push(Unavailable {
                service: s.as_str().to_owned(),
                reason: format!("no answer within {} s", SERVICE_TIMEOUT.as_secs()),
            }),
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(SearchResults {
        query,
        hits: scored.into_iter().map(|(_, h)| h).collect(),
        searched: wanted.iter().map(|s| s.as_str().to_owned()).collect(),
        unavailable,
        next_cursor: next.encode(),
    })
}

/// One service's page of hits for `query`.
async fn one(
    s: Searched,
    ctx: ToolCtx,
    query: String,
    size: u32,
    token: Option<String>,
    now: chrono::DateTime<Utc>,
) -> ToolResult<Page> {
    match s {
        Searched::Gmail => {
            let found = gmail::search::search(
                ctx,
                gmail::search::SearchArgs {
                    query: Some(query),
                    max_results: Some(size),
                    page_token: token,
                    ..Default::default()
                },
            )
            .await?;
            let hits = found
                .messages
                .into_iter()
                .map(|m| Hit {
                    service: "gmail".into(),
                    link: format!("https://mail.google.com/mail/u/0/#all/{}", m.thread_id),
                    id: m.id,
                    title: m.subject,
                    when: Some(m.date).filter(|d| !d.is_empty()),
                    detail: format!("from {}", m.from),
                    snippet: m.snippet,
                })
                .collect();
            Ok((hits, found.next_page_token))
        }
        Searched::Drive => {
            let found = drive::search::search(
                ctx,
                drive::search::SearchArgs {
                    query: Some(query),
                    page_size: Some(size),
                    page_token: token,
                    ..Default::default()
                },
            )
            .await?
            .value;
            let hits = found
                .files
                .into_iter()
                .map(|f| Hit {
                    service: "drive".into(),
                    link: f
                        .link
                        .clone()
                        .unwrap_or_else(|| format!("https://drive.google.com/open?id={}", f.id)),
                    detail: match &f.owner {
                        Some(o) => format!("{}, owner {o}", f.kind),
                        None => f.kind.clone(),
                    },
                    id: f.id,
                    title: f.name,
                    when: f.modified,
                    snippet: String::new(),
                })
                .collect();
            Ok((hits, found.next_page_token))
        }
        Searched::Calendar => {
            let window = chrono::Duration::days(CALENDAR_DAYS);
            let found = calendar::list::list(
                ctx,
                calendar::list::ListEventsArgs {
                    time_min: Some((now - window).to_rfc3339()),
                    time_max: Some((now + window).to_rfc3339()),
                    query: Some(query),
                    max_results: Some(size),
                    page_token: token,
                    ..Default::default()
                },
            )
            .await?;
            let calendar_id = found.calendar_id.clone();
            let hits = found
                .events
                .into_iter()
                .map(|e| {
                    let eid = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(format!("{} {calendar_id}", e.id));
                    Hit {
                        service: "calendar".into(),
                        link: format!("https://calendar.google.com/calendar/event?eid={eid}"),
                        detail: match &e.location {
                            Some(l) => format!("{}, {l}", e.when),
                            None => e.when.clone(),
                        },
                        id: e.id,
                        title: e.summary,
                        when: Some(e.start),
                        snippet: String::new(),
                    }
                })
                .collect();
            Ok((hits, found.next_page_token))
        }
        Searched::Contacts => {
            let found = contacts::search::search(
                ctx,
                contacts::search::SearchContactsArgs {
                    query,
                    source: None,
                    max_results: Some(size),
                },
            )
            .await?;
            let hits = found
                .people
                .into_iter()
                .map(|p| Hit {
                    service: "contacts".into(),
                    link: format!(
                        "https://contacts.google.com/person/{}",
                        p.resource_name.trim_start_matches("people/")
                    ),
                    detail: p
                        .emails
                        .iter()
                        .chain(&p.organizations)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    id: p.resource_name,
                    title: p.name,
                    when: None,
                    snippet: String::new(),
                })
                .collect();
            Ok((hits, None))
        }
    }
}

impl ToolOutput for SearchResults {
    fn text(&self) -> String {
        let mut text = format!(
            "{} hits for {:?} in {}\n",
            self.hits.len(),
            self.query,
            self.searched.join(", ")
        );
        for (i, h) in self.hits.iter().enumerate() {
            text.push_str(&format!(
                "{}. [{}] {} — {}{} — id {}\n",
                i + 1,
                h.service,
                if h.title.is_empty() {
                    "(untitled)"
                } else {
                    &h.title
                },
                h.detail,
                h.when
                    .as_deref()
                    .map(|w| format!(" — {w}"))
                    .unwrap_or_default(),
                h.id
            ));
            if !h.snippet.is_empty() {
                text.push_str(&format!("   {}\n", h.snippet));
            }
        }
        for u in &self.unavailable {
            text.push_str(&format!("{} did not answer: {}\n", u.service, u.reason));
        }
        if let Some(c) = &self.next_cursor {
            text.push_str(&format!("more: cursor={c}\n"));
        }
        text
    }
}
