//! Series keyed by one label from a bounded set of strings known only at run
//! time (route templates, tool names, limit kinds). A lookup takes a read
//! lock for a hash-map probe and never allocates; only a label's first
//! sighting writes. No lock is held beyond the closure.

use std::{
    collections::BTreeMap,
    collections::HashMap,
    sync::{PoisonError, RwLock},
};

/// Labels kept at most; later ones are counted under [`OTHER`], so a
/// mistake upstream cannot grow memory or the scrape without bound.
const MAX_LABELS: usize = 256;

/// The label of everything past [`MAX_LABELS`].
pub const OTHER: &str = "other";

#[derive(Debug, Default)]
pub struct Family<S> {
    series: RwLock<HashMap<Box<str>, S>>,
}

impl<S: Default> Family<S> {
    /// Runs `f` on the series of `label`, creating it on first use.
    pub fn with<R>(&self, label: &str, f: impl FnOnce(&S) -> R) -> R {
        {
            let map = self.series.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(s) = map.get(label) {
                return f(s);
            }
        }
        let mut map = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let label = if map.len() >= MAX_LABELS && !map.contains_key(label) {
            OTHER
        } else {
            label
        };
        f(map.entry(label.into()).or_default())
    }

    /// Every label's value by `f`, sorted by label (for stable output).
    pub fn collect<R>(&self, mut f: impl FnMut(&S) -> R) -> BTreeMap<String, R> {
        let map = self.series.read().unwrap_or_else(PoisonError::into_inner);
        map.iter().map(|(k, s)| (k.to_string(), f(s))).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    use super::*;

    #[test]
    fn labels_are_bounded() {
        let f: Family<AtomicU64> = Family::default();
        for i in 0..MAX_LABELS + 10 {
            f.with(&format!("l{i}"), |c| c.fetch_add(1, Relaxed));
        }
        f.with("l0", |c| c.fetch_add(1, Relaxed));
        let all = f.collect(|c| c.load(Relaxed));
        assert_eq!(all.len(), MAX_LABELS + 1);
        assert_eq!(all["l0"], 2);
        assert_eq!(all[OTHER], 10);
    }
}
