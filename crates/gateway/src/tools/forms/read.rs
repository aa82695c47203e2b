//! `forms_read` and `forms_list_responses`.

use std::collections::BTreeMap;

use rmcp::schemars;
use serde::{Deserialize, Serialize};

use super::{FormView, QuestionRow, form_arg, form_error, forms_url, get_form, str_of};
use crate::tools::{
    ToolCtx, ToolError, ToolResult,
    adapter::{Rendered, ToolOutput},
};

pub const DEFAULT_RESPONSES: u32 = 50;
pub const MAX_RESPONSES: u32 = 100;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormIdArgs {
    /// From the form's URL (docs.google.com/forms/d/<id>/edit) or drive_search.
    pub form_id: String,
}

pub async fn read(ctx: ToolCtx, args: FormIdArgs) -> ToolResult<Rendered<FormView>> {
    let id = &form_arg(&args.form_id)?;
    let view = FormView::from_google(&get_form(&ctx, id).await?);
    let text = view.text();
    Ok(Rendered::new(view, text))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListResponsesArgs {
    /// From the form's URL (docs.google.com/forms/d/<id>/edit) or drive_search.
    pub form_id: String,
    /// 1-100, default 50.
    #[serde(default)]
    pub max_results: Option<u32>,
    /// `next_page_token` of a previous call.
    #[serde(default)]
    pub page_token: Option<String>,
}

/// One submitted response.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ResponseRow {
    pub response_id: String,
    /// When it was last submitted (RFC 3339).
    pub submitted: String,
    /// Only when the form collects emails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respondent_email: Option<String>,
    /// Question title → the answer's values (several for a checkbox).
    pub answers: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ResponsePage {
    pub form_id: String,
    pub title: String,
    /// Oldest first.
    pub responses: Vec<ResponseRow>,
    /// Pass as `page_token` to get more.
    pub next_page_token: Option<String>,
    /// Question titles in form order (for the text).
    #[serde(skip)]
    order: Vec<String>,
}

/// Question id → its title, titles made unique (`Name (2)`), in form order.
fn titles(questions: &[QuestionRow]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for q in questions {
        let Some(id) = &q.question_id else { continue };
        let mut title = q.title.clone();
        let mut n = 1;
        while out.iter().any(|(_, t)| *t == title) {
            n += 1;
            title = format!("{} ({n})", q.title);
        }
        out.push((id.clone(), title));
    }
    out
}

pub async fn list_responses(ctx: ToolCtx, args: ListResponsesArgs) -> ToolResult<ResponsePage> {
    let api = &ctx.api;
    let id = &form_arg(&args.form_id)?;
    let max = args.max_results.unwrap_or(DEFAULT_RESPONSES);
    if !(1..=MAX_RESPONSES).contains(&max) {
        return Err(ToolError::invalid(
            "max_results",
            format!("must be 1 to {MAX_RESPONSES}"),
        ));
    }
    let form = FormView::from_google(&get_form(&ctx, id).await?);
    let mut url = forms_url(api, &[id, "responses"]);
    url.query_pairs_mut()
        .append_pair("pageSize", &max.to_string());
    if let Some(t) = args
        .page_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        url.query_pairs_mut().append_pair("pageToken", t);
    }
    let body = api
        .get(&ctx.user, url)
        .await
        .map_err(|e| form_error(e, id))?;
    let names = titles(&form.questions);
    let responses =
        body["responses"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let mut answers = BTreeMap::new();
                for (qid, answer) in r["answers"].as_object().into_iter().flatten() {
                    let title = names
                        .iter()
                        .find(|(id, _)| id == qid)
                        .map(|(_, t)| t.clone())
                        .unwrap_or_else(|| format!("question {qid}"));
                    let mut values: Vec<String> = answer["textAnswers"]["answers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|a| a["value"].as_str().map(str::to_owned))
                        .collect();
                    let files = answer["fileUploadAnswers"]["answers"].as_array();
                    values.extend(files.into_iter().flatten().map(|f| {
                        format!("file {}", f["fileName"].as_str().unwrap_or("(unnamed)"))
                    }));
                    answers.insert(title, values);
                }
                ResponseRow {
                    response_id: str_of(r, "responseId").unwrap_or_default(),
                    submitted: str_of(r, "lastSubmittedTime")
                        .or_else(|| str_of(r, "createTime"))
                        .unwrap_or_default(),
                    respondent_email: str_of(r, "respondentEmail"),
                    answers,
                }
            })
            .collect();
    Ok(ResponsePage {
        form_id: id.to_owned(),
        title: form.title,
        responses,
        next_page_token: str_of(&body, "nextPageToken"),
        order: names.into_iter().map(|(_, t)| t).collect(),
    })
}

impl ToolOutput for ResponsePage {
    fn text(&self) -> String {
        if self.responses.is_empty() {
            return format!("No responses to {:?} (id {}).", self.title, self.form_id);
        }
        let mut out = format!(
            "{} responses to {:?} (id {}), oldest first:\n",
            self.responses.len(),
            self.title,
            self.form_id
        );
        for r in &self.responses {
            out.push_str(&format!(
                "- {} — {} — id {}\n",
                super::super::chat::short_time(&r.submitted),
                r.respondent_email.as_deref().unwrap_or("anonymous"),
                r.response_id
            ));
            let unordered = r.answers.keys().filter(|k| !self.order.contains(k));
            for title in self.order.iter().chain(unordered) {
                if let Some(values) = r.answers.get(title) {
                    out.push_str(&format!("    {title}: {}\n", values.join(", ")));
                }
            }
        }
        if let Some(t) = &self.next_page_token {
            out.push_str(&format!("More: page_token {t}\n"));
        }
        out
    }
}
