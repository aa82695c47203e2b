//! `permissions.list`, `permissions.create` and `drives.list`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::Fields;
use super::files::{can_edit, no_write_access};
use super::store::{DriveFile, Permission, Workspace};
use super::{invalid, permission_json, rfc3339, supports_all_drives, visible};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, ok_json, page};

/// The owner's permission a new file in My Drive starts with.
pub(crate) fn owner_permissions(ws: &Workspace, f: &DriveFile) -> Vec<Permission> {
    match &f.owner {
        Some((name, email)) => vec![Permission {
            id: crate::seed::hash(email, "permission").to_string(),
            kind: "user".into(),
            role: "owner".into(),
            email: Some(email.clone()),
            domain: None,
            display_name: Some(name.clone()),
        }],
        None => vec![Permission {
            id: crate::seed::hash(&ws.email, "permission").to_string(),
            kind: "user".into(),
            role: "organizer".into(),
            email: Some(ws.email.clone()),
            domain: None,
            display_name: Some(ws.name.clone()),
        }],
    }
}

/// `GET /drive/v3/files/{fileId}/permissions`
pub(crate) async fn list(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.permissions.list")?;
    let params = Params::parse(raw.as_deref());
    let supports = supports_all_drives(&params)?;
    let size = params.count("pageSize", 100, 100)?;
    let items: Vec<Value> = fake.with_workspace(&caller.email, |ws| {
        let f = visible(ws, &file_id, supports)?;
        Ok::<_, ApiError>(f.permissions.iter().map(permission_json).collect())
    })?;
    let (items, next) = page(items, params.get("pageToken"), size)?;
    let mut body = json!({ "kind": "drive#permissionList", "permissions": items });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    let spec = params
        .get("fields")
        .unwrap_or("kind,nextPageToken,permissions(kind,id,type,role)");
    Ok(ok_json(&Fields::parse(spec).apply(&body)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewPermission {
    role: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    email_address: Option<String>,
    domain: Option<String>,
}

/// `POST /drive/v3/files/{fileId}/permissions` (`sendNotificationEmail` is accepted and sends nothing).
pub(crate) async fn create(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("drive.permissions.create")?;
    let params = Params::parse(raw.as_deref());
    let supports = supports_all_drives(&params)?;
    params.flag("sendNotificationEmail")?;
    let new: NewPermission = json_body(&body)?;
    let role = new.role.ok_or_else(|| {
        ApiError::required("Required parameter: role").with_location("permission.role")
    })?;
    let kind = new.kind.ok_or_else(|| {
        ApiError::required("Required parameter: type").with_location("permission.type")
    })?;
    if !matches!(
        role.as_str(),
        "reader" | "commenter" | "writer" | "fileOrganizer" | "organizer" | "owner"
    ) {
        return Err(
            invalid(format!("Invalid permission role: {role}")).with_location("permission.role")
        );
    }
    let (email, domain) = match kind.as_str() {
        "user" | "group" => match new.email_address {
            Some(e) if e.contains('@') => (Some(e.to_ascii_lowercase()), None),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalidSharingRequest",
                    "Bad Request. User message: \"You are trying to invite an invalid email address.\"",
                ));
            }
        },
        "domain" => match new.domain {
            Some(d) if !d.is_empty() => (None, Some(d)),
            _ => {
                return Err(ApiError::required("Required parameter: domain")
                    .with_location("permission.domain"));
            }
        },
        "anyone" => (None, None),
        _ => {
            return Err(invalid(format!("Invalid permission type: {kind}"))
                .with_location("permission.type"));
        }
    };
    if role == "owner" {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "consentRequiredForOwnershipTransfer",
            "Consent is required to transfer ownership of a file to another user.",
        ));
    }
    fake.with_workspace(&caller.email, |ws| {
        let f = visible(ws, &file_id, supports)?;
        if !can_edit(ws, f) {
            return Err(no_write_access());
        }
        let id = match (&email, &domain) {
            (Some(e), _) => crate::seed::hash(e, "permission").to_string(),
            (_, Some(d)) => format!("{}k", crate::seed::hash(d, "domain") % 100_000_000_000),
            _ => "anyoneWithLink".to_string(),
        };
        let permission = Permission {
            id: id.clone(),
            kind: kind.clone(),
            role: role.clone(),
            display_name: email
                .as_ref()
                .map(|e| e.split('@').next().unwrap_or_default().to_string()),
            email,
            domain,
        };
        let f = ws.file_mut(&file_id).expect("visible");
        f.permissions.retain(|p| p.id != id);
        f.permissions.push(permission.clone());
        let spec = params.get("fields").unwrap_or("kind,id,type,role");
        Ok(ok_json(
            &Fields::parse(spec).apply(&permission_json(&permission)),
        ))
    })
}

/// `GET /drive/v3/drives`
fn drive_json(d: &super::store::SharedDrive) -> Value {
    json!({
        "kind": "drive#drive", "id": d.id, "name": d.name,
        "createdTime": rfc3339(d.created), "hidden": false,
        "capabilities": { "canAddChildren": true, "canEdit": true, "canShare": true },
    })
}

/// `GET /drive/v3/drives/{driveId}`
pub(crate) async fn drive(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    axum::extract::Path(drive_id): axum::extract::Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.drives.get")?;
    let params = Params::parse(raw.as_deref());
    let body = fake.with_workspace(&caller.email, |ws| {
        ws.drives
            .iter()
            .find(|d| d.id == drive_id)
            .map(drive_json)
            .ok_or_else(|| ApiError::not_found(format!("Shared drive not found: {drive_id}")))
    })?;
    let spec = params.get("fields").unwrap_or("kind,id,name");
    Ok(ok_json(&Fields::parse(spec).apply(&body)))
}

pub(crate) async fn drives(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require("drive.drives.list")?;
    let params = Params::parse(raw.as_deref());
    let size = params.count("pageSize", 10, 100)?;
    let items: Vec<Value> = fake.with_workspace(&caller.email, |ws| {
        ws.drives.iter().map(drive_json).collect()
    });
    let (items, next) = page(items, params.get("pageToken"), size)?;
    let mut body = json!({ "kind": "drive#driveList", "drives": items });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    let spec = params
        .get("fields")
        .unwrap_or("kind,nextPageToken,drives(kind,id,name)");
    Ok(ok_json(&Fields::parse(spec).apply(&body)))
}
