//! `users.settings`: filters (list, get, create, delete), the vacation
//! responder (get, update) and send-as addresses (list), per user.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::authorize;
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, json_body, no_content, ok_json};

/// Gmail's limit on filters per user.
const MAX_FILTERS: usize = 1000;

/// A user's mail settings (seeded in `seed/mail_settings.rs`).
#[derive(Debug, Clone, Default)]
pub struct MailSettings {
    /// `Filter` resources.
    pub filters: Vec<Value>,
    /// The `VacationSettings` resource.
    pub vacation: Value,
    /// `SendAs` resources, the primary address first.
    pub send_as: Vec<Value>,
    pub counter: u64,
}

impl MailSettings {
    pub(crate) fn new_filter_id(&mut self, email: &str) -> String {
        self.counter += 1;
        let digest = Sha256::digest(format!("filter/{email}/{}", self.counter).as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("ANe1Bm{hex}")
    }
}

fn filter_not_found() -> ApiError {
    ApiError::not_found("Filter not found")
}

/// `GET …/settings/filters`: `{}` when there are none, as Gmail answers.
pub(crate) async fn filters_list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.settings.filters.list")?;
    let filters = fake.with_mail_settings(&caller.email, |s| s.filters.clone());
    if filters.is_empty() {
        return Ok(ok_json(&json!({})));
    }
    Ok(ok_json(&json!({ "filter": filters })))
}

/// `GET …/settings/filters/{id}`
pub(crate) async fn filters_get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.settings.filters.get")?;
    fake.with_mail_settings(&caller.email, |s| {
        s.filters.iter().find(|f| f["id"] == id.as_str()).cloned()
    })
    .map(|f| ok_json(&f))
    .ok_or_else(filter_not_found)
}

const CRITERIA_TEXT: [&str; 5] = ["from", "to", "subject", "query", "negatedQuery"];

/// The criteria Gmail keeps: non-empty text fields and set flags.
fn criteria(body: &Value) -> Result<Value, ApiError> {
    let given = &body["criteria"];
    let mut out = json!({});
    for field in CRITERIA_TEXT {
        match &given[field] {
            Value::Null => {}
            Value::String(s) if s.trim().is_empty() => {}
            Value::String(s) => out[field] = json!(s),
            _ => {
                return Err(ApiError::invalid_argument(format!(
                    "Invalid JSON payload received. Invalid value at 'filter.criteria.{field}' (TYPE_STRING)"
                )));
            }
        }
    }
    for flag in ["hasAttachment", "excludeChats"] {
        match &given[flag] {
            Value::Null | Value::Bool(false) => {}
            Value::Bool(true) => out[flag] = json!(true),
            _ => {
                return Err(ApiError::invalid_argument(format!(
                    "Invalid JSON payload received. Invalid value at 'filter.criteria.{flag}' (TYPE_BOOL)"
                )));
            }
        }
    }
    if let Some(size) = given["size"].as_i64() {
        out["size"] = json!(size);
        out["sizeComparison"] = given["sizeComparison"].clone();
    }
    if out.as_object().is_none_or(|o| o.is_empty()) {
        return Err(ApiError::bad_request("Filter doesn't have any criteria"));
    }
    Ok(out)
}

fn label_ids(action: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    match &action[field] {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::invalid_argument(format!(
                        "Invalid JSON payload received. Invalid value at 'filter.action.{field}' (TYPE_STRING)"
                    ))
                })
            })
            .collect(),
        _ => Err(ApiError::invalid_argument(format!(
            "Invalid JSON payload received. Invalid value at 'filter.action.{field}'"
        ))),
    }
}

/// `POST …/settings/filters`: labels must exist; forwarding needs a
/// verified forwarding address, which no seeded user has.
pub(crate) async fn filters_create(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.settings.filters.create")?;
    let body: Value = json_body(&body)?;
    let criteria = criteria(&body)?;
    let add = label_ids(&body["action"], "addLabelIds")?;
    let remove = label_ids(&body["action"], "removeLabelIds")?;
    if let Some(to) = body["action"]["forward"].as_str().filter(|s| !s.is_empty()) {
        return Err(ApiError::bad_request(format!(
            "Invalid forwarding address: {to}"
        )));
    }
    if add.is_empty() && remove.is_empty() {
        return Err(ApiError::bad_request("Filter doesn't have any actions"));
    }
    let unknown = fake.with_mailbox(&caller.email, |mb| {
        add.iter()
            .chain(&remove)
            .find(|id| mb.label(id).is_none())
            .cloned()
    });
    if let Some(id) = unknown {
        return Err(ApiError::bad_request(format!(
            "Invalid label {id} in AddLabelIds or RemoveLabelIds"
        )));
    }
    let mut action = json!({});
    if !add.is_empty() {
        action["addLabelIds"] = json!(add);
    }
    if !remove.is_empty() {
        action["removeLabelIds"] = json!(remove);
    }
    let email = caller.email.clone();
    let created = fake.with_mail_settings(&caller.email, |s| {
        if s.filters
            .iter()
            .any(|f| f["criteria"] == criteria && f["action"] == action)
        {
            return Err(ApiError::bad_request("Filter already exists")
                .with_status("FAILED_PRECONDITION")
                .with_reason("failedPrecondition"));
        }
        if s.filters.len() >= MAX_FILTERS {
            return Err(ApiError::bad_request("Too many filters")
                .with_status("FAILED_PRECONDITION")
                .with_reason("failedPrecondition"));
        }
        let filter =
            json!({ "id": s.new_filter_id(&email), "criteria": criteria, "action": action });
        s.filters.push(filter.clone());
        Ok(filter)
    })?;
    Ok(ok_json(&created))
}

/// `DELETE …/settings/filters/{id}`
pub(crate) async fn filters_delete(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.settings.filters.delete")?;
    let removed = fake.with_mail_settings(&caller.email, |s| {
        let before = s.filters.len();
        s.filters.retain(|f| f["id"] != id.as_str());
        s.filters.len() < before
    });
    if removed {
        Ok(no_content())
    } else {
        Err(filter_not_found())
    }
}

/// `GET …/settings/vacation`
pub(crate) async fn vacation_get(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.settings.getVacation")?;
    Ok(ok_json(
        &fake.with_mail_settings(&caller.email, |s| s.vacation.clone()),
    ))
}

fn millis(body: &Value, field: &str) -> Result<Option<i64>, ApiError> {
    match &body[field] {
        Value::Null => Ok(None),
        Value::String(s) => s.parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid_argument(format!("Invalid value at '{field}' (TYPE_INT64), \"{s}\""))
        }),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| {
            ApiError::invalid_argument(format!("Invalid value at '{field}' (TYPE_INT64)"))
        }),
        _ => Err(ApiError::invalid_argument(format!(
            "Invalid value at '{field}' (TYPE_INT64)"
        ))),
    }
}

/// `PUT …/settings/vacation`: the body replaces the settings (Gmail keeps
/// only the fields given); a start after the end, or an enabled responder
/// with neither subject nor body, is refused.
pub(crate) async fn vacation_update(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.settings.updateVacation")?;
    let body: Value = json_body(&body)?;
    let start = millis(&body, "startTime")?;
    let end = millis(&body, "endTime")?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(ApiError::bad_request("Start time must be before end time"));
    }
    let on = body["enableAutoReply"].as_bool().unwrap_or(false);
    let mut out = json!({ "enableAutoReply": on });
    for field in [
        "responseSubject",
        "responseBodyPlainText",
        "responseBodyHtml",
    ] {
        if let Some(s) = body[field].as_str().filter(|s| !s.is_empty()) {
            out[field] = json!(s);
        }
    }
    if on
        && out.get("responseSubject").is_none()
        && out.get("responseBodyPlainText").is_none()
        && out.get("responseBodyHtml").is_none()
    {
        return Err(ApiError::bad_request(
            "Vacation responder requires a subject or a body",
        ));
    }
    for flag in ["restrictToContacts", "restrictToDomain"] {
        out[flag] = json!(body[flag].as_bool().unwrap_or(false));
    }
    if out["restrictToDomain"] == true && caller.hd.is_none() {
        return Err(ApiError::bad_request(
            "restrictToDomain is only available to Google Workspace users",
        ));
    }
    if let Some(s) = start {
        out["startTime"] = json!(s.to_string());
    }
    if let Some(e) = end {
        out["endTime"] = json!(e.to_string());
    }
    fake.with_mail_settings(&caller.email, |s| s.vacation = out.clone());
    Ok(ok_json(&out))
}

/// `GET …/settings/sendAs`
pub(crate) async fn send_as_list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> ApiResult {
    authorize(&caller, &user_id, "gmail.users.settings.sendAs.list")?;
    let list = fake.with_mail_settings(&caller.email, |s| s.send_as.clone());
    Ok(ok_json(&json!({ "sendAs": list })))
}
