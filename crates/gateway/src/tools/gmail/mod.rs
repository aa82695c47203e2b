//! Gmail tools. Each tool: typed arguments with descriptions and bounds, a
//! call through [`GoogleApi`](crate::google::api::GoogleApi) with the caller's
//! own token, structured content plus a compact text rendering.

mod labels;

use rmcp::{
    handler::server::{common::Extension, wrapper::Parameters},
    model::CallToolResult,
    tool, tool_router,
};

use crate::mcp::GatewayServer;

pub use labels::{Label, LabelList, ListLabelsArgs};

/// `/gmail/v1/users/me` under the Gmail base URL.
pub(crate) fn gmail_path(rest: &str) -> String {
    format!("/gmail/v1/users/me{rest}")
}

#[tool_router(router = gmail_router, vis = "pub(crate)")]
impl GatewayServer {
    #[tool(
        description = "List the user's Gmail labels: system labels (INBOX, SENT, STARRED, UNREAD, ...) and their own labels, with message counts. Use the ids with gmail_search (label:NAME) and gmail_modify_labels.",
        annotations(
            title = "List Gmail labels",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<LabelList>()
    )]
    async fn gmail_list_labels(
        &self,
        Extension(parts): Extension<http::request::Parts>,
        Parameters(args): Parameters<ListLabelsArgs>,
    ) -> CallToolResult {
        match self.tool_ctx(&parts) {
            Ok((ctx, api)) => labels::list(&ctx, api, args).await,
            Err(e) => e.into_result(),
        }
    }
}
