//! Docs API v1 (`/v1/documents…`): documents kept per user, shared with Drive.

pub(crate) mod model;
