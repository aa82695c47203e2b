//! A latency histogram with fixed buckets: one relaxed atomic add per bucket
//! hit, the count and the sum; no lock, no allocation.

use std::{
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    time::Duration,
};

/// Upper bounds of the buckets in microseconds (the last bucket, +Inf, is
/// implicit): 0.5 ms to 2 min, roughly ×2–2.5 apart.
pub const BOUNDS_MICROS: [u64; 17] = [
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    30_000_000,
    60_000_000,
    120_000_000,
];

/// Buckets including +Inf.
pub const BUCKETS: usize = BOUNDS_MICROS.len() + 1;

#[derive(Debug, Default)]
pub struct Histogram {
    /// Per-bucket (not cumulative) counts.
    buckets: [AtomicU64; BUCKETS],
    sum_micros: AtomicU64,
}

/// A histogram's values at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistogramSnapshot {
    pub buckets: [u64; BUCKETS],
    pub sum_micros: u64,
}

impl Default for HistogramSnapshot {
    fn default() -> Self {
        Self {
            buckets: [0; BUCKETS],
            sum_micros: 0,
        }
    }
}

impl Histogram {
    pub fn observe(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let i = BOUNDS_MICROS
            .iter()
            .position(|&b| micros <= b)
            .unwrap_or(BOUNDS_MICROS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(micros, Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut s = HistogramSnapshot {
            buckets: [0; BUCKETS],
            sum_micros: self.sum_micros.load(Relaxed),
        };
        for (out, b) in s.buckets.iter_mut().zip(&self.buckets) {
            *out = b.load(Relaxed);
        }
        s
    }
}

impl HistogramSnapshot {
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    pub fn add(&mut self, other: &HistogramSnapshot) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.sum_micros += other.sum_micros;
    }

    /// What happened since `earlier`.
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let mut d = HistogramSnapshot {
            buckets: [0; BUCKETS],
            sum_micros: self.sum_micros.saturating_sub(earlier.sum_micros),
        };
        for ((out, now), then) in d
            .buckets
            .iter_mut()
            .zip(&self.buckets)
            .zip(&earlier.buckets)
        {
            *out = now.saturating_sub(*then);
        }
        d
    }

    /// The `q` quantile in milliseconds, interpolated linearly within its
    /// bucket (the +Inf bucket answers its lower bound); 0 without samples.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let total = self.count();
        if total == 0 {
            return 0.0;
        }
        let rank = (q * total as f64).ceil().max(1.0);
        let mut seen = 0u64;
        for (i, &n) in self.buckets.iter().enumerate() {
            if n == 0 {
                continue;
            }
            if (seen + n) as f64 >= rank {
                let lower = if i == 0 { 0 } else { BOUNDS_MICROS[i - 1] };
                let Some(&upper) = BOUNDS_MICROS.get(i) else {
                    return lower as f64 / 1000.0;
                };
                let within = (rank - seen as f64) / n as f64;
                return (lower as f64 + within * (upper - lower) as f64) / 1000.0;
            }
            seen += n;
        }
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_land_in_their_bucket_and_the_quantile_is_within_it() {
        let h = Histogram::default();
        for _ in 0..99 {
            h.observe(Duration::from_micros(800));
        }
        h.observe(Duration::from_millis(40));
        let s = h.snapshot();
        assert_eq!(s.count(), 100);
        assert_eq!(s.buckets[1], 99);
        assert_eq!(s.buckets[6], 1);
        assert_eq!(s.sum_micros, 99 * 800 + 40_000);
        let p99 = s.quantile_ms(0.99);
        assert!((0.5..=1.0).contains(&p99), "{p99}");
        let p100 = s.quantile_ms(1.0);
        assert!((25.0..=50.0).contains(&p100), "{p100}");
        assert_eq!(HistogramSnapshot::default().quantile_ms(0.99), 0.0);
        h.observe(Duration::from_secs(600));
        assert_eq!(h.snapshot().since(&s).quantile_ms(0.99), 120_000.0);
    }
}
