//! Latency over the last N samples: average, max and p95 without
//! rescanning the window on every event.
//!
//! Per sample: the average is a running sum (O(1)); the max is a monotonic
//! deque (amortised O(1)); p95 is exact, kept by splitting the window into
//! two ordered multisets, `low` (the smallest `rank` samples) and `high`
//! (the rest), so p95 is the largest key of `low` (O(log n)). p95 uses the
//! nearest-rank definition: the `ceil(0.95 * n)`-th smallest of n samples.

use std::collections::{BTreeMap, VecDeque};

/// Samples in the window: the last 1000 queue events, for the header's
/// and the metrics' latency figures (docs/CONFIG.md, "`[metrics]`").
pub const LATENCY_WINDOW: usize = 1000;

/// Rolling latency figures over a fixed window.
#[derive(Debug, Clone)]
pub struct LatencyStats {
    cap: usize,
    /// The window, oldest first, with each sample's sequence number.
    window: VecDeque<(u64, i64)>,
    next_seq: u64,
    sum: i128,
    /// Candidates for the max: values strictly decreasing front to back.
    maxq: VecDeque<(u64, i64)>,
    low: Multiset,
    high: Multiset,
    /// The most recent sample.
    last: Option<i64>,
}

#[derive(Debug, Clone, Default)]
struct Multiset {
    map: BTreeMap<i64, u32>,
    len: usize,
}

impl Multiset {
    fn insert(&mut self, v: i64) {
        *self.map.entry(v).or_insert(0) += 1;
        self.len += 1;
    }
    fn remove(&mut self, v: i64) -> bool {
        match self.map.get_mut(&v) {
            Some(c) => {
                *c -= 1;
                if *c == 0 {
                    self.map.remove(&v);
                }
                self.len -= 1;
                true
            }
            None => false,
        }
    }
    fn first(&self) -> Option<i64> {
        self.map.first_key_value().map(|(k, _)| *k)
    }
    fn last(&self) -> Option<i64> {
        self.map.last_key_value().map(|(k, _)| *k)
    }
}

impl Default for LatencyStats {
    fn default() -> Self {
        LatencyStats::new(LATENCY_WINDOW)
    }
}

impl LatencyStats {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        LatencyStats {
            cap,
            window: VecDeque::with_capacity(cap),
            next_seq: 0,
            sum: 0,
            maxq: VecDeque::new(),
            low: Multiset::default(),
            high: Multiset::default(),
            last: None,
        }
    }

    /// Adds one sample (ms), evicting the oldest when the window is full.
    pub fn record(&mut self, ms: i64) {
        if self.window.len() == self.cap {
            self.evict();
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.window.push_back((seq, ms));
        self.sum += i128::from(ms);
        self.last = Some(ms);

        while self.maxq.back().is_some_and(|&(_, v)| v <= ms) {
            self.maxq.pop_back();
        }
        self.maxq.push_back((seq, ms));

        match self.low.last() {
            Some(top) if ms > top => self.high.insert(ms),
            _ => self.low.insert(ms),
        }
        self.rebalance();
    }

    fn evict(&mut self) {
        let Some((seq, v)) = self.window.pop_front() else {
            return;
        };
        self.sum -= i128::from(v);
        if self.maxq.front().is_some_and(|&(s, _)| s == seq) {
            self.maxq.pop_front();
        }
        // Every key of `low` is <= every key of `high`, so a value equal to
        // low's top may sit in either; taking it from `low` keeps the union.
        let in_low = self.low.last().is_some_and(|top| v <= top);
        if !(in_low && self.low.remove(v)) {
            self.high.remove(v);
        }
        self.rebalance();
    }

    /// The 1-based nearest rank of p95 for the current count.
    fn rank(&self) -> usize {
        let n = self.window.len();
        (n * 95).div_ceil(100)
    }

    fn rebalance(&mut self) {
        let rank = self.rank();
        while self.low.len > rank {
            let Some(v) = self.low.last() else { break };
            self.low.remove(v);
            self.high.insert(v);
        }
        while self.low.len < rank {
            let Some(v) = self.high.first() else { break };
            self.high.remove(v);
            self.low.insert(v);
        }
    }

    /// Samples in the window.
    pub fn count(&self) -> usize {
        self.window.len()
    }

    /// The window size.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn last(&self) -> Option<i64> {
        self.last
    }

    /// Mean of the window, None when empty. Kept within min..=max: past
    /// 2^53 ms the f64 of the sum rounds, and a mean above the max (seen
    /// with 1000 samples of 2^53 + 1) is a contradiction on screen.
    pub fn avg(&self) -> Option<f64> {
        let n = self.window.len();
        let (min, max) = (self.min()?, self.max()?);
        (n > 0).then(|| (self.sum as f64 / n as f64).clamp(min as f64, max as f64))
    }

    /// The smallest sample: the lowest key of `low`, which holds the
    /// smallest `rank >= 1` samples whenever the window is not empty.
    pub fn min(&self) -> Option<i64> {
        self.low.first()
    }

    pub fn max(&self) -> Option<i64> {
        self.maxq.front().map(|&(_, v)| v)
    }

    /// Nearest-rank 95th percentile of the window, exact.
    pub fn p95(&self) -> Option<i64> {
        self.low.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(w: &[i64]) -> (f64, i64, i64, i64) {
        let mut s = w.to_vec();
        s.sort_unstable();
        let rank = (s.len() * 95).div_ceil(100);
        let avg = w.iter().map(|&v| v as f64).sum::<f64>() / w.len() as f64;
        (avg, s[0], s[s.len() - 1], s[rank - 1])
    }

    #[test]
    fn empty_has_no_figures() {
        let l = LatencyStats::default();
        assert_eq!(l.count(), 0);
        assert_eq!(l.avg(), None);
        assert_eq!(l.max(), None);
        assert_eq!(l.min(), None);
        assert_eq!(l.p95(), None);
        assert_eq!(l.capacity(), LATENCY_WINDOW);
    }

    #[test]
    fn small_known_window() {
        let mut l = LatencyStats::new(1000);
        for v in 1..=100 {
            l.record(v);
        }
        assert_eq!(l.avg(), Some(50.5));
        assert_eq!(l.max(), Some(100));
        assert_eq!(l.p95(), Some(95));
        l.record(-5);
        assert_eq!(l.count(), 101);
        assert_eq!(l.last(), Some(-5));
    }

    #[test]
    fn matches_naive_reference_over_random_sequences_with_eviction() {
        for (seed, cap, range) in [
            (1u64, 1000usize, 5000i64),
            (2, 7, 10),
            (3, 50, 3),
            (4, 1, 100),
        ] {
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut l = LatencyStats::new(cap);
            let mut all: Vec<i64> = Vec::new();
            for i in 0..3000 {
                // Mix of ranges so duplicates, negatives and spikes all occur.
                let v = match i % 5 {
                    0 => rng.i64(-range..range),
                    1 => rng.i64(0..3),
                    _ => rng.i64(0..range),
                };
                l.record(v);
                all.push(v);
                let w = &all[all.len().saturating_sub(cap)..];
                let (avg, min, max, p95) = naive(w);
                assert_eq!(l.count(), w.len());
                assert!(
                    (l.avg().unwrap_or(f64::NAN) - avg).abs() < 1e-6,
                    "avg at {i}"
                );
                assert_eq!(l.min(), Some(min), "min at {i} seed {seed}");
                assert_eq!(l.max(), Some(max), "max at {i} seed {seed}");
                assert_eq!(l.p95(), Some(p95), "p95 at {i} seed {seed}");
            }
        }
    }
}
