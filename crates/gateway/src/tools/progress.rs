//! Progress of long reads and cancellation of calls in flight.
//!
//! - A call whose request carries a progress token gets
//!   `notifications/progress` as its steps finish (the fan-out search per
//!   service, a file read per stage); the answer then comes as a stream.
//! - A call stops when its client disconnects before the answer starts, or
//!   when `notifications/cancelled` names it on the task running it: the
//!   adapter drops the call, and with it the Google requests in flight.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use rmcp::{
    Peer, RoleServer,
    model::{ProgressNotificationParam, ProgressToken},
};
use tokio_util::sync::CancellationToken;

use crate::tools::ToolCtx;

/// Where a call's progress goes.
#[derive(Clone)]
pub struct Progress {
    pub token: ProgressToken,
    pub peer: Peer<RoleServer>,
}

impl ToolCtx {
    /// Tells the client `done` of `total` steps are finished (no-op without
    /// a progress token; a lost notification is not an error).
    pub async fn report(&self, done: u32, total: u32, message: impl Into<String>) {
        let Some(p) = &self.progress else {
            return;
        };
        let param = ProgressNotificationParam::new(p.token.clone(), f64::from(done))
            .with_total(f64::from(total))
            .with_message(message.into());
        let _ = p.peer.notify_progress(param).await;
    }
}

/// The calls running on this task, by user and JSON-RPC request id, so a
/// `notifications/cancelled` from the same user stops the right one.
#[derive(Default)]
pub struct InFlight(Arc<Mutex<HashMap<(String, String), CancellationToken>>>);

/// A registered call; unregisters on drop.
pub struct Registered {
    key: (String, String),
    pub token: CancellationToken,
    calls: Arc<Mutex<HashMap<(String, String), CancellationToken>>>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.remove(&self.key);
        }
    }
}

impl InFlight {
    pub fn register(&self, user: &str, request_id: &str) -> Registered {
        let key = (user.to_owned(), request_id.to_owned());
        let token = CancellationToken::new();
        if let Ok(mut calls) = self.0.lock() {
            calls.insert(key.clone(), token.clone());
        }
        Registered {
            key,
            token,
            calls: self.0.clone(),
        }
    }

    /// Cancels `user`'s call `request_id`; whether it was running here.
    pub fn cancel(&self, user: &str, request_id: &str) -> bool {
        let token = self.0.lock().ok().and_then(|calls| {
            calls
                .get(&(user.to_owned(), request_id.to_owned()))
                .cloned()
        });
        token.map(|t| t.cancel()).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_reaches_only_the_same_users_call_and_ends_with_it() {
        let inflight = InFlight::default();
        let call = inflight.register("u1", "7");
        assert!(!inflight.cancel("u2", "7"), "another user's cancel");
        assert!(!call.token.is_cancelled());
        assert!(inflight.cancel("u1", "7"));
        assert!(call.token.is_cancelled());
        drop(call);
        assert!(!inflight.cancel("u1", "7"), "a finished call is forgotten");
    }
}
