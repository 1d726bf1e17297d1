//! The third feed source: a relay's events read from NATS JetStream
//! (`queuetop --nats`). It produces the same `FeedEvent`s as the Genesys
//! feeds, so the app does not know where they came from. No Genesys
//! credentials are read or needed here.
//!
//! Start: each queue's latest state from the bucket (the whole screen at
//! once), then the stream's history (into the trends), then live events.
//! Its connection state names the link that is down: the broker, the relay
//! (no heartbeat), or the relay's own Genesys feed.

use std::sync::Arc;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::{self, consumer, kv};
use futures_util::StreamExt;
use futures_util::stream::{BoxStream, SelectAll};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::{CHANNEL_CAPACITY, FeedGauges, FeedHandle};
use crate::config::{Config, NatsConfig};
use crate::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};
use crate::nats::heartbeat::Heartbeat;
use crate::nats::state::QueueState;
use crate::nats::wire::{Wire, unknown_type};
use crate::nats::{Names, Violations, violation_naming};
use links::CONNECT_GRACE;

mod links;

const TARGET: &str = "queuetop::feed::broker";
/// How often the links are checked (and a missing stream looked for again).
const CHECK_EVERY: Duration = Duration::from_millis(500);

/// A consumer's messages, tagged with its index in `Reader::history`.
type Messages = BoxStream<'static, (usize, Result<jetstream::Message, String>)>;

/// Starts the broker reader. Must be called inside a tokio runtime.
pub fn spawn(cfg: Arc<Config>, nats: NatsConfig) -> FeedHandle {
    let (tx, events) = mpsc::channel(CHANNEL_CAPACITY);
    let (commands, cmd_rx) = mpsc::channel(16);
    let names = Names::new(&nats.prefix);
    let reader = Reader {
        cfg,
        nats,
        names,
        events: tx,
        status: FeedStatus::connecting(),
        violations: Violations::default(),
        heartbeat: None,
        started: Instant::now(),
        ever_connected: false,
        problem: None,
        history: Vec::new(),
        behind: None,
    };
    FeedHandle {
        events,
        commands,
        task: tokio::spawn(reader.run(cmd_rx)),
        gauges: Arc::new(FeedGauges::default()),
    }
}

/// Which queues to read: by id (configured or resolved by name), or all.
enum Selection {
    All,
    Ids(Vec<String>),
}

struct Reader {
    cfg: Arc<Config>,
    nats: NatsConfig,
    names: Names,
    events: mpsc::Sender<FeedEvent>,
    status: FeedStatus,
    violations: Violations,
    /// The last heartbeat and when it came.
    heartbeat: Option<(Heartbeat, Instant)>,
    started: Instant,
    /// The broker was reached once: from then on, not connected is news.
    ever_connected: bool,
    /// The link that is down, in words; None when all are up.
    problem: Option<String>,
    /// Per consumer: how many of its messages are still history (in the
    /// stream before this viewer started); every later one is live.
    history: Vec<u64>,
    /// How far the last message read was behind the stream's newest: its
    /// age on the broker and the messages after it; None when caught up.
    behind: Option<(Duration, u64)>,
}

impl Reader {
    async fn run(mut self, mut commands: mpsc::Receiver<FeedCommand>) {
        self.send(FeedEvent::Status(self.status.clone())).await;
        let client = match crate::nats::connect(
            &self.nats,
            "queuetop viewer",
            Some(self.violations.clone()),
        )
        .await
        {
            Ok(client) => client,
            Err(reason) => {
                self.status.state = ConnState::Stopped { reason };
                self.send(FeedEvent::Status(self.status.clone())).await;
                // Nothing to retry: a file or setting is wrong.
                while let Some(FeedCommand::ReconnectNow) = commands.recv().await {}
                return self.closed();
            }
        };
        // The client connects in the background; its flush returns once it
        // has, so a late viewer starts reading at once, not at the next check.
        let _ = tokio::time::timeout(CONNECT_GRACE, client.flush()).await;
        let mut beats = None;
        let mut messages: Option<SelectAll<Messages>> = None;
        let mut check = tokio::time::interval(CHECK_EVERY);
        check.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                cmd = commands.recv() => match cmd {
                    Some(FeedCommand::ReconnectNow) => {
                        // The client reconnects by itself; this only hurries it.
                        let _ = client.force_reconnect().await;
                    }
                    Some(FeedCommand::Quit) | None => return self.closed(),
                },
                // Heartbeats before the check: a viewer that was busy has
                // them waiting, and the relay is not the link that is late.
                Some(msg) = next_beat(&mut beats) => self.on_heartbeat(&msg.payload, &client).await,
                _ = check.tick() => {
                    if client.connection_state() == State::Connected {
                        if beats.is_none() {
                            beats = client.subscribe(self.names.heartbeat.clone()).await.ok();
                        }
                        if messages.is_none() {
                            messages = self.start(&client).await;
                        }
                    }
                    self.check_links(&client).await;
                }
                Some((consumer, msg)) = next_message(&mut messages) => {
                    let ok = match msg {
                        Ok(m) => {
                            let live = self.count_history(consumer);
                            if self.note_behind(&m) {
                                self.check_links(&client).await;
                            }
                            self.on_message(&m.payload, live).await
                        }
                        Err(e) => {
                            tracing::warn!(target: TARGET, error = %e, "reading the stream; the consumer restarts by itself");
                            true
                        }
                    };
                    if !ok {
                        return;
                    }
                }
            }
        }
    }

    /// The bucket's state of every selected queue, then one ordered
    /// consumer per queue (or one for all) from the start of the history.
    /// None while the relay has not created the stream and bucket yet.
    async fn start(&mut self, client: &async_nats::Client) -> Option<SelectAll<Messages>> {
        let js = jetstream::new(client.clone());
        let kv = match js.get_key_value(self.names.bucket.clone()).await {
            Ok(kv) => kv,
            Err(error) => {
                self.problem = Some(format!(
                    "relay: no bucket {} on the broker yet ({error}); is `queuetop relay` running with prefix {}?",
                    self.names.bucket, self.names.prefix
                ));
                return None;
            }
        };
        let selection = self.selection(&kv).await;
        let ids = match &selection {
            Selection::All => all_keys(&kv).await,
            Selection::Ids(ids) => ids.clone(),
        };
        let now_wall = OffsetDateTime::now_utc();
        let permitted = self.send_states(&kv, ids, now_wall).await?;
        let stream = js
            .get_stream_no_info(self.names.stream.clone())
            .await
            .ok()?;
        let history = Duration::from_secs(self.nats.history_minutes.saturating_mul(60));
        let filters: Vec<(Option<String>, String)> = match selection {
            Selection::All => vec![(None, self.names.all_queues())],
            Selection::Ids(_) => permitted
                .into_iter()
                .map(|id| {
                    let filter = self.names.queue_filter(&id);
                    (Some(id), filter)
                })
                .collect(),
        };
        let mut all = SelectAll::new();
        self.history.clear();
        for (id, filter) in filters {
            if self.events.is_closed() {
                // The app has what it wanted (a snapshot): no more consumers.
                return None;
            }
            if let Some(messages) = self.consume(&stream, id, filter, now_wall - history).await {
                all.push(messages);
            }
        }
        tracing::info!(target: TARGET, consumers = all.len(), "reading the relay's stream");
        Some(all)
    }

    /// Each queue's state in the bucket, as events to the app; the ids the
    /// broker let us read, or None when the app has gone.
    async fn send_states(
        &mut self,
        kv: &kv::Store,
        ids: Vec<String>,
        now_wall: OffsetDateTime,
    ) -> Option<Vec<String>> {
        let mut permitted = Vec::with_capacity(ids.len());
        let now = Instant::now();
        for id in ids {
            if self.events.is_closed() {
                return None;
            }
            match kv.get(Names::key(&id)).await {
                Ok(Some(bytes)) => match serde_json::from_slice::<QueueState>(&bytes) {
                    Ok(state) => {
                        for event in state.into_events(now, now_wall) {
                            self.send(event).await;
                        }
                    }
                    Err(error) => {
                        self.malformed(format!("queue {id}'s state in the bucket: {error}"))
                            .await
                    }
                },
                Ok(None) => {}
                Err(error) => {
                    if self.refused(&id, &self.names.queue_filter(&id)).await {
                        continue;
                    }
                    tracing::warn!(target: TARGET, queue_id = %id, error = %error, "cannot read a queue's state from the bucket");
                }
            }
            permitted.push(id);
        }
        Some(permitted)
    }

    /// An ordered consumer of `filter` from `start_time`, its messages
    /// tagged with its index in `history`; None (logged, or reported as
    /// refused) when the broker will not give us one.
    async fn consume(
        &mut self,
        stream: &jetstream::stream::Stream<()>,
        id: Option<String>,
        filter: String,
        start_time: OffsetDateTime,
    ) -> Option<Messages> {
        let config = consumer::pull::OrderedConfig {
            // Named, so the create request's subject carries the filter
            // and a broker can permit it per queue.
            name: Some(format!("queuetop-{:016x}", fastrand::u64(..))),
            filter_subject: filter.clone(),
            deliver_policy: consumer::DeliverPolicy::ByStartTime { start_time },
            ..Default::default()
        };
        let consumer = match stream.create_consumer(config).await {
            Ok(consumer) => consumer,
            Err(error) => {
                let who = id.as_deref().unwrap_or("*");
                if !self.refused(who, &filter).await {
                    tracing::warn!(target: TARGET, filter = %filter, error = %error, "cannot read the stream");
                }
                return None;
            }
        };
        // What the stream held for it when created is history; the
        // ordered consumer resumes in place after a reconnect, so the
        // count stays right.
        let history = consumer.cached_info().num_pending;
        let index = self.history.len();
        match consumer.messages().await {
            Ok(messages) => {
                self.history.push(history);
                Some(
                    messages
                        .map(move |result| (index, result.map_err(|error| error.to_string())))
                        .boxed(),
                )
            }
            Err(error) => {
                tracing::warn!(target: TARGET, filter = %filter, error = %error, "cannot read the stream");
                None
            }
        }
    }

    /// The configured queues; names are looked up in the bucket's states.
    async fn selection(&mut self, kv: &kv::Store) -> Selection {
        if self.cfg.queues.is_empty() || self.cfg.genesys.all_queues {
            return Selection::All;
        }
        let mut ids = Vec::new();
        let mut names = Vec::new();
        for queue in &self.cfg.queues {
            match (&queue.id, &queue.name) {
                (Some(id), _) => ids.push(id.clone()),
                (None, Some(name)) => names.push(name.clone()),
                (None, None) => {}
            }
        }
        if names.is_empty() {
            return Selection::Ids(ids);
        }
        for key in all_keys(kv).await {
            let Ok(Some(bytes)) = kv.get(key.clone()).await else {
                continue;
            };
            let Ok(state) = serde_json::from_slice::<QueueState>(&bytes) else {
                continue;
            };
            let name = state.name.unwrap_or_default();
            if names.iter().any(|known| known.eq_ignore_ascii_case(&name)) {
                names.retain(|known| !known.eq_ignore_ascii_case(&name));
                ids.push(state.queue_id);
            }
        }
        for name in names {
            self.send(FeedEvent::ServerError {
                code: "not-found".into(),
                message: format!(
                    "no queue named {name} among those the relay publishes; check the name, or give its id"
                ),
                queue_id: None,
            })
            .await;
        }
        Selection::Ids(ids)
    }

    /// True (and the queue shown as not permitted) when the broker refused
    /// this user what it needs to read the queue.
    async fn refused(&mut self, queue_id: &str, subject: &str) -> bool {
        let needle = format!(".{}", crate::nats::token(queue_id));
        let Some(text) = violation_naming(&self.violations, &needle) else {
            return false;
        };
        tracing::warn!(target: TARGET, queue_id, subject, violation = %text, "queue not permitted");
        self.send(FeedEvent::TopicRejected {
            topic: subject.to_string(),
            reason: format!(
                "not permitted: this NATS user may not read {subject}; ask the broker's admin"
            ),
            queue_id: Some(queue_id.to_string()).filter(|q| q != "*"),
        })
        .await;
        true
    }
}

async fn all_keys(kv: &kv::Store) -> Vec<String> {
    let Ok(keys) = kv.keys().await else {
        return Vec::new();
    };
    keys.filter_map(|k| async move { k.ok() }).collect().await
}

async fn next_beat(beats: &mut Option<async_nats::Subscriber>) -> Option<async_nats::Message> {
    match beats {
        Some(b) => b.next().await,
        None => std::future::pending().await,
    }
}

async fn next_message(
    messages: &mut Option<SelectAll<Messages>>,
) -> Option<(usize, Result<jetstream::Message, String>)> {
    match messages {
        Some(m) if !m.is_empty() => m.next().await,
        _ => std::future::pending().await,
    }
}

/// Decodes one stream message; unknown and malformed ones are counted by
/// the app like any feed's. A live event is stamped as received now, so
/// its latency is the whole way from Genesys to this viewer; history keeps
/// the relay's receipt time, so it lands where it was in the trends.
fn decode(payload: &[u8], now: Instant, now_wall: OffsetDateTime, live: bool) -> FeedEvent {
    match serde_json::from_slice::<Wire>(payload) {
        Ok(Wire::Unknown) => FeedEvent::Unknown {
            kind: unknown_type(payload),
        },
        Ok(w) => match w.into_event(now, now_wall) {
            Some(FeedEvent::Queue(mut q)) if live => {
                q.received_wall = now_wall;
                q.received = now;
                FeedEvent::Queue(q)
            }
            Some(ev) => ev,
            None => FeedEvent::Unknown { kind: "?".into() },
        },
        Err(e) => FeedEvent::Malformed {
            reason: format!("a relay message that is not an event: {e}"),
        },
    }
}
