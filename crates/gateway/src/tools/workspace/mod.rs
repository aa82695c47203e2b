//! Across the Workspace: `workspace_search`, one query to Gmail, Drive and
//! Calendar at once.

pub mod rank;
pub mod search;

use crate::tools::adapter::Route;

pub(crate) fn routes() -> Vec<Route> {
    vec![Route::new(
        "workspace_search",
        "Search across Workspace",
        "One search across the user's Gmail, Drive (full text), Calendar and, when offered, Contacts at once: use it first to find what exists about a topic, then read a hit with gmail_read_message, drive_read_file or calendar_get_event. The services' results are merged into one list, ranked by how many query words the title (then the snippet) holds and by recency (for events, nearness to now). A service that fails or is slow is named while the others still answer.",
        search::search,
    )]
}
