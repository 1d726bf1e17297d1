//! The correlation ids seen lately: while two channels are open during a
//! handover both may deliver the same notification; the second is dropped.

use std::collections::{HashSet, VecDeque};

/// Ids remembered, at most. A handover overlaps for seconds; this covers
/// thousands of notifications, and memory stays fixed however long we run.
pub const DEDUPE_CAPACITY: usize = 4096;

#[derive(Debug)]
pub struct Dedupe {
    order: VecDeque<String>,
    seen: HashSet<String>,
    capacity: usize,
    dropped: u64,
}

impl Dedupe {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Dedupe {
            order: VecDeque::with_capacity(capacity),
            seen: HashSet::with_capacity(capacity),
            capacity,
            dropped: 0,
        }
    }

    /// True the first time an id is seen (within the last `capacity` ids);
    /// false for a duplicate, which is counted.
    pub fn first(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            self.dropped += 1;
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.order.push_back(id.to_string());
        self.seen.insert(id.to_string());
        true
    }

    /// Ids held now (never more than the capacity).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Duplicates dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_is_dropped_and_counted() {
        let mut d = Dedupe::new(8);
        assert!(d.first("1"));
        assert!(d.first("2"));
        assert!(!d.first("1"));
        assert_eq!(d.dropped(), 1);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_is_forgotten() {
        let mut d = Dedupe::new(3);
        for i in 0..10_000 {
            assert!(d.first(&i.to_string()));
            assert!(d.len() <= 3);
        }
        assert_eq!(d.len(), 3);
        assert!(!d.first("9999"));
        assert!(d.first("0"), "forgotten long ago");
        assert_eq!(d.seen.len(), d.order.len());
    }
}
