//! Google's signing keys (JWKS), cached by `kid`.
//!
//! Keys are kept for the response's `Cache-Control: max-age` (one hour when
//! absent, at most a day). A token signed with an unknown `kid` triggers a
//! refetch, at most once per `min_refetch_interval`. Concurrent misses share
//! one fetch: tasks queue on one lock and reuse the answer of the fetch that
//! completed while they waited. When a fetch fails, keys from an expired set
//! are still used (Google publishes keys well before and after their use).
//! A fetch is retried once on a connection error, a timeout or a 5xx.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use reqwest::header::CACHE_CONTROL;
use serde::Deserialize;
use url::Url;

use super::error::IdTokenError;

/// Lifetime of a key set served without `max-age`.
pub(crate) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(3600);
/// Longest time a key set is trusted without refetching.
pub(crate) const MAX_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

pub(crate) struct JwksCache {
    url: Url,
    http: reqwest::Client,
    min_refetch_interval: Duration,
    state: RwLock<CacheState>,
    fetch_lock: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct CacheState {
    keys: HashMap<String, Arc<DecodingKey>>,
    /// `None` until the first successful fetch.
    expires_at: Option<Instant>,
    /// Incremented by every fetch attempt, successful or not.
    generation: u64,
    /// The error of the last attempt, when it failed.
    last_error: Option<String>,
    /// When a fetch last ran because of an unknown `kid` in a fresh set.
    last_forced: Option<Instant>,
}

impl CacheState {
    fn fresh(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|at| now < at)
    }
}

enum Lookup {
    Done(Result<Arc<DecodingKey>, IdTokenError>),
    /// Fetch unless the generation changed meanwhile.
    Fetch(u64),
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl JwksCache {
    pub(crate) fn new(url: Url, http: reqwest::Client, min_refetch_interval: Duration) -> Self {
        JwksCache {
            url,
            http,
            min_refetch_interval,
            state: RwLock::new(CacheState::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn read<R>(&self, f: impl FnOnce(&CacheState) -> R) -> R {
        f(&self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn write<R>(&self, f: impl FnOnce(&mut CacheState) -> R) -> R {
        f(&mut self.state.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// The verification key for `kid`, fetching the key set when needed.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, IdTokenError> {
        let seen = self.read(|s| {
            let now = Instant::now();
            if s.fresh(now) {
                if let Some(key) = s.keys.get(kid) {
                    return Lookup::Done(Ok(key.clone()));
                }
                if self.refetch_too_soon(s, now) {
                    return Lookup::Done(Err(IdTokenError::UnknownKey));
                }
            }
            Lookup::Fetch(s.generation)
        });
        let seen = match seen {
            Lookup::Fetch(generation) => generation,
            Lookup::Done(answer) => return answer,
        };

        let _guard = self.fetch_lock.lock().await;
        let (forced, reuse) = self.read(|s| {
            let now = Instant::now();
            let reuse = (s.generation != seen).then(|| match (&s.last_error, s.keys.get(kid)) {
                (_, Some(key)) => Ok(key.clone()),
                (Some(error), None) => Err(IdTokenError::JwksUnavailable(error.clone())),
                (None, None) => Err(IdTokenError::UnknownKey),
            });
            (s.fresh(now), reuse)
        });
        if let Some(answer) = reuse {
            return answer;
        }

        let result = self.fetch().await;
        self.write(|s| {
            let now = Instant::now();
            s.generation += 1;
            if forced {
                s.last_forced = Some(now);
            }
            match result {
                Ok((keys, max_age)) => {
                    s.keys = keys;
                    s.expires_at = Some(now + max_age);
                    s.last_error = None;
                    s.keys.get(kid).cloned().ok_or(IdTokenError::UnknownKey)
                }
                Err(error) => {
                    s.last_error = Some(error.clone());
                    match s.keys.get(kid) {
                        Some(key) => {
                            tracing::warn!(%error, "Google JWKS refresh failed; using the cached keys");
                            Ok(key.clone())
                        }
                        None => Err(IdTokenError::JwksUnavailable(error)),
                    }
                }
            }
        })
    }

    fn refetch_too_soon(&self, s: &CacheState, now: Instant) -> bool {
        s.last_forced
            .is_some_and(|at| now.duration_since(at) < self.min_refetch_interval)
    }

    /// GETs the key set, retrying once on a connection error, timeout or 5xx.
    async fn fetch(&self) -> Result<(HashMap<String, Arc<DecodingKey>>, Duration), String> {
        let mut last_error = String::new();
        for _attempt in 0..2 {
            let response = match self.http.get(self.url.clone()).send().await {
                Ok(response) => response,
                Err(e) if e.is_timeout() || e.is_connect() || e.is_request() => {
                    last_error = format!("GET {}: {e}", self.url);
                    continue;
                }
                Err(e) => return Err(format!("GET {}: {e}", self.url)),
            };
            let status = response.status();
            if status.is_server_error() {
                last_error = format!("GET {} answered HTTP {status}", self.url);
                continue;
            }
            if !status.is_success() {
                return Err(format!("GET {} answered HTTP {status}", self.url));
            }
            let max_age = max_age(response.headers().get(CACHE_CONTROL));
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(e) => {
                    last_error = format!("GET {}: {e}", self.url);
                    continue;
                }
            };
            let set: JwkSet = serde_json::from_slice(&body)
                .map_err(|e| format!("GET {}: not a JWKS ({e})", self.url))?;
            return Ok((rsa_keys(set), max_age));
        }
        Err(last_error)
    }
}

/// The RS256 signing keys of a set by kid; other keys are skipped.
fn rsa_keys(set: JwkSet) -> HashMap<String, Arc<DecodingKey>> {
    set.keys
        .into_iter()
        .filter(|k| k.kty == "RSA")
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == "RS256"))
        .filter(|k| k.usage.as_deref().is_none_or(|u| u == "sig"))
        .filter_map(|k| {
            let key = DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok()?;
            Some((k.kid?, Arc::new(key)))
        })
        .collect()
}

/// `max-age` of a `Cache-Control` header, defaulted and capped.
pub(crate) fn max_age(header: Option<&reqwest::header::HeaderValue>) -> Duration {
    header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',').find_map(|directive| {
                let (name, value) = directive.trim().split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("max-age")
                    .then(|| value.trim().trim_matches('"').parse::<u64>().ok())?
            })
        })
        .map_or(DEFAULT_MAX_AGE, |secs| {
            Duration::from_secs(secs).min(MAX_MAX_AGE)
        })
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn max_age_is_read_defaulted_and_capped() {
        let h = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(
            max_age(Some(&h(
                "public, max-age=19204, must-revalidate, no-transform"
            ))),
            Duration::from_secs(19204)
        );
        assert_eq!(max_age(None), DEFAULT_MAX_AGE);
        assert_eq!(max_age(Some(&h("no-cache"))), DEFAULT_MAX_AGE);
        assert_eq!(max_age(Some(&h("max-age=9999999"))), MAX_MAX_AGE);
        assert_eq!(max_age(Some(&h("max-age=0"))), Duration::ZERO);
    }
}
