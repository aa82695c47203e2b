//! People API v1 (people.googleapis.com): `people.searchContacts` over the
//! caller's own contacts, `people.searchDirectoryPeople` over the Workspace
//! domain's users (the fake's users with the caller's `hd`), and
//! `people.get` of a contact (`people/c…`), a domain profile (`people/<sub>`)
//! or `people/me`. Contacts are seeded on first use (`seed/contacts.rs`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, ok_json, page};
use crate::config::FakeUser;

const CONTACTS: &str = "https://www.googleapis.com/auth/contacts";
const CONTACTS_READONLY: &str = "https://www.googleapis.com/auth/contacts.readonly";
const CONTACTS_OTHER_READONLY: &str = "https://www.googleapis.com/auth/contacts.other.readonly";
const DIRECTORY_READONLY: &str = "https://www.googleapis.com/auth/directory.readonly";

/// Person fields a read mask may name.
const PERSON_FIELDS: &[&str] = &[
    "addresses",
    "ageRanges",
    "biographies",
    "birthdays",
    "calendarUrls",
    "clientData",
    "coverPhotos",
    "emailAddresses",
    "events",
    "externalIds",
    "genders",
    "imClients",
    "interests",
    "locales",
    "locations",
    "memberships",
    "metadata",
    "miscKeywords",
    "names",
    "nicknames",
    "occupations",
    "organizations",
    "phoneNumbers",
    "photos",
    "relations",
    "sipAddresses",
    "skills",
    "urls",
    "userDefined",
];

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new()
        .route("/v1/people:searchContacts", get(search_contacts))
        .route("/v1/people:searchDirectoryPeople", get(search_directory))
        .route("/v1/people/{id}", get(get_person))
}

/// The fields a mask parameter names; 400 when absent or unknown.
fn mask(params: &Params, names: &[&str], what: &str) -> Result<Vec<String>, ApiError> {
    let fields: Vec<String> = names
        .iter()
        .flat_map(|n| params.all(n))
        .map(|f| f.trim_start_matches("person.").to_string())
        .collect();
    if fields.is_empty() {
        return Err(ApiError::invalid_argument(format!(
            "{what} mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get."
        )));
    }
    if let Some(bad) = fields.iter().find(|f| !PERSON_FIELDS.contains(&f.as_str())) {
        return Err(ApiError::invalid_argument(format!(
            "Invalid {what} mask path: \"{bad}\". Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get."
        )));
    }
    Ok(fields)
}

/// `person` with only `resourceName`, `etag` and the masked fields.
fn masked(person: &Value, fields: &[String]) -> Value {
    let mut out = Map::new();
    for (key, value) in person.as_object().into_iter().flatten() {
        if key == "resourceName" || key == "etag" || fields.iter().any(|f| f == key) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// Google's prefix-phrase match: `query` starts at a word start of a name,
/// email, phone number or organization of the person.
fn matches(person: &Value, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return false;
    }
    let mut values: Vec<String> = Vec::new();
    for (list, keys) in [
        ("names", &["displayName", "givenName", "familyName"][..]),
        ("emailAddresses", &["value"][..]),
        ("phoneNumbers", &["value", "canonicalForm"][..]),
        ("organizations", &["name", "title"][..]),
    ] {
        for item in person[list].as_array().into_iter().flatten() {
            for key in keys {
                if let Some(v) = item[key].as_str() {
                    values.push(v.to_lowercase());
                }
            }
        }
    }
    values.iter().any(|v| {
        v.char_indices().any(|(i, _)| {
            let at_word = i == 0
                || v[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| !c.is_alphanumeric());
            at_word && v[i..].starts_with(&query)
        })
    })
}

fn need(caller: &Caller, method: &str, scopes: &[&str]) -> Result<(), ApiError> {
    if scopes.iter().any(|s| caller.has_scope(s)) {
        return Ok(());
    }
    Err(ApiError::insufficient_scope(
        "people.googleapis.com",
        method,
        scopes,
    ))
}

/// `GET /v1/people:searchContacts` (`query`, `readMask`, `pageSize` ≤ 30).
/// An empty query is the warm-up request Google asks for: no results.
async fn search_contacts(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("people.people.searchContacts")?;
    let params = Params::parse(query.as_deref());
    let fields = mask(&params, &["readMask"], "read")?;
    let size = params.count("pageSize", 10, 30)?;
    let q = params.get("query").unwrap_or_default().to_string();
    let results: Vec<Value> = fake.with_contacts(&caller.email, |contacts| {
        contacts
            .iter()
            .filter(|p| matches(p, &q))
            .take(size)
            .map(|p| json!({ "person": masked(p, &fields) }))
            .collect()
    });
    if results.is_empty() {
        return Ok(ok_json(&json!({})));
    }
    Ok(ok_json(&json!({ "results": results })))
}

/// A domain profile as the directory shows it.
fn profile(user: &FakeUser) -> Value {
    let (given, family) = user.name.split_once(' ').unwrap_or((&user.name, ""));
    let source = json!({ "source": { "type": "DOMAIN_PROFILE", "id": user.sub }, "primary": true });
    json!({
        "resourceName": format!("people/{}", user.sub),
        "etag": format!("%EgMBAi4aBAECBQc={}", &user.sub[user.sub.len().saturating_sub(6)..]),
        "metadata": {
            "sources": [{ "type": "DOMAIN_PROFILE", "id": user.sub, "etag": format!("#{}", user.sub) }],
            "objectType": "PERSON",
        },
        "names": [{ "metadata": source, "displayName": user.name, "givenName": given,
                    "familyName": family, "displayNameLastFirst": if family.is_empty() { user.name.clone() } else { format!("{family}, {given}") },
                    "unstructuredName": user.name }],
        "emailAddresses": [{ "metadata": source, "value": user.email, "type": "work", "formattedType": "Work" }],
    })
}

/// The caller's Workspace domain's users, in the fake's order.
fn directory(fake: &FakeGoogle, caller: &Caller) -> Result<Vec<FakeUser>, ApiError> {
    let Some(hd) = &caller.hd else {
        return Err(ApiError::invalid_argument("Must be a G Suite domain user.")
            .with_reason("failedPrecondition")
            .with_status("FAILED_PRECONDITION"));
    };
    Ok(fake
        .user_emails()
        .iter()
        .filter_map(|e| fake.user(e))
        .filter(|u| u.hd.as_deref() == Some(hd.as_str()))
        .collect())
}

/// `GET /v1/people:searchDirectoryPeople` (`query`, `readMask`, `sources`,
/// `pageSize` ≤ 500, `pageToken`).
async fn search_directory(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("people.people.searchDirectoryPeople")?;
    let params = Params::parse(query.as_deref());
    let fields = mask(&params, &["readMask"], "read")?;
    if params.all("sources").is_empty() {
        return Err(
            ApiError::invalid_argument("Directory sources are required.").with_location("sources"),
        );
    }
    let size = params.count("pageSize", 100, 500)?;
    let q = params.get("query").unwrap_or_default().to_string();
    let people: Vec<Value> = directory(&fake, &caller)?
        .iter()
        .map(profile)
        .filter(|p| matches(p, &q))
        .map(|p| masked(&p, &fields))
        .collect();
    let total = people.len();
    let (people, next) = page(people, params.get("pageToken"), size)?;
    if people.is_empty() {
        return Ok(ok_json(&json!({})));
    }
    let mut body = json!({ "people": people, "totalSize": total });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&body))
}

/// `GET /v1/people/{id}` (`personFields`): a contact needs a contacts scope,
/// another user's domain profile `directory.readonly`.
async fn get_person(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    const METHOD: &str = "people.people.get";
    caller.require(METHOD)?;
    let params = Params::parse(query.as_deref());
    let fields = mask(
        &params,
        &["personFields", "requestMask.includeField"],
        "personFields",
    )?;
    let name = format!("people/{id}");
    let not_found = || ApiError::not_found("Requested entity was not found.");
    if id.starts_with('c') {
        need(
            &caller,
            METHOD,
            &[CONTACTS, CONTACTS_OTHER_READONLY, CONTACTS_READONLY],
        )?;
        let found = fake.with_contacts(&caller.email, |contacts| {
            contacts
                .iter()
                .find(|p| p["resourceName"] == name.as_str())
                .map(|p| masked(p, &fields))
        });
        return found.map(|p| ok_json(&p)).ok_or_else(not_found);
    }
    let me = fake.user(&caller.email).ok_or_else(not_found)?;
    if id == "me" || id == me.sub {
        return Ok(ok_json(&masked(&profile(&me), &fields)));
    }
    need(&caller, METHOD, &[DIRECTORY_READONLY])?;
    let colleague = directory(&fake, &caller)
        .unwrap_or_default()
        .into_iter()
        .find(|u| u.sub == id)
        .ok_or_else(not_found)?;
    Ok(ok_json(&masked(&profile(&colleague), &fields)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_match_prefixes_of_words() {
        let p = json!({ "names": [{ "displayName": "Lena Vogel" }],
                        "emailAddresses": [{ "value": "lena.vogel@acme-corp.example" }],
                        "organizations": [{ "name": "ACME Corp" }] });
        for q in ["le", "Lena V", "vog", "acme", "corp", "lena.vogel@"] {
            assert!(matches(&p, q), "{q}");
        }
        for q in ["ena", "ogel", "", "x"] {
            assert!(!matches(&p, q), "{q}");
        }
    }
}
