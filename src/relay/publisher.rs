//! Publishing: each event on its subject into the stream (with an id
//! derived from the event, so a second relay's copy is dropped by the
//! stream's duplicate window), each queue's latest state into the bucket,
//! and a heartbeat.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream::message::PublishMessage as Publish;
use async_nats::jetstream::{self, context::PublishAckFuture, kv, stream};
use color_eyre::eyre::{WrapErr, eyre};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::{TARGET, live, state_word};
use crate::config::NatsConfig;
use crate::event::{FeedCommand, FeedEvent, FeedStatus, rfc3339_ms};
use crate::feed::Closing;
use crate::nats::heartbeat::Heartbeat;
use crate::nats::state::QueueState;
use crate::nats::wire::Wire;
use crate::nats::{Names, token};

/// Publishes (events and states) awaiting the stream's ack, at most; past
/// it the relay waits for the oldest (and so does the feed: backpressure,
/// not a buffer).
const ACKS_IN_FLIGHT: usize = 512;
/// Changed queues are written to the bucket this often, not per event.
const STATE_EVERY: Duration = Duration::from_millis(500);
/// The longest duplicate window the stream keeps (bounded by the history).
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// What the relay did, readable while it runs.
#[derive(Debug, Default)]
pub struct RelayStats {
    pub published: AtomicU64,
    /// The stream said it already had the message (another relay sent it).
    pub duplicates: AtomicU64,
    pub failed: AtomicU64,
    pub state_writes: AtomicU64,
}

pub struct Publisher {
    client: async_nats::Client,
    js: jetstream::Context,
    /// The subject prefix of the bucket's keys (`$KV.<bucket>.`).
    state_prefix: String,
    names: Names,
    heartbeat_every: Duration,
    relay_id: String,
    /// Acks in flight, oldest first; a state write names its queue.
    acks: VecDeque<(Option<String>, PublishAckFuture)>,
    states: HashMap<String, QueueState>,
    dirty: HashSet<String>,
    feed: FeedStatus,
    pub stats: Arc<RelayStats>,
}

impl Publisher {
    /// Creates (or updates) the stream and the bucket for `cfg.prefix`.
    pub async fn new(
        client: async_nats::Client,
        cfg: &NatsConfig,
    ) -> color_eyre::Result<Publisher> {
        let names = Names::new(&cfg.prefix);
        let js = jetstream::new(client.clone());
        let max_age = Duration::from_secs(cfg.history_minutes.saturating_mul(60));
        js.create_or_update_stream(stream::Config {
            name: names.stream.clone(),
            subjects: vec![names.all_queues(), names.feed_filter()],
            max_age,
            duplicate_window: DUPLICATE_WINDOW.min(max_age),
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|error| eyre!("cannot create the stream {}: {error}; the relay's NATS user needs JetStream ($JS.API.>)", names.stream))?;
        let kv = js
            .create_or_update_key_value(kv::Config {
                bucket: names.bucket.clone(),
                history: 1,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|error| eyre!("cannot create the bucket {}: {error}", names.bucket))?;
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "relay".into());
        Ok(Publisher {
            client,
            js,
            state_prefix: kv.put_prefix.clone().unwrap_or_else(|| kv.prefix.clone()),
            names,
            heartbeat_every: Duration::from_secs(cfg.heartbeat_s),
            relay_id: format!("{host}/{}", std::process::id()),
            acks: VecDeque::with_capacity(ACKS_IN_FLIGHT),
            states: HashMap::new(),
            dirty: HashSet::new(),
            feed: FeedStatus::connecting(),
            stats: Arc::new(RelayStats::default()),
        })
    }

    /// Publishes every event until `shutdown` or until the feed ends, then
    /// closes the feed (`feed::Closing`, `grace`) and publishes what it
    /// still delivers.
    ///
    /// Unlike the monitor's core, which applies a batch and then flushes
    /// its files once, each event is published as it comes: a publish
    /// only queues the message and its ack joins the others in flight
    /// (`ACKS_IN_FLIGHT`), so the broker already sees a burst as one
    /// stream of writes and there is nothing to flush per batch.
    pub async fn run(
        mut self,
        events: &mut mpsc::Receiver<FeedEvent>,
        commands: &mpsc::Sender<FeedCommand>,
        task: Option<&mut JoinHandle<()>>,
        shutdown: impl Future<Output = ()>,
        grace: Duration,
    ) -> color_eyre::Result<()> {
        tokio::pin!(shutdown);
        let mut beat = tokio::time::interval(self.heartbeat_every);
        beat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut state = tokio::time::interval(STATE_EVERY);
        state.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                _ = beat.tick() => self.heartbeat().await,
                _ = state.tick() => self.write_states().await,
                ev = events.recv() => match ev {
                    Some(ev) => self.publish(&ev).await,
                    None => break,
                },
            }
        }
        // What the feed still delivers while it closes is published too.
        let mut closing = Closing::start(events, commands, task, grace).await;
        while let Some(ev) = closing.next().await {
            self.publish(&ev).await;
        }
        // A second grace, which the monitor's core does not need: its files
        // are written when it flushes, while a publish is only confirmed
        // when the broker acks it. Bounded: with the broker gone, the acks
        // would each wait out their timeout and the client's flush would
        // wait for a reconnect.
        let flushed = tokio::time::timeout(grace, async {
            self.flush().await;
            self.heartbeat().await;
            self.client.flush().await
        })
        .await;
        match flushed {
            Ok(done) => done.wrap_err("flushing the last messages to NATS")?,
            Err(_) => tracing::warn!(
                target: TARGET,
                unconfirmed = self.acks.len(),
                "the broker did not confirm the last messages in time; they may be missing from the stream"
            ),
        }
        Ok(())
    }

    /// One event: to its subject in the stream, and into its queue's state.
    pub async fn publish(&mut self, ev: &FeedEvent) {
        let (now, now_wall) = (Instant::now(), OffsetDateTime::now_utc());
        let Some(mut wire) = Wire::from_event(ev, now, now_wall) else {
            if let FeedEvent::Status(status) = ev {
                let was_live = live(&self.feed.state);
                self.feed = status.clone();
                if was_live != live(&status.state) {
                    // Viewers hear of it now, not at the next beat.
                    self.heartbeat().await;
                }
            }
            return;
        };
        let subject = match wire.queue_id() {
            Some(queue) if !queue.is_empty() => {
                let queue = queue.to_string();
                let state = self
                    .states
                    .entry(queue.clone())
                    .or_insert_with(|| QueueState::new(&queue));
                if state.apply(&wire) {
                    self.dirty.insert(queue.clone());
                }
                self.names.queue_subject(&queue, wire.kind())
            }
            _ => self.names.feed_subject(wire.kind()),
        };
        let id = message_id(&subject, &mut wire);
        let payload = match serde_json::to_vec(&wire) {
            Ok(payload) => payload,
            Err(error) => {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(target: TARGET, subject = %subject, error = %error, "cannot encode an event; not published");
                return;
            }
        };
        self.make_room().await;
        let msg = Publish::build().payload(payload.into()).message_id(id);
        match self.js.send_publish(subject.clone(), msg).await {
            Ok(ack) => self.acks.push_back((None, ack)),
            Err(error) => {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(target: TARGET, subject = %subject, error = %error, "publish failed; the event is not in the stream");
            }
        }
    }

    /// Waits for every ack in flight and writes the changed states: after
    /// this, what was published is in the stream and the bucket.
    pub async fn flush(&mut self) {
        self.write_states().await;
        while let Some(ack) = self.acks.pop_front() {
            self.settle(ack).await;
        }
    }

    /// Waits for the oldest ack when the most are in flight.
    async fn make_room(&mut self) {
        if self.acks.len() >= ACKS_IN_FLIGHT
            && let Some(ack) = self.acks.pop_front()
        {
            self.settle(ack).await;
        }
    }

    /// Waits for one ack and counts what it says.
    async fn settle(&mut self, (state_of, ack): (Option<String>, PublishAckFuture)) {
        match (ack.await, state_of) {
            (Ok(_), Some(_)) => {
                self.stats.state_writes.fetch_add(1, Ordering::Relaxed);
            }
            (Err(e), Some(q)) => {
                // Written again with the next tick.
                tracing::warn!(target: TARGET, queue_id = %q, error = %e, "the bucket did not confirm a queue's state; will write it again");
                self.dirty.insert(q);
            }
            (Ok(a), None) if a.duplicate => {
                self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
            }
            (Ok(_), None) => {
                self.stats.published.fetch_add(1, Ordering::Relaxed);
            }
            (Err(e), None) => {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(target: TARGET, error = %e, "the stream did not confirm an event; it may be missing from the history");
            }
        }
    }

    /// The changed queues' states into the bucket, their acks in flight
    /// with the events': one round trip per write would stop the events
    /// behind them (a hundred queues at a few ms each, twice a second).
    async fn write_states(&mut self) {
        for queue in std::mem::take(&mut self.dirty) {
            let Some(state) = self.states.get(&queue) else {
                continue;
            };
            let bytes = match serde_json::to_vec(state) {
                Ok(bytes) => bytes,
                Err(error) => {
                    tracing::error!(target: TARGET, queue_id = %queue, error = %error, "cannot encode a queue's state");
                    continue;
                }
            };
            self.make_room().await;
            let subject = format!("{}{}", self.state_prefix, Names::key(&queue));
            let msg = Publish::build().payload(bytes.into());
            match self.js.send_publish(subject, msg).await {
                Ok(ack) => self.acks.push_back((Some(queue), ack)),
                Err(error) => {
                    // Written again with the next change or the next tick.
                    tracing::warn!(target: TARGET, queue_id = %queue, error = %error, "cannot write a queue's state to the bucket; will retry");
                    self.dirty.insert(queue);
                }
            }
        }
    }

    async fn heartbeat(&mut self) {
        let hb = Heartbeat {
            relay: self.relay_id.clone(),
            feed_live: live(&self.feed.state),
            feed_state: state_word(&self.feed.state).to_string(),
            feed_error: self.feed.last_error.clone(),
            time: rfc3339_ms(OffsetDateTime::now_utc()),
            published: self.stats.published.load(Ordering::Relaxed),
        };
        let Ok(bytes) = serde_json::to_vec(&hb) else {
            return;
        };
        if let Err(e) = self
            .client
            .publish(self.names.heartbeat.clone(), bytes.into())
            .await
        {
            tracing::warn!(target: TARGET, error = %e, "cannot send the heartbeat");
        }
    }
}

/// The event's id: the same event from two relays gets the same id, so the
/// stream keeps one. What differs between relays (when each received it)
/// is left out; the server's time and correlation id, when the feed has
/// them, keep two equal changes at different times apart.
fn message_id(subject: &str, wire: &mut Wire) -> String {
    let mut h = std::hash::DefaultHasher::new();
    subject.hash(&mut h);
    let saved = match wire {
        Wire::QueueSummary { meta, .. }
        | Wire::QueueInteraction { meta, .. }
        | Wire::AgentState { meta, .. }
        | Wire::QueueTotals { meta, .. } => meta.received_wall.take(),
        Wire::Member { since, .. } => since.take(),
        _ => None,
    };
    let mut w = HashWriter(&mut h);
    let _ = serde_json::to_writer(&mut w, wire);
    match wire {
        Wire::QueueSummary { meta, .. }
        | Wire::QueueInteraction { meta, .. }
        | Wire::AgentState { meta, .. }
        | Wire::QueueTotals { meta, .. } => meta.received_wall = saved,
        Wire::Member { since, .. } => *since = saved,
        _ => {}
    }
    format!("{}-{:016x}", token(wire.kind()), h.finish())
}

/// Feeds serialized bytes to a hasher without keeping them.
struct HashWriter<'a>(&'a mut std::hash::DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
