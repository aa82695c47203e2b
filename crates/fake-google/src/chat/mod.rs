//! Chat API v1 (`/v1/spaces…`, chat.googleapis.com) with user
//! authentication: spaces a user is a member of (a domain's shared spaces
//! and their direct messages), their messages and threads, direct messages
//! found or set up by a person's email, and messages created once per
//! `requestId`. Seeded on first use (`seed/chat.rs`).

pub(crate) mod store;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use self::store::{ChatWorld, Member, Message, Space, SpaceType, message_id, new_id, user_name};
use crate::FakeGoogle;
use crate::api::{ApiError, ApiResult, Caller, Params, json_body, ok_json, page};

/// Most characters of a message's text.
pub const TEXT_MAX: usize = 4096;

pub(crate) fn routes() -> Router<FakeGoogle> {
    const M: &str = "/v1/spaces/{space}/messages";
    Router::new()
        .route("/v1/spaces", get(list_spaces))
        .route("/v1/spaces:findDirectMessage", get(find_direct_message))
        .route("/v1/spaces:setup", post(setup))
        .route("/v1/spaces/{space}", get(get_space))
        .route(M, get(list_messages).post(create_message))
        .route(&format!("{M}/{{message}}"), get(get_message))
}

fn not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

/// People in a space: its members and, for a domain-wide space, the domain's users.
fn members(fake: &FakeGoogle, space: &Space) -> Vec<Member> {
    let mut all = space.members.clone();
    if let Some(d) = &space.domain {
        for u in fake.domain_users(d) {
            if !all.iter().any(|m| m.email == u.email) {
                all.push(u);
            }
        }
    }
    all
}

fn space_resource(fake: &FakeGoogle, space: &Space) -> Value {
    space.resource(members(fake, space).len())
}

/// Runs `f` on the caller's space `id` (404 when they cannot see one by that id).
fn with_space<R>(
    fake: &FakeGoogle,
    caller: &Caller,
    id: &str,
    f: impl FnOnce(&mut Space, &mut u64) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    fake.with_chat(&caller.email, |world| {
        let created = &mut world.created;
        match world
            .spaces
            .iter_mut()
            .find(|s| s.id() == id && s.visible_to(&caller.email, caller.hd.as_deref()))
        {
            Some(space) => f(space, created),
            None => Err(not_found()),
        }
    })
}

/// `spaceType = "SPACE" OR spaceType = "DIRECT_MESSAGE"`, Chat's only list filter.
fn space_types(filter: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    let mut kinds = Vec::new();
    for part in filter.split(" OR ") {
        let (field, value) = part
            .split_once('=')
            .ok_or_else(|| ApiError::invalid_argument(format!("Invalid filter: {filter}")))?;
        let value = value.trim().trim_matches('"');
        if field.trim() != "spaceType"
            || !["SPACE", "GROUP_CHAT", "DIRECT_MESSAGE"].contains(&value)
        {
            return Err(ApiError::invalid_argument(format!(
                "Invalid filter: {filter}"
            )));
        }
        kinds.push(value.to_string());
    }
    Ok(Some(kinds))
}

/// `GET /v1/spaces`: most recently active first.
async fn list_spaces(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("chat.spaces.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("pageSize", 100, 1000)?;
    let kinds = space_types(params.get("filter"))?;
    let mut visible: Vec<(DateTime<Utc>, Value)> = fake.with_chat(&caller.email, |world| {
        world
            .spaces
            .iter()
            .filter(|s| s.visible_to(&caller.email, caller.hd.as_deref()))
            .filter(|s| {
                kinds
                    .as_ref()
                    .is_none_or(|k| k.iter().any(|k| k == s.kind.as_str()))
            })
            .map(|s| (s.last_active(), space_resource(&fake, s)))
            .collect()
    });
    visible.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let items = visible.into_iter().map(|(_, v)| v).collect();
    let (items, next) = page(items, params.get("pageToken"), max)?;
    let mut body = json!({ "spaces": items });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&body))
}

/// `GET /v1/spaces/{space}`
async fn get_space(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require("chat.spaces.get")?;
    let body = with_space(&fake, &caller, &id, |s, _| Ok(space_resource(&fake, s)))?;
    Ok(ok_json(&body))
}

/// Who `users/{x}` names (an email alias or a numeric id) among the people
/// the caller can reach: the domain's users, their colleagues.
fn resolve_user(fake: &FakeGoogle, caller: &Caller, name: &str) -> Option<Member> {
    let key = name.strip_prefix("users/")?.to_ascii_lowercase();
    fake.reachable_people(&caller.email, caller.hd.as_deref()?)
        .into_iter()
        .filter(|m| m.email != caller.email)
        .find(|m| m.email == key || user_name(&m.email) == format!("users/{key}"))
}

fn direct_message_with<'a>(world: &'a ChatWorld, me: &str, other: &str) -> Option<&'a Space> {
    world.spaces.iter().find(|s| {
        s.kind == SpaceType::DirectMessage
            && s.members.len() == 2
            && s.members.iter().any(|m| m.email == me)
            && s.members.iter().any(|m| m.email == other)
    })
}

/// `GET /v1/spaces:findDirectMessage?name=users/{user}`
async fn find_direct_message(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("chat.spaces.findDirectMessage")?;
    let params = Params::parse(query.as_deref());
    let name = params
        .get("name")
        .ok_or_else(|| ApiError::invalid_argument("name is required").with_location("name"))?;
    let other = resolve_user(&fake, &caller, name).ok_or_else(not_found)?;
    let body = fake.with_chat(&caller.email, |world| {
        direct_message_with(world, &caller.email, &other.email).map(|s| space_resource(&fake, s))
    });
    body.map(|b| ok_json(&b)).ok_or_else(not_found)
}

/// `POST /v1/spaces:setup`: a direct message with one person (the existing
/// one when there is one).
async fn setup(State(fake): State<FakeGoogle>, caller: Caller, body: Bytes) -> ApiResult {
    caller.require("chat.spaces.setup")?;
    let req: Value = json_body(&body)?;
    if req["space"]["spaceType"] != "DIRECT_MESSAGE" {
        return Err(ApiError::invalid_argument(
            "Only spaceType DIRECT_MESSAGE is supported by this fake.",
        ));
    }
    let names: Vec<&str> = req["memberships"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["member"]["name"].as_str())
        .collect();
    let [name] = names[..] else {
        return Err(ApiError::invalid_argument(
            "A direct message needs exactly one other human member.",
        ));
    };
    let other = resolve_user(&fake, &caller, name)
        .ok_or_else(|| ApiError::invalid_argument(format!("Invalid user: {name}")))?;
    let me = Member {
        email: caller.email.clone(),
        name: caller.name.clone(),
    };
    let body = fake.with_chat(&caller.email, |world| {
        if let Some(s) = direct_message_with(world, &me.email, &other.email) {
            return space_resource(&fake, s);
        }
        let seed = format!("{}/{}/dm/{}", me.email, other.email, world.created);
        world.created += 1;
        let space = Space {
            name: format!("spaces/{}", new_id(&seed)),
            display_name: String::new(),
            kind: SpaceType::DirectMessage,
            members: vec![me.clone(), other.clone()],
            domain: None,
            created: Utc::now(),
            messages: Vec::new(),
        };
        let v = space_resource(&fake, &space);
        world.spaces.push(space);
        v
    });
    Ok(ok_json(&body))
}

/// `thread.name = spaces/S/threads/T` and `createTime > "…"` / `<` joined by `AND`.
type MessageFilter = Box<dyn Fn(&Message) -> bool + Send>;

fn message_filter(space: &str, filter: Option<&str>) -> Result<MessageFilter, ApiError> {
    let mut tests: Vec<MessageFilter> = Vec::new();
    let bad = || ApiError::invalid_argument(format!("Invalid filter: {}", filter.unwrap_or("")));
    for part in filter
        .unwrap_or("")
        .split(" AND ")
        .filter(|p| !p.trim().is_empty())
    {
        let part = part.trim();
        if let Some(thread) = part.strip_prefix("thread.name") {
            let thread = thread.trim().strip_prefix('=').ok_or_else(bad)?.trim();
            let prefix = format!("{space}/threads/");
            let id = thread.strip_prefix(&prefix).ok_or_else(bad)?.to_string();
            tests.push(Box::new(move |m| m.thread == id));
        } else if let Some(rest) = part.strip_prefix("createTime") {
            let rest = rest.trim();
            let (after, value) = if let Some(v) = rest.strip_prefix('>') {
                (true, v)
            } else if let Some(v) = rest.strip_prefix('<') {
                (false, v)
            } else {
                return Err(bad());
            };
            let at = DateTime::parse_from_rfc3339(value.trim().trim_matches('"'))
                .map_err(|_| bad())?
                .with_timezone(&Utc);
            tests.push(Box::new(move |m| {
                if after {
                    m.created > at
                } else {
                    m.created < at
                }
            }));
        } else {
            return Err(bad());
        }
    }
    Ok(Box::new(move |m| tests.iter().all(|t| t(m))))
}

/// `GET /v1/spaces/{space}/messages`: oldest first unless `orderBy=createTime desc`.
async fn list_messages(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require("chat.spaces.messages.list")?;
    let params = Params::parse(query.as_deref());
    let max = params.count("pageSize", 25, 1000)?;
    let desc = match params
        .get("orderBy")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("createtime asc") | Some("create_time asc") => false,
        Some("createtime desc") | Some("create_time desc") => true,
        Some(other) => {
            return Err(ApiError::invalid_argument(format!(
                "Invalid orderBy: {other}"
            )));
        }
    };
    let items = with_space(&fake, &caller, &id, |space, _| {
        let keep = message_filter(&space.name, params.get("filter"))?;
        let mut found: Vec<&Message> = space.messages.iter().filter(|m| keep(m)).collect();
        found.sort_by_key(|m| m.created);
        if desc {
            found.reverse();
        }
        Ok(found
            .into_iter()
            .map(|m| space.message_resource(m))
            .collect::<Vec<_>>())
    })?;
    let (items, next) = page(items, params.get("pageToken"), max)?;
    let mut body = json!({});
    if !items.is_empty() {
        body["messages"] = json!(items);
    }
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(ok_json(&body))
}

/// `GET /v1/spaces/{space}/messages/{message}` (a `client-…` id too).
async fn get_message(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path((id, message)): Path<(String, String)>,
) -> ApiResult {
    caller.require("chat.spaces.messages.get")?;
    let body = with_space(&fake, &caller, &id, |space, _| {
        space
            .message(&message)
            .map(|m| space.message_resource(m))
            .ok_or_else(not_found)
    })?;
    Ok(ok_json(&body))
}

fn valid_client_id(id: &str) -> bool {
    id.len() <= 63
        && id.starts_with("client-")
        && id.len() > "client-".len()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `POST /v1/spaces/{space}/messages`: a message, or a reply in a thread
/// (`thread.name` with `messageReplyOption`); a repeated `requestId` gets
/// the message it created.
async fn create_message(
    State(fake): State<FakeGoogle>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    caller.require("chat.spaces.messages.create")?;
    let params = Params::parse(query.as_deref());
    let req: Value = json_body(&body)?;
    let text = req["text"].as_str().unwrap_or_default().to_string();
    if text.trim().is_empty() {
        return Err(ApiError::invalid_argument(
            "Message cannot be empty. Discarding message.",
        ));
    }
    if text.chars().count() > TEXT_MAX {
        return Err(ApiError::invalid_argument(format!(
            "Message text exceeds the maximum of {TEXT_MAX} characters."
        )));
    }
    let client_id = params.get("messageId").map(str::to_string);
    if let Some(c) = &client_id
        && !valid_client_id(c)
    {
        return Err(ApiError::invalid_argument(
            "Invalid messageId: it must start with client- and hold at most 63 lowercase letters, digits and hyphens.",
        )
        .with_location("messageId"));
    }
    let request_id = params.get("requestId").map(str::to_string);
    let reply_option = params
        .get("messageReplyOption")
        .unwrap_or("MESSAGE_REPLY_OPTION_UNSPECIFIED");
    let replying = match reply_option {
        "MESSAGE_REPLY_OPTION_UNSPECIFIED" => false,
        "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD" | "REPLY_MESSAGE_OR_FAIL" => true,
        other => {
            return Err(ApiError::invalid_argument(format!(
                "Invalid value at 'message_reply_option', \"{other}\""
            )));
        }
    };
    let thread_name = req["thread"]["name"].as_str().map(str::to_string);
    let sender = Member {
        email: caller.email.clone(),
        name: caller.name.clone(),
    };
    let (status, body) = with_space(&fake, &caller, &id, |space, created| {
        if let Some(r) = &request_id
            && let Some(m) = space
                .messages
                .iter()
                .find(|m| m.request_id.as_ref() == Some(r) && m.sender.email == sender.email)
        {
            return Ok((StatusCode::OK, space.message_resource(m)));
        }
        if let Some(c) = &client_id
            && space.message(c).is_some()
        {
            return Err(ApiError::conflict(
                "alreadyExists",
                format!("Message {}/messages/{c} already exists.", space.name),
            )
            .with_status("ALREADY_EXISTS"));
        }
        let existing_thread = thread_name.as_deref().and_then(|t| {
            let id = t.strip_prefix(&format!("{}/threads/", space.name))?;
            space
                .messages
                .iter()
                .any(|m| m.thread == id)
                .then(|| id.to_string())
        });
        *created += 1;
        let seed = format!("{}/{}/{}", space.name, caller.email, created);
        let (thread, reply) = match (replying, existing_thread) {
            (true, Some(t)) => (t, true),
            (true, None) if reply_option == "REPLY_MESSAGE_OR_FAIL" && thread_name.is_some() => {
                return Err(not_found());
            }
            _ => (new_id(&format!("{seed}/thread")), false),
        };
        let message = Message {
            id: message_id(&seed),
            client_id: client_id.clone(),
            request_id: request_id.clone(),
            sender: sender.clone(),
            text: text.clone(),
            thread,
            reply,
            created: Utc::now(),
        };
        let v = space.message_resource(&message);
        space.messages.push(message);
        Ok((StatusCode::OK, v))
    })?;
    Ok(crate::api::json_with(status, &body))
}
