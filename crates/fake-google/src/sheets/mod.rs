//! Sheets API v4 (`/v4/spreadsheets…`): spreadsheets kept per user, shared with Drive.

pub(crate) mod model;
