//! The closed label sets: every value a label may take is listed here, so
//! no series can carry a user's data (emails, ids, tokens, raw paths).

/// HTTP methods with their own series; anything else is `OTHER`.
pub const METHODS: [&str; 8] = [
    "GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "OTHER",
];

pub fn method_index(method: &http::Method) -> usize {
    let m = method.as_str();
    METHODS[..METHODS.len() - 1]
        .iter()
        .position(|&x| x == m)
        .unwrap_or(METHODS.len() - 1)
}

/// Status classes, indexed by the first digit minus one.
pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

pub fn status_index(status: u16) -> usize {
    usize::from(status / 100).clamp(1, 5) - 1
}

/// How a tool call ended: the adapter's outcomes (tools/adapter.rs), and
/// `other` for a name this list does not know.
pub const OUTCOMES: [&str; 11] = [
    "ok",
    "invalid_arguments",
    "refused",
    "google_error",
    "timeout",
    "cancelled",
    "panic",
    "rate_limited",
    "policy_refused",
    "input_required",
    "other",
];

pub fn outcome_index(outcome: &str) -> usize {
    OUTCOMES
        .iter()
        .position(|&o| o == outcome)
        .unwrap_or(OUTCOMES.len() - 1)
}

/// The Google API a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Gmail,
    Calendar,
    Drive,
    Docs,
    Sheets,
    Slides,
    Tasks,
    People,
    Forms,
    Chat,
    Other,
}

impl Api {
    pub const ALL: [Api; 11] = [
        Api::Gmail,
        Api::Calendar,
        Api::Drive,
        Api::Docs,
        Api::Sheets,
        Api::Slides,
        Api::Tasks,
        Api::People,
        Api::Forms,
        Api::Chat,
        Api::Other,
    ];

    /// From a request path under Google's API hosts (or the fake Google's).
    pub fn of_path(path: &str) -> Api {
        if path.contains("/gmail/") {
            Api::Gmail
        } else if path.contains("/calendar/") {
            Api::Calendar
        } else if path.contains("/drive/") {
            Api::Drive
        } else if path.contains("/documents") {
            Api::Docs
        } else if path.contains("/spreadsheets") {
            Api::Sheets
        } else if path.contains("/presentations") {
            Api::Slides
        } else if path.starts_with("/tasks/") || path.contains("/tasks/v1/") {
            Api::Tasks
        } else if path.contains("/v1/people") {
            Api::People
        } else if path.contains("/v1/forms") {
            Api::Forms
        } else if path.contains("/v1/spaces") {
            Api::Chat
        } else {
            Api::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Api::Gmail => "gmail",
            Api::Calendar => "calendar",
            Api::Drive => "drive",
            Api::Docs => "docs",
            Api::Sheets => "sheets",
            Api::Slides => "slides",
            Api::Tasks => "tasks",
            Api::People => "people",
            Api::Forms => "forms",
            Api::Chat => "chat",
            Api::Other => "other",
        }
    }
}

/// A `Store` operation (store/mod.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    Get,
    Put,
    Delete,
    ListGroup,
    ListKind,
    PurgeExpired,
    Ping,
}

impl StoreOp {
    pub const ALL: [StoreOp; 7] = [
        StoreOp::Get,
        StoreOp::Put,
        StoreOp::Delete,
        StoreOp::ListGroup,
        StoreOp::ListKind,
        StoreOp::PurgeExpired,
        StoreOp::Ping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StoreOp::Get => "get",
            StoreOp::Put => "put",
            StoreOp::Delete => "delete",
            StoreOp::ListGroup => "list_group",
            StoreOp::ListKind => "list_kind",
            StoreOp::PurgeExpired => "purge_expired",
            StoreOp::Ping => "ping",
        }
    }
}

/// Store backends by `Store::backend()`; anything else is `other`.
pub const STORE_BACKENDS: [&str; 3] = ["sqlite", "dynamodb", "other"];

pub fn backend_index(backend: &str) -> usize {
    STORE_BACKENDS[..2]
        .iter()
        .position(|&b| b == backend)
        .unwrap_or(2)
}

/// A KMS request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KmsOp {
    GenerateDataKey,
    Decrypt,
}

impl KmsOp {
    pub const ALL: [KmsOp; 2] = [KmsOp::GenerateDataKey, KmsOp::Decrypt];

    pub fn as_str(self) -> &'static str {
        match self {
            KmsOp::GenerateDataKey => "GenerateDataKey",
            KmsOp::Decrypt => "Decrypt",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_map_onto_their_closed_sets() {
        assert_eq!(status_index(204), 1);
        assert_eq!(status_index(599), 4);
        assert_eq!(status_index(42), 0);
        assert_eq!(METHODS[method_index(&http::Method::POST)], "POST");
        assert_eq!(METHODS[method_index(&http::Method::TRACE)], "OTHER");
        assert_eq!(OUTCOMES[outcome_index("timeout")], "timeout");
        assert_eq!(OUTCOMES[outcome_index("something new")], "other");
        assert_eq!(Api::of_path("/upload/drive/v3/files").as_str(), "drive");
        assert_eq!(
            Api::of_path("/v4/spreadsheets/x/values/A1").as_str(),
            "sheets"
        );
        assert_eq!(Api::of_path("/v1/presentations/x").as_str(), "slides");
        assert_eq!(
            Api::of_path("/tasks/v1/lists/@default/tasks").as_str(),
            "tasks"
        );
        assert_eq!(Api::of_path("/v1/people:searchContacts").as_str(), "people");
        assert_eq!(Api::of_path("/v1/spaces/S/messages").as_str(), "chat");
        assert_eq!(Api::of_path("/v1/forms/F/responses").as_str(), "forms");
        assert_eq!(
            Api::of_path("/v1/spaces:findDirectMessage").as_str(),
            "chat"
        );
        assert_eq!(STORE_BACKENDS[backend_index("dynamodb")], "dynamodb");
        assert_eq!(STORE_BACKENDS[backend_index("memory")], "other");
    }
}
