//! The catalogue: every tool's name, service, tier, whether it writes, and
//! the Google scopes it needs; and the [`Selection`] of offered tools from
//! `TOOLS`, `READ_ONLY` and `SERVICES`. A leaf: configuration imports it,
//! and it imports nothing of the gateway.

/// The Google service a tool acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Gateway,
    /// Across services (`workspace_search`): offered when one of the
    /// search tools it uses ([`SEARCH_TOOLS`]) is, and using those offered.
    Workspace,
    Gmail,
    Calendar,
    Drive,
    Docs,
    Sheets,
    Tasks,
    Contacts,
    Slides,
    Forms,
    Chat,
}

impl Service {
    pub const GOOGLE: [Service; 10] = [
        Service::Gmail,
        Service::Calendar,
        Service::Drive,
        Service::Docs,
        Service::Sheets,
        Service::Tasks,
        Service::Contacts,
        Service::Slides,
        Service::Forms,
        Service::Chat,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Gateway => "gateway",
            Service::Workspace => "workspace",
            Service::Gmail => "gmail",
            Service::Calendar => "calendar",
            Service::Drive => "drive",
            Service::Docs => "docs",
            Service::Sheets => "sheets",
            Service::Tasks => "tasks",
            Service::Contacts => "contacts",
            Service::Slides => "slides",
            Service::Forms => "forms",
            Service::Chat => "chat",
        }
    }

    pub fn parse(s: &str) -> Option<Service> {
        Self::GOOGLE.into_iter().find(|x| x.as_str() == s)
    }
}

/// How widely a tool is offered by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Offered by default (`TOOLS=core`).
    Core,
    /// Offered with `TOOLS=extended` or `TOOLS=all`.
    Extended,
}

/// One entry of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    pub name: &'static str,
    pub service: Service,
    pub tier: Tier,
    /// Changes something (offered only when `READ_ONLY` is off).
    pub writes: bool,
    /// Google OAuth scopes the tool needs.
    pub scopes: &'static [&'static str],
}

pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const GMAIL_MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";
pub const GMAIL_SEND: &str = "https://www.googleapis.com/auth/gmail.send";
pub const GMAIL_COMPOSE: &str = "https://www.googleapis.com/auth/gmail.compose";
pub const GMAIL_SETTINGS: &str = "https://www.googleapis.com/auth/gmail.settings.basic";
pub const CALENDAR_READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";
pub const CALENDAR: &str = "https://www.googleapis.com/auth/calendar";
pub const DRIVE_READONLY: &str = "https://www.googleapis.com/auth/drive.readonly";
pub const DRIVE: &str = "https://www.googleapis.com/auth/drive";
pub const DOCS_READONLY: &str = "https://www.googleapis.com/auth/documents.readonly";
pub const DOCS: &str = "https://www.googleapis.com/auth/documents";
pub const SHEETS_READONLY: &str = "https://www.googleapis.com/auth/spreadsheets.readonly";
pub const SHEETS: &str = "https://www.googleapis.com/auth/spreadsheets";
pub const TASKS_READONLY: &str = "https://www.googleapis.com/auth/tasks.readonly";
pub const TASKS: &str = "https://www.googleapis.com/auth/tasks";
pub const CONTACTS_READONLY: &str = "https://www.googleapis.com/auth/contacts.readonly";
pub const DIRECTORY_READONLY: &str = "https://www.googleapis.com/auth/directory.readonly";
pub const PRESENTATIONS_READONLY: &str = "https://www.googleapis.com/auth/presentations.readonly";
pub const DRIVE_FILE: &str = "https://www.googleapis.com/auth/drive.file";
pub const FORMS_BODY: &str = "https://www.googleapis.com/auth/forms.body";
pub const FORMS_BODY_READONLY: &str = "https://www.googleapis.com/auth/forms.body.readonly";
pub const FORMS_RESPONSES_READONLY: &str =
    "https://www.googleapis.com/auth/forms.responses.readonly";
pub const CHAT_SPACES_READONLY: &str = "https://www.googleapis.com/auth/chat.spaces.readonly";
pub const CHAT_SPACES_CREATE: &str = "https://www.googleapis.com/auth/chat.spaces.create";
pub const CHAT_MESSAGES_READONLY: &str = "https://www.googleapis.com/auth/chat.messages.readonly";
pub const CHAT_MESSAGES_CREATE: &str = "https://www.googleapis.com/auth/chat.messages.create";

const fn spec(
    name: &'static str,
    service: Service,
    tier: Tier,
    writes: bool,
    scopes: &'static [&'static str],
) -> ToolSpec {
    ToolSpec {
        name,
        service,
        tier,
        writes,
        scopes,
    }
}

use Service::{
    Calendar as Cal, Chat as Ch, Contacts as Ct, Docs as Dc, Drive as Dr, Forms as Fo,
    Gateway as Gw, Gmail as Gm, Sheets as Sh, Slides as Sl, Tasks as Tk, Workspace as Ws,
};
use Tier::{Core, Extended};

/// Every tool the gateway knows. A tool missing here is never offered.
pub const CATALOG: &[ToolSpec] = &[
    spec("whoami", Gw, Core, false, &[]),
    spec("server_info", Gw, Core, false, &[]),
    // Across services: the scopes are those of the search tools it uses.
    spec("workspace_search", Ws, Core, false, &[]),
    // Gmail
    spec("gmail_search", Gm, Core, false, &[GMAIL_READONLY]),
    spec("gmail_read_message", Gm, Core, false, &[GMAIL_READONLY]),
    spec("gmail_read_thread", Gm, Core, false, &[GMAIL_READONLY]),
    spec("gmail_get_attachment", Gm, Core, false, &[GMAIL_READONLY]),
    spec(
        "gmail_read_messages",
        Gm,
        Extended,
        false,
        &[GMAIL_READONLY],
    ),
    // Replies read the original, an unconfirmed send is looked up in Sent,
    // and a `from` is checked against the send-as addresses.
    spec("gmail_send", Gm, Core, true, &[GMAIL_SEND, GMAIL_READONLY]),
    spec(
        "gmail_create_draft",
        Gm,
        Core,
        true,
        &[GMAIL_COMPOSE, GMAIL_READONLY],
    ),
    spec("gmail_list_labels", Gm, Extended, false, &[GMAIL_READONLY]),
    spec("gmail_modify_labels", Gm, Core, true, &[GMAIL_MODIFY]),
    spec("gmail_trash", Gm, Extended, true, &[GMAIL_MODIFY]),
    // Settings: read with the read scope, changed with gmail.settings.basic
    // (a filter's labels are read by name; a lost create is looked up).
    spec("gmail_list_filters", Gm, Extended, false, &[GMAIL_READONLY]),
    spec(
        "gmail_create_filter",
        Gm,
        Extended,
        true,
        &[GMAIL_SETTINGS, GMAIL_READONLY],
    ),
    spec("gmail_delete_filter", Gm, Extended, true, &[GMAIL_SETTINGS]),
    spec("gmail_get_vacation", Gm, Extended, false, &[GMAIL_READONLY]),
    spec(
        "gmail_set_vacation",
        Gm,
        Extended,
        true,
        &[GMAIL_SETTINGS, GMAIL_READONLY],
    ),
    // Calendar
    spec(
        "calendar_list_calendars",
        Cal,
        Extended,
        false,
        &[CALENDAR_READONLY],
    ),
    spec(
        "calendar_list_events",
        Cal,
        Core,
        false,
        &[CALENDAR_READONLY],
    ),
    spec("calendar_get_event", Cal, Core, false, &[CALENDAR_READONLY]),
    spec("calendar_create_event", Cal, Core, true, &[CALENDAR]),
    spec("calendar_update_event", Cal, Core, true, &[CALENDAR]),
    spec("calendar_delete_event", Cal, Extended, true, &[CALENDAR]),
    spec("calendar_respond", Cal, Core, true, &[CALENDAR]),
    spec(
        "calendar_find_free_time",
        Cal,
        Core,
        false,
        &[CALENDAR_READONLY],
    ),
    // Drive (reading a Doc, Sheet or Slides deck goes through their own APIs,
    // which accept the Drive scope).
    spec("drive_search", Dr, Core, false, &[DRIVE_READONLY]),
    spec("drive_list_folder", Dr, Core, false, &[DRIVE_READONLY]),
    spec("drive_get_file", Dr, Core, false, &[DRIVE_READONLY]),
    spec("drive_read_file", Dr, Core, false, &[DRIVE_READONLY]),
    spec("drive_create_file", Dr, Core, true, &[DRIVE]),
    spec("drive_create_folder", Dr, Extended, true, &[DRIVE]),
    spec("drive_move", Dr, Extended, true, &[DRIVE]),
    spec("drive_copy", Dr, Extended, true, &[DRIVE]),
    spec("drive_rename", Dr, Extended, true, &[DRIVE]),
    spec("drive_trash", Dr, Extended, true, &[DRIVE]),
    spec("drive_share", Dr, Core, true, &[DRIVE]),
    spec(
        "drive_list_permissions",
        Dr,
        Extended,
        false,
        &[DRIVE_READONLY],
    ),
    // Comments (a lost add is looked up) and revisions, on any file.
    spec(
        "drive_list_comments",
        Dr,
        Extended,
        false,
        &[DRIVE_READONLY],
    ),
    spec("drive_add_comment", Dr, Extended, true, &[DRIVE]),
    spec("drive_reply_comment", Dr, Extended, true, &[DRIVE]),
    spec("drive_resolve_comment", Dr, Extended, true, &[DRIVE]),
    spec(
        "drive_list_revisions",
        Dr,
        Extended,
        false,
        &[DRIVE_READONLY],
    ),
    spec(
        "drive_read_revision",
        Dr,
        Extended,
        false,
        &[DRIVE_READONLY],
    ),
    // Docs
    spec("docs_read_document", Dc, Core, false, &[DOCS_READONLY]),
    spec("docs_create_document", Dc, Core, true, &[DOCS]),
    spec("docs_insert_text", Dc, Core, true, &[DOCS]),
    spec("docs_find_replace", Dc, Core, true, &[DOCS]),
    // Sheets
    spec("sheets_get_info", Sh, Core, false, &[SHEETS_READONLY]),
    spec("sheets_read_range", Sh, Core, false, &[SHEETS_READONLY]),
    spec("sheets_write_range", Sh, Core, true, &[SHEETS]),
    spec("sheets_append_rows", Sh, Core, true, &[SHEETS]),
    spec("sheets_clear_range", Sh, Extended, true, &[SHEETS]),
    spec("sheets_create", Sh, Core, true, &[SHEETS]),
    spec("sheets_add_sheet", Sh, Extended, true, &[SHEETS]),
    spec("sheets_format", Sh, Extended, true, &[SHEETS]),
    spec("sheets_freeze", Sh, Extended, true, &[SHEETS]),
    spec("sheets_add_chart", Sh, Extended, true, &[SHEETS]),
    spec(
        "sheets_add_conditional_format",
        Sh,
        Extended,
        true,
        &[SHEETS],
    ),
    // Tasks (writes read the list too: a lost answer to a create is looked up).
    spec("tasks_lists", Tk, Extended, false, &[TASKS_READONLY]),
    spec("tasks_list", Tk, Extended, false, &[TASKS_READONLY]),
    spec("tasks_create", Tk, Extended, true, &[TASKS]),
    spec("tasks_update", Tk, Extended, true, &[TASKS]),
    spec("tasks_complete", Tk, Extended, true, &[TASKS]),
    spec("tasks_delete", Tk, Extended, true, &[TASKS]),
    // Contacts: the user's own contacts and the Workspace directory.
    spec(
        "contacts_search",
        Ct,
        Extended,
        false,
        &[CONTACTS_READONLY, DIRECTORY_READONLY],
    ),
    spec(
        "contacts_get",
        Ct,
        Extended,
        false,
        &[CONTACTS_READONLY, DIRECTORY_READONLY],
    ),
    // Slides
    spec(
        "slides_read",
        Sl,
        Extended,
        false,
        &[PRESENTATIONS_READONLY],
    ),
    // Forms: a lost create is looked up in Drive, among the files the
    // gateway created (drive.file).
    spec(
        "forms_create",
        Fo,
        Extended,
        true,
        &[FORMS_BODY, DRIVE_FILE],
    ),
    spec("forms_read", Fo, Extended, false, &[FORMS_BODY_READONLY]),
    spec(
        "forms_list_responses",
        Fo,
        Extended,
        false,
        &[FORMS_BODY_READONLY, FORMS_RESPONSES_READONLY],
    ),
    // Chat: sends look a lost message up by its client id, and find or
    // set up the direct message with a person.
    spec(
        "chat_list_spaces",
        Ch,
        Extended,
        false,
        &[CHAT_SPACES_READONLY],
    ),
    spec(
        "chat_read_messages",
        Ch,
        Extended,
        false,
        &[CHAT_MESSAGES_READONLY],
    ),
    spec(
        "chat_send",
        Ch,
        Extended,
        true,
        &[
            CHAT_MESSAGES_CREATE,
            CHAT_MESSAGES_READONLY,
            CHAT_SPACES_READONLY,
            CHAT_SPACES_CREATE,
        ],
    ),
    spec(
        "chat_reply",
        Ch,
        Extended,
        true,
        &[CHAT_MESSAGES_CREATE, CHAT_MESSAGES_READONLY],
    ),
];

/// The tool `workspace_search` searches each service with: a service is
/// searched when its tool is offered (and, under the company policy, not
/// withheld from the person).
pub const SEARCH_TOOLS: [(Service, &str); 4] = [
    (Service::Gmail, "gmail_search"),
    (Service::Drive, "drive_search"),
    (Service::Calendar, "calendar_list_events"),
    (Service::Contacts, "contacts_search"),
];

pub fn spec_of(name: &str) -> Option<&'static ToolSpec> {
    CATALOG.iter().find(|s| s.name == name)
}

/// Which tools are offered, from `TOOLS`, `READ_ONLY` and `SERVICES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// `None`: by tier; `Some`: exactly these tools.
    pub explicit: Option<Vec<String>>,
    /// Highest tier offered (`core` or `extended`/`all`).
    pub tier: Tier,
    pub read_only: bool,
    pub services: Vec<Service>,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            explicit: None,
            tier: Tier::Core,
            read_only: false,
            services: Service::GOOGLE.to_vec(),
        }
    }
}

impl Selection {
    /// Parses the three variables; errors name the offending value.
    pub fn parse(
        tools: Option<&str>,
        read_only: Option<&str>,
        services: Option<&str>,
    ) -> Result<Self, (&'static str, String)> {
        let mut sel = Selection::default();
        match tools.map(str::trim) {
            None | Some("core") => {}
            Some("extended") | Some("all") => sel.tier = Tier::Extended,
            Some(list) => {
                let names: Vec<String> = list
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                if let Some(bad) = names.iter().find(|n| spec_of(n).is_none()) {
                    return Err((
                        "TOOLS",
                        format!(
                            "{bad:?} is not a tool (use core, extended, all, or a comma-separated list of tool names)"
                        ),
                    ));
                }
                sel.explicit = Some(names);
            }
        }
        sel.read_only = match read_only.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("false") | Some("0") | Some("no") => false,
            Some("true") | Some("1") | Some("yes") => true,
            Some(other) => {
                return Err(("READ_ONLY", format!("must be true or false, got {other:?}")));
            }
        };
        if let Some(list) = services {
            let mut out = Vec::new();
            for s in list
                .split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
            {
                match Service::parse(&s) {
                    Some(x) => out.push(x),
                    None => {
                        return Err((
                            "SERVICES",
                            format!(
                                "{s:?} is not a service (gmail, calendar, drive, docs, sheets, tasks, contacts, slides, forms, chat)"
                            ),
                        ));
                    }
                }
            }
            sel.services = out;
        }
        Ok(sel)
    }

    pub fn offers(&self, spec: &ToolSpec) -> bool {
        if spec.service == Service::Gateway {
            return true;
        }
        if self.read_only && spec.writes {
            return false;
        }
        let on = match spec.service {
            Service::Workspace => SEARCH_TOOLS
                .iter()
                .any(|(_, tool)| spec_of(tool).is_some_and(|s| self.offers(s))),
            service => self.services.contains(&service),
        };
        if !on {
            return false;
        }
        match &self.explicit {
            Some(names) => names.iter().any(|n| n == spec.name),
            None => spec.tier <= self.tier,
        }
    }

    /// Names of the offered tools.
    pub fn offered(&self) -> Vec<&'static str> {
        CATALOG
            .iter()
            .filter(|s| self.offers(s))
            .map(|s| s.name)
            .collect()
    }

    /// Google scopes the offered tools need (requested at sign-in).
    pub fn google_scopes(&self) -> Vec<String> {
        scopes_of(CATALOG.iter().filter(|s| self.offers(s)))
    }
}

/// The Google scopes `specs` need, in catalogue order without repeats.
pub fn scopes_of<'a>(specs: impl Iterator<Item = &'a ToolSpec>) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for spec in specs {
        for scope in spec.scopes {
            if !scopes.iter().any(|x| x == scope) {
                scopes.push((*scope).to_owned());
            }
        }
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_lists_every_tool_with_its_tier_and_whether_it_writes() {
        let readme = include_str!("../../../README.md");
        for spec in CATALOG {
            let tier = match spec.tier {
                Tier::Core => "core",
                Tier::Extended => "extended",
            };
            let writes = if spec.writes { "yes" } else { "no" };
            let row = format!("| `{}` | {tier} | {writes} |", spec.name);
            assert!(readme.contains(&row), "README.md lacks the row {row}");
        }
        let core = CATALOG.iter().filter(|s| s.tier == Tier::Core).count();
        let count = format!("core set has {core} tools ({} in all)", CATALOG.len());
        assert!(readme.contains(&count), "README.md should say: {count}");
    }

    #[test]
    fn default_core_set_is_small_and_scopes_follow_tools() {
        let sel = Selection::default();
        let offered = sel.offered();
        assert!(offered.len() < 40, "{}", offered.len());
        assert!(offered.contains(&"gmail_search"));
        assert!(!offered.contains(&"gmail_trash"), "extended tool in core");
        assert!(sel.google_scopes().contains(&GMAIL_SEND.to_owned()));
    }

    #[test]
    fn read_only_drops_writers_and_their_scopes() {
        let sel = Selection::parse(Some("all"), Some("true"), None).unwrap();
        assert!(sel.offered().iter().all(|n| !spec_of(n).unwrap().writes));
        assert!(!sel.google_scopes().contains(&GMAIL_SEND.to_owned()));
        assert!(sel.google_scopes().contains(&GMAIL_READONLY.to_owned()));
    }

    #[test]
    fn services_limit_tools_and_scopes() {
        let sel = Selection::parse(None, None, Some("calendar")).unwrap();
        assert!(sel.offered().iter().all(|n| !n.starts_with("gmail_")));
        assert!(sel.google_scopes().iter().all(|s| !s.contains("gmail")));
        assert!(sel.offered().contains(&"whoami"));
    }

    #[test]
    fn tasks_and_contacts_are_extended_services_with_their_own_scopes() {
        let core = Selection::default().offered();
        assert!(
            core.iter()
                .all(|n| !n.starts_with("tasks_") && !n.starts_with("contacts_"))
        );
        let sel = Selection::parse(Some("extended"), None, Some("tasks, contacts")).unwrap();
        let offered = sel.offered();
        assert!(offered.contains(&"tasks_create") && offered.contains(&"contacts_search"));
        assert!(offered.iter().all(|n| !n.starts_with("gmail_")));
        assert_eq!(
            sel.google_scopes(),
            [TASKS_READONLY, TASKS, CONTACTS_READONLY, DIRECTORY_READONLY]
        );
        let read = Selection::parse(Some("all"), Some("true"), Some("tasks")).unwrap();
        assert_eq!(
            read.offered(),
            ["whoami", "server_info", "tasks_lists", "tasks_list"]
        );
        assert_eq!(read.google_scopes(), [TASKS_READONLY]);
    }

    #[test]
    fn chat_is_an_extended_service_whose_reads_need_only_read_scopes() {
        let core = Selection::default().offered();
        assert!(core.iter().all(|n| !n.starts_with("chat_")));
        let sel = Selection::parse(Some("extended"), None, Some("chat")).unwrap();
        assert_eq!(
            sel.offered(),
            [
                "whoami",
                "server_info",
                "chat_list_spaces",
                "chat_read_messages",
                "chat_send",
                "chat_reply"
            ]
        );
        assert_eq!(
            sel.google_scopes(),
            [
                CHAT_SPACES_READONLY,
                CHAT_MESSAGES_READONLY,
                CHAT_MESSAGES_CREATE,
                CHAT_SPACES_CREATE
            ]
        );
        let read = Selection::parse(Some("all"), Some("true"), Some("chat")).unwrap();
        assert_eq!(
            read.google_scopes(),
            [CHAT_SPACES_READONLY, CHAT_MESSAGES_READONLY]
        );
    }

    #[test]
    fn forms_are_an_extended_service_whose_reads_need_only_read_scopes() {
        let sel = Selection::parse(Some("extended"), None, Some("forms")).unwrap();
        assert_eq!(
            sel.offered(),
            [
                "whoami",
                "server_info",
                "forms_create",
                "forms_read",
                "forms_list_responses"
            ]
        );
        assert_eq!(
            sel.google_scopes(),
            [
                FORMS_BODY,
                DRIVE_FILE,
                FORMS_BODY_READONLY,
                FORMS_RESPONSES_READONLY
            ]
        );
        let read = Selection::parse(Some("all"), Some("true"), Some("forms")).unwrap();
        assert_eq!(
            read.google_scopes(),
            [FORMS_BODY_READONLY, FORMS_RESPONSES_READONLY]
        );
        assert!(
            Selection::default()
                .offered()
                .iter()
                .all(|n| !n.starts_with("forms_"))
        );
    }

    #[test]
    fn slides_are_an_extended_service() {
        let sel = Selection::parse(Some("extended"), Some("true"), Some("slides")).unwrap();
        assert_eq!(sel.offered(), ["whoami", "server_info", "slides_read"]);
        assert_eq!(sel.google_scopes(), [PRESENTATIONS_READONLY]);
        assert!(!Selection::default().offered().contains(&"slides_read"));
    }

    #[test]
    fn explicit_lists_and_errors_name_the_variable() {
        let sel = Selection::parse(Some("gmail_search, calendar_list_events"), None, None).unwrap();
        assert_eq!(
            sel.offered(),
            vec![
                "whoami",
                "server_info",
                "gmail_search",
                "calendar_list_events"
            ]
        );
        assert_eq!(
            Selection::parse(Some("gmail_nope"), None, None)
                .unwrap_err()
                .0,
            "TOOLS"
        );
        assert_eq!(
            Selection::parse(None, Some("maybe"), None).unwrap_err().0,
            "READ_ONLY"
        );
        assert_eq!(
            Selection::parse(None, None, Some("fax")).unwrap_err().0,
            "SERVICES"
        );
    }
}
