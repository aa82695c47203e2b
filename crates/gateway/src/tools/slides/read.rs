//! `slides_read`: a deck's slides with their layouts, the text of each
//! page element, and the speaker notes.

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    google::api::{ApiError, api_url_segments},
    tools::{
        ToolCtx, ToolError, ToolResult,
        adapter::{Rendered, ToolOutput},
    },
};

/// Most slides one call returns.
pub const MAX_SLIDES: usize = 100;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadDeckArgs {
    /// From drive_search (type presentation) or the deck's URL.
    pub presentation_id: String,
    /// Slide numbers (1 = first) to read; default all (at most 100).
    #[serde(default)]
    pub slides: Vec<u32>,
}

/// One element of a slide.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ElementRow {
    /// The element's object id (what an edit names).
    pub object_id: String,
    /// title, subtitle, body, … for a placeholder; text_box, shape, image,
    /// table, video, line, chart or group otherwise.
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SlideRow {
    /// 1 = first.
    pub number: usize,
    pub object_id: String,
    /// The layout's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    pub elements: Vec<ElementRow>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// The speaker notes shape's object id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes_object_id: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeckView {
    pub presentation_id: String,
    pub title: String,
    /// Slides in the deck.
    pub slide_count: usize,
    pub slides: Vec<SlideRow>,
    pub link: String,
}

fn shape_text(shape: &Value) -> String {
    shape["text"]["textElements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["textRun"]["content"].as_str())
        .collect::<String>()
        .trim_end_matches('\n')
        .to_owned()
}

fn element(e: &Value) -> ElementRow {
    let shape = &e["shape"];
    let kind = if let Some(p) = shape["placeholder"]["type"].as_str() {
        p.to_ascii_lowercase()
    } else if shape.is_object() {
        if shape["shapeType"] == "TEXT_BOX" {
            "text_box".to_owned()
        } else {
            "shape".to_owned()
        }
    } else {
        [
            "image",
            "table",
            "video",
            "line",
            "sheetsChart",
            "elementGroup",
        ]
        .into_iter()
        .find(|k| e[*k].is_object())
        .map(|k| match k {
            "sheetsChart" => "chart",
            "elementGroup" => "group",
            k => k,
        })
        .unwrap_or("element")
        .to_owned()
    };
    ElementRow {
        object_id: e["objectId"].as_str().unwrap_or_default().to_owned(),
        kind,
        text: shape_text(shape),
    }
}

impl DeckView {
    pub fn from_google(deck: &Value, wanted: &[u32]) -> ToolResult<Self> {
        let layouts: Vec<(&str, &str)> = deck["layouts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| {
                Some((
                    l["objectId"].as_str()?,
                    l["layoutProperties"]["displayName"].as_str()?,
                ))
            })
            .collect();
        let all: Vec<&Value> = deck["slides"].as_array().into_iter().flatten().collect();
        if let Some(bad) = wanted.iter().find(|n| **n == 0 || **n as usize > all.len()) {
            return Err(ToolError::invalid(
                "slides",
                format!(
                    "slide {bad} does not exist: the deck has {} slides",
                    all.len()
                ),
            ));
        }
        let slides = all
            .iter()
            .enumerate()
            .filter(|(i, _)| wanted.is_empty() || wanted.contains(&(*i as u32 + 1)))
            .take(MAX_SLIDES)
            .map(|(i, s)| {
                let props = &s["slideProperties"];
                let notes_page = &props["notesPage"];
                let notes_id = notes_page["notesProperties"]["speakerNotesObjectId"].as_str();
                let notes = notes_page["pageElements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e["objectId"].as_str() == notes_id)
                    .map(|e| shape_text(&e["shape"]))
                    .unwrap_or_default();
                SlideRow {
                    number: i + 1,
                    object_id: s["objectId"].as_str().unwrap_or_default().to_owned(),
                    layout: props["layoutObjectId"].as_str().and_then(|id| {
                        layouts
                            .iter()
                            .find(|(l, _)| *l == id)
                            .map(|(_, name)| (*name).to_owned())
                    }),
                    elements: s["pageElements"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(element)
                        .collect(),
                    notes,
                    notes_object_id: notes_id.map(str::to_owned),
                }
            })
            .collect();
        let id = deck["presentationId"].as_str().unwrap_or_default();
        Ok(DeckView {
            presentation_id: id.to_owned(),
            title: deck["title"].as_str().unwrap_or_default().to_owned(),
            slide_count: all.len(),
            slides,
            link: format!("https://docs.google.com/presentation/d/{id}/edit"),
        })
    }
}

impl ToolOutput for DeckView {
    fn text(&self) -> String {
        let mut out = format!(
            "Deck {:?} (id {}), {} slides\n",
            self.title, self.presentation_id, self.slide_count
        );
        for s in &self.slides {
            out.push_str(&format!("Slide {} — id {}", s.number, s.object_id));
            if let Some(l) = &s.layout {
                out.push_str(&format!(" — layout {l}"));
            }
            out.push('\n');
            for e in &s.elements {
                let text = if e.text.is_empty() {
                    "(empty)".to_owned()
                } else {
                    e.text.replace('\n', " / ")
                };
                out.push_str(&format!("  [{} {}] {text}\n", e.kind, e.object_id));
            }
            if !s.notes.is_empty() {
                out.push_str(&format!("  notes: {}\n", s.notes.replace('\n', " / ")));
            }
        }
        out
    }
}

pub async fn read(ctx: ToolCtx, args: ReadDeckArgs) -> ToolResult<Rendered<DeckView>> {
    let api = &ctx.api;
    let id = &crate::tools::google_id("presentation_id", &args.presentation_id)?;
    if args.slides.len() > MAX_SLIDES {
        return Err(ToolError::invalid(
            "slides",
            format!("at most {MAX_SLIDES}"),
        ));
    }
    let url = api_url_segments(&api.bases.slides, "/v1/presentations", &[id]);
    let deck = api.get(&ctx.user, url).await.map_err(|e| match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "presentation {id} not found; find it with drive_search (type presentation)."
        )),
        e => e.into(),
    })?;
    let view = DeckView::from_google(&deck, &args.slides)?;
    let text = view.text();
    Ok(Rendered::new(view, text))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn slides_show_layouts_elements_and_notes() {
        let text = |s: &str| json!({"textElements": [{"paragraphMarker": {}}, {"textRun": {"content": s}}]});
        let deck = json!({"presentationId": "P1", "title": "Kickoff",
            "layouts": [{"objectId": "L1", "layoutProperties": {"displayName": "Title and body"}}],
            "slides": [
                {"objectId": "s1", "slideProperties": {"layoutObjectId": "L1",
                    "notesPage": {"notesProperties": {"speakerNotesObjectId": "n1"},
                        "pageElements": [{"objectId": "n1", "shape": {"text": text("Say hi\n")}}]}},
                 "pageElements": [
                    {"objectId": "t1", "shape": {"placeholder": {"type": "TITLE"}, "text": text("Why\n")}},
                    {"objectId": "b1", "shape": {"shapeType": "TEXT_BOX", "text": text("One\nTwo\n")}},
                    {"objectId": "i1", "image": {"contentUrl": "x"}}]},
                {"objectId": "s2", "pageElements": []}]});
        let view = DeckView::from_google(&deck, &[]).unwrap();
        assert_eq!(view.slides[0].layout.as_deref(), Some("Title and body"));
        assert_eq!(view.slides[0].notes, "Say hi");
        let kinds: Vec<&str> = view.slides[0]
            .elements
            .iter()
            .map(|e| e.kind.as_str())
            .collect();
        assert_eq!(kinds, ["title", "text_box", "image"]);
        let out = view.text();
        assert!(out.contains("Slide 1 — id s1 — layout Title and body\n  [title t1] Why\n  [text_box b1] One / Two\n  [image i1] (empty)\n  notes: Say hi\n"), "{out}");
        let second = DeckView::from_google(&deck, &[2]).unwrap();
        assert_eq!(second.slides.len(), 1);
        assert_eq!(second.slides[0].number, 2);
        let e = DeckView::from_google(&deck, &[3]).unwrap_err().to_string();
        assert!(
            e.contains("slide 3 does not exist: the deck has 2 slides"),
            "{e}"
        );
    }
}
