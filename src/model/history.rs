//! Trends in time, not in events: one value per fixed time bucket (30 s,
//! 120 of them: one hour), with gaps where nothing was known (the feed was
//! down). Bounded: 120 values of 4 bytes whatever the event rate.

use std::collections::VecDeque;
use std::time::Duration;

/// The width of one bucket.
pub const BUCKET: Duration = Duration::from_secs(30);
/// Buckets kept: one hour.
pub const BUCKETS: usize = 120;
/// A bucket with no value.
const GAP: u32 = u32::MAX;

/// How values within one bucket combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// The peak: waiting, longest wait, latency.
    Max,
    /// The latest: utilization, service level.
    Last,
}

#[derive(Debug, Clone)]
pub struct History {
    combine: Combine,
    /// The bucket of the newest value (buckets since the model started).
    last_slot: Option<u64>,
    /// Oldest first; `GAP` where nothing was known.
    values: VecDeque<u32>,
}

impl History {
    pub fn new(combine: Combine) -> Self {
        History {
            combine,
            last_slot: None,
            values: VecDeque::new(),
        }
    }

    /// Records `v` in bucket `slot`; buckets skipped since the last value
    /// become gaps.
    pub fn record(&mut self, slot: u64, v: u64) {
        let v = u32::try_from(v).unwrap_or(GAP - 1).min(GAP - 1);
        match self.last_slot {
            Some(last) if slot <= last => {
                if let Some(cur) = self.values.back_mut() {
                    *cur = match (self.combine, *cur) {
                        (_, GAP) | (Combine::Last, _) => v,
                        (Combine::Max, c) => c.max(v),
                    };
                }
                return;
            }
            Some(last) => {
                let gaps = (slot - last - 1).min(BUCKETS as u64);
                for _ in 0..gaps {
                    self.push(GAP);
                }
            }
            None => {}
        }
        self.push(v);
        self.last_slot = Some(slot);
    }

    /// Carries the newest value into bucket `slot` when nothing newer came:
    /// a quiet queue on a live feed is unchanged, not unknown. A gap stays
    /// a gap.
    pub fn carry(&mut self, slot: u64) {
        if let (Some(last), Some(&v)) = (self.last_slot, self.values.back())
            && slot > last
            && v != GAP
        {
            let fill = (slot - last).min(BUCKETS as u64);
            for _ in 0..fill {
                self.push(v);
            }
            self.last_slot = Some(slot);
        }
    }

    fn push(&mut self, v: u32) {
        if self.values.len() == BUCKETS {
            self.values.pop_front();
        }
        self.values.push_back(v);
    }

    /// Oldest first; None for a gap.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Option<u64>> + ExactSizeIterator + '_ {
        self.values
            .iter()
            .map(|&v| (v != GAP).then_some(u64::from(v)))
    }

    /// The newest bucket's value (None: none yet, or a gap).
    pub fn last(&self) -> Option<u64> {
        self.values
            .back()
            .filter(|&&v| v != GAP)
            .map(|&v| u64::from(v))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn capacity(&self) -> usize {
        BUCKETS
    }

    /// From values, oldest first, one per bucket (fixtures).
    pub fn from_values(combine: Combine, values: &[Option<u64>]) -> Self {
        let mut h = History::new(combine);
        for (slot, v) in values.iter().enumerate() {
            match v {
                Some(v) => h.record(slot as u64, *v),
                None => {
                    h.push(GAP);
                    h.last_slot = Some(slot as u64);
                }
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_bucket_with_gaps_and_a_bound() {
        let mut h = History::new(Combine::Max);
        h.record(0, 3);
        h.record(0, 7);
        h.record(0, 5);
        h.record(3, 1);
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            vec![Some(7), None, None, Some(1)]
        );
        let mut l = History::new(Combine::Last);
        l.record(0, 3);
        l.record(0, 2);
        l.carry(2);
        assert_eq!(
            l.iter().collect::<Vec<_>>(),
            vec![Some(2), Some(2), Some(2)]
        );
        for slot in 0..10_000 {
            h.record(slot * 2, slot);
        }
        assert_eq!(h.len(), BUCKETS);
        assert_eq!(h.last(), Some(9_999));
        // A long silence is at most an hour of gaps.
        h.record(u64::MAX / 2, 1);
        assert_eq!(h.len(), BUCKETS);
        assert_eq!(h.iter().filter(Option::is_none).count(), BUCKETS - 1);
    }

    #[test]
    fn a_gap_is_not_carried() {
        let mut h = History::from_values(Combine::Last, &[Some(4), None]);
        h.carry(5);
        assert_eq!(h.iter().collect::<Vec<_>>(), vec![Some(4), None]);
    }
}
