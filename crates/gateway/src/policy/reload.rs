//! Reading the policy file at start and watching it afterwards. Every task
//! reads the file every `POLICY_RELOAD_SECONDS` and compares it with what it
//! last read; a change that compiles replaces the policy at once, one that
//! does not is logged (once per version of the file) and the last good
//! policy stays in force. A file that disappears keeps the last good policy
//! too: removing the guard rails takes a restart without `POLICY_FILE`.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use tokio_util::sync::CancellationToken;

use super::{Policy, PolicyError, PolicyHandle, file::compile};

/// Reads and compiles the file at `path`.
pub fn load(path: &Path, company_domains: &[String]) -> Result<(Policy, String), PolicyError> {
    let text = read(path)?;
    let policy = compile(&text, company_domains)?;
    Ok((policy, text))
}

fn read(path: &Path) -> Result<String, PolicyError> {
    let bytes = std::fs::read(path)
        .map_err(|e| PolicyError(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() > super::file::MAX_FILE_BYTES {
        return Err(PolicyError(format!(
            "{} has {} bytes; a policy file may have at most {}",
            path.display(),
            bytes.len(),
            super::file::MAX_FILE_BYTES
        )));
    }
    String::from_utf8(bytes).map_err(|_| PolicyError(format!("{} is not UTF-8", path.display())))
}

/// What the watcher needs.
pub struct Watch {
    pub handle: PolicyHandle,
    pub path: PathBuf,
    pub company_domains: Vec<String>,
    /// The text in force (read at start).
    pub text: String,
    pub every: Duration,
}

/// Watches the file until `stop`.
pub fn spawn(watch: Watch, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = watch.text.clone();
        let mut ticks = tokio::time::interval(watch.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let path = watch.path.clone();
            let read = tokio::task::spawn_blocking(move || read(&path)).await;
            let text = match read {
                Ok(Ok(text)) => text,
                Ok(Err(e)) => {
                    if !seen.is_empty() {
                        tracing::error!(error = %e, "policy file unreadable; the last good policy stays in force");
                        seen.clear();
                    }
                    continue;
                }
                Err(_) => continue,
            };
            if text == seen {
                continue;
            }
            match compile(&text, &watch.company_domains) {
                Ok(policy) => {
                    tracing::info!(
                        path = %watch.path.display(),
                        access_rules = policy.access.len(),
                        "policy reloaded"
                    );
                    watch.handle.replace(policy);
                }
                Err(e) => tracing::error!(
                    path = %watch.path.display(),
                    error = %e,
                    "policy file change refused; the last good policy stays in force"
                ),
            }
            seen = text;
        }
    })
}
