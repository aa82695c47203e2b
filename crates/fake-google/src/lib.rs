//! A faithful in-process fake of Google's OAuth 2.0 / OpenID Connect service,
//! and of the Gmail v1, Calendar v3, Drive v3, Sheets v4, Docs v1, Slides v1,
//! Tasks v1, People v1, Forms v1 and Chat v1 REST APIs the gateway calls.
//!
//! The gateway's tests and its demo mode use it in place of `accounts.google.com`,
//! `oauth2.googleapis.com`, `openidconnect.googleapis.com`, `www.googleapis.com`,
//! `sheets.googleapis.com`, `docs.googleapis.com`, `slides.googleapis.com`,
//! `tasks.googleapis.com`, `people.googleapis.com`, `forms.googleapis.com` and
//! `chat.googleapis.com`:
//! every endpoint lives on one origin, under Google's own paths, and answers
//! with Google's field names, error shapes and status codes.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use fake_google::{FakeGoogle, FakeUser, OAuthClient};
//! let google = FakeGoogle::builder()
//!     .user(FakeUser::workspace("alice@example.com", "example.com"))
//!     .client(OAuthClient::new("cid", "secret").redirect_uri("http://127.0.0.1:8080/oauth/callback"))
//!     .start()
//!     .await?;
//! google.set_auto_approve(Some("alice@example.com"));
//! let discovery = google.url("/.well-known/openid-configuration");
//! # let _ = discovery; Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! | path | Google's host | notes |
//! | --- | --- | --- |
//! | `GET /o/oauth2/v2/auth` | accounts.google.com | account chooser page, or an immediate redirect with auto-approve |
//! | `POST /o/oauth2/v2/auth/approve` | (fake only) | form `email` (+ the original parameters; `action=deny` cancels) |
//! | `POST /token` | oauth2.googleapis.com | `authorization_code` and `refresh_token` grants |
//! | `POST /revoke` | oauth2.googleapis.com | `token=` in form or query |
//! | `GET /oauth2/v3/certs` | www.googleapis.com | JWKS with `Cache-Control: public, max-age=…` |
//! | `GET /v1/userinfo`, `GET /oauth2/v3/userinfo` | openidconnect / www.googleapis.com | Bearer access token |
//! | `GET /oauth2/v1/tokeninfo`, `GET /oauth2/v3/tokeninfo` | www.googleapis.com | `access_token=` or `id_token=` (v3) |
//! | `GET /.well-known/openid-configuration` | accounts.google.com | endpoints point at this fake |
//! | `/gmail/v1/users/{userId}/…` | gmail.googleapis.com | see below |
//! | `/calendar/v3/…` | www.googleapis.com | see below |
//! | `/drive/v3/…`, `/upload/drive/v3/files` | www.googleapis.com | see below |
//! | `/v4/spreadsheets…` | sheets.googleapis.com | see below |
//! | `/v1/documents…` | docs.googleapis.com | see below |
//! | `GET /v1/presentations/{id}` | slides.googleapis.com | see below |
//! | `/tasks/v1/users/@me/lists…`, `/tasks/v1/lists/{tasklist}/tasks…` | tasks.googleapis.com | see below |
//! | `GET /v1/people:searchContacts`, `:searchDirectoryPeople`, `/v1/people/{id}` | people.googleapis.com | see below |
//! | `/v1/forms…` | forms.googleapis.com | see below |
//! | `/v1/spaces…` | chat.googleapis.com | see below |
//!
//! # Gmail and Calendar
//!
//! Every API request needs `Authorization: Bearer <access token from /token>`
//! (or `access_token=`); the token's user decides whose data is served, and
//! the token's scopes must include one that Google's discovery document lists
//! for the method ([`METHOD_SCOPES`]). Errors use Google's JSON error shape
//! (`{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}`).
//! Each user's mailbox and calendars are seeded on first use (see [`seed`]):
//! deterministic per email, with times relative to the moment of seeding.
//!
//! Gmail (`userId` is `me` or the user's address; another address is 403):
//! `getProfile`; `messages.list` (`q`, `labelIds`, `includeSpamTrash`,
//! `maxResults` ≤ 500, `pageToken`); `messages.get` (`format`
//! full/metadata/minimal/raw, `metadataHeaders`); `messages.send` (JSON `raw`
//! with `threadId`, or `/upload/…?uploadType=media`); `messages.modify`,
//! `batchModify`, `trash`, `untrash`; `messages.attachments.get` (unpadded
//! base64url `data`); `threads.list`, `get`, `modify`, `trash`, `untrash`;
//! `labels.list`, `get` (with counts), `create`; `drafts.create`, `list`,
//! `get`, `send`, `delete`. Search (`q`) understands `from: to: cc: bcc:
//! subject: label: in: is: has:attachment filename: category: newer_than:
//! older_than: after: before: rfc822msgid:`, free words, quoted phrases, `-`
//! and `OR`. A sent message joins `threadId` only when In-Reply-To/References
//! name a message of that thread and the subjects match (Gmail's rule); mail
//! to another user of the fake lands in their inbox.
//!
//! Calendar: `calendarList.list`, `calendars.get`, `events.list` (`timeMin`
//! bounds the end, `timeMax` the start; `singleEvents` expands RRULEs with
//! exceptions; `orderBy=startTime` needs `singleEvents=true`; `q`, `timeZone`,
//! `showDeleted`, `maxResults` ≤ 2500, `pageToken`), `events.get` (also
//! instance ids `<id>_<YYYYMMDDTHHMMSSZ>`), `events.instances`,
//! `events.insert` (attendees, all-day, Meet links with
//! `conferenceDataVersion=1`, `sendUpdates` checked), `events.patch` (JSON
//! merge; patching an instance makes an exception), `events.delete` (410
//! when already deleted), `freebusy.query`. A colleague's primary calendar
//! (same Workspace domain) is visible as free/busy only.
//!
//! Drive (each user has a My Drive, a shared drive "Team Drive" and files
//! shared by a colleague; see [`seed::drive`]): `files.list` (`q` with `name`,
//! `fullText`, `mimeType`, `'<id>' in parents`, `'me' in owners`, `trashed`,
//! `starred`, `sharedWithMe`, `modifiedTime`/`createdTime` comparisons, `and`,
//! `or`, `not`, parentheses; `corpora`, `driveId`; shared-drive items only with
//! both `supportsAllDrives` and `includeItemsFromAllDrives`; `orderBy`;
//! `pageSize` ≤ 1000, `pageToken`), `files.get` (`alt=media` for uploaded
//! files), `files.export` (Docs as `text/markdown`, `text/plain`,
//! `text/html`; Sheets as `text/csv` of the first sheet; Slides as
//! `text/plain`; over 10 MB is 403 `exportSizeLimitExceeded`),
//! `files.create` (metadata, `uploadType=media|multipart`; Markdown or plain
//! text uploaded as a Google Doc, CSV as a Google Sheet, are converted),
//! `files.update` (rename, `trashed`, `addParents`/`removeParents`; new
//! content by `PATCH /upload/…`), `files.copy`, `files.delete` (permanent,
//! folders with their content), `permissions.list`/`create` (roles reader,
//! commenter, writer; types user, group, domain, anyone;
//! `sendNotificationEmail` sends nothing), `drives.list`. `fields` selects
//! the answer's fields (`files(id,name)`, `a/b`, `*`); without it Drive's
//! default `kind,id,name,mimeType`. Google files share their ids with the
//! Docs and Sheets APIs.
//!
//! Sheets (the spreadsheets Drive lists, same ids): `spreadsheets.get`
//! (sheets with `gridProperties`, `namedRanges`; `includeGridData`, `ranges`),
//! `spreadsheets.create` (title, sheets; the file appears in My Drive),
//! `spreadsheets.batchUpdate` (`addSheet`, `deleteSheet`,
//! `updateSpreadsheetProperties`; all or nothing), `values.get` and
//! `values:batchGet` (A1 with quoted names such as `'It''s Q4'!A1:B2`, whole
//! columns `A:C`, open ranges `A2:C`, a sheet or named range alone, no sheet
//! meaning the first; `majorDimension`, `valueRenderOption`; nothing there
//! means no `values`), `values.update`, `:append`, `:clear`
//! (`valueInputOption` `RAW` or `USER_ENTERED` is required; `USER_ENTERED`
//! parses numbers, booleans, a leading `'` and formulas `SUM`, `AVERAGE`,
//! `MIN`, `MAX`, `COUNT` of a range, cell references and arithmetic).
//!
//! Docs (the documents Drive lists, same ids): `documents.get` (without
//! `includeTabsContent` the first tab's `body`, `lists`, `documentStyle`; with
//! it every tab under `tabs[].documentTab` and no top-level body; paragraphs
//! with `namedStyleType`, bullets, tables, runs with bold, italic and links;
//! `startIndex`/`endIndex` in UTF-16 code units), `documents.create` (title;
//! the file appears in My Drive), `documents.batchUpdate` (`insertText` at
//! `location` or `endOfSegmentLocation`, `deleteContentRange`,
//! `replaceAllText` with `tabsCriteria`, `updateTextStyle`,
//! `createParagraphBullets`, `deleteParagraphBullets`, `updateParagraphStyle`;
//! `tabId` in locations and ranges; `writeControl.requiredRevisionId`; all or
//! nothing; 400 `Invalid requests[i].<kind>: …` for an index past the segment,
//! outside a paragraph, inside a surrogate pair, or the segment's final newline).
//!
//! Slides (the presentations Drive lists, same ids; 404 for any other file):
//! `presentations.get` builds each slide from the deck's text (blocks
//! separated by blank lines; the first line is the title, the others body
//! paragraphs): `slides[].pageElements[]` holds a `CENTERED_TITLE` and a
//! `SUBTITLE` placeholder on the first slide, `TITLE` and `BODY` on the others,
//! each `shape.text.textElements[]` a `paragraphMarker` and a `textRun` per
//! paragraph (`startIndex`/`endIndex` in UTF-16 code units, `startIndex` left
//! out at 0; an empty placeholder has no `text`); every slide has a notes page
//! with an empty speaker-notes shape; object ids are the same on every read;
//! a deck without text has no `slides`. `fields` selects parts of the answer.
//!
//! Tasks (each user's own lists, "My Tasks" first, `@default` naming it; see
//! [`seed::tasks`]): `tasklists.list`, `tasklists.get`, `tasks.list`
//! (parents each followed by their subtasks; `showCompleted` (default true),
//! `dueMin`/`dueMax`, `completedMin`/`completedMax`, `updatedMin`,
//! `maxResults` ≤ 100, `pageToken`), `tasks.get`, `tasks.insert` (`parent`
//! one level deep, `previous`; title ≤ 1024 and notes ≤ 8192 characters;
//! `due` keeps only its date), `tasks.patch` (`null` clears; `status`
//! `completed` stamps `completed`, `needsAction` clears it), `tasks.delete`
//! (with the task's subtasks). Another user's list or task is 404.
//!
//! People (see [`seed::contacts`]): `people.searchContacts` (the caller's
//! contacts; `query` matches word prefixes of names, emails, phone numbers
//! and organizations; `readMask` required; `pageSize` ≤ 30; an empty query
//! is Google's warm-up request and finds nothing), `people.searchDirectoryPeople`
//! (the fake's users in the caller's Workspace domain; `readMask` and
//! `sources` required; a consumer account gets 400 `FAILED_PRECONDITION`),
//! `people.get` (`people/c…` a contact, needing a contacts scope;
//! `people/<sub>` a colleague's profile, needing `directory.readonly`;
//! `people/me`; `personFields` required).
//!
//! Forms (each user's own; see [`seed::forms`]): `forms.create` (only
//! `info.title` and `info.documentTitle`; the form appears in My Drive as
//! `application/vnd.google-apps.form`), `forms.get`, `forms.batchUpdate`
//! (`createItem` of question items (text, choice RADIO/CHECKBOX/DROP_DOWN
//! with distinct options, scale with low 0-1 and high 2-10), text and page
//! break items at `location.index`; `updateFormInfo` with `updateMask`
//! title/description; `deleteItem`; all or nothing; each applied batch a
//! new `revisionId`, and `writeControl.requiredRevisionId` refused with 400
//! `FAILED_PRECONDITION` when stale; `includeFormInResponse`),
//! `forms.responses.list` (oldest first; `filter` `timestamp >`/`>=`;
//! `pageSize` ≤ 5000). Another user's form is 404.
//!
//! Chat (user authentication; see [`seed::chat`]): every user of a
//! Workspace domain shares its seeded spaces, and each user has a direct
//! message with a colleague nobody else sees. `spaces.list` (most recently
//! active first; `filter` on `spaceType`; `pageSize` ≤ 1000), `spaces.get`,
//! `spaces.findDirectMessage` (`name=users/{email or id}`; 404 when there
//! is none), `spaces.setup` (a direct message with one person of the
//! caller's domain; the existing one when there is one),
//! `spaces.messages.list` (oldest first, `orderBy=createTime desc`; `filter`
//! on `thread.name` and `createTime`), `spaces.messages.get` (also by
//! `client-…` id), `spaces.messages.create` (text ≤ 4096 characters;
//! `messageId` `client-…`, 409 when taken; a repeated `requestId` answers
//! with the message it created; `messageReplyOption` with `thread.name`).
//! A space the caller is not in is 404. Senders carry `displayName` and
//! `email`, as Chat sends them to a space's members.
//!
//! # Behaviour worth knowing
//!
//! - A refresh token is issued only with `access_type=offline`, and then only on the
//!   user's first consent for that client or when `prompt=consent` was sent.
//! - `email` and `profile` come back in the token response's `scope` as
//!   `https://www.googleapis.com/auth/userinfo.email` / `.profile`, as at Google.
//! - A user's `untick_scopes` are dropped from the granted set (never `openid`,
//!   `email`, `profile`).
//! - ID tokens carry `email`/`email_verified` only with the email scope and
//!   `name`/`picture` only with the profile scope; `hd` only for Workspace users.
//! - Revoking any token of a grant revokes the whole grant (all its tokens), so
//!   the next sign-in gets a new refresh token.
//! - Generated RSA keys are shared by all instances in a process (see [`FakeGoogle::rotate_signing_key`]).
//!
//! # Known differences from Google
//!
//! - Only `response_type=code` is served (no implicit or hybrid flows, no device flow).
//! - No browser session: every authorization goes through the chooser (or
//!   auto-approve), and `prompt=none` without auto-approve answers `login_required`.
//! - The `hd` request parameter does not filter the chooser; it is only recorded.
//! - No limit of 100 live refresh tokens per client and account; refresh tokens
//!   do not expire unless [`FakeGoogle::expire_refresh_tokens_for`] is called.
//! - The refresh grant ignores a `scope` parameter (no down-scoping).
//! - `/oauth2/v3/tokeninfo` accepts `access_token` only, not `id_token`.
//! - Gmail: `after:`/`before:` dates are UTC midnight (Gmail uses the account's
//!   zone); `resultSizeEstimate` is exact; attachment ids are stable; no
//!   history, watch, import/insert, settings or batch HTTP endpoint; message
//!   bodies are served as UTF-8 whatever their charset; `drafts.send` gives
//!   the sent message a new id.
//! - Calendar: no sync tokens (a `nextSyncToken` is sent but not accepted),
//!   no ACLs, watch, move, quickAdd, import or update (PUT); invitations are
//!   not copied into attendees' calendars and `sendUpdates` sends nothing;
//!   all-day events are placed in the calendar's zone.
//! - Drive: no resumable uploads, revisions, comments, changes or watch;
//!   `drive.file` grants access to every file; search is substring-based (no
//!   stemming); a copy of a file shared with the user lands in My Drive.
//! - Sheets: formulas are computed when written, not recalculated; no
//!   formatting, `dateTimeRenderOption`, developer metadata or batchUpdate
//!   requests beyond the three listed.
//! - Docs: no headers, footers, footnotes, images, suggestions, nested lists
//!   or nested tables; a table cell holds one paragraph; an edit range must
//!   stay in one table cell or between tables; table rows and columns cannot
//!   be inserted or deleted.
//! - Slides: read only (no `create` or `batchUpdate`); only title and body
//!   placeholders with unstyled text, no tables, images, bullets, speaker
//!   notes text or comments; one master and two layouts for every deck.
//! - Tasks: deleted and hidden tasks are gone (`showDeleted`/`showHidden`
//!   find none); no `move`, `clear`, task list writes or assigned tasks.
//! - People: read only; no other contacts, contact groups, photos or sync
//!   tokens; directory profiles hold only names and emails.
//! - Page tokens are offsets into the current result.
//! - Invalid-request conditions the real service shows as an error page after
//!   the redirect URI was checked (such as a bad `scope`) are redirected back
//!   with `error=` as RFC 6749 describes.
//!
//! # Test hooks
//!
//! See the methods of [`FakeGoogle`]: counters ([`FakeGoogle::requests`]), recorded
//! requests ([`FakeGoogle::last_request`]), fault injection ([`FakeGoogle::inject`]),
//! auto-approve ([`FakeGoogle::set_auto_approve`]), revocation and expiry, key rotation.
//! Fault paths ending in `*` match every path under that prefix, and faults on
//! API paths answer in the API error shape ([`Fault::rate_limit`] for 403 quota errors).
//! API data: [`FakeGoogle::gmail_messages`], [`FakeGoogle::gmail_ids_by_subject`],
//! [`FakeGoogle::add_gmail_message`], [`FakeGoogle::sent_messages`],
//! [`FakeGoogle::calendar_events`], [`FakeGoogle::calendar_event_id`],
//! [`FakeGoogle::add_calendar_event`], [`FakeGoogle::reset_user_data`]; Drive, Docs and
//! Sheets: [`FakeGoogle::drive_files`], [`FakeGoogle::drive_file_id`], [`FakeGoogle::drive_root_id`],
//! [`FakeGoogle::shared_drive_id`], [`FakeGoogle::drive_file_content`], [`FakeGoogle::doc_text`],
//! [`FakeGoogle::doc_tab_titles`], [`FakeGoogle::sheet_titles`], [`FakeGoogle::sheet_values`],
//! [`FakeGoogle::add_drive_file`], [`FakeGoogle::add_google_doc`],
//! [`FakeGoogle::add_google_sheet`], [`FakeGoogle::set_drive_file_size`]; Tasks and
//! People: [`FakeGoogle::tasks`], [`FakeGoogle::task_list_id`], [`FakeGoogle::contacts`];
//! Chat: [`FakeGoogle::chat_space_id`], [`FakeGoogle::chat_messages`]; Forms:
//! [`FakeGoogle::form_ids`], [`FakeGoogle::form`].

mod api;
mod authorize;
mod calendar;
mod chat;
mod config;
mod data;
mod docs;
mod drive;
mod faults;
mod form;
mod forms;
mod gmail;
mod hooks;
mod hooks_apps;
mod hooks_drive;
mod hooks_tasks;
mod info;
mod keys;
mod pages;
mod people;
mod scopes;
mod server;
mod sheets;
mod slides;
mod tasks;
mod token;

pub mod seed;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::routing::{get, post};

pub use api::methods::{METHOD_SCOPES, method_scopes};
pub use config::{FakeGoogleConfig, FakeUser, Issuer, OAuthClient, demo_users};
pub use faults::{Fault, RecordedRequest};
pub use hooks::GmailMessageInfo;
pub use hooks_apps::ChatMessageInfo;
pub use hooks_drive::DriveFileInfo;
pub use hooks_tasks::TaskInfo;
pub use server::FakeGoogleHandle;

use keys::KeySet;

/// Path of the authorization endpoint.
pub const AUTHORIZE_PATH: &str = "/o/oauth2/v2/auth";
/// Path of the fake's account-chooser form target.
pub const APPROVE_PATH: &str = "/o/oauth2/v2/auth/approve";
pub const TOKEN_PATH: &str = "/token";
pub const REVOKE_PATH: &str = "/revoke";
pub const JWKS_PATH: &str = "/oauth2/v3/certs";
pub const USERINFO_PATH: &str = "/v1/userinfo";
pub const USERINFO_V3_PATH: &str = "/oauth2/v3/userinfo";
pub const TOKENINFO_V1_PATH: &str = "/oauth2/v1/tokeninfo";
pub const TOKENINFO_V3_PATH: &str = "/oauth2/v3/tokeninfo";
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// How `GET /o/oauth2/v2/auth` picks a user without showing the chooser.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AutoApprove {
    /// Show the account chooser page.
    #[default]
    Off,
    /// Approve as this user, unless `login_hint` names another known user.
    As(String),
    /// Approve as the user named by `login_hint`; show the chooser without one.
    FromLoginHint,
}

impl From<Option<&str>> for AutoApprove {
    fn from(email: Option<&str>) -> Self {
        email.map_or(AutoApprove::Off, |e| AutoApprove::As(e.to_string()))
    }
}

/// A fake Google: cheap to clone, shared state behind it. Serve it with
/// [`FakeGoogle::start`] or mount [`FakeGoogle::router`] in another server.
#[derive(Clone)]
pub struct FakeGoogle {
    shared: Arc<Shared>,
}

struct Shared {
    base_url: String,
    issuer: Issuer,
    code_ttl: Duration,
    jwks_max_age: Duration,
    state: Mutex<State>,
    data: Mutex<data::ApiData>,
}

pub(crate) struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    sub: String,
    scopes: Vec<String>,
    nonce: Option<String>,
    challenge: Option<(String, String)>,
    issue_refresh: bool,
    expires: Instant,
    used: bool,
}

pub(crate) struct AccessToken {
    client_id: String,
    sub: String,
    scopes: Vec<String>,
    expires_at: SystemTime,
    offline: bool,
}

pub(crate) struct RefreshToken {
    client_id: String,
    sub: String,
    scopes: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Grant {
    scopes: BTreeSet<String>,
    offline: bool,
}

pub(crate) struct State {
    users: Vec<FakeUser>,
    clients: Vec<OAuthClient>,
    access_ttl: Duration,
    auto: AutoApprove,
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    /// Keyed by (sub, client_id).
    grants: HashMap<(String, String), Grant>,
    keys: KeySet,
    counters: HashMap<String, u64>,
    last: HashMap<String, RecordedRequest>,
    faults: Vec<Fault>,
}

impl State {
    fn user_by_email(&self, email: &str) -> Option<&FakeUser> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    fn user_by_sub(&self, sub: &str) -> Option<&FakeUser> {
        self.users.iter().find(|u| u.sub == sub)
    }

    fn client(&self, client_id: &str) -> Option<&OAuthClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Revokes a user's grant to a client and every token issued under it.
    fn revoke_grant(&mut self, sub: &str, client_id: &str) {
        self.grants
            .remove(&(sub.to_string(), client_id.to_string()));
        self.refresh
            .retain(|_, t| !(t.sub == sub && t.client_id == client_id));
        self.access
            .retain(|_, t| !(t.sub == sub && t.client_id == client_id));
    }
}

impl FakeGoogle {
    /// A config to fill in and [`start`](FakeGoogleConfig::start).
    pub fn builder() -> FakeGoogleConfig {
        FakeGoogleConfig::default()
    }

    /// Builds the fake for serving at `base_url` (scheme, host, port, no trailing
    /// slash needed); discovery and redirects use it. [`FakeGoogle::start`] calls
    /// this with the bound address.
    pub fn new(config: FakeGoogleConfig, base_url: &str) -> Self {
        let users = config
            .users
            .into_iter()
            .map(|mut u| {
                u.fill_defaults();
                u
            })
            .collect();
        let state = State {
            users,
            clients: config.clients,
            access_ttl: config.access_token_ttl,
            auto: AutoApprove::Off,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            grants: HashMap::new(),
            keys: KeySet::new(),
            counters: HashMap::new(),
            last: HashMap::new(),
            faults: Vec::new(),
        };
        FakeGoogle {
            shared: Arc::new(Shared {
                base_url: base_url.trim_end_matches('/').to_string(),
                issuer: config.issuer,
                code_ttl: config.code_ttl,
                jwks_max_age: config.jwks_max_age,
                state: Mutex::new(state),
                data: Mutex::new(data::ApiData::default()),
            }),
        }
    }

    /// Binds `config.bind` and serves until [`FakeGoogleHandle::shutdown`] or drop.
    pub async fn start(config: FakeGoogleConfig) -> std::io::Result<FakeGoogleHandle> {
        server::start(config).await
    }

    /// All endpoints, with counting, recording and fault injection in front.
    pub fn router(&self) -> Router {
        Router::new()
            .route(AUTHORIZE_PATH, get(authorize::authorize))
            .route(APPROVE_PATH, post(authorize::approve))
            .route(TOKEN_PATH, post(token::token))
            .route(REVOKE_PATH, post(token::revoke))
            .route(JWKS_PATH, get(info::jwks))
            .route(USERINFO_PATH, get(info::userinfo).post(info::userinfo))
            .route(USERINFO_V3_PATH, get(info::userinfo).post(info::userinfo))
            .route(
                TOKENINFO_V1_PATH,
                get(info::tokeninfo_v1).post(info::tokeninfo_v1),
            )
            .route(
                TOKENINFO_V3_PATH,
                get(info::tokeninfo_v3).post(info::tokeninfo_v3),
            )
            .route(DISCOVERY_PATH, get(info::discovery))
            .merge(gmail::routes())
            .merge(calendar::routes())
            .merge(drive::routes())
            .merge(sheets::routes())
            .merge(docs::routes())
            .merge(slides::routes())
            .merge(tasks::routes())
            .merge(people::routes())
            .merge(chat::routes())
            .merge(forms::routes())
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                faults::observe,
            ))
            .with_state(self.clone())
    }

    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self
            .shared
            .state
            .lock()
            .expect("fake google state poisoned");
        f(&mut state)
    }

    /// The origin every endpoint lives on, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// `base_url()` joined with `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.shared.base_url)
    }

    /// The `iss` this fake puts in ID tokens.
    pub fn issuer(&self) -> &'static str {
        self.shared.issuer.as_str()
    }

    /// Number of requests received on `path` (faulted ones included).
    pub fn requests(&self, path: &str) -> u64 {
        self.with_state(|s| s.counters.get(path).copied().unwrap_or(0))
    }

    pub fn reset_counters(&self) {
        self.with_state(|s| s.counters.clear());
    }

    /// The last request received on `path`.
    pub fn last_request(&self, path: &str) -> Option<RecordedRequest> {
        self.with_state(|s| s.last.get(path).cloned())
    }

    /// The last request to the authorization endpoint (to check `access_type`, `prompt`, `hd`, PKCE, `nonce`).
    pub fn last_authorize(&self) -> Option<RecordedRequest> {
        self.last_request(AUTHORIZE_PATH)
    }

    /// Adds a fault; faults are matched in the order they were added.
    pub fn inject(&self, fault: Fault) {
        self.with_state(|s| s.faults.push(fault));
    }

    pub fn clear_faults(&self) {
        self.with_state(|s| s.faults.clear());
    }

    /// `Some(email)` approves every authorization as that user (a `login_hint`
    /// naming another known user wins); `None` shows the chooser again.
    pub fn set_auto_approve(&self, email: Option<&str>) {
        self.set_auto_approve_mode(email.into());
    }

    /// Chooses how the authorization endpoint picks a user, see [`AutoApprove`].
    pub fn set_auto_approve_mode(&self, mode: AutoApprove) {
        self.with_state(|s| s.auto = mode);
    }

    pub fn add_user(&self, mut user: FakeUser) {
        user.fill_defaults();
        self.with_state(|s| {
            s.users
                .retain(|u| !u.email.eq_ignore_ascii_case(&user.email));
            s.users.push(user);
        });
    }

    pub fn add_client(&self, client: OAuthClient) {
        self.with_state(|s| {
            s.clients.retain(|c| c.client_id != client.client_id);
            s.clients.push(client);
        });
    }

    /// The user as the fake knows it (with derived `sub` and `name`).
    pub fn user(&self, email: &str) -> Option<FakeUser> {
        self.with_state(|s| s.user_by_email(email).cloned())
    }

    /// The emails of the known users, in order.
    pub fn user_emails(&self) -> Vec<String> {
        self.with_state(|s| s.users.iter().map(|u| u.email.clone()).collect())
    }

    /// `expires_in` of access tokens issued from now on.
    pub fn set_access_token_ttl(&self, ttl: Duration) {
        self.with_state(|s| s.access_ttl = ttl);
    }

    /// Revokes every grant and token of the user, as if they removed the app
    /// from their Google account.
    pub fn revoke_all_for(&self, email: &str) {
        self.with_state(|s| {
            let Some(sub) = s.user_by_email(email).map(|u| u.sub.clone()) else {
                return;
            };
            s.grants.retain(|(g, _), _| *g != sub);
            s.refresh.retain(|_, t| t.sub != sub);
            s.access.retain(|_, t| t.sub != sub);
        });
    }

    /// Makes the user's refresh tokens fail with `invalid_grant` (as when a
    /// testing-mode app's tokens expire after 7 days); the next consent issues a
    /// new refresh token. Access tokens stay valid until they expire.
    pub fn expire_refresh_tokens_for(&self, email: &str) {
        self.with_state(|s| {
            let Some(sub) = s.user_by_email(email).map(|u| u.sub.clone()) else {
                return;
            };
            s.refresh.retain(|_, t| t.sub != sub);
            for ((g, _), grant) in s.grants.iter_mut() {
                if *g == sub {
                    grant.offline = false;
                }
            }
        });
    }

    /// Makes the user's current access tokens expired (userinfo answers 401).
    pub fn expire_access_tokens_for(&self, email: &str) {
        self.with_state(|s| {
            let Some(sub) = s.user_by_email(email).map(|u| u.sub.clone()) else {
                return;
            };
            for token in s.access.values_mut().filter(|t| t.sub == sub) {
                token.expires_at = SystemTime::UNIX_EPOCH;
            }
        });
    }

    /// Number of live refresh tokens the user holds.
    pub fn refresh_token_count(&self, email: &str) -> usize {
        self.with_state(|s| {
            let Some(sub) = s.user_by_email(email).map(|u| u.sub.clone()) else {
                return 0;
            };
            s.refresh.values().filter(|t| t.sub == sub).count()
        })
    }

    /// Adds a new signing key (returned kid) that signs from now on. The older
    /// keys stay in the JWKS until [`retire_old_keys`](Self::retire_old_keys).
    ///
    /// Keys come from a process-wide pool, so the n-th key is the same in every
    /// instance of one process; the first use of a pool slot generates an RSA key
    /// (about a second in debug builds).
    pub fn rotate_signing_key(&self) -> String {
        self.with_state(|s| s.keys.rotate())
    }

    /// Removes every key but the signing one from the JWKS.
    pub fn retire_old_keys(&self) {
        self.with_state(|s| s.keys.retire_old());
    }

    /// The kid of the key that signs ID tokens now.
    pub fn signing_kid(&self) -> String {
        self.with_state(|s| s.keys.current().kid.clone())
    }

    /// The kids the JWKS lists.
    pub fn published_kids(&self) -> Vec<String> {
        self.with_state(|s| s.keys.kids())
    }
}
