//! Sheets API v4 (`/v4/spreadsheets…`): spreadsheets kept per user, the same
//! ones Drive lists (shared ids).

pub(crate) mod a1;
mod book;
mod format;
pub(crate) use book::insert_file;
mod input;
pub(crate) mod model;
mod values;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::FakeGoogle;
use crate::api::ApiError;
use crate::drive::store::{SHEET, Workspace};
use model::Spreadsheet;

pub(crate) fn routes() -> Router<FakeGoogle> {
    const S: &str = "/v4/spreadsheets/{id}";
    Router::new()
        .route("/v4/spreadsheets", post(book::create))
        .route(S, get(book::get).post(book::batch_update))
        .route(&format!("{S}/{{action}}"), get(values::batch_get))
        .route(
            &format!("{S}/values/{{range}}"),
            get(values::get)
                .put(values::update)
                .post(values::append_or_clear),
        )
}

pub(crate) fn not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "badRequest", message)
}

/// The spreadsheet `id` in the caller's Drive; `write` needs edit access.
pub(crate) fn book<'a>(
    ws: &'a mut Workspace,
    id: &str,
    write: bool,
) -> Result<&'a mut Spreadsheet, ApiError> {
    let file = ws
        .file(id)
        .filter(|f| f.mime_type == SHEET)
        .ok_or_else(not_found)?;
    if write && !crate::drive::can_edit(ws, file) {
        return Err(ApiError::forbidden("The caller does not have permission"));
    }
    if write {
        let now = crate::api::now_ms();
        if let Some(f) = ws.file_mut(id) {
            f.modified = now.max(f.modified + 1);
        }
    }
    ws.sheets.get_mut(id).ok_or_else(not_found)
}

pub(crate) fn spreadsheet_url(id: &str) -> String {
    format!("https://docs.google.com/spreadsheets/d/{id}/edit")
}
