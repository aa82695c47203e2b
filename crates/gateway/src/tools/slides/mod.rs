//! Google Slides tools (Slides API): read a deck slide by slide with what
//! an edit needs (object ids, layouts, placeholders) and the speaker notes.

mod read;

use crate::tools::adapter::Route;

pub use read::{DeckView, ReadDeckArgs};

/// The Slides tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![Route::new(
        "slides_read",
        "Read a presentation",
        "Read a Google Slides deck slide by slide: each slide's layout, its text boxes and placeholders with their object ids and text, and its speaker notes. For the deck's text alone drive_read_file is shorter.",
        read::read,
    )]
}
