//! Sheets tool tests' helpers: ids of the seeded spreadsheets and the values
//! of a read.

use serde_json::Value;

use crate::google_flow::Env;

/// The id of `email`'s spreadsheet (or other Drive file) named `name`.
pub fn book(env: &Env, email: &str, name: &str) -> String {
    env.fake()
        .drive_file_id(email, name)
        .unwrap_or_else(|| panic!("{email} has no {name:?}"))
}

/// The `values` of a `sheets_read_range` answer.
pub fn cells(read: &Value) -> Vec<Vec<Value>> {
    read["values"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r.as_array().cloned().unwrap_or_default())
        .collect()
}
