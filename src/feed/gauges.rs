//! What the feed task holds, readable while it runs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Sizes of what the feed task holds, for soak tests and diagnostics
/// (relaxed atomics: a reading, not a synchronisation point).
#[derive(Debug, Default)]
pub struct FeedGauges {
    /// Notifications remembered to drop a handover's copies (bounded).
    pub dedupe_held: AtomicUsize,
    /// Duplicate notifications dropped since start.
    pub duplicates_dropped: AtomicU64,
    /// Notification channels open and read.
    pub channels_open: AtomicUsize,
    /// Channels closed after a handover whose last frames are still read.
    pub channels_closing: AtomicUsize,
    /// Counts an observations query corrected since start (figures the
    /// notifications had left wrong).
    pub observation_corrections: AtomicU64,
    /// REST calls sent since start, retries included.
    pub rest_calls: AtomicU64,
}

impl FeedGauges {
    pub fn dedupe_held(&self) -> usize {
        self.dedupe_held.load(Ordering::Relaxed)
    }
    pub fn duplicates_dropped(&self) -> u64 {
        self.duplicates_dropped.load(Ordering::Relaxed)
    }
    pub fn channels_open(&self) -> usize {
        self.channels_open.load(Ordering::Relaxed)
    }
    pub fn channels_closing(&self) -> usize {
        self.channels_closing.load(Ordering::Relaxed)
    }
    pub fn observation_corrections(&self) -> u64 {
        self.observation_corrections.load(Ordering::Relaxed)
    }
    pub fn rest_calls(&self) -> u64 {
        self.rest_calls.load(Ordering::Relaxed)
    }
}
