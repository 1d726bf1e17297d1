//! Model changes as notifications. Each notification is serialized once,
//! numbered from one global sequence (its `CorrelationId`), and fanned out to
//! every channel socket subscribed to one of its topics.
//!
//! Observations are partial like the real API's: a message carries only the
//! metrics that changed since the last one, and every `FULL_EVERY`th message
//! of a queue carries all of them, so a client must keep absent metrics.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::event::{AgentState, QueueSummary};

use super::model::{Activity, MediaObs, Membership, QueueObs, Totals, WaitingObs};
use super::nframes;

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

#[derive(Debug, Default)]
struct SentMedia {
    media: String,
    waiting: usize,
    /// Requested skills of the waiting interactions, sorted.
    skills: Vec<Option<String>>,
    interacting: u32,
}

#[derive(Debug, Default)]
struct Sent {
    on_queue: [u32; 4],
    active: u32,
    media: Vec<SentMedia>,
    messages: u64,
    bucket: i128,
    base: Totals,
}

fn skills_of(w: &[WaitingObs]) -> Vec<Option<String>> {
    let mut s: Vec<Option<String>> = w.iter().map(|w| w.skill_id.clone()).collect();
    s.sort();
    s
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

    /// The observation messages for queue `qi` after it changed.
    pub(crate) fn queue_changed(
        &mut self,
        qi: usize,
        obs: &QueueObs,
        now: &str,
        now_ms: i128,
        seq: &AtomicU64,
    ) -> Vec<Note> {
        let Some(slot) = self.sent.get_mut(qi) else {
            return Vec::new();
        };
        let first = slot.is_none();
        let sent = slot.get_or_insert_with(Sent::default);
        let full = first || sent.messages.is_multiple_of(FULL_EVERY);
        let mut head: Vec<Value> = Vec::new();
        for k in 0..obs.on_queue.len() {
            if full || sent.on_queue[k] != obs.on_queue[k] {
                head.push(nframes::on_queue_metric(k, obs.on_queue[k]));
            }
        }
        if full || sent.active != obs.active {
            head.push(nframes::active_metric(obs.active));
        }
        let empty = |name: &str| MediaObs {
            media: name.to_string(),
            waiting: Vec::new(),
            interacting: 0,
        };
        let mut names: Vec<&str> = obs.media.iter().map(|m| m.media.as_str()).collect();
        for m in &sent.media {
            if !names.contains(&m.media.as_str()) {
                names.push(&m.media);
            }
        }
        let mut msgs: Vec<(String, Vec<Value>)> = Vec::new();
        for name in names {
            let vanished;
            let new = match obs.media.iter().find(|m| m.media == name) {
                Some(m) => m,
                None => {
                    vanished = empty(name);
                    &vanished
                }
            };
            let old = sent.media.iter().find(|m| m.media == name);
            let (ow, os, oi) = old.map_or((0, Vec::new(), 0), |o| {
                (o.waiting, o.skills.clone(), o.interacting)
            });
            let mut metrics = Vec::new();
            if full || ow != new.waiting.len() || os != skills_of(&new.waiting) {
                metrics.push(nframes::waiting_metric(&new.waiting, now_ms));
            }
            if full || oi != new.interacting {
                metrics.push(nframes::interacting_metric(new.interacting));
            }
            if !metrics.is_empty() {
                msgs.push((name.to_string(), metrics));
            }
        }
        if !head.is_empty() {
            match msgs.first_mut() {
                Some((_, m)) => {
                    head.append(m);
                    *m = head;
                }
                None => msgs.push((obs.media[0].media.clone(), head)),
            }
        }
        sent.on_queue = obs.on_queue;
        sent.active = obs.active;
        sent.media = obs
            .media
            .iter()
            .map(|m| SentMedia {
                media: m.media.clone(),
                waiting: m.waiting.len(),
                skills: skills_of(&m.waiting),
                interacting: m.interacting,
            })
            .collect();
        sent.messages += msgs.len() as u64;
        msgs.into_iter()
            .map(|(media, metrics)| {
                let seq = next(seq);
                let text = nframes::observation(&obs.queue_id, &media, now, metrics, seq);
                Note {
                    variants: vec![(nframes::queue_topic(&obs.queue_id), text.into())],
                }
            })
            .collect()
    }

    /// A wide-interval message with the totals of the current 30 minutes.
    pub(crate) fn totals(
        &mut self,
        qi: usize,
        obs: &QueueObs,
        now_ms: i128,
        seq: &AtomicU64,
    ) -> Option<Note> {
        let sent = self.sent.get_mut(qi)?.get_or_insert_with(Sent::default);
        let bucket = now_ms.div_euclid(BUCKET_MS);
        if bucket != sent.bucket {
            sent.bucket = bucket;
            sent.base = obs.totals;
        }
        let t = Totals {
            offered: obs.totals.offered - sent.base.offered,
            abandoned: obs.totals.abandoned - sent.base.abandoned,
            answered: obs.totals.answered - sent.base.answered,
            answered_in_target: obs.totals.answered_in_target - sent.base.answered_in_target,
        };
        let interval = format!(
            "{}/{}",
            nframes::stamp_ms(bucket * BUCKET_MS),
            nframes::stamp_ms((bucket + 1) * BUCKET_MS)
        );
        let seq = next(seq);
        Some(Note {
            variants: vec![(
                nframes::queue_topic(&obs.queue_id),
                nframes::totals(&obs.queue_id, &interval, &t, seq).into(),
            )],
        })
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
                nframes::combined_user_topic(&a.user_id),
                nframes::user(&a.user_id, status, start, seq).into(),
            ),
            (
                nframes::activity_topic(&a.user_id),
                nframes::activity(&a.user_id, status, start, activity, seq).into(),
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
                nframes::members_topic(&m.queue_id),
                nframes::membership(m, first).into(),
            )],
        },
        Note {
            variants: vec![(
                nframes::activity_topic(&m.user_id),
                nframes::activity(&m.user_id, status, start, activity, second).into(),
            )],
        },
    ]
}

/// A scripted summary as a full observation: the statuses the summary does
/// not split are reported as NOT_RESPONDING, so the sums stay right;
/// `skill_id` names the skills of waiting interactions by id.
pub(crate) fn scripted_summary(
    s: &QueueSummary,
    now: &str,
    now_ms: i128,
    skill_id: impl Fn(&str) -> String,
    seq: &AtomicU64,
) -> Note {
    let rest = s
        .agents_logged_in
        .saturating_sub(s.agents_available + s.agents_interacting);
    let mut waiting = Vec::new();
    for (name, c) in &s.skills {
        for _ in 0..c.required.unwrap_or(0) {
            waiting.push(WaitingObs {
                conversation_id: format!("scripted-{}", waiting.len()),
                skill_id: Some(skill_id(name)),
                waited_ms: 0,
            });
        }
    }
    while (waiting.len() as u32) < s.interactions_waiting {
        waiting.push(WaitingObs {
            conversation_id: format!("scripted-{}", waiting.len()),
            skill_id: None,
            waited_ms: 0,
        });
    }
    let obs = QueueObs {
        queue_id: s.queue_id.clone(),
        on_queue: [s.agents_available, s.agents_interacting, 0, rest],
        active: s.agents_logged_in,
        media: vec![MediaObs {
            media: "voice".into(),
            waiting,
            interacting: s.agents_interacting,
        }],
        totals: Totals::default(),
    };
    let metrics = nframes::full_metrics(&obs, &obs.media[0], now_ms);
    let seq = next(seq);
    Note {
        variants: vec![(
            nframes::queue_topic(&s.queue_id),
            nframes::observation(&s.queue_id, "voice", now, metrics, seq).into(),
        )],
    }
}

#[cfg(test)]
#[path = "notes_tests.rs"]
mod tests;
