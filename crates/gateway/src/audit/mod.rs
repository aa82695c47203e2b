//! The audit trail: one event per tool call and per security event (sign-in,
//! refused sign-in, reuse of a code or refresh token, revocation, admin
//! action), with the time, the user, the client, the tool, the Google object
//! ids touched, the outcome and the latency; never bodies, subjects, file
//! contents, tokens or secrets.
//!
//! Each event is logged under the target `audit` ([`event`]) and stored as an
//! `audit` record grouped by user, expiring after `AUDIT_RETENTION_DAYS`
//! ([`writer`]), from where `mcp-gateway audit` reads it ([`query`]).

pub mod event;
pub mod query;
pub mod writer;

#[cfg(test)]
mod tests;
