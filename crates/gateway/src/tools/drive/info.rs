//! `drive_get_file` and `drive_list_permissions`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FILE_FIELDS, FOLDER, FileRow, file_error, files_url, get_file};
use crate::{
    google::api::{ApiError, GoogleApi},
    tools::{ToolCtx, ToolResult, adapter::ToolOutput, google_id},
};

/// Folders climbed to show a file's path.
const MAX_PATH_DEPTH: usize = 8;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetFileArgs {
    /// Id from drive_search, or a Google link.
    pub file_id: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Permission {
    pub id: String,
    /// user, group, domain or anyone.
    #[serde(rename = "type")]
    pub kind: String,
    /// owner, organizer, fileOrganizer, writer, commenter or reader.
    pub role: String,
    pub email: Option<String>,
    pub domain: Option<String>,
    pub name: Option<String>,
}

impl Permission {
    pub(crate) fn from_json(p: &Value) -> Self {
        let s = |k: &str| p[k].as_str().map(str::to_owned);
        Permission {
            id: s("id").unwrap_or_default(),
            kind: s("type").unwrap_or_default(),
            role: s("role").unwrap_or_default(),
            email: s("emailAddress"),
            domain: s("domain"),
            name: s("displayName"),
        }
    }

    pub(crate) fn line(&self) -> String {
        let who = match (self.kind.as_str(), &self.email, &self.domain, &self.name) {
            ("anyone", ..) => "anyone with the link".to_owned(),
            ("domain", _, Some(d), _) => format!("everyone at {d}"),
            (_, Some(e), _, Some(n)) if n != e => format!("{n} <{e}>"),
            (_, Some(e), ..) => e.clone(),
            (k, ..) => k.to_owned(),
        };
        format!("{who}: {} ({})", self.role, self.kind)
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FileDetail {
    #[serde(flatten)]
    pub file: FileRow,
    pub created: Option<String>,
    /// Who changed it last.
    pub last_modified_by: Option<String>,
    pub description: Option<String>,
    /// Folder path from the top of its drive, e.g. `My Drive/Projects/2026`.
    pub path: Option<String>,
    pub trashed: bool,
    pub starred: bool,
    /// Whether the user may edit, comment on and share it.
    pub can_edit: bool,
    pub can_comment: bool,
    pub can_share: bool,
    /// Who has access; none when the user may not see the list.
    pub permissions: Option<Vec<Permission>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PermissionList {
    pub file_id: String,
    pub name: String,
    pub permissions: Vec<Permission>,
}

/// The file's permissions; `None` when Google does not show them to this user.
async fn list_permissions(
    ctx: &ToolCtx,
    api: &GoogleApi,
    id: &str,
) -> ToolResult<Option<Vec<Permission>>> {
    let mut url = files_url(api, &[id, "permissions"]);
    url.query_pairs_mut().append_pair(
        "fields",
        "permissions(id,type,role,emailAddress,domain,displayName)",
    );
    match api.get(&ctx.user, url).await {
        Ok(body) => Ok(Some(
            body["permissions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(Permission::from_json)
                .collect(),
        )),
        Err(ApiError::PermissionDenied(_)) => Ok(None),
        Err(e) => Err(file_error(e, id)),
    }
}

/// `My Drive/…/parent` (or the shared drive's name), climbing at most a few folders.
async fn path(ctx: &ToolCtx, api: &GoogleApi, file: &Value) -> Option<String> {
    let mut names = Vec::new();
    let mut parent = file["parents"][0].as_str()?.to_owned();
    for _ in 0..MAX_PATH_DEPTH {
        if file["driveId"].as_str() == Some(parent.as_str()) {
            // The top of a shared drive: its name.
            if let Ok(name) = super::shared_drive_name(ctx, api, &parent).await {
                names.push(name);
            }
            break;
        }
        let Ok(p) = get_file(ctx, api, &parent, "id,name,parents,driveId").await else {
            break;
        };
        let top = p["parents"][0].as_str().is_none();
        let name = p["name"].as_str().unwrap_or("?");
        names.push(if top && p["driveId"].is_null() {
            "My Drive".to_owned()
        } else {
            name.to_owned()
        });
        match p["parents"][0].as_str() {
            Some(next) => parent = next.to_owned(),
            None => break,
        }
    }
    names.reverse();
    (!names.is_empty()).then(|| names.join("/"))
}

async fn run(ctx: &ToolCtx, api: &GoogleApi, args: GetFileArgs) -> ToolResult<FileDetail> {
    let id = google_id("file_id", &args.file_id)?;
    let fields = format!(
        "{FILE_FIELDS},createdTime,description,starred,lastModifyingUser(displayName,emailAddress),capabilities(canEdit,canComment,canShare)"
    );
    let f = get_file(ctx, api, &id, &fields).await?;
    let permissions = list_permissions(ctx, api, &id).await?;
    let caps = &f["capabilities"];
    let who = &f["lastModifyingUser"];
    Ok(FileDetail {
        file: FileRow::from_json(&f),
        created: f["createdTime"].as_str().map(str::to_owned),
        last_modified_by: who["emailAddress"]
            .as_str()
            .or(who["displayName"].as_str())
            .map(str::to_owned),
        description: f["description"].as_str().map(str::to_owned),
        path: path(ctx, api, &f).await,
        trashed: f["trashed"].as_bool().unwrap_or(false),
        starred: f["starred"].as_bool().unwrap_or(false),
        can_edit: caps["canEdit"].as_bool().unwrap_or(false),
        can_comment: caps["canComment"].as_bool().unwrap_or(false),
        can_share: caps["canShare"].as_bool().unwrap_or(false),
        permissions,
    })
}

pub async fn get(ctx: ToolCtx, args: GetFileArgs) -> ToolResult<FileDetail> {
    run(&ctx, &ctx.api, args).await
}

impl ToolOutput for FileDetail {
    fn text(&self) -> String {
        let d = self;
        let f = &d.file;
        let mut text = format!("{} [{}] id {}\n", f.name, f.kind, f.id);
        let mut line = |label: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                text.push_str(&format!("{label}: {v}\n"));
            }
        };
        line("Location", d.path.clone());
        line("Owner", f.owner.clone());
        line(
            "Size",
            f.size
                .filter(|_| f.mime_type != FOLDER)
                .map(crate::tools::human_size),
        );
        line("Created", d.created.clone());
        line(
            "Modified",
            f.modified.as_ref().map(|m| match &d.last_modified_by {
                Some(by) => format!("{m} by {by}"),
                None => m.clone(),
            }),
        );
        line("Description", d.description.clone());
        line("Link", f.link.clone());
        line("In trash", d.trashed.then(|| "yes".to_owned()));
        let can: Vec<&str> = [
            (d.can_edit, "edit"),
            (d.can_comment, "comment"),
            (d.can_share, "share"),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        line(
            "The user can",
            Some(if can.is_empty() {
                "view".to_owned()
            } else {
                can.join(", ")
            }),
        );
        match &d.permissions {
            Some(ps) => {
                text.push_str(&format!("Access ({}):\n", ps.len()));
                for p in ps {
                    text.push_str(&format!("- {}\n", p.line()));
                }
            }
            None => text
                .push_str("Access: only people who can share this file may see who has access.\n"),
        }
        text
    }
}

async fn permissions_run(
    ctx: &ToolCtx,
    api: &GoogleApi,
    args: GetFileArgs,
) -> ToolResult<PermissionList> {
    let id = google_id("file_id", &args.file_id)?;
    let f = get_file(ctx, api, &id, "id,name").await?;
    let permissions = list_permissions(ctx, api, &id).await?.ok_or_else(|| {
        crate::tools::ToolError::Refused(format!(
            "Only people who can share {:?} may see who has access to it; the user cannot.",
            f["name"].as_str().unwrap_or(&id)
        ))
    })?;
    Ok(PermissionList {
        name: f["name"].as_str().unwrap_or_default().to_owned(),
        file_id: id,
        permissions,
    })
}

pub async fn permissions(ctx: ToolCtx, args: GetFileArgs) -> ToolResult<PermissionList> {
    permissions_run(&ctx, &ctx.api, args).await
}

impl ToolOutput for PermissionList {
    fn text(&self) -> String {
        let l = self;
        let mut text = format!(
            "{} (id {}): {} with access\n",
            l.name,
            l.file_id,
            l.permissions.len()
        );
        for p in &l.permissions {
            text.push_str(&format!("- {}\n", p.line()));
        }
        text
    }
}
