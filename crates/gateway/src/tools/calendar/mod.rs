//! Calendar tools.

mod calendars;

use rmcp::{
    handler::server::{common::Extension, wrapper::Parameters},
    model::CallToolResult,
    tool, tool_router,
};

use crate::mcp::GatewayServer;

pub use calendars::{CalendarList, ListCalendarsArgs};

/// `/calendar/v3` + `rest` under the Calendar base URL.
pub(crate) fn calendar_path(rest: &str) -> String {
    format!("/calendar/v3{rest}")
}

#[tool_router(router = calendar_router, vis = "pub(crate)")]
impl GatewayServer {
    #[tool(
        description = "List the calendars the user can see (their primary calendar, shared and subscribed ones) with ids, time zones and access roles. Use an id as `calendar_id` in the other calendar tools; most tasks only need the primary calendar (`primary`).",
        annotations(
            title = "List calendars",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<CalendarList>()
    )]
    async fn calendar_list_calendars(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ListCalendarsArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => calendars::list(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }
}
