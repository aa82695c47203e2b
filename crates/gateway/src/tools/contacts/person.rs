//! A People API `Person` as the tools show it, and `contacts_get`.

use rmcp::schemars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::people_url;
use crate::{
    google::api::ApiError,
    tools::{ToolCtx, ToolError, ToolResult, adapter::ToolOutput},
};

/// Where a person was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Found {
    /// The user's own contacts.
    Contact,
    /// The Workspace directory.
    Directory,
}

/// One person.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Contact {
    /// `people/…`: the `resource_name` for contacts_get.
    pub resource_name: String,
    pub source: Found,
    pub name: String,
    pub emails: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// "Title, Company (Department)" per organization.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub websites: Vec<String>,
    /// YYYY-MM-DD, or --MM-DD without a year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

fn values(person: &Value, list: &str, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in person[list].as_array().into_iter().flatten() {
        if let Some(v) = item[key].as_str().map(str::trim).filter(|v| !v.is_empty())
            && !out.iter().any(|o| o == v)
        {
            out.push(v.to_owned());
        }
    }
    out
}

fn organization(o: &Value) -> Option<String> {
    let get = |k: &str| o[k].as_str().map(str::trim).filter(|s| !s.is_empty());
    let mut out = match (get("title"), get("name")) {
        (Some(t), Some(n)) => format!("{t}, {n}"),
        (Some(x), None) | (None, Some(x)) => x.to_owned(),
        (None, None) => return None,
    };
    if let Some(d) = get("department") {
        out.push_str(&format!(" ({d})"));
    }
    Some(out)
}

impl Contact {
    pub fn from_google(p: &Value) -> Self {
        let resource_name = p["resourceName"].as_str().unwrap_or_default().to_owned();
        let source = if resource_name.starts_with("people/c") {
            Found::Contact
        } else {
            Found::Directory
        };
        let emails = values(p, "emailAddresses", "value");
        let name = values(p, "names", "displayName")
            .into_iter()
            .next()
            .or_else(|| emails.first().cloned())
            .unwrap_or_else(|| "(no name)".to_owned());
        let birthday = p["birthdays"]
            .as_array()
            .and_then(|b| b.first())
            .and_then(|b| {
                let d = &b["date"];
                let (m, day) = (d["month"].as_u64()?, d["day"].as_u64()?);
                Some(match d["year"].as_u64() {
                    Some(y) => format!("{y:04}-{m:02}-{day:02}"),
                    None => format!("--{m:02}-{day:02}"),
                })
            });
        Contact {
            resource_name,
            source,
            name,
            emails,
            phones: values(p, "phoneNumbers", "value"),
            organizations: p["organizations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(organization)
                .collect(),
            addresses: values(p, "addresses", "formattedValue")
                .into_iter()
                .map(|a| a.replace('\n', ", "))
                .collect(),
            websites: values(p, "urls", "value"),
            birthday,
            notes: values(p, "biographies", "value").into_iter().next(),
        }
    }

    /// One line: name, emails, phones, organization, resource name.
    pub fn line(&self) -> String {
        let mut parts = vec![self.name.clone()];
        if !self.emails.is_empty() {
            parts.push(self.emails.join(", "));
        }
        if !self.phones.is_empty() {
            parts.push(self.phones.join(", "));
        }
        if let Some(o) = self.organizations.first() {
            parts.push(o.clone());
        }
        let source = match self.source {
            Found::Contact => "contact",
            Found::Directory => "directory",
        };
        parts.push(format!("{source} {}", self.resource_name));
        parts.join(" — ")
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetContactArgs {
    /// `people/…` from contacts_search.
    pub resource_name: String,
}

/// `people/<id>` from a resource name or a bare id.
pub fn resource_name(raw: &str) -> ToolResult<String> {
    let raw = raw.trim();
    let id = raw.strip_prefix("people/").unwrap_or(raw);
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(ToolError::invalid(
            "resource_name",
            "must be a people/… resource name from contacts_search",
        ));
    }
    Ok(format!("people/{id}"))
}

const PERSON_FIELDS: &str =
    "names,emailAddresses,phoneNumbers,organizations,addresses,urls,birthdays,biographies";

pub async fn get(ctx: ToolCtx, args: GetContactArgs) -> ToolResult<Contact> {
    let api = &ctx.api;
    let name = resource_name(&args.resource_name)?;
    let mut url = people_url(api, &name);
    url.query_pairs_mut()
        .append_pair("personFields", PERSON_FIELDS)
        .append_pair("sources", "READ_SOURCE_TYPE_CONTACT")
        .append_pair("sources", "READ_SOURCE_TYPE_PROFILE")
        .append_pair("sources", "READ_SOURCE_TYPE_DOMAIN_CONTACT");
    let person = api.get(&ctx.user, url).await.map_err(|e| match e {
        ApiError::NotFound(_) => ToolError::Refused(format!(
            "Contact {name:?} was not found in the user's contacts or directory; find people with contacts_search."
        )),
        e => e.into(),
    })?;
    Ok(Contact::from_google(&person))
}

impl ToolOutput for Contact {
    fn text(&self) -> String {
        let mut text = format!("{}\n", self.name);
        let mut field = |label: &str, v: &[String]| {
            if !v.is_empty() {
                text.push_str(&format!("{label}: {}\n", v.join("; ")));
            }
        };
        field("Email", &self.emails);
        field("Phone", &self.phones);
        field("Organization", &self.organizations);
        field("Address", &self.addresses);
        field("Website", &self.websites);
        if let Some(b) = &self.birthday {
            text.push_str(&format!("Birthday: {b}\n"));
        }
        if let Some(n) = &self.notes {
            text.push_str(&format!("Notes: {n}\n"));
        }
        let source = match self.source {
            Found::Contact => "the user's contacts",
            Found::Directory => "the Workspace directory",
        };
        text.push_str(&format!("From {source}, {}\n", self.resource_name));
        text
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn people_read_into_compact_contacts() {
        let p = json!({"resourceName": "people/c42",
            "names": [{"displayName": "Lena Vogel"}],
            "emailAddresses": [{"value": "lena@acme.example"}, {"value": "lena@acme.example"}],
            "phoneNumbers": [{"value": "+49 30 1"}],
            "organizations": [{"name": "ACME", "title": "CFO", "department": "Finance"}],
            "addresses": [{"formattedValue": "Street 1\nBerlin"}],
            "birthdays": [{"date": {"month": 3, "day": 4}}],
            "biographies": [{"value": "Met in Berlin"}]});
        let c = Contact::from_google(&p);
        assert_eq!(c.source, Found::Contact);
        assert_eq!(c.emails, ["lena@acme.example"]);
        assert_eq!(c.organizations, ["CFO, ACME (Finance)"]);
        assert_eq!(c.addresses, ["Street 1, Berlin"]);
        assert_eq!(c.birthday.as_deref(), Some("--03-04"));
        assert_eq!(
            c.line(),
            "Lena Vogel — lena@acme.example — +49 30 1 — CFO, ACME (Finance) — contact people/c42"
        );
        let d = Contact::from_google(&json!({"resourceName": "people/1077",
            "emailAddresses": [{"value": "dana@example.com"}]}));
        assert_eq!(
            (d.source, d.name.as_str()),
            (Found::Directory, "dana@example.com")
        );
    }

    #[test]
    fn resource_names_are_checked() {
        assert_eq!(resource_name("people/c42").unwrap(), "people/c42");
        assert_eq!(resource_name("c42").unwrap(), "people/c42");
        assert!(resource_name("people/../x").is_err());
        assert!(resource_name("").is_err());
    }
}
