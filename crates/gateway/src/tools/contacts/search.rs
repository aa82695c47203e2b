//! `contacts_search`: the user's own contacts (`people.searchContacts`),
//! their Workspace directory (`people.searchDirectoryPeople`), or both.
//! Google answers contact searches from a cache a warm-up request (an empty
//! query) refreshes: a search that finds nothing warms it and asks again.

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{people_url, person::Contact};
use crate::{
    google::api::{ApiError, GoogleApi},
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

const DEFAULT_RESULTS: u32 = 10;
/// Google caps contact searches at 30.
const MAX_RESULTS: u32 = 30;
const QUERY_MAX: usize = 200;
const READ_MASK: &str = "names,emailAddresses,phoneNumbers,organizations";

/// Where to search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContactSource {
    Contacts,
    Directory,
    #[default]
    Both,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchContactsArgs {
    /// Name, email, phone or company (word prefixes: "ann" finds Anna).
    pub query: String,
    /// contacts (the user's own), directory (their Workspace domain) or both (default).
    #[serde(default)]
    pub source: Option<ContactSource>,
    /// Per source, 1-30, default 10.
    #[serde(default)]
    pub max_results: Option<u32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SearchResult {
    /// Contacts first; a directory entry with a contact's email is left out.
    pub people: Vec<Contact>,
    /// Why a source gave nothing (e.g. no directory for a personal account).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

async fn search_contacts(
    ctx: &ToolCtx,
    api: &GoogleApi,
    query: &str,
    max: u32,
) -> Result<Vec<Contact>, ApiError> {
    let url = |q: &str| {
        let mut url = people_url(api, "people:searchContacts");
        url.query_pairs_mut()
            .append_pair("query", q)
            .append_pair("readMask", READ_MASK)
            .append_pair("pageSize", &max.to_string());
        url
    };
    let people = |body: &Value| -> Vec<Contact> {
        body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| Contact::from_google(&r["person"]))
            .collect()
    };
    let found = people(&api.get(&ctx.user, url(query)).await?);
    if !found.is_empty() {
        return Ok(found);
    }
    api.get(&ctx.user, url("")).await?;
    Ok(people(&api.get(&ctx.user, url(query)).await?))
}

async fn search_directory(
    ctx: &ToolCtx,
    api: &GoogleApi,
    query: &str,
    max: u32,
) -> Result<Vec<Contact>, ApiError> {
    let mut url = people_url(api, "people:searchDirectoryPeople");
    url.query_pairs_mut()
        .append_pair("query", query)
        .append_pair("readMask", READ_MASK)
        .append_pair("sources", "DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE")
        .append_pair("sources", "DIRECTORY_SOURCE_TYPE_DOMAIN_CONTACT")
        .append_pair("pageSize", &max.to_string());
    let body = api.get(&ctx.user, url).await?;
    Ok(body["people"]
        .as_array()
        .into_iter()
        .flatten()
        .map(Contact::from_google)
        .collect())
}

/// A directory error as the model should read it.
fn directory_error(e: ApiError) -> ToolError {
    match e {
        ApiError::BadRequest(m) if m.contains("domain user") => ToolError::Refused(
            "The Workspace directory is only available to Google Workspace accounts; search `contacts` instead.".into(),
        ),
        e => e.into(),
    }
}

pub async fn search(ctx: ToolCtx, args: SearchContactsArgs) -> ToolResult<SearchResult> {
    let api = &ctx.api;
    let query = args.query.trim();
    if query.is_empty() {
        return Err(ToolError::invalid("query", "must not be empty"));
    }
    if query.chars().count() > QUERY_MAX {
        return Err(ToolError::invalid(
            "query",
            format!("at most {QUERY_MAX} characters"),
        ));
    }
    let max = args.max_results.unwrap_or(DEFAULT_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max) {
        return Err(ToolError::invalid(
            "max_results",
            format!("must be 1 to {MAX_RESULTS}"),
        ));
    }
    let source = args.source.unwrap_or_default();
    let mut notes = Vec::new();
    let mut people = match source {
        ContactSource::Directory => Vec::new(),
        ContactSource::Contacts => search_contacts(&ctx, api, query, max).await?,
        ContactSource::Both => match search_contacts(&ctx, api, query, max).await {
            Ok(found) => found,
            Err(e) => {
                notes.push(format!("Contacts not searched: {}", ToolError::from(e)));
                Vec::new()
            }
        },
    };
    let directory = match source {
        ContactSource::Contacts => Vec::new(),
        ContactSource::Directory => search_directory(&ctx, api, query, max)
            .await
            .map_err(directory_error)?,
        ContactSource::Both => match search_directory(&ctx, api, query, max).await {
            Ok(found) => found,
            Err(e) => {
                let e = directory_error(e);
                if notes.is_empty() {
                    notes.push(format!("Directory not searched: {e}"));
                } else {
                    // Neither source answered: that is the call's failure.
                    return Err(e);
                }
                Vec::new()
            }
        },
    };
    for d in directory {
        if !people.iter().any(|p| {
            p.emails
                .iter()
                .any(|e| d.emails.iter().any(|x| x.eq_ignore_ascii_case(e)))
        }) {
            people.push(d);
        }
    }
    Ok(SearchResult { people, notes })
}

impl ToolOutput for SearchResult {
    fn text(&self) -> String {
        let mut text = format!("{} people\n", self.people.len());
        for p in &self.people {
            text.push_str(&p.line());
            text.push('\n');
        }
        for n in &self.notes {
            text.push_str(n);
            text.push('\n');
        }
        text
    }
}
