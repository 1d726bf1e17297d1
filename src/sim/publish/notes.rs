//! Model changes as notifications. Each notification is serialized once,
//! numbered from one global sequence (its `CorrelationId`), and fanned out to
//! every channel socket subscribed to one of its topics.
//!
//! Observations are partial like the real API's: a message carries only the
//! metrics that changed since the last one, and every `FULL_EVERY`th message
//! of a queue carries all of them, so a client must keep absent metrics.
//! They carry counts only: the SDK's notification metric
//! (`StatEventQueueTopicMetricStats`) has no `observations` detail, so which
//! skills waiting interactions ask for, and how long they wait, come only
//! from the observations query.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::event::{AgentState, QueueSummary};

use crate::sim::Faults;
use crate::sim::center::{Activity, MEDIA_NAMES, MediaObs, Membership, QueueObs, Totals};
use crate::sim::publish::frames;

/// Every this many messages of a queue, one carries every metric.
const FULL_EVERY: u64 = 10;
/// The wide interval the totals messages cover.
const BUCKET_MS: i128 = 30 * 60 * 1000;

/// One notification. `variants` are the same event under each topic name it
/// is published on (a user's combined and activity topics); a socket sends
/// the first one it is subscribed to, so never the same event twice.
#[derive(Debug)]
pub(crate) struct Note {
    /// The frame text is shared by every socket that sends it (a refcount,
    /// not a copy, per socket).
    pub variants: Vec<(String, Utf8Bytes)>,
}

impl Note {
    fn on(topic: String, text: String) -> Note {
        Note {
            variants: vec![(topic, text.into())],
        }
    }

    /// The note as the faults send it, and how many times: with their
    /// shared CorrelationId, twice with `notifications_twice`.
    pub(crate) fn under_faults(self, faults: &Faults) -> (Arc<Note>, usize) {
        let note = match &faults.shared_correlation_id {
            Some(id) => self.with_correlation_id(id),
            None => self,
        };
        (
            Arc::new(note),
            if faults.notifications_twice { 2 } else { 1 },
        )
    }

    /// The same note with `metadata.CorrelationId` set to `id` in every
    /// variant (`Faults::shared_correlation_id`).
    pub(crate) fn with_correlation_id(self, id: &str) -> Note {
        let variants = self
            .variants
            .into_iter()
            .map(|(topic, text)| {
                let Ok(mut frame) = serde_json::from_str::<Value>(text.as_str()) else {
                    return (topic, text);
                };
                frame["metadata"]["CorrelationId"] = Value::String(id.to_string());
                (topic, frame.to_string().into())
            })
            .collect();
        Note { variants }
    }
}

#[derive(Debug, Default)]
struct SentMedia {
    media: String,
    waiting: usize,
    interacting: u32,
}

#[derive(Debug, Default)]
struct Sent {
    on_queue: [u32; 4],
    active: u32,
    off_queue: u32,
    media: Vec<SentMedia>,
    messages: u64,
    bucket: Option<i128>,
    base: [Totals; MEDIA_NAMES.len()],
    /// The running totals when the last totals message was made.
    totals_sent: Option<[Totals; MEDIA_NAMES.len()]>,
}

impl Sent {
    /// The queue-wide metrics (members on queue by status, active, off
    /// queue) that changed since the last message, or all with `full`.
    fn queue_metrics(&self, obs: &QueueObs, full: bool, omit_zero: bool) -> Vec<Value> {
        let mut metrics = Vec::new();
        for (index, &count) in obs.on_queue.iter().enumerate() {
            if (full || self.on_queue[index] != count) && !(omit_zero && count == 0) {
                metrics.push(frames::on_queue_metric(index, count));
            }
        }
        if full || self.active != obs.active {
            metrics.push(frames::active_metric(obs.active));
        }
        if full || self.off_queue != obs.off_queue {
            metrics.push(frames::off_queue_metric(obs.off_queue));
        }
        metrics
    }

    /// Per media type, the waiting and interacting counts that changed; a
    /// media type gone since the last message reports its zeros.
    fn media_metrics(&self, obs: &QueueObs, full: bool) -> Vec<(String, Vec<Value>)> {
        let mut names: Vec<&str> = obs
            .media
            .iter()
            .map(|observed| observed.media.as_str())
            .collect();
        for media in &self.media {
            if !names.contains(&media.media.as_str()) {
                names.push(&media.media);
            }
        }
        let mut messages = Vec::new();
        for name in names {
            let vanished;
            let new = match obs.media.iter().find(|observed| observed.media == name) {
                Some(media) => media,
                None => {
                    vanished = MediaObs::empty(name);
                    &vanished
                }
            };
            let old = self.media.iter().find(|observed| observed.media == name);
            let (old_waiting, old_interacting) =
                old.map_or((0, 0), |old| (old.waiting, old.interacting));
            let mut metrics = Vec::new();
            if full || old_waiting != new.waiting.len() {
                metrics.push(frames::waiting_metric(new.waiting.len()));
            }
            if full || old_interacting != new.interacting {
                metrics.push(frames::interacting_metric(new.interacting));
            }
            if !metrics.is_empty() {
                messages.push((name.to_string(), metrics));
            }
        }
        messages
    }

    fn remember(&mut self, obs: &QueueObs) {
        self.on_queue = obs.on_queue;
        self.active = obs.active;
        self.off_queue = obs.off_queue;
        self.media = obs
            .media
            .iter()
            .map(|m| SentMedia {
                media: m.media.clone(),
                waiting: m.waiting.len(),
                interacting: m.interacting,
            })
            .collect();
    }
}

/// What was last sent for every queue, to send only what changed.
pub(crate) struct Notes {
    sent: Vec<Option<Sent>>,
}

fn next(seq: &AtomicU64) -> u64 {
    seq.fetch_add(1, Ordering::Relaxed) + 1
}

impl Notes {
    pub(crate) fn new(queues: usize) -> Notes {
        Notes {
            sent: (0..queues).map(|_| None).collect(),
        }
    }

    /// The observation messages for queue `qi` after it changed. With
    /// `omit_zero`, qualified user metrics whose count is 0 are left out
    /// (see `Faults::omit_zero_qualifiers_in_notifications`).
    pub(crate) fn queue_changed(
        &mut self,
        qi: usize,
        obs: &QueueObs,
        now: &str,
        omit_zero: bool,
        seq: &AtomicU64,
    ) -> Vec<Note> {
        let Some(slot) = self.sent.get_mut(qi) else {
            return Vec::new();
        };
        let first = slot.is_none();
        let sent = slot.get_or_insert_with(Sent::default);
        let full = first || sent.messages.is_multiple_of(FULL_EVERY);
        let mut head = sent.queue_metrics(obs, full, omit_zero);
        let mut msgs = sent.media_metrics(obs, full);
        // The queue-wide metrics ride in the first media message, or in
        // one of their own when no media metric changed.
        if !head.is_empty() {
            match msgs.first_mut() {
                Some((_, metrics)) => {
                    head.append(metrics);
                    *metrics = head;
                }
                None => msgs.push((obs.media[0].media.clone(), head)),
            }
        }
        sent.remember(obs);
        sent.messages += msgs.len() as u64;
        msgs.into_iter()
            .map(|(media, metrics)| {
                let seq = next(seq);
                let text = frames::observation(&obs.queue_id, &media, now, metrics, seq);
                Note::on(frames::queue_topic(&obs.queue_id), text)
            })
            .collect()
    }

    /// Wide-interval messages with the totals of the current 30 minutes,
    /// one per media type that has had interactions (voice always).
    /// Whether the queue's totals moved since its last totals message.
    pub(crate) fn totals_changed(&self, qi: usize, totals: &[Totals; MEDIA_NAMES.len()]) -> bool {
        let sent = self.sent.get(qi).and_then(|slot| slot.as_ref());
        sent.and_then(|sent| sent.totals_sent).as_ref() != Some(totals)
    }

    pub(crate) fn totals(
        &mut self,
        qi: usize,
        obs: &QueueObs,
        now_ms: i128,
        seq: &AtomicU64,
    ) -> Vec<Note> {
        let Some(slot) = self.sent.get_mut(qi) else {
            return Vec::new();
        };
        let sent = slot.get_or_insert_with(Sent::default);
        let bucket = now_ms.div_euclid(BUCKET_MS);
        if sent.bucket != Some(bucket) {
            // The first interval counts from the simulator's start (its
            // warm-up included), as a real org's interval counts what came
            // before a client connected; later ones from their boundary.
            if sent.bucket.is_some() {
                sent.base = obs.totals;
            }
            sent.bucket = Some(bucket);
        }
        sent.totals_sent = Some(obs.totals);
        let interval = format!(
            "{}/{}",
            frames::stamp_ms(bucket * BUCKET_MS),
            frames::stamp_ms((bucket + 1) * BUCKET_MS)
        );
        let mut out = Vec::new();
        for (slot, media) in MEDIA_NAMES.iter().enumerate() {
            let (all, base) = (obs.totals[slot], sent.base[slot]);
            if all.offered == 0 && *media != "voice" {
                continue;
            }
            let interval_totals = all.since(&base);
            let seq = next(seq);
            let text = frames::totals(&obs.queue_id, media, &interval, &interval_totals, seq);
            out.push(Note::on(frames::queue_topic(&obs.queue_id), text));
        }
        out
    }
}

/// A user's routing status changed: on the combined topic and on the
/// activity topic (with the user's queues).
pub(crate) fn user_changed(
    a: &AgentState,
    start: &str,
    activity: &Activity,
    seq: &AtomicU64,
) -> Note {
    let seq = next(seq);
    let status = a.status.as_str();
    Note {
        variants: vec![
            (
                frames::combined_user_topic(&a.user_id),
                frames::user(&a.user_id, status, start, seq).into(),
            ),
            (
                frames::activity_topic(&a.user_id),
                frames::activity(&a.user_id, status, start, activity, seq).into(),
            ),
        ],
    }
}

/// A membership changed: the queue's membership topic, then the user's
/// activity topic (its `activeQueueIds` changed with it).
pub(crate) fn membership_changed(
    m: &Membership,
    status: &str,
    start: &str,
    activity: &Activity,
    seq: &AtomicU64,
) -> [Note; 2] {
    let first = next(seq);
    let second = next(seq);
    [
        Note {
            variants: vec![(
                frames::members_topic(&m.queue_id),
                frames::membership(m, first).into(),
            )],
        },
        Note {
            variants: vec![(
                frames::activity_topic(&m.user_id),
                frames::activity(&m.user_id, status, start, activity, second).into(),
            )],
        },
    ]
}

/// A scripted summary as a full observation: the statuses the summary does
/// not split are reported as NOT_RESPONDING, so the sums stay right. The
/// skills it asks for cannot be told: notifications carry no detail.
pub(crate) fn scripted_summary(s: &QueueSummary, now: &str, seq: &AtomicU64) -> Note {
    let rest = s
        .agents_logged_in
        .saturating_sub(s.agents_available + s.agents_interacting);
    let on_queue = [s.agents_available, s.agents_interacting, 0, rest];
    let mut metrics: Vec<Value> = on_queue
        .iter()
        .enumerate()
        .map(|(k, &n)| frames::on_queue_metric(k, n))
        .collect();
    metrics.push(frames::waiting_metric(s.interactions_waiting as usize));
    metrics.push(frames::interacting_metric(s.agents_interacting));
    metrics.push(frames::active_metric(s.agents_logged_in));
    let seq = next(seq);
    let text = frames::observation(&s.queue_id, "voice", now, metrics, seq);
    Note::on(frames::queue_topic(&s.queue_id), text)
}

#[cfg(test)]
#[path = "notes_tests.rs"]
mod tests;
