//! Logging: one JSON object per line in production, readable text locally.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Installs the global subscriber. Safe to call more than once (later calls
/// are ignored), which tests rely on.
pub fn init(format: LogFormat, level: &str) {
    let mut filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    // rmcp logs several lines per stateless request at info; its warnings
    // and errors stay, unless LOG_LEVEL names rmcp itself.
    if !level.contains("rmcp")
        && let Ok(directive) = "rmcp=warn".parse()
    {
        filter = filter.add_directive(directive);
    }
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(false)
                    .with_target(true)
                    .with_writer(std::io::stdout),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(
                fmt::layer()
                    .compact()
                    .with_ansi(colour_wanted())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}

/// Colour codes only on a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>).
#[expect(
    clippy::disallowed_methods,
    reason = "NO_COLOR is every terminal program's convention, not a gateway setting"
)]
fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}
