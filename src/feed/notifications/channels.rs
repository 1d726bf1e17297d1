//! The open channels of one connection attempt, and those closing after a
//! handover whose last frames are still welcome: their deadlines (ping,
//! death, rollover), and handing events to the app without counting our
//! own waits as the server's silence.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use super::channel::Live;
use super::dedupe::Dedupe;
use crate::event::FeedEvent;
use crate::feed::FeedGauges;
use crate::feed::link::{Link, Outcome, Sent};

pub(super) struct Channels {
    live: Vec<Live>,
    retiring: HashSet<u64>,
    /// A deadline moved (a handover ran): re-arm the watchdog.
    rearm: bool,
    /// The generation of the next channel opened; unique for the feed's
    /// life, so the dedupe never mistakes a new channel for an old one.
    next_generation: u64,
}

impl Channels {
    pub(super) fn new(next_generation: u64) -> Channels {
        Channels {
            live: Vec::new(),
            retiring: HashSet::new(),
            rearm: false,
            next_generation,
        }
    }

    /// A generation for a channel about to be opened.
    pub(super) fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// Where the next attempt's generations start.
    pub(super) fn generations_end(&self) -> u64 {
        self.next_generation
    }

    pub(super) fn push(&mut self, live: Live) {
        self.live.push(live);
    }

    pub(super) fn len(&self) -> usize {
        self.live.len()
    }

    pub(super) fn get(&self, i: usize) -> &Live {
        &self.live[i]
    }

    pub(super) fn get_mut(&mut self, i: usize) -> &mut Live {
        &mut self.live[i]
    }

    /// The open channel carrying `slot`'s topics.
    pub(super) fn in_slot(&self, slot: usize) -> Option<&Live> {
        self.live.iter().find(|l| l.slot == slot)
    }

    /// Which open channel a frame came from; a frame proves it alive.
    pub(super) fn received(&mut self, generation: u64) -> Option<usize> {
        let i = self.live.iter().position(|l| l.generation == generation)?;
        self.live[i].heard(Instant::now());
        Some(i)
    }

    /// A channel we closed: its last frames still count.
    pub(super) fn is_retiring(&self, generation: u64) -> bool {
        self.retiring.contains(&generation)
    }

    /// The end of a channel we closed; false for any other channel.
    pub(super) fn retired(&mut self, generation: u64) -> bool {
        self.retiring.remove(&generation)
    }

    /// Two channels carry the same topics: a handover's overlap.
    pub(super) fn overlap(&self) -> bool {
        !self.retiring.is_empty()
    }

    /// Puts `new` in channel `i`'s place; the old one, returned to be
    /// closed, is read until its end.
    pub(super) fn replace(&mut self, i: usize, new: Live) -> Live {
        let old = std::mem::replace(&mut self.live[i], new);
        self.retiring.insert(old.generation);
        old
    }

    /// Every open channel to be handed over at once; their generations.
    pub(super) fn roll_all_now(&mut self, why: &'static str) -> Vec<u64> {
        let now = Instant::now();
        self.rearm = true;
        self.live
            .iter_mut()
            .map(|l| {
                l.roll_at(Some(now), why);
                l.generation
            })
            .collect()
    }

    /// Channel `i` to be handed over at `at`.
    pub(super) fn roll_at(&mut self, i: usize, at: Instant, why: &'static str) {
        if let Some(l) = self.live.get_mut(i) {
            l.roll_at(Some(at), why);
        }
        self.rearm = true;
    }

    /// A deadline moved.
    pub(super) fn rearm(&mut self) {
        self.rearm = true;
    }

    /// True once after a deadline moved.
    pub(super) fn take_rearm(&mut self) -> bool {
        std::mem::take(&mut self.rearm)
    }

    /// When a channel next needs attention, or `other` if sooner.
    pub(super) fn next_due(&self, silence: Duration, other: Option<Instant>) -> Instant {
        let due = self
            .live
            .iter()
            .map(|l| l.due(silence))
            .min()
            .unwrap_or_else(|| Instant::now() + silence);
        other.map_or(due, |o| o.min(due))
    }

    /// We were busy (blocked on the app or handing over): the silence was
    /// ours, not the server's.
    pub(super) fn touch(&mut self) {
        let now = Instant::now();
        for l in &mut self.live {
            l.excuse(now);
        }
    }

    /// `send` for the read loop: time spent blocked on the app is not
    /// silence from the server.
    pub(super) async fn pass(&mut self, link: &mut Link, ev: FeedEvent) -> Result<(), Outcome> {
        if link.send(ev).await? == Sent::AfterWait {
            self.touch();
        }
        Ok(())
    }

    pub(super) async fn close_all(&mut self, reason: &'static str) {
        for l in self.live.drain(..) {
            l.close(reason).await;
        }
    }

    /// Forgets every channel (their readers end with their sockets).
    pub(super) fn clear(&mut self) {
        self.live.clear();
        self.retiring.clear();
    }

    /// Publishes what the loop holds (relaxed stores: cheap per frame).
    pub(super) fn gauge(&self, gauges: &FeedGauges, dedupe: &Dedupe) {
        gauges.dedupe_held.store(dedupe.len(), Ordering::Relaxed);
        gauges
            .duplicates_dropped
            .store(dedupe.dropped(), Ordering::Relaxed);
        gauges
            .channels_open
            .store(self.live.len(), Ordering::Relaxed);
        gauges
            .channels_closing
            .store(self.retiring.len(), Ordering::Relaxed);
    }
}
