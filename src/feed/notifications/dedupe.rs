//! Duplicates during a handover. While an old and a new channel are both
//! open for the same topics, both may deliver one notification; the
//! second copy is dropped. A duplicate is the same topic and the same body
//! arriving on two different channels while such an overlap lasts.
//! `metadata.CorrelationId` alone never makes a duplicate: nothing
//! documents it as unique per notification (one request may cause several
//! notifications that share it), so two notifications with one id are
//! both applied. But it is part of what must match: two notifications
//! with the same topic and body and different ids (a total repeated
//! unchanged a minute later) are two notifications, and dropping the
//! second as a copy of the first lost it. Outside an overlap nothing is
//! dropped, even a body seen twice.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::wire::Envelope;

/// Notifications remembered, at most. A handover overlaps for seconds;
/// this covers thousands of notifications, and memory stays fixed however
/// long we run.
pub const DEDUPE_CAPACITY: usize = 4096;

/// What one notification is: its topic and body, hashed.
pub type Fingerprint = u64;

/// The fingerprint of a notification: topic, body and CorrelationId
/// (when there is one), not the rest of the metadata. None for what
/// is never a duplicate: channel metadata (heartbeats, pongs) and system
/// messages, which each channel sends for itself.
pub fn fingerprint(env: &Envelope) -> Option<Fingerprint> {
    let topic = env.topic();
    if topic.starts_with("channel.") || topic.starts_with("v2.system.") {
        return None;
    }
    let mut h = DefaultHasher::new();
    topic.hash(&mut h);
    env.correlation_id().hash(&mut h);
    hash_value(&env.event_body, &mut h);
    Some(h.finish())
}

/// Hashes a JSON value without serializing it again. Object keys are
/// visited in the map's order, which serde_json keeps sorted.
fn hash_value(v: &Value, h: &mut DefaultHasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => (2u8, n.to_string()).hash(h),
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(a) => {
            (4u8, a.len()).hash(h);
            for x in a {
                hash_value(x, h);
            }
        }
        Value::Object(o) => {
            (5u8, o.len()).hash(h);
            for (k, x) in o {
                k.hash(h);
                hash_value(x, h);
            }
        }
    }
}

#[derive(Debug)]
pub struct Dedupe {
    /// The last notifications applied, oldest first: fingerprint and the
    /// channel generation that delivered it.
    order: VecDeque<(Fingerprint, u64)>,
    /// Fingerprint -> (generation that delivered it, copies in `order`).
    seen: HashMap<Fingerprint, (u64, u32)>,
    capacity: usize,
    dropped: u64,
}

impl Dedupe {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Dedupe {
            order: VecDeque::with_capacity(capacity),
            seen: HashMap::with_capacity(capacity),
            capacity,
            dropped: 0,
        }
    }

    /// True when the notification is to be applied; false for a copy of
    /// one another channel delivered, while `overlap` (two channels open
    /// for the same topics) says copies can happen. A copy is counted.
    pub fn keep(&mut self, print: Fingerprint, generation: u64, overlap: bool) -> bool {
        if overlap && self.seen.get(&print).is_some_and(|(g, _)| *g != generation) {
            self.dropped += 1;
            return false;
        }
        if self.order.len() == self.capacity
            && let Some((old, _)) = self.order.pop_front()
            && let Some(e) = self.seen.get_mut(&old)
        {
            e.1 -= 1;
            if e.1 == 0 {
                self.seen.remove(&old);
            }
        }
        self.order.push_back((print, generation));
        let e = self.seen.entry(print).or_insert((generation, 0));
        *e = (generation, e.1 + 1);
        true
    }

    /// Notifications held now (never more than the capacity).
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

    fn print(topic: &str, body: &str) -> Option<Fingerprint> {
        print_with(topic, body, "c")
    }

    fn print_with(topic: &str, body: &str, id: &str) -> Option<Fingerprint> {
        let frame = format!(
            r#"{{"topicName":"{topic}","eventBody":{body},"metadata":{{"CorrelationId":"{id}"}}}}"#
        );
        let env: Envelope = serde_json::from_str(&frame).unwrap();
        fingerprint(&env)
    }

    #[test]
    fn a_copy_from_another_channel_is_dropped_only_in_an_overlap() {
        let a = print("v2.users.u.activity", r#"{"x":1}"#).unwrap();
        let mut d = Dedupe::new(8);
        assert!(d.keep(a, 1, false));
        assert!(d.keep(a, 2, false), "no overlap: nothing is dropped");
        assert!(d.keep(a, 2, true), "the same channel twice is not a copy");
        assert!(!d.keep(a, 1, true), "the other channel's copy");
        assert_eq!(d.dropped(), 1);
    }

    #[test]
    fn topic_body_and_correlation_id_make_the_fingerprint() {
        let a = print("v2.users.u.activity", r#"{"x":1,"y":[1,"a"]}"#);
        assert_eq!(a, print("v2.users.u.activity", r#"{"y":[1,"a"],"x":1}"#));
        assert_ne!(a, print("v2.users.v.activity", r#"{"x":1,"y":[1,"a"]}"#));
        assert_ne!(a, print("v2.users.u.activity", r#"{"x":2,"y":[1,"a"]}"#));
        // The same total sent again unchanged is another notification.
        assert_ne!(
            a,
            print_with("v2.users.u.activity", r#"{"x":1,"y":[1,"a"]}"#, "d")
        );
        assert_eq!(print("channel.metadata", r#"{"message":"pong"}"#), None);
        assert_eq!(print("v2.system.socket_closing", "{}"), None);
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_is_forgotten() {
        let mut d = Dedupe::new(3);
        for i in 0..10_000u64 {
            assert!(d.keep(i, 1, true));
            assert!(d.len() <= 3);
        }
        assert_eq!(d.len(), 3);
        assert!(!d.keep(9999, 2, true));
        assert!(d.keep(0, 2, true), "forgotten long ago");
        assert!(d.seen.len() <= d.order.len());
    }
}
