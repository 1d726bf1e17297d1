//! State shared by the HTTP server, the sockets, the model driver and the
//! handle: options, faults, tokens, stats, and the event fan-out.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

use crate::event::{QueueEventKind, rfc3339_ms};

use super::model::Model;
use super::token::Tokens;
use super::{Faults, SimOptions, SimStats};

/// Per-connection backlog of model events before a slow socket starts
/// missing some (counted in `events_lagged`).
const EVENT_BACKLOG: usize = 4096;

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
    tasks: Mutex<JoinSet<()>>,
}

/// Locks a mutex, recovering the data if a holder panicked: every critical
/// section here leaves the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many subscription payloads, close codes and issued tokens the stats
/// keep: a simulator left running for days must not grow without bound.
pub(crate) const HISTORY: usize = 10_000;

/// Appends to a history list, dropping the oldest past `HISTORY`.
pub(crate) fn push_bounded<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= HISTORY {
        list.drain(..HISTORY / 10);
    }
    list.push(item);
}

pub(crate) fn now_stamp() -> String {
    rfc3339_ms(OffsetDateTime::now_utc())
}

impl Shared {
    pub(crate) fn new(addr: SocketAddr, opts: SimOptions) -> Shared {
        let tick_ms = opts.event_interval.as_millis().max(1) as u64;
        let model = Model::new(opts.seed, opts.queues, opts.agents_per_queue, tick_ms);
        let queues = model.queues();
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
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
        let events = lock(&shared.model).tick();
        let stamp = now_stamp();
        for kind in events {
            shared.publish(kind, stamp.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_stay_bounded_and_keep_the_newest() {
        let mut v = Vec::new();
        for i in 0..3 * HISTORY {
            push_bounded(&mut v, i);
        }
        assert!(v.len() <= HISTORY);
        assert_eq!(v.last(), Some(&(3 * HISTORY - 1)));
    }
}
