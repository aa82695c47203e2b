//! The one way a tool runs. A tool is a function from its typed arguments
//! and a context to `Result<impl ToolOutput, ToolError>`; [`Route`] turns it
//! into an MCP tool and, for every call, does the rest: the arguments, the
//! context (signed-in user, Google client), the time limit, the client's
//! cancellation, a panic caught as a tool error, the text cut at the output
//! limit, and a `tool` span with the outcome, the duration and the Google
//! requests made (never the arguments or the contents).

use std::{
    any::Any,
    future::Future,
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};

use futures::{FutureExt, future::BoxFuture};
use rmcp::{
    handler::server::{
        common::{schema_for_empty_input, schema_for_input, schema_for_output},
        router::tool::ToolRoute,
        tool::ToolCallContext,
    },
    model::{
        CallToolResponse, CallToolResult, ContentBlock, InputRequest, InputRequiredResult,
        JsonObject, Tool, ToolAnnotations,
    },
};
use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, field::Empty};

use crate::{
    audit::event::AuditEvent,
    auth::Principal,
    catalog::{Service, spec_of},
    google::{
        api::{GoogleApi, Usage, counting},
        touched,
    },
    limits::{retry_seconds, shared::ToolCallLimiter},
    repo::Repo,
    tools::{
        ToolCtx, ToolError, ToolResult, bound,
        confirm::Asking,
        progress::{InFlight, Progress},
        schema,
    },
};

/// A tool's successful result: structured content (described by the output
/// schema) and a compact text rendering for models that read only text.
pub trait ToolOutput: Serialize + JsonSchema + Send + 'static {
    /// The text rendering (cut at the output limit by the adapter).
    fn text(&self) -> String;

    /// A content block after the text (a file as an embedded resource).
    fn extra_content(&mut self) -> Option<ContentBlock> {
        None
    }
}

/// A value whose text is made with it (or differs between tools sharing the
/// type); its structured content and schema are the value's own.
pub struct Rendered<T> {
    pub value: T,
    pub text: String,
    pub extra: Option<ContentBlock>,
}

impl<T> Rendered<T> {
    pub fn new(value: T, text: String) -> Self {
        Self {
            value,
            text,
            extra: None,
        }
    }
}

impl<T: Serialize> Serialize for Rendered<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Rendered<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<T: Serialize + JsonSchema + Send + 'static> ToolOutput for Rendered<T> {
    fn text(&self) -> String {
        self.text.clone()
    }
    fn extra_content(&mut self) -> Option<ContentBlock> {
        self.extra.take()
    }
}

/// The result of a successful call: the text cut at `limit` characters with a
/// note, the structured content, and any extra block.
fn success<O: ToolOutput>(mut out: O, limit: usize) -> CallToolResult {
    let extra = out.extra_content();
    // Not `CallToolResult::structured`, which also renders the whole value as
    // JSON text only for it to be replaced.
    let mut r = CallToolResult::success(vec![ContentBlock::text(bound(&out.text(), limit))]);
    r.structured_content = Some(serde_json::to_value(&out).unwrap_or(serde_json::Value::Null));
    r.content.extend(extra);
    r
}

/// The arguments of a tool that takes none (any object is accepted).
#[derive(Debug, Default, serde::Deserialize, JsonSchema)]
pub struct NoArgs {}

/// What a call brings besides its arguments: whether its person can be
/// asked, and where its progress goes.
#[derive(Clone, Default)]
pub struct CallExtras {
    pub asking: Asking,
    pub progress: Option<Progress>,
}

/// What every tool call may draw on, shared by all calls of one gateway.
pub struct Facts {
    pub mcp_url: String,
    pub allowed_domains: Vec<String>,
    pub sign_in_url: String,
    pub repo: Option<Repo>,
    /// What `whoami` shows, cached per task.
    pub accounts: crate::account_cache::AccountCache,
    pub api: Option<Arc<GoogleApi>>,
    pub output_limit: usize,
    pub tool_timeout: Duration,
    /// The per-user tool-call limit, shared by every task.
    pub limiter: Option<Arc<ToolCallLimiter>>,
    pub audit: crate::audit::writer::Audit,
    /// The company policy in force (reloaded when its file changes).
    pub policy: crate::policy::PolicyHandle,
    /// Counters of the policy's daily caps (`None` without a store).
    pub daily: Option<crate::limits::daily::DailyCaps>,
    /// What the gateway offers (`TOOLS`, `READ_ONLY`, `SERVICES`).
    pub offer: Arc<crate::catalog::Selection>,
    /// `REQUIRE_CONFIRMATION`: outward actions only once confirmed.
    pub require_confirmation: bool,
    /// The calls running on this task (`notifications/cancelled`).
    pub inflight: InFlight,
}

/// The MCP handler the routes serve.
pub trait HasFacts: Send + Sync + 'static {
    fn facts(&self) -> &Arc<Facts>;
}

/// A tool's context, built before the tool runs; failing to build it is the
/// call's tool error (not signed in, no Google access configured).
pub trait FromCall: Sized + Send + 'static {
    fn from_call(
        facts: &Arc<Facts>,
        principal: Option<&Principal>,
        call: CallExtras,
    ) -> ToolResult<Self>;
}

impl FromCall for ToolCtx {
    fn from_call(
        facts: &Arc<Facts>,
        principal: Option<&Principal>,
        call: CallExtras,
    ) -> ToolResult<Self> {
        let principal = principal
            .ok_or_else(|| ToolError::Refused("This connection is not signed in.".into()))?;
        let api = facts.api.clone().ok_or_else(|| {
            ToolError::Refused("Google access is not configured in this gateway.".into())
        })?;
        Ok(ToolCtx {
            user: principal.user_id.clone(),
            email: principal.email.clone(),
            output_limit: facts.output_limit,
            api,
            policy: facts.policy.current(),
            daily: facts.daily.clone(),
            offer: facts.offer.clone(),
            asking: call.asking,
            progress: call.progress,
        })
    }
}

type Started = BoxFuture<'static, ToolResult<CallToolResult>>;
type Prepare = dyn Fn(&Arc<Facts>, Option<&Principal>, JsonObject, CallExtras) -> ToolResult<Started>
    + Send
    + Sync;

/// One tool: its MCP description and the function behind it.
pub struct Route {
    pub tool: Tool,
    prepare: Arc<Prepare>,
}

impl Route {
    /// The tool `name` (a catalogue entry), run by `f`. Its annotations
    /// follow the catalogue: read-only tools are idempotent and not
    /// destructive; writers are neither unless said ([`Route::idempotent`],
    /// [`Route::destructive`]).
    pub fn new<C, A, O, F, Fut>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        f: F,
    ) -> Self
    where
        C: FromCall,
        A: DeserializeOwned + JsonSchema + Send + 'static,
        O: ToolOutput,
        F: Fn(C, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ToolResult<O>> + Send + 'static,
    {
        let input = if std::any::TypeId::of::<A>() == std::any::TypeId::of::<NoArgs>() {
            schema_for_empty_input()
        } else {
            let schema = schema_for_input::<A>()
                .unwrap_or_else(|e| panic!("{name}: invalid input schema: {e}"));
            Arc::new(schema::compact(&schema))
        };
        let spec = spec_of(name);
        let writes = spec.is_some_and(|s| s.writes);
        let annotations = ToolAnnotations::with_title(title)
            .read_only(!writes)
            .destructive(false)
            .idempotent(!writes)
            .open_world(spec.is_some_and(|s| s.service != Service::Gateway));
        let tool = Tool::new(name, description, input)
            .with_raw_output_schema(schema_for_output::<O>())
            .with_annotations(annotations);
        let prepare = move |facts: &Arc<Facts>,
                            principal: Option<&Principal>,
                            args: JsonObject,
                            call: CallExtras| {
            let args: A = serde_json::from_value(serde_json::Value::Object(args))
                .map_err(|e| ToolError::Arguments(e.to_string()))?;
            let ctx = C::from_call(facts, principal, call)?;
            let limit = facts.output_limit;
            let run = f(ctx, args);
            let started: Started = Box::pin(async move { Ok(success(run.await?, limit)) });
            Ok(started)
        };
        Self {
            tool,
            prepare: Arc::new(prepare),
        }
    }

    /// Repeating the call leaves the same state as making it once.
    pub fn idempotent(mut self) -> Self {
        self.annotate(|a| a.idempotent_hint = Some(true));
        self
    }

    /// The call may delete or overwrite something.
    pub fn destructive(mut self) -> Self {
        self.annotate(|a| a.destructive_hint = Some(true));
        self
    }

    fn annotate(&mut self, f: impl FnOnce(&mut ToolAnnotations)) {
        if let Some(a) = self.tool.annotations.as_mut() {
            f(a);
        }
    }

    /// The rmcp route: every call goes through [`run`].
    pub fn into_rmcp<S: HasFacts>(self) -> ToolRoute<S> {
        let prepare = self.prepare;
        ToolRoute::new_dyn(self.tool, move |tcc: ToolCallContext<'_, S>| {
            let prepare = prepare.clone();
            Box::pin(async move { Ok(run(&*prepare, tcc).await) })
        })
    }
}

/// How a call ended, as the span records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    InvalidArguments,
    Refused,
    GoogleError,
    Timeout,
    Cancelled,
    Panic,
    RateLimited,
    PolicyRefused,
    InputRequired,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::InvalidArguments => "invalid_arguments",
            Outcome::Refused => "refused",
            Outcome::GoogleError => "google_error",
            Outcome::Timeout => "timeout",
            Outcome::Cancelled => "cancelled",
            Outcome::Panic => "panic",
            Outcome::RateLimited => "rate_limited",
            Outcome::PolicyRefused => "policy_refused",
            Outcome::InputRequired => "input_required",
        }
    }

    fn of(e: &ToolError) -> Self {
        match e {
            ToolError::InvalidArgument { .. } | ToolError::Arguments(_) => {
                Outcome::InvalidArguments
            }
            ToolError::Api(_) => Outcome::GoogleError,
            ToolError::Refused(_) => Outcome::Refused,
            ToolError::Policy { .. } => Outcome::PolicyRefused,
            ToolError::NeedsConfirmation { .. } => Outcome::InputRequired,
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Whether the client can be asked to confirm: it declares elicitation and
/// speaks a revision where a tool call may answer "input required".
fn can_ask(rc: &rmcp::service::RequestContext<rmcp::RoleServer>) -> bool {
    rc.protocol_version()
        .is_some_and(|v| v >= rmcp::model::ProtocolVersion::V_2026_07_28)
        && rc
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some())
}

/// The "input required" answer asking the person `question`.
fn ask_person(key: String, question: &str) -> CallToolResponse {
    let elicitation = serde_json::json!({
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": question,
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "confirm": {"type": "boolean", "title": "Confirm", "description": question, "default": false}
                },
                "required": ["confirm"]
            }
        }
    });
    match serde_json::from_value::<InputRequest>(elicitation) {
        Ok(request) => CallToolResponse::InputRequired(InputRequiredResult::from_input_requests(
            [(key, request)].into_iter().collect(),
        )),
        Err(e) => ToolError::Refused(format!(
            "the confirmation could not be built ({e}); call again with confirm: true once the person agreed"
        ))
        .into_result()
        .into(),
    }
}

/// One tool call, start to end.
async fn run<S: HasFacts>(prepare: &Prepare, mut tcc: ToolCallContext<'_, S>) -> CallToolResponse {
    let started = Instant::now();
    let name = tcc.name.clone();
    let facts = tcc.service.facts().clone();
    let parts = tcc
        .request_context
        .extensions
        .remove::<http::request::Parts>();
    let principal = parts.as_ref().and_then(|p| p.extensions.get::<Principal>());
    let client = principal.map(|p| p.client_id.as_str()).unwrap_or("-");
    let span = tracing::info_span!(
        "tool",
        tool = %name,
        client = %client,
        outcome = Empty,
        duration_ms = Empty,
        google_calls = Empty,
        google_retries = Empty,
    );
    let args = tcc.arguments.take().unwrap_or_default();
    let extras = CallExtras {
        asking: Asking {
            can_ask: can_ask(&tcc.request_context),
            answers: tcc.input_responses.take().unwrap_or_default(),
            required: facts.require_confirmation,
        },
        progress: tcc
            .request_context
            .meta
            .get_progress_token()
            .map(|token| Progress {
                token,
                peer: tcc.request_context.peer.clone(),
            }),
    };
    // A `notifications/cancelled` from the same user stops this call.
    let request_id = serde_json::to_string(&tcc.request_context.id).unwrap_or_default();
    let registered = principal.map(|p| facts.inflight.register(&p.user_id, &request_id));
    let cancelled = registered
        .as_ref()
        .map_or_else(CancellationToken::new, |r| r.token.clone());
    let ct: CancellationToken = tcc.request_context.ct.clone();
    let timeout = facts.tool_timeout;
    let refused = rate_limited(&facts, principal)
        .map(|r| (r, Some(Outcome::RateLimited)))
        .or_else(|| withheld(&facts, principal, &name).map(|r| (r, None)));
    let prepared = match refused {
        Some((refused, outcome)) => Err((refused, outcome, None)),
        None => {
            match std::panic::catch_unwind(AssertUnwindSafe(|| {
                prepare(&facts, principal, args, extras)
            })) {
                Ok(Ok(call)) => Ok(call),
                Ok(Err(e)) => Err((e, None, None)),
                Err(p) => Err((panicked(&name), Some(Outcome::Panic), Some(p))),
            }
        }
    };
    let (((result, outcome, panic), touched), usage) = counting(touched::collecting(
        async {
            let call = match prepared {
                Ok(call) => call,
                Err((e, outcome, panic)) => return (Err(e), outcome, panic),
            };
            tokio::select! {
                biased;
                done = tokio::time::timeout(timeout, AssertUnwindSafe(call).catch_unwind()) => match done {
                    Ok(Ok(result)) => (result, None, None),
                    Ok(Err(p)) => (Err(panicked(&name)), Some(Outcome::Panic), Some(p)),
                    Err(_) => (Err(ToolError::Refused(format!(
                        "{name} took longer than {} s and was stopped; try a narrower request",
                        timeout.as_secs()
                    ))), Some(Outcome::Timeout), None),
                },
                () = async { tokio::select! { () = ct.cancelled() => (), () = cancelled.cancelled() => () } } => (
                    Err(ToolError::Refused(format!("{name} was cancelled by the client"))),
                    Some(Outcome::Cancelled),
                    None,
                ),
            }
        }
        .instrument(span.clone()),
    ))
    .await;
    let outcome = outcome.unwrap_or_else(|| match &result {
        Ok(_) => Outcome::Ok,
        Err(e) => Outcome::of(e),
    });
    let policy_rule = match &result {
        Err(ToolError::Policy { rule, .. }) => Some(*rule),
        _ => None,
    };
    let call = Call {
        span: &span,
        tool: &name,
        client,
    };
    let took = started.elapsed();
    crate::metrics::tool_call(&name, outcome.as_str(), took);
    call.record(outcome, took, usage, panic.as_deref());
    let mut event = AuditEvent::tool_call(
        principal.map(|p| (p.user_id.as_str(), p.email.as_str())),
        principal.map(|p| p.client_id.as_str()),
        &name,
        outcome.as_str(),
        u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        (touched.ids, touched.capped),
    );
    event.reason = policy_rule.map(str::to_owned);
    facts.audit.record(event);
    match result {
        Ok(r) => r.into(),
        Err(ToolError::NeedsConfirmation { key, question }) => ask_person(key, &question),
        Err(e) => e.into_result().into(),
    }
}

/// The call's refusal when its user is over the tool-call limit.
fn rate_limited(facts: &Facts, principal: Option<&Principal>) -> Option<ToolError> {
    let (limiter, principal) = (facts.limiter.as_ref()?, principal?);
    let wait = limiter.check(&principal.user_id).err()?;
    crate::metrics::rate_limited("tool_call");
    let rate = limiter.rate();
    Some(ToolError::Refused(format!(
        "Rate limit reached: each person may make {} tool calls a minute ({} at once) through this gateway. Retry in {} s.",
        rate.per_minute,
        rate.burst,
        retry_seconds(wait)
    )))
}

/// The call's refusal when the company policy withholds the tool from its user.
fn withheld(facts: &Facts, principal: Option<&Principal>, name: &str) -> Option<ToolError> {
    let (principal, spec) = (principal?, spec_of(name)?);
    let policy = facts.policy.current();
    policy
        .refuse_tool(&principal.email, spec)
        .map(ToolError::from)
}

fn panicked(name: &str) -> ToolError {
    ToolError::Refused(format!(
        "{name} failed with an internal error (logged by the gateway); try again, or report it if it repeats"
    ))
}

/// What the closing log line names.
struct Call<'a> {
    span: &'a tracing::Span,
    tool: &'a str,
    client: &'a str,
}

impl Call<'_> {
    /// Fills the span's fields and logs the call (the fields are repeated on
    /// the event: the JSON log format leaves out span fields).
    fn record(
        &self,
        outcome: Outcome,
        took: Duration,
        usage: Usage,
        panic: Option<&(dyn Any + Send)>,
    ) {
        let Call { span, tool, client } = *self;
        let duration_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
        span.record("outcome", outcome.as_str());
        span.record("duration_ms", duration_ms);
        span.record("google_calls", usage.calls);
        span.record("google_retries", usage.retries);
        let outcome = outcome.as_str();
        let (calls, retries) = (usage.calls, usage.retries);
        if let Some(p) = panic {
            tracing::error!(parent: span, tool, client, panic = %panic_message(p), "tool call panicked");
        }
        tracing::info!(
            parent: span,
            tool,
            client,
            outcome,
            duration_ms,
            google_calls = calls,
            google_retries = retries,
            "tool call"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Outcome;
    use crate::metrics::labels::OUTCOMES;

    #[test]
    fn every_outcome_has_its_own_metric_label() {
        for o in [
            Outcome::Ok,
            Outcome::InvalidArguments,
            Outcome::Refused,
            Outcome::GoogleError,
            Outcome::Timeout,
            Outcome::Cancelled,
            Outcome::Panic,
            Outcome::RateLimited,
            Outcome::PolicyRefused,
            Outcome::InputRequired,
        ] {
            assert!(OUTCOMES.contains(&o.as_str()), "{o:?} would count as other");
        }
    }
}
