//! Calendar API v3 (`/calendar/v3/…`), per user, seeded relative to today.

mod events;
mod lists;
pub(crate) mod store;
mod write;

use axum::Router;
use axum::routing::{get, post};

use crate::FakeGoogle;
use crate::api::{ApiError, Caller};

pub(crate) fn routes() -> Router<FakeGoogle> {
    const C: &str = "/calendar/v3/calendars/{calendar_id}";
    Router::new()
        .route(
            "/calendar/v3/users/me/calendarList",
            get(lists::calendar_list),
        )
        .route("/calendar/v3/freeBusy", post(lists::freebusy))
        .route(C, get(lists::calendar_get))
        .route(
            &format!("{C}/events"),
            get(events::list).post(write::insert),
        )
        .route(
            &format!("{C}/events/{{event_id}}"),
            get(events::get).patch(write::patch).delete(write::delete),
        )
        .route(
            &format!("{C}/events/{{event_id}}/instances"),
            get(events::instances),
        )
}

pub(crate) fn not_found() -> ApiError {
    ApiError::not_found("Not Found")
}

/// Whose calendar a `calendarId` names, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// One of the caller's own calendars (their set resolves the id).
    Own,
    /// Another user's primary calendar in the caller's Workspace domain: free/busy only.
    Colleague(String),
}

/// Resolves `calendar_id` for `caller`; unknown or foreign calendars are 404.
pub(crate) fn target(
    fake: &FakeGoogle,
    caller: &Caller,
    calendar_id: &str,
) -> Result<Target, ApiError> {
    let own = fake.with_calendars(&caller.email, |set| set.get(calendar_id).is_some());
    if own {
        return Ok(Target::Own);
    }
    if colleague(fake, caller, calendar_id) {
        return Ok(Target::Colleague(calendar_id.to_ascii_lowercase()));
    }
    Err(not_found())
}

/// Whether `email` is a user in the caller's Workspace domain.
pub(crate) fn colleague(fake: &FakeGoogle, caller: &Caller, email: &str) -> bool {
    let Some(hd) = &caller.hd else {
        return false;
    };
    fake.user(email)
        .is_some_and(|u| u.hd.as_deref() == Some(hd.as_str()))
}

pub(crate) fn writer_required() -> ApiError {
    ApiError::forbidden("You need to have writer access to this calendar.")
        .with_reason("requiredAccessLevel")
}
