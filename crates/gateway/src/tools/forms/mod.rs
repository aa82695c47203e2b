//! Google Forms tools (Forms API): create a form with its questions, read
//! a form's questions with their ids, and list its responses with the
//! answers keyed by question title.

mod create;
mod read;

use rmcp::schemars;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::{
    google::api::{ApiError, GoogleApi, api_url_segments},
    tools::{ToolCtx, ToolError, ToolResult, adapter::Route},
};

pub use create::{CreateFormArgs, QuestionArg, QuestionKind};
pub use read::{FormIdArgs, ListResponsesArgs, ResponsePage};

/// `/v1/forms/<segments…>` under the Forms base URL.
pub(crate) fn forms_url(api: &GoogleApi, segments: &[&str]) -> Url {
    api_url_segments(&api.bases.forms, "/v1/forms", segments)
}

/// A form id argument (from the form's URL `docs.google.com/forms/d/<id>/edit`).
pub(crate) fn form_arg(raw: &str) -> ToolResult<String> {
    crate::tools::google_id("form_id", raw)
}

pub(crate) fn form_error(e: ApiError, id: &str) -> ToolError {
    match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "form {id} not found; check its id (docs.google.com/forms/d/<id>/edit) or find it with drive_search."
        )),
        e => e.into(),
    }
}

/// A form read with `forms.get`.
pub(crate) async fn get_form(ctx: &ToolCtx, id: &str) -> ToolResult<Value> {
    let api = &ctx.api;
    api.get(&ctx.user, forms_url(api, &[id]))
        .await
        .map_err(|e| form_error(e, id))
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// One item of a form: a question, or a text, section or media item.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct QuestionRow {
    pub item_id: String,
    /// The key of this question's answers in a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_id: Option<String>,
    pub title: String,
    /// text, paragraph, multiple_choice, checkbox, dropdown, scale, date,
    /// time, rating, file_upload, grid, or for items that ask nothing
    /// text_item, section, image, video.
    pub kind: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// For a scale: `1-5 (Poor … Great)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
}

impl QuestionRow {
    pub fn from_google(item: &Value) -> Self {
        let q = &item["questionItem"]["question"];
        let choice = &q["choiceQuestion"];
        let kind = if q.is_object() {
            if q["textQuestion"].is_object() {
                if q["textQuestion"]["paragraph"] == true {
                    "paragraph"
                } else {
                    "text"
                }
            } else if choice.is_object() {
                match choice["type"].as_str() {
                    Some("CHECKBOX") => "checkbox",
                    Some("DROP_DOWN") => "dropdown",
                    _ => "multiple_choice",
                }
            } else if q["scaleQuestion"].is_object() {
                "scale"
            } else if q["dateQuestion"].is_object() {
                "date"
            } else if q["timeQuestion"].is_object() {
                "time"
            } else if q["ratingQuestion"].is_object() {
                "rating"
            } else if q["fileUploadQuestion"].is_object() {
                "file_upload"
            } else {
                "question"
            }
        } else if item["questionGroupItem"].is_object() {
            "grid"
        } else if item["pageBreakItem"].is_object() {
            "section"
        } else if item["imageItem"].is_object() {
            "image"
        } else if item["videoItem"].is_object() {
            "video"
        } else {
            "text_item"
        };
        let s = &q["scaleQuestion"];
        let scale = s.is_object().then(|| {
            let mut out = format!(
                "{}-{}",
                s["low"].as_i64().unwrap_or(0),
                s["high"].as_i64().unwrap_or(0)
            );
            if s["lowLabel"].is_string() || s["highLabel"].is_string() {
                out.push_str(&format!(
                    " ({} … {})",
                    s["lowLabel"].as_str().unwrap_or(""),
                    s["highLabel"].as_str().unwrap_or("")
                ));
            }
            out
        });
        QuestionRow {
            item_id: str_of(item, "itemId").unwrap_or_default(),
            question_id: str_of(q, "questionId"),
            title: str_of(item, "title").unwrap_or_else(|| "(untitled)".to_owned()),
            kind: kind.to_owned(),
            required: q["required"] == true,
            options: choice["options"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| {
                    o["value"]
                        .as_str()
                        .map(str::to_owned)
                        .or_else(|| (o["isOther"] == true).then(|| "(other)".to_owned()))
                })
                .collect(),
            scale,
        }
    }

    /// `1. Where should we go? — multiple_choice, required: Lisbon | Berlin — item 1a2b`.
    fn line(&self, n: usize) -> String {
        let mut out = format!("{n}. {} — {}", self.title, self.kind);
        if self.required {
            out.push_str(", required");
        }
        if !self.options.is_empty() {
            out.push_str(&format!(": {}", self.options.join(" | ")));
        }
        if let Some(s) = &self.scale {
            out.push_str(&format!(": {s}"));
        }
        out.push_str(&format!(" — item {}", self.item_id));
        if let Some(q) = &self.question_id {
            out.push_str(&format!(", question {q}"));
        }
        out.push('\n');
        out
    }
}

/// A form with its items.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FormView {
    pub form_id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where people answer it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responder_url: Option<String>,
    /// Where its owner edits it.
    pub edit_url: String,
    /// In form order.
    pub questions: Vec<QuestionRow>,
    /// Set when Google's answer was lost and the form was found instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl FormView {
    pub fn from_google(form: &Value) -> Self {
        let id = str_of(form, "formId").unwrap_or_default();
        FormView {
            title: str_of(&form["info"], "title").unwrap_or_default(),
            description: str_of(&form["info"], "description"),
            responder_url: str_of(form, "responderUri"),
            edit_url: format!("https://docs.google.com/forms/d/{id}/edit"),
            form_id: id,
            questions: form["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(QuestionRow::from_google)
                .collect(),
            note: None,
        }
    }

    pub fn text(&self) -> String {
        let mut out = format!("Form {:?} (id {})\n", self.title, self.form_id);
        if let Some(d) = &self.description {
            out.push_str(&format!("{d}\n"));
        }
        if let Some(u) = &self.responder_url {
            out.push_str(&format!("Answer at {u}\n"));
        }
        out.push_str(&format!("Edit at {}\n", self.edit_url));
        if self.questions.is_empty() {
            out.push_str("No questions.\n");
        }
        for (i, q) in self.questions.iter().enumerate() {
            out.push_str(&q.line(i + 1));
        }
        if let Some(n) = &self.note {
            out.push_str(n);
            out.push('\n');
        }
        out
    }
}

/// The Forms tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "forms_create",
            "Create a form",
            "Create a Google Form with a title, description and questions (text, paragraph, multiple_choice, checkbox, dropdown, scale). Never creates it twice when Google's answer is lost. Returns the links to answer and edit it.",
            create::create,
        ),
        Route::new(
            "forms_read",
            "Read a form",
            "Read a Google Form's title, description and items in order: each question's title, kind, options or scale, whether required, and its item and question ids.",
            read::read,
        ),
        Route::new(
            "forms_list_responses",
            "List form responses",
            "List a Google Form's responses, oldest first: when submitted, by whom (if collected), and the answers keyed by question title. Paged.",
            read::list_responses,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn items_read_googles_shapes_and_render_compactly() {
        let form = json!({"formId": "F1", "info": {"title": "Survey", "description": "Plan"},
        "responderUri": "https://docs.google.com/forms/d/e/F1/viewform",
        "items": [
            {"itemId": "i1", "title": "Where?", "questionItem": {"question": {"questionId": "q1",
                "required": true, "choiceQuestion": {"type": "RADIO",
                "options": [{"value": "Lisbon"}, {"isOther": true}]}}}},
            {"itemId": "i2", "title": "Rate", "questionItem": {"question": {"questionId": "q2",
                "scaleQuestion": {"low": 1, "high": 5, "lowLabel": "Poor", "highLabel": "Great"}}}},
            {"itemId": "i3", "title": "Notes", "questionItem": {"question": {"questionId": "q3",
                "textQuestion": {"paragraph": true}}}},
            {"itemId": "i4", "title": "Part 2", "pageBreakItem": {}},
        ]});
        let view = FormView::from_google(&form);
        let kinds: Vec<&str> = view.questions.iter().map(|q| q.kind.as_str()).collect();
        assert_eq!(kinds, ["multiple_choice", "scale", "paragraph", "section"]);
        assert_eq!(view.questions[0].options, ["Lisbon", "(other)"]);
        assert_eq!(view.edit_url, "https://docs.google.com/forms/d/F1/edit");
        let text = view.text();
        assert!(
            text.contains(
                "1. Where? — multiple_choice, required: Lisbon | (other) — item i1, question q1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("2. Rate — scale: 1-5 (Poor … Great) — item i2"),
            "{text}"
        );
        assert!(form_arg("a b").is_err());
        assert_eq!(
            form_arg("https://docs.google.com/forms/d/1Ab-_9/edit").unwrap(),
            "1Ab-_9"
        );
        let e = form_error(ApiError::NotFound("x".into()), "F9").to_string();
        assert!(e.starts_with("form F9 not found"), "{e}");
    }
}
