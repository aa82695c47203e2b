//! The variables as the environment (and an optional `.env`) gives them.

use std::{collections::BTreeMap, fmt};

use super::vars;

/// The variables as the environment gives them (after an optional `.env`).
#[derive(Default, Clone)]
pub struct RawConfig {
    pub(super) vars: BTreeMap<String, String>,
}

impl RawConfig {
    /// Reads the process environment. Empty values count as unset.
    #[expect(
        clippy::disallowed_methods,
        reason = "the gateway's one read of its environment (clippy.toml)"
    )]
    pub fn from_env() -> Self {
        Self::from_pairs(
            std::env::vars().filter(|(k, _)| vars::read_by_gateway().any(|v| v.name == k)),
        )
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        Self { vars }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim())
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.vars.insert(name.to_owned(), value.into());
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }
}

impl fmt::Debug for RawConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.vars {
            if vars::is_secret(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}
