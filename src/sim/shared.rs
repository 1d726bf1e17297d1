//! State shared by the HTTP server, the sockets, the model driver and the
//! handle: options, faults, stats, the event fan-out, and the plain data
//! of `store` (tokens, rate window, channels) and `publish` (what each
//! queue was last notified), which sit below it.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

use crate::event::{QueueEventKind, rfc3339_ms};

use super::center::{Activity, Model};
use super::publish::notes::{self, Note, Notes};
use super::publish::{Now, frames, notes_for};
use super::store::channels::ChannelRegistry;
pub(crate) use super::store::push_bounded;
use super::store::rate_window::RateWindow;
use super::store::tokens::Tokens;
use super::{Faults, SimOptions, SimStats};

/// Per-connection backlog of model events before a slow socket starts
/// missing some (counted in `events_lagged`).
const EVENT_BACKLOG: usize = 4096;
/// The same for notifications: one tick of 1200 queues fits with room.
const NOTE_BACKLOG: usize = 8192;

/// One model or scripted event, stamped once for every socket.
#[derive(Debug)]
pub(crate) struct SimEvent {
    pub kind: QueueEventKind,
    pub timestamp: String,
}

/// Orders to every open socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnCommand {
    Close(u16),
    Drop,
    /// Channel sockets only: send `v2.system.socket_closing`, then close
    /// after the grace.
    SocketClosing,
}

pub(crate) struct Shared {
    pub addr: SocketAddr,
    pub opts: SimOptions,
    pub queues: Vec<(String, String)>,
    pub faults: watch::Sender<Faults>,
    pub token_lifetime_s: AtomicU64,
    pub tokens: Mutex<Tokens>,
    pub stats: watch::Sender<SimStats>,
    pub events: broadcast::Sender<Arc<SimEvent>>,
    pub commands: broadcast::Sender<ConnCommand>,
    pub model: Mutex<Model>,
    /// Queue id -> model index.
    pub queue_index: HashMap<String, usize>,
    /// The last notification sequence number (CorrelationId) handed out.
    pub seq: AtomicU64,
    pub notes: broadcast::Sender<Arc<Note>>,
    /// What each queue's observations last said (locked after `model`).
    pub notes_state: Mutex<Notes>,
    pub channels: Mutex<ChannelRegistry>,
    pub channel_lifetime_ms: AtomicU64,
    pub rest_window: Mutex<RateWindow>,
    /// Every REST call taken, oldest first (`HISTORY` at most).
    pub rest_calls: Mutex<VecDeque<String>>,
    tasks: Mutex<JoinSet<()>>,
}

/// Locks a mutex, recovering the data if a holder panicked: every critical
/// section here leaves the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn now_stamp() -> String {
    rfc3339_ms(OffsetDateTime::now_utc())
}

impl Shared {
    pub(crate) fn new(addr: SocketAddr, opts: SimOptions) -> Shared {
        let tick_ms = opts.event_interval.as_millis().max(1) as u64;
        let mut model = Model::with_pace(
            opts.seed,
            opts.queues,
            opts.agents_per_queue,
            tick_ms,
            opts.pace,
        );
        model.add_unjoined_members(opts.unjoined_percent);
        model.rename_queues(&opts.queue_names);
        let queues = model.queues();
        let notes_state = Mutex::new(Notes::new(queues.len()));
        let queue_index = queues
            .iter()
            .enumerate()
            .map(|(index, queue)| (queue.0.clone(), index))
            .collect();
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let (notes, _) = broadcast::channel(NOTE_BACKLOG);
        let (commands, _) = broadcast::channel(16);
        Shared {
            addr,
            queues,
            faults: watch::Sender::new(opts.faults.clone()),
            token_lifetime_s: AtomicU64::new(opts.token_lifetime_s),
            tokens: Mutex::new(Tokens::default()),
            stats: watch::Sender::new(SimStats::default()),
            events,
            commands,
            model: Mutex::new(model),
            queue_index,
            seq: AtomicU64::new(0),
            notes,
            notes_state,
            channels: Mutex::new(ChannelRegistry::default()),
            channel_lifetime_ms: AtomicU64::new(
                u64::try_from(opts.channel_lifetime.as_millis()).unwrap_or(u64::MAX),
            ),
            rest_window: Mutex::new(RateWindow::default()),
            rest_calls: Mutex::new(VecDeque::new()),
            tasks: Mutex::new(JoinSet::new()),
            opts,
        }
    }

    pub(crate) fn stat(&self, f: impl FnOnce(&mut SimStats)) {
        self.stats.send_modify(f);
    }

    pub(crate) fn faults(&self) -> Faults {
        self.faults.borrow().clone()
    }

    pub(crate) fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.token_lifetime_s.load(Ordering::Relaxed))
    }

    pub(crate) fn issued_tokens(&self) -> Vec<String> {
        lock(&self.tokens).issued().to_vec()
    }

    /// Spawns a connection task that dies with the simulator.
    pub(crate) fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = lock(&self.tasks);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(fut);
    }

    pub(crate) fn abort_tasks(&self) {
        lock(&self.tasks).abort_all();
    }

    pub(crate) fn publish(&self, kind: QueueEventKind, timestamp: String) {
        // No receivers just means no socket is open.
        let _ = self.events.send(Arc::new(SimEvent { kind, timestamp }));
    }

    /// Runs `f` on the channels, then brings the channel stats up to date.
    pub(crate) fn with_channels<R>(&self, f: impl FnOnce(&mut ChannelRegistry) -> R) -> R {
        let (r, expired, evicted) = {
            let mut c = lock(&self.channels);
            let r = f(&mut c);
            (r, c.expired_total, c.evicted_total)
        };
        self.stat(|s| {
            s.channels_expired = expired;
            s.channels_evicted = evicted;
        });
        r
    }

    pub(crate) fn channel_lifetime(&self) -> Duration {
        Duration::from_millis(self.channel_lifetime_ms.load(Ordering::Relaxed))
    }

    /// Fans notifications out to the channel sockets.
    pub(crate) fn publish_notes(&self, batch: Vec<Note>) {
        if batch.is_empty() {
            return;
        }
        let n = batch.len() as u64;
        for note in batch {
            let (note, copies) = note.under_faults(&self.faults.borrow());
            for _ in 0..copies {
                // No receivers just means no channel socket is open.
                let _ = self.notes.send(note.clone());
            }
        }
        let last = self.seq.load(Ordering::Relaxed);
        self.stat(|s| {
            s.notifications_published += n;
            s.last_correlation_id = last;
        });
    }

    /// A scripted event as a notification (used when the model is not
    /// running): summaries become full observations, agents user events.
    pub(crate) fn publish_scripted_note(&self, kind: &QueueEventKind, stamp: &str) {
        let note = match kind {
            QueueEventKind::Summary(s) => notes::scripted_summary(s, stamp, &self.seq),
            QueueEventKind::Agent(a) => {
                // A scripted agent is joined in the queue it is scripted in.
                let activity = Activity {
                    active_queue_ids: vec![a.queue_id.clone()],
                    changed_ms: frames::now_ms(),
                };
                notes::user_changed(a, stamp, &activity, &self.seq)
            }
            _ => return,
        };
        self.publish_notes(vec![note]);
    }

    pub(crate) async fn wait_for(
        &self,
        pred: impl Fn(&SimStats) -> bool,
        timeout: Duration,
    ) -> bool {
        let mut rx = self.stats.subscribe();
        let wait = async {
            loop {
                if pred(&rx.borrow_and_update()) {
                    return;
                }
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}

/// Ticks the model on tokio time and fans its events out to the sockets.
pub(crate) async fn drive_model(shared: Arc<Shared>) {
    let mut iv = tokio::time::interval(shared.opts.event_interval.max(Duration::from_millis(1)));
    iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    iv.tick().await;
    loop {
        iv.tick().await;
        shared.step();
        // A tick of a big center can outlast the interval; without this the
        // next tick is ready at once and the sockets on the same runtime
        // would starve until tokio's budget forced a yield.
        tokio::task::yield_now().await;
    }
}

impl Shared {
    /// One model tick, its notifications and events sent out.
    pub(crate) fn step(&self) {
        let stamp = now_stamp();
        let now_ms = frames::now_ms();
        let (events, batch) = {
            let mut model = lock(&self.model);
            let events = model.tick();
            let mut notes = lock(&self.notes_state);
            let omit_zero = self.faults.borrow().omit_zero_qualifiers_in_notifications;
            let now = Now {
                stamp: &stamp,
                ms: now_ms,
                omit_zero,
            };
            let batch = notes_for(&model, &mut notes, &events, &now, &self.seq);
            (events, batch)
        };
        self.publish_notes(batch);
        for kind in events {
            self.publish(kind, stamp.clone());
        }
    }
}

/// The open and total counters of one kind of socket.
pub(crate) type SocketCounters = fn(&mut SimStats) -> (&mut usize, &mut u64);

/// Counts a socket as open for as long as it lives (realtime connections
/// and channel sockets alike).
pub(crate) struct OpenGuard {
    shared: Arc<Shared>,
    counters: SocketCounters,
}

impl OpenGuard {
    pub(crate) fn new(shared: Arc<Shared>, counters: SocketCounters) -> OpenGuard {
        shared.stat(|s| {
            let (open, total) = counters(s);
            *open += 1;
            *total += 1;
        });
        OpenGuard { shared, counters }
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.shared.stat(|s| {
            let (open, _) = (self.counters)(s);
            *open = open.saturating_sub(1);
        });
    }
}
