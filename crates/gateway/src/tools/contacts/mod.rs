//! Contacts tools (People API): search the user's own contacts and their
//! Workspace directory, and read one person.

mod person;
pub(crate) mod search;

use url::Url;

use crate::{
    google::api::{GoogleApi, api_url},
    tools::adapter::Route,
};

pub use person::{Contact, GetContactArgs};
pub use search::{ContactSource, SearchContactsArgs, SearchResult};

/// `/v1/<path>` under the People base URL (`people:searchContacts`, `people/c1`).
pub(crate) fn people_url(api: &GoogleApi, path: &str) -> Url {
    api_url(&api.bases.people, &format!("/v1/{path}"))
}

/// The Contacts tools.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "contacts_search",
            "Search contacts",
            "Find people by name, email, phone or company (word prefixes) in the user's own Google contacts, their Workspace directory, or both: names, emails, phones, organization. For addresses and notes use contacts_get.",
            search::search,
        ),
        Route::new(
            "contacts_get",
            "Get a contact",
            "Read one person from the user's contacts or Workspace directory in full: names, emails, phones, organizations, addresses, websites, birthday and notes.",
            person::get,
        ),
    ]
}
