//! `forms_create`: `forms.create` with the title, then one `batchUpdate`
//! with the description and every question.
//!
//! Google chooses a new form's id, so the create is sent once (retried only
//! when Google refused it unread). When its answer is lost, the user's
//! Drive is searched for a form of that title created since the call began
//! (`drive.file` lets the gateway see the files it created): found, it is
//! the one created and the questions go to it; not found, nothing was
//! created and the model is told it may try again. The batch carries the
//! form's revision (`writeControl.requiredRevisionId`): resent after a
//! lost answer it is refused rather than applied twice, and the form is
//! read to see whether the first one landed.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use reqwest::Method;
use rmcp::schemars;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{FormView, forms_url, str_of};
use crate::{
    google::api::{ApiError, Body, GoogleApi, Retry, api_url},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Rendered},
};

const TITLE_MAX: usize = 300;
const DESCRIPTION_MAX: usize = 4096;
pub const MAX_QUESTIONS: usize = 50;
pub const MAX_OPTIONS: usize = 50;
const FORM_MIME: &str = "application/vnd.google-apps.form";
/// Waits before looking for a form whose creation Google did not confirm.
const CONFIRM_DELAYS: [Duration; 2] = [Duration::ZERO, Duration::from_secs(2)];
/// How far before the call the lookup reaches (clocks differ).
const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(2);

/// A question's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    Paragraph,
    MultipleChoice,
    Checkbox,
    Dropdown,
    Scale,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionArg {
    pub title: String,
    /// text (short answer), paragraph, multiple_choice (one of the options),
    /// checkbox (any of them), dropdown, or scale (a number from low to high).
    pub kind: QuestionKind,
    /// The choices of multiple_choice, checkbox and dropdown (distinct).
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
    /// scale: 0 or 1 (default 1).
    #[serde(default)]
    pub low: Option<u8>,
    /// scale: 2-10 (default 5).
    #[serde(default)]
    pub high: Option<u8>,
    /// scale: label of the low end.
    #[serde(default)]
    pub low_label: Option<String>,
    /// scale: label of the high end.
    #[serde(default)]
    pub high_label: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFormArgs {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// In order; at most 50.
    pub questions: Vec<QuestionArg>,
}

fn too_long(field: &str, value: &str, max: usize) -> ToolResult<()> {
    if value.chars().count() > max {
        return Err(ToolError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

/// The `createItem` request for question `i`, checked.
fn question_request(i: usize, q: &QuestionArg) -> ToolResult<Value> {
    let field = format!("questions[{i}]");
    let title = q.title.trim();
    if title.is_empty() {
        return Err(ToolError::invalid(&field, "title must not be empty"));
    }
    too_long(&field, title, TITLE_MAX)?;
    let choice = matches!(
        q.kind,
        QuestionKind::MultipleChoice | QuestionKind::Checkbox | QuestionKind::Dropdown
    );
    if choice {
        let options: Vec<&str> = q.options.iter().map(|o| o.trim()).collect();
        if options.is_empty() || options.iter().any(|o| o.is_empty()) {
            return Err(ToolError::invalid(
                &field,
                "a choice question needs non-empty options",
            ));
        }
        if options.len() > MAX_OPTIONS {
            return Err(ToolError::invalid(
                &field,
                format!("at most {MAX_OPTIONS} options"),
            ));
        }
        if let Some(dup) = (1..options.len()).find(|&j| options[..j].contains(&options[j])) {
            return Err(ToolError::invalid(
                &field,
                format!("option {:?} is given twice", options[dup]),
            ));
        }
    } else if !q.options.is_empty() {
        return Err(ToolError::invalid(
            &field,
            "options are only for multiple_choice, checkbox and dropdown",
        ));
    }
    let scale_args =
        q.low.is_some() || q.high.is_some() || q.low_label.is_some() || q.high_label.is_some();
    if scale_args && q.kind != QuestionKind::Scale {
        return Err(ToolError::invalid(
            &field,
            "low, high and their labels are only for scale",
        ));
    }
    let options = || {
        json!(
            q.options
                .iter()
                .map(|o| json!({ "value": o.trim() }))
                .collect::<Vec<_>>()
        )
    };
    let kind = match q.kind {
        QuestionKind::Text => json!({ "textQuestion": { "paragraph": false } }),
        QuestionKind::Paragraph => json!({ "textQuestion": { "paragraph": true } }),
        QuestionKind::MultipleChoice => {
            json!({ "choiceQuestion": { "type": "RADIO", "options": options() } })
        }
        QuestionKind::Checkbox => {
            json!({ "choiceQuestion": { "type": "CHECKBOX", "options": options() } })
        }
        QuestionKind::Dropdown => {
            json!({ "choiceQuestion": { "type": "DROP_DOWN", "options": options() } })
        }
        QuestionKind::Scale => {
            let (low, high) = (q.low.unwrap_or(1), q.high.unwrap_or(5));
            if low > 1 || !(2..=10).contains(&high) {
                return Err(ToolError::invalid(
                    &field,
                    "a scale goes from low 0 or 1 to high 2-10",
                ));
            }
            let mut s = json!({ "low": low, "high": high });
            if let Some(l) = q.low_label.as_deref().filter(|l| !l.is_empty()) {
                s["lowLabel"] = json!(l);
            }
            if let Some(h) = q.high_label.as_deref().filter(|h| !h.is_empty()) {
                s["highLabel"] = json!(h);
            }
            json!({ "scaleQuestion": s })
        }
    };
    let mut question = json!({ "required": q.required });
    for (k, v) in kind.as_object().into_iter().flatten() {
        question[k] = v.clone();
    }
    Ok(json!({ "createItem": {
        "item": { "title": title, "questionItem": { "question": question } },
        "location": { "index": i },
    }}))
}

/// The form a lost create made, if the user's Drive shows one.
async fn find_created(
    ctx: &ToolCtx,
    api: &GoogleApi,
    title: &str,
    since: chrono::DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    let mut url = api_url(&api.bases.drive, "/drive/v3/files");
    let after = (since - CLOCK_SLACK).to_rfc3339_opts(SecondsFormat::Secs, true);
    let quoted = title.replace('\\', "\\\\").replace('\'', "\\'");
    url.query_pairs_mut()
        .append_pair(
            "q",
            &format!(
                "mimeType = '{FORM_MIME}' and name = '{quoted}' and createdTime > '{after}' and trashed = false"
            ),
        )
        .append_pair("orderBy", "createdTime desc")
        .append_pair("pageSize", "1")
        .append_pair("fields", "files(id,name,createdTime)");
    let found = api.get(&ctx.user, url).await?;
    Ok(found["files"][0]["id"].as_str().map(str::to_owned))
}

/// After a create whose outcome is unknown: the form, or an error saying
/// whether it was created.
async fn settle(
    ctx: &ToolCtx,
    api: &GoogleApi,
    title: &str,
    since: chrono::DateTime<Utc>,
    cause: ApiError,
) -> ToolResult<Value> {
    let mut lookup_failed = false;
    for delay in CONFIRM_DELAYS {
        tokio::time::sleep(delay).await;
        match find_created(ctx, api, title, since).await {
            Ok(Some(id)) => return super::get_form(ctx, &id).await,
            Ok(None) => lookup_failed = false,
            Err(_) => lookup_failed = true,
        }
    }
    Err(ToolError::Refused(if lookup_failed {
        format!(
            "Google did not confirm the new form ({cause}) and Drive could not be checked, so it may or may not exist. Look for {title:?} with drive_search before creating it again."
        )
    } else {
        format!(
            "Google did not confirm the new form ({cause}); it is not in Drive, so it was not created. It is safe to create it again."
        )
    }))
}

/// Sends the batch once under the form's revision; a resend after a lost
/// answer is refused by Google, and the form read shows whether it landed.
async fn add_questions(
    ctx: &ToolCtx,
    api: &GoogleApi,
    form: &Value,
    requests: Vec<Value>,
) -> ToolResult<Value> {
    let id = str_of(form, "formId").unwrap_or_default();
    let expected = form["items"].as_array().map_or(0, Vec::len)
        + requests
            .iter()
            .filter(|r| r.get("createItem").is_some())
            .count();
    let body = json!({
        "includeFormInResponse": true,
        "requests": requests,
        "writeControl": { "requiredRevisionId": form["revisionId"] },
    });
    let url = forms_url(api, &[&format!("{id}:batchUpdate")]);
    let sent = api
        .call(
            &ctx.user,
            Method::POST,
            url,
            Some(Body::Json(body)),
            Retry::Safe,
        )
        .await;
    match sent {
        Ok((reply, _)) if reply["form"].is_object() => Ok(reply["form"].clone()),
        Ok(_) => super::get_form(ctx, &id).await,
        Err(e @ (ApiError::Unavailable(_) | ApiError::BadRequest(_))) => {
            let now = super::get_form(ctx, &id).await?;
            let has = now["items"].as_array().map_or(0, Vec::len);
            if has == expected && now["revisionId"] != form["revisionId"] {
                return Ok(now);
            }
            Err(ToolError::Refused(format!(
                "The form {id} was created ({}) but its questions could not be added: {e}. Read it with forms_read; delete it in Drive (drive_trash) before creating it again.",
                format_args!("https://docs.google.com/forms/d/{id}/edit")
            )))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(ctx: ToolCtx, args: CreateFormArgs) -> ToolResult<Rendered<FormView>> {
    let api = &ctx.api;
    let title = args.title.trim();
    if title.is_empty() {
        return Err(ToolError::invalid("title", "must not be empty"));
    }
    too_long("title", title, TITLE_MAX)?;
    if let Some(d) = &args.description {
        too_long("description", d, DESCRIPTION_MAX)?;
    }
    if args.questions.len() > MAX_QUESTIONS {
        return Err(ToolError::invalid(
            "questions",
            format!("at most {MAX_QUESTIONS}"),
        ));
    }
    let mut requests = Vec::with_capacity(args.questions.len() + 1);
    if let Some(d) = args
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        requests.push(json!({ "updateFormInfo": {
            "info": { "description": d }, "updateMask": "description" } }));
    }
    for (i, q) in args.questions.iter().enumerate() {
        requests.push(question_request(i, q)?);
    }
    let body = json!({ "info": { "title": title, "documentTitle": title } });
    let since = Utc::now();
    let sent = api
        .call(
            &ctx.user,
            Method::POST,
            forms_url(api, &[]),
            Some(Body::Json(body)),
            Retry::RejectedOnly,
        )
        .await;
    let (form, note) = match sent {
        Ok((form, _)) => (form, None),
        Err(e @ ApiError::Unavailable(_)) => {
            let form = settle(&ctx, api, title, since, e).await?;
            let note = "Google's answer was lost, but the form is in Drive: it was created once.";
            (form, Some(note.to_owned()))
        }
        Err(e) => return Err(e.into()),
    };
    let form = if requests.is_empty() {
        form
    } else {
        add_questions(&ctx, api, &form, requests).await?
    };
    let mut view = FormView::from_google(&form);
    view.note = note;
    let text = format!("Created {}", view.text());
    Ok(Rendered::new(view, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: QuestionKind, options: &[&str]) -> QuestionArg {
        QuestionArg {
            title: "Q".into(),
            kind,
            options: options.iter().map(|o| o.to_string()).collect(),
            required: true,
            low: None,
            high: None,
            low_label: None,
            high_label: None,
        }
    }

    #[test]
    fn questions_become_create_item_requests_and_bad_ones_name_the_question() {
        let r = question_request(2, &q(QuestionKind::Checkbox, &["a", "b"])).unwrap();
        let question = &r["createItem"]["item"]["questionItem"]["question"];
        assert_eq!(question["choiceQuestion"]["type"], "CHECKBOX");
        assert_eq!(question["required"], true);
        assert_eq!(r["createItem"]["location"]["index"], 2);
        let s = question_request(0, &q(QuestionKind::Scale, &[])).unwrap();
        assert_eq!(
            s["createItem"]["item"]["questionItem"]["question"]["scaleQuestion"],
            json!({"low": 1, "high": 5})
        );
        let para = question_request(0, &q(QuestionKind::Paragraph, &[])).unwrap();
        assert_eq!(
            para["createItem"]["item"]["questionItem"]["question"]["textQuestion"]["paragraph"],
            true
        );
        for (bad, why) in [
            (
                q(QuestionKind::MultipleChoice, &[]),
                "needs non-empty options",
            ),
            (q(QuestionKind::Dropdown, &["a", " a "]), "given twice"),
            (q(QuestionKind::Text, &["a"]), "only for multiple_choice"),
        ] {
            let e = question_request(3, &bad).unwrap_err().to_string();
            assert!(e.contains("questions[3]") && e.contains(why), "{e}");
        }
        let mut wide = q(QuestionKind::Scale, &[]);
        wide.high = Some(11);
        assert!(question_request(0, &wide).is_err());
        let mut labelled = q(QuestionKind::Text, &[]);
        labelled.low_label = Some("x".into());
        assert!(question_request(0, &labelled).is_err());
    }
}
