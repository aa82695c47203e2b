//! A token bucket per key, in this task's memory.

use std::{
    borrow::Borrow,
    collections::HashMap,
    hash::Hash,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::Rate;

/// Keys kept before full buckets are forgotten.
const MAX_KEYS: usize = 10_000;

/// `burst` tokens per key, refilled at `per_minute`; each request takes one.
pub struct Buckets<K> {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq> Buckets<K> {
    pub fn new(rate: Rate) -> Self {
        Self {
            capacity: f64::from(rate.burst),
            per_second: f64::from(rate.per_minute) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long to wait for one. The key
    /// is copied only the first time it is seen.
    pub fn check<Q>(&self, key: &Q) -> Result<(), Duration>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() > MAX_KEYS {
            // Forget full buckets so the map stays bounded.
            let (cap, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < cap
            });
        }
        if !buckets.contains_key(key) {
            buckets.insert(key.to_owned(), (self.capacity, now));
        }
        let (tokens, at) = buckets.get_mut(key).expect("inserted above");
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    #[test]
    fn allows_a_burst_then_refuses_and_keys_are_apart() {
        let l = Buckets::new(Rate {
            per_minute: 60,
            burst: 3,
        });
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..3 {
            l.check(&ip).unwrap();
        }
        let wait = l.check(&ip).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        // Another address has its own bucket.
        l.check(&"203.0.113.10".parse::<IpAddr>().unwrap()).unwrap();
    }
}
