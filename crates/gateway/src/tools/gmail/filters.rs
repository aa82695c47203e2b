//! `gmail_list_filters`, `gmail_create_filter`, `gmail_delete_filter`:
//! Gmail filters (users.settings.filters) whose actions are labels, archive,
//! mark read and star. Forwarding is not offered: it sends mail elsewhere
//! without anyone reading it.

use std::fmt::Write as _;

use reqwest::Method;
use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{gmail_path, labels};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url},
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
    },
};

/// Longest text of one criterion.
const MAX_CRITERION_CHARS: usize = 1000;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFiltersArgs {}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFilterArgs {
    /// Sender address, name or domain.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// Gmail search syntax, as in gmail_search.
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub has_attachment: bool,
    /// Label names or ids (existing labels; see gmail_list_labels).
    #[serde(default)]
    pub add_labels: Vec<String>,
    #[serde(default)]
    pub remove_labels: Vec<String>,
    /// Skip the inbox.
    #[serde(default)]
    pub archive: bool,
    #[serde(default)]
    pub mark_read: bool,
    #[serde(default)]
    pub star: bool,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteFilterArgs {
    /// From gmail_list_filters.
    pub filter_id: String,
}

/// One filter, its labels by name.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FilterView {
    pub id: String,
    /// The criteria in Gmail search syntax (`from:a subject:(b) has:attachment`).
    pub matches: String,
    /// Labels added (STARRED means starred).
    pub add_labels: Vec<String>,
    /// Labels removed (INBOX means archived, UNREAD means marked read).
    pub remove_labels: Vec<String>,
    /// Forwarding address, for filters made elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FilterList {
    pub filters: Vec<FilterView>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeletedFilter {
    pub filter_id: String,
    pub deleted: bool,
}

fn text_criterion(field: &str, value: &Option<String>) -> ToolResult<Option<String>> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_CRITERION_CHARS || v.chars().any(char::is_control) {
        return Err(ToolError::invalid(
            field,
            format!("one line of at most {MAX_CRITERION_CHARS} characters"),
        ));
    }
    Ok(Some(v.to_owned()))
}

/// Gmail's `criteria` object for `args`; at least one criterion is needed.
pub(crate) fn criteria(args: &CreateFilterArgs) -> ToolResult<Value> {
    let mut c = json!({});
    for (field, key, value) in [
        ("from", "from", &args.from),
        ("to", "to", &args.to),
        ("subject", "subject", &args.subject),
        ("query", "query", &args.query),
    ] {
        if let Some(v) = text_criterion(field, value)? {
            c[key] = json!(v);
        }
    }
    if args.has_attachment {
        c["hasAttachment"] = json!(true);
    }
    if c.as_object().is_none_or(|o| o.is_empty()) {
        return Err(ToolError::invalid(
            "from",
            "a filter needs a criterion: from, to, subject, query or has_attachment",
        ));
    }
    Ok(c)
}

/// Gmail's `action` object from label ids already resolved and the flags.
pub(crate) fn action(
    args: &CreateFilterArgs,
    add: Vec<String>,
    remove: Vec<String>,
) -> ToolResult<Value> {
    let (add, remove) = labels::with_flags(
        add,
        remove,
        &[
            (args.archive, "INBOX", false),
            (args.mark_read, "UNREAD", false),
            (args.star, "STARRED", true),
        ],
        "a filter needs an action: add_labels, remove_labels, archive, mark_read or star",
    )?;
    let mut a = json!({});
    if !add.is_empty() {
        a["addLabelIds"] = json!(add);
    }
    if !remove.is_empty() {
        a["removeLabelIds"] = json!(remove);
    }
    Ok(a)
}

/// The criteria as a Gmail search.
fn matches(c: &Value) -> String {
    let mut parts = Vec::new();
    let quoted = |v: &str| {
        if v.contains(' ') {
            format!("({v})")
        } else {
            v.to_owned()
        }
    };
    for key in ["from", "to", "subject"] {
        if let Some(v) = c[key].as_str() {
            parts.push(format!("{key}:{}", quoted(v)));
        }
    }
    if let Some(q) = c["query"].as_str() {
        parts.push(q.to_owned());
    }
    if let Some(q) = c["negatedQuery"].as_str() {
        parts.push(format!("-{{{q}}}"));
    }
    if c["hasAttachment"] == true {
        parts.push("has:attachment".into());
    }
    if let (Some(size), Some(cmp)) = (c["size"].as_i64(), c["sizeComparison"].as_str()) {
        parts.push(format!("{cmp}:{size}"));
    }
    parts.join(" ")
}

fn view(f: &Value, names: &[(String, String)]) -> FilterView {
    let named = |key: &str| -> Vec<String> {
        f["action"][key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|id| {
                names
                    .iter()
                    .find(|(i, _)| i == id)
                    .map_or(id, |(_, n)| n.as_str())
                    .to_owned()
            })
            .collect()
    };
    FilterView {
        id: f["id"].as_str().unwrap_or_default().to_owned(),
        matches: matches(&f["criteria"]),
        add_labels: named("addLabelIds"),
        remove_labels: named("removeLabelIds"),
        forward: f["action"]["forward"].as_str().map(str::to_owned),
    }
}

fn render(text: &mut String, f: &FilterView) {
    let mut does = Vec::new();
    if !f.add_labels.is_empty() {
        does.push(format!("add {}", f.add_labels.join(", ")));
    }
    if !f.remove_labels.is_empty() {
        does.push(format!("remove {}", f.remove_labels.join(", ")));
    }
    if let Some(to) = &f.forward {
        does.push(format!("forward to {to}"));
    }
    let _ = writeln!(text, "- {}: {} → {}", f.id, f.matches, does.join("; "));
}

async fn raw_filters(ctx: &ToolCtx, api: &GoogleApi) -> ToolResult<Vec<Value>> {
    let url = api_url(&api.bases.gmail, &gmail_path("/settings/filters"));
    let body = api.get(&ctx.user, url).await?;
    Ok(body["filter"].as_array().cloned().unwrap_or_default())
}

pub async fn list_filters(ctx: ToolCtx, _args: ListFiltersArgs) -> ToolResult<FilterList> {
    let api = &*ctx.api;
    let raw = raw_filters(&ctx, api).await?;
    let names = if raw.is_empty() {
        Vec::new()
    } else {
        labels::all(&ctx, api).await?
    };
    Ok(FilterList {
        filters: raw.iter().map(|f| view(f, &names)).collect(),
    })
}

impl ToolOutput for FilterList {
    fn text(&self) -> String {
        if self.filters.is_empty() {
            return "No filters. Create one with gmail_create_filter.\n".into();
        }
        let mut text = format!("{} filter(s):\n", self.filters.len());
        for f in &self.filters {
            render(&mut text, f);
        }
        text
    }
}

/// The filter with exactly these criteria and actions, if there is one.
async fn find_same(
    ctx: &ToolCtx,
    api: &GoogleApi,
    criteria: &Value,
    action: &Value,
) -> ToolResult<Option<Value>> {
    Ok(raw_filters(ctx, api)
        .await?
        .into_iter()
        .find(|f| &f["criteria"] == criteria && &f["action"] == action))
}

pub async fn create_filter(
    ctx: ToolCtx,
    args: CreateFilterArgs,
) -> ToolResult<Rendered<FilterView>> {
    let api = &*ctx.api;
    let criteria = criteria(&args)?;
    let names = labels::all(&ctx, api).await?;
    let add = labels::resolve(&names, &args.add_labels, "add_labels")?;
    let remove = labels::resolve(&names, &args.remove_labels, "remove_labels")?;
    let action = action(&args, add, remove)?;
    let url = api_url(&api.bases.gmail, &gmail_path("/settings/filters"));
    let body = json!({ "criteria": criteria, "action": action });
    let answer = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await;
    let (created, note) = match answer {
        Ok((v, _)) => (v, None),
        Err(ApiError::Unavailable(cause)) => {
            // The answer was lost: the filter may exist. Never create it twice.
            match find_same(&ctx, api, &criteria, &action).await {
                Ok(Some(f)) => (
                    f,
                    Some("Gmail's answer was lost, but the filter exists: it was created once."),
                ),
                _ => {
                    return Err(ToolError::Refused(format!(
                        "Gmail did not confirm the filter ({cause}); check with gmail_list_filters before creating it again."
                    )));
                }
            }
        }
        Err(ApiError::BadRequest(m)) if m.to_ascii_lowercase().contains("already exists") => {
            let existing = find_same(&ctx, api, &criteria, &action).await?;
            let id = existing
                .as_ref()
                .and_then(|f| f["id"].as_str())
                .unwrap_or("(see gmail_list_filters)");
            return Err(ToolError::Refused(format!(
                "the same filter already exists: {id}; nothing was created"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let f = view(&created, &names);
    let mut text = String::from("Filter created; it applies to mail arriving from now on:\n");
    render(&mut text, &f);
    if let Some(n) = note {
        let _ = writeln!(text, "{n}");
    }
    Ok(Rendered::new(f, text))
}

pub async fn delete_filter(ctx: ToolCtx, args: DeleteFilterArgs) -> ToolResult<DeletedFilter> {
    let id = args.filter_id.trim();
    if id.is_empty()
        || id.len() > 200
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ToolError::invalid(
            "filter_id",
            format!("{id:?} is not a filter id; gmail_list_filters lists them"),
        ));
    }
    let api = &*ctx.api;
    let url = api_url(
        &api.bases.gmail,
        &gmail_path(&format!("/settings/filters/{id}")),
    );
    match api
        .call(&ctx.user, Method::DELETE, url, None, Retry::Safe)
        .await
    {
        Ok(_) => Ok(DeletedFilter {
            filter_id: id.to_owned(),
            deleted: true,
        }),
        Err(ApiError::NotFound(_)) => Err(ToolError::Api(ApiError::NotFound(format!(
            "no filter {id} in this mailbox; gmail_list_filters lists them"
        )))),
        Err(e) => Err(e.into()),
    }
}

impl ToolOutput for DeletedFilter {
    fn text(&self) -> String {
        format!("Filter {} deleted.\n", self.filter_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> CreateFilterArgs {
        CreateFilterArgs::default()
    }

    #[test]
    fn criteria_keep_the_given_fields_and_need_one() {
        let a = CreateFilterArgs {
            from: Some(" billing@shop.example ".into()),
            subject: Some("".into()),
            query: Some("invoice OR receipt".into()),
            has_attachment: true,
            ..args()
        };
        assert_eq!(
            criteria(&a).unwrap(),
            json!({ "from": "billing@shop.example", "query": "invoice OR receipt", "hasAttachment": true })
        );
        assert!(criteria(&args()).is_err());
        let bad = CreateFilterArgs {
            to: Some("a\nb".into()),
            ..args()
        };
        assert!(criteria(&bad).is_err());
    }

    #[test]
    fn actions_map_flags_to_system_labels() {
        let a = CreateFilterArgs {
            archive: true,
            mark_read: true,
            star: true,
            ..args()
        };
        assert_eq!(
            action(&a, vec!["Label_4".into()], vec![]).unwrap(),
            json!({ "addLabelIds": ["Label_4", "STARRED"], "removeLabelIds": ["INBOX", "UNREAD"] })
        );
        assert!(action(&args(), vec![], vec![]).is_err());
        assert!(action(&a, vec!["INBOX".into()], vec![]).is_err());
    }

    #[test]
    fn criteria_read_back_as_a_search() {
        let c = json!({ "from": "a@b.example", "subject": "weekly report", "hasAttachment": true });
        assert_eq!(
            matches(&c),
            "from:a@b.example subject:(weekly report) has:attachment"
        );
    }
}
