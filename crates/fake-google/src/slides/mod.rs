//! Slides API v1 (`GET /v1/presentations/{id}`): the Google Slides decks
//! Drive lists (shared ids). A deck's slides come from its stored text: blocks
//! separated by blank lines, the first line of a block is the slide's title,
//! the other lines its body paragraphs.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use serde_json::{Value, json};

use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, ok_json};
use crate::drive::fields::Fields;
use crate::drive::store::{DriveFile, SLIDES, Workspace};

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new().route("/v1/presentations/{id}", get(get_presentation))
}

/// One slide of a deck: its title and body paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slide {
    pub title: String,
    pub body: Vec<String>,
}

impl Slide {
    /// The slide's text: the title, then each body paragraph, one per line.
    pub fn text(&self) -> String {
        std::iter::once(self.title.as_str())
            .chain(self.body.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The slides of a deck's stored text (no text, no slides).
pub(crate) fn parse(text: &str) -> Vec<Slide> {
    let text = text.trim_start_matches('\u{feff}');
    let mut slides = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines().chain(std::iter::once("")) {
        if !line.trim().is_empty() {
            block.push(line);
            continue;
        }
        if let Some((title, body)) = block.split_first() {
            slides.push(Slide {
                title: title.to_string(),
                body: body.iter().map(|l| l.to_string()).collect(),
            });
        }
        block.clear();
    }
    slides
}

/// The text stored for `slides` (blank lines inside a body are dropped).
pub(crate) fn to_text(slides: &[(&str, &str)]) -> String {
    slides
        .iter()
        .map(|(title, body)| {
            std::iter::once(title.replace('\n', " "))
                .chain(
                    body.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_string),
                )
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Google's default 16:9 page, in EMU (whole numbers print without `.0`, as
/// Google's JSON does for doubles).
const PAGE: (i64, i64) = (9_144_000, 5_143_500);
const MASTER_ID: &str = "p1";
const TITLE_LAYOUT: &str = "p2";
const BODY_LAYOUT: &str = "p3";
const NOTES_MASTER: &str = "n";
const NOTES_MASTER_BODY: &str = "n:body";

fn emu(magnitude: i64) -> Value {
    json!({ "magnitude": magnitude, "unit": "EMU" })
}

/// Position and size of a placeholder on its page, in EMU.
#[derive(Clone, Copy)]
struct Frame {
    x: i64,
    y: i64,
    width: i64,
    height: i64,
}

const fn frame(x: i64, y: i64, width: i64, height: i64) -> Frame {
    Frame {
        x,
        y,
        width,
        height,
    }
}

const CENTERED_TITLE: Frame = frame(311_700, 744_575, 8_520_600, 2_052_600);
const SUBTITLE: Frame = frame(311_700, 2_834_125, 8_520_600, 792_600);
const TITLE: Frame = frame(311_700, 445_025, 8_520_600, 572_700);
const BODY: Frame = frame(311_700, 1_152_475, 8_520_600, 3_416_400);
const NOTES_BODY: Frame = frame(685_800, 4_400_550, 5_486_400, 4_114_800);

/// `TextContent`: one paragraph marker and one run per paragraph, each
/// paragraph ending in `\n`; indexes in UTF-16 code units, `startIndex`
/// omitted when 0 (as proto3 JSON does).
fn text_content(paragraphs: &[String]) -> Value {
    fn ranged(mut element: Value, start: usize, end: usize) -> Value {
        if start > 0 {
            element["startIndex"] = json!(start);
        }
        element["endIndex"] = json!(end);
        element
    }
    let mut elements = Vec::new();
    let mut at = 0;
    for paragraph in paragraphs {
        let content = format!("{paragraph}\n");
        let end = at + content.encode_utf16().count();
        elements.push(ranged(
            json!({ "paragraphMarker": { "style": { "direction": "LEFT_TO_RIGHT" } } }),
            at,
            end,
        ));
        elements.push(ranged(
            json!({ "textRun": { "content": content, "style": {} } }),
            at,
            end,
        ));
        at = end;
    }
    json!({ "textElements": elements })
}

/// A placeholder shape; no `text` when it holds no paragraphs (as Slides
/// answers for an empty placeholder).
fn placeholder(
    object_id: &str,
    kind: &str,
    parent: Option<&str>,
    frame: Frame,
    paragraphs: &[String],
) -> Value {
    let mut holder = json!({ "type": kind });
    if let Some(parent) = parent {
        holder["parentObjectId"] = json!(parent);
    }
    let mut shape = json!({ "shapeType": "TEXT_BOX", "placeholder": holder });
    if !paragraphs.is_empty() {
        shape["text"] = text_content(paragraphs);
    }
    json!({
        "objectId": object_id,
        "size": { "width": emu(frame.width), "height": emu(frame.height) },
        "transform": {
            "scaleX": 1,
            "scaleY": 1,
            "translateX": frame.x,
            "translateY": frame.y,
            "unit": "EMU",
        },
        "shape": shape,
    })
}

/// The layout a slide uses: `(layout id, title kind, body kind, frames)`.
fn layout(first: bool) -> (&'static str, &'static str, &'static str, Frame, Frame) {
    if first {
        (
            TITLE_LAYOUT,
            "CENTERED_TITLE",
            "SUBTITLE",
            CENTERED_TITLE,
            SUBTITLE,
        )
    } else {
        (BODY_LAYOUT, "TITLE", "BODY", TITLE, BODY)
    }
}

fn layout_page(first: bool) -> Value {
    let (id, title, body, title_frame, body_frame) = layout(first);
    let (name, display) = if first {
        ("TITLE", "Title slide")
    } else {
        ("TITLE_AND_BODY", "Title and body")
    };
    json!({
        "objectId": id,
        "pageType": "LAYOUT",
        "pageElements": [
            placeholder(&format!("{id}_i0"), title, None, title_frame, &[]),
            placeholder(&format!("{id}_i1"), body, None, body_frame, &[]),
        ],
        "layoutProperties": { "masterObjectId": MASTER_ID, "name": name, "displayName": display },
    })
}

/// The `Page` of slide `index`; object ids derive from the deck id and the
/// slide's position, so they are the same on every read.
fn slide_page(deck: &str, index: usize, slide: &Slide) -> Value {
    let prefix = format!(
        "g{:011x}_{index}",
        crate::seed::hash(deck, "slides") & 0xfff_ffff_ffff
    );
    let id = format!("{prefix}_0");
    let (layout_id, title, body, title_frame, body_frame) = layout(index == 0);
    let notes_shape = format!("{prefix}_3");
    json!({
        "objectId": id,
        "pageType": "SLIDE",
        "pageElements": [
            placeholder(
                &format!("{prefix}_1"),
                title,
                Some(&format!("{layout_id}_i0")),
                title_frame,
                std::slice::from_ref(&slide.title),
            ),
            placeholder(
                &format!("{prefix}_2"),
                body,
                Some(&format!("{layout_id}_i1")),
                body_frame,
                &slide.body,
            ),
        ],
        "slideProperties": {
            "layoutObjectId": layout_id,
            "masterObjectId": MASTER_ID,
            "notesPage": {
                "objectId": format!("{id}:notes"),
                "pageType": "NOTES",
                "pageElements": [
                    placeholder(&notes_shape, "BODY", Some(NOTES_MASTER_BODY), NOTES_BODY, &[]),
                ],
                "notesProperties": { "speakerNotesObjectId": notes_shape },
            },
        },
    })
}

pub(crate) fn revision_id(file: &DriveFile) -> String {
    let seed = format!(
        "{}#{}",
        file.modified,
        String::from_utf8_lossy(&file.content)
    );
    format!(
        "ALm37B{:x}",
        crate::seed::hash(&file.id, &seed) & 0xffff_ffff_ffff
    )
}

/// The `Presentation` resource of a Slides file.
pub(crate) fn presentation(file: &DriveFile) -> Value {
    let slides: Vec<Value> = parse(&String::from_utf8_lossy(&file.content))
        .iter()
        .enumerate()
        .map(|(i, slide)| slide_page(&file.id, i, slide))
        .collect();
    let mut out = json!({
        "presentationId": file.id,
        "title": file.name,
        "locale": "en",
        "revisionId": revision_id(file),
        "pageSize": { "width": emu(PAGE.0), "height": emu(PAGE.1) },
        "masters": [{
            "objectId": MASTER_ID,
            "pageType": "MASTER",
            "masterProperties": { "displayName": "Simple Light" },
        }],
        "layouts": [layout_page(true), layout_page(false)],
        "notesMaster": {
            "objectId": NOTES_MASTER,
            "pageType": "NOTES_MASTER",
            "pageElements": [placeholder(NOTES_MASTER_BODY, "BODY", None, NOTES_BODY, &[])],
        },
    });
    // Google leaves out empty lists: a deck without slides has no `slides`.
    if !slides.is_empty() {
        out["slides"] = json!(slides);
    }
    out
}

/// The Slides file `id` the caller can see; 404 for any other id.
pub(crate) fn deck<'a>(ws: &'a Workspace, id: &str) -> Result<&'a DriveFile, ApiError> {
    ws.file(id)
        .filter(|f| f.mime_type == SLIDES)
        .ok_or_else(|| ApiError::not_found("Requested entity was not found."))
}

/// `GET /v1/presentations/{id}` (`fields` selects parts of the answer).
async fn get_presentation(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("slides.presentations.get")?;
    let params = Params::parse(raw.as_deref());
    fake.with_workspace(&caller.email, |ws| {
        let out = presentation(deck(ws, &id)?);
        Ok(ok_json(&match params.get("fields") {
            Some(spec) => Fields::parse(spec).apply(&out),
            None => out,
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_through_slides() {
        let text = to_text(&[("Intro", ""), ("Plan", "One\n\nTwo")]);
        assert_eq!(text, "Intro\n\nPlan\nOne\nTwo\n");
        let slides = parse(&text);
        assert_eq!(slides.len(), 2);
        assert_eq!(slides[1].body, ["One", "Two"]);
        assert_eq!(slides[1].text(), "Plan\nOne\nTwo");
        assert!(parse("").is_empty());
        assert!(parse("\u{feff}\n \n").is_empty());
        assert_eq!(parse("A\r\nb\r\n\r\n\r\nC").len(), 2);
    }

    #[test]
    fn indexes_count_utf16_units() {
        let content = text_content(&["😀 hi".to_string(), "x".to_string()]);
        let elements = content["textElements"].as_array().unwrap();
        assert!(elements[0].get("startIndex").is_none());
        assert_eq!(elements[1]["endIndex"], 6);
        assert_eq!(elements[2]["startIndex"], 6);
        assert_eq!(elements[3]["endIndex"], 8);
    }
}
