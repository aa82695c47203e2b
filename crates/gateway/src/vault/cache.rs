//! A small map bounded by entry count and entry age.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

struct Slot<V> {
    value: V,
    inserted: Instant,
    seq: u64,
}

/// Entries expire `max_age` after insertion; when full, the oldest entry
/// goes first. A capacity of zero disables the cache.
pub(super) struct BoundedCache<K, V> {
    map: HashMap<K, Slot<V>>,
    /// Insertion order; entries whose `seq` no longer matches are stale.
    order: VecDeque<(K, u64)>,
    next_seq: u64,
    capacity: usize,
    max_age: Duration,
}

impl<K: Hash + Eq + Clone, V> BoundedCache<K, V> {
    pub(super) fn new(capacity: usize, max_age: Duration) -> Self {
        BoundedCache {
            map: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            capacity,
            max_age,
        }
    }

    /// The live entry for `key`; an expired one is removed.
    pub(super) fn get_mut(&mut self, key: &K, now: Instant) -> Option<&mut V> {
        let expired = now.saturating_duration_since(self.map.get(key)?.inserted) >= self.max_age;
        if expired {
            self.map.remove(key);
            return None;
        }
        self.map.get_mut(key).map(|slot| &mut slot.value)
    }

    pub(super) fn insert(&mut self, key: K, value: V, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        self.map.remove(&key);
        // Drop expired entries, then the oldest ones while full.
        while let Some((front, seq)) = self.order.front() {
            let (live, evict) = match self.map.get(front).filter(|slot| slot.seq == *seq) {
                None => (false, true),
                Some(slot) => (
                    true,
                    self.map.len() >= self.capacity
                        || now.saturating_duration_since(slot.inserted) >= self.max_age,
                ),
            };
            if !evict {
                break;
            }
            if live {
                self.map.remove(front);
            }
            self.order.pop_front();
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((key.clone(), seq));
        self.map.insert(
            key,
            Slot {
                value,
                inserted: now,
                seq,
            },
        );
        if self.order.len() > 2 * self.capacity + 16 {
            let map = &self.map;
            self.order
                .retain(|(k, seq)| map.get(k).is_some_and(|slot| slot.seq == *seq));
        }
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    pub(super) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest_when_full_and_expired_on_read() {
        let t0 = Instant::now();
        let mut cache = BoundedCache::new(2, Duration::from_secs(10));
        cache.insert("a", 1, t0);
        cache.insert("b", 2, t0);
        cache.insert("c", 3, t0);
        assert_eq!(cache.len(), 2);
        assert!(cache.get_mut(&"a", t0).is_none());
        assert_eq!(cache.get_mut(&"c", t0).copied(), Some(3));
        // Replacing a key keeps one entry for it.
        cache.insert("c", 4, t0);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get_mut(&"b", t0).copied(), Some(2));
        let later = t0 + Duration::from_secs(10);
        assert!(cache.get_mut(&"b", later).is_none());
        assert_eq!(cache.len(), 1);
        // Inserting sweeps expired entries.
        cache.insert("d", 5, later);
        assert_eq!(cache.len(), 1);
        let mut off = BoundedCache::new(0, Duration::from_secs(10));
        off.insert("a", 1, t0);
        assert_eq!(off.len(), 0);
    }

    #[test]
    fn order_queue_stays_bounded_under_rewrites() {
        let t0 = Instant::now();
        let mut cache = BoundedCache::new(4, Duration::from_secs(10));
        for i in 0..10_000u32 {
            cache.insert(i % 3, i, t0);
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.order.len() <= 2 * 4 + 16 + 1);
    }
}
