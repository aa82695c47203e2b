//! Calendar API v3 (`/calendar/v3/…`), per user, seeded relative to today.

pub(crate) mod store;

use axum::Router;

use crate::FakeGoogle;

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new()
}
