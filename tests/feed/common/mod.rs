//! Shared helpers for the feed tests: a config pointing anywhere, and
//! bounded waits on the feed's event channel.

mod notifications;
mod sim_feed;
mod started;
pub mod token_server;

pub use notifications::*;
pub use sim_feed::*;
pub use started::*;

pub use crate::fixtures::Logs;

use std::sync::Arc;
use std::time::Duration;

use queuetop::config::{
    AlertConfig, Config, EventType, GenesysConfig, LogConfig, Protocol, QueueConfig,
    ReconnectConfig, UiConfig,
};
use queuetop::event::{ConnState, FeedEvent, FeedStatus};
use secrecy::SecretString;
use tokio::sync::mpsc::Receiver;

/// Every log line written on this thread while the guard lives, at every
/// level (the network crates' trace output included), as text.
pub fn capture_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_max_level(tracing::Level::TRACE)
            .finish(),
    );
    (logs, guard)
}

pub fn config(
    protocol: Protocol,
    login_url: &str,
    realtime_url: &str,
    client_id: &str,
    client_secret: &str,
    queues: Vec<QueueConfig>,
    reconnect: ReconnectConfig,
) -> Arc<Config> {
    Arc::new(Config {
        genesys: GenesysConfig {
            environment: "localhost".into(),
            protocol,
            client_id: client_id.into(),
            client_secret: Some(SecretString::from(client_secret)),
            login_url: login_url.into(),
            api_url: login_url.into(),
            realtime_url: realtime_url.into(),
            all_queues: false,
            // Not the default 10 s: tests that run simulated days would
            // spend their time in queries; observations.rs sets its own.
            observations_interval_s: 60,
        },
        queues,
        reconnect,
        alerts: AlertConfig::default(),
        queue_alerts: Default::default(),
        queue_targets: Default::default(),
        ui: UiConfig::default(),
        log: LogConfig {
            audit_file: std::env::temp_dir().join("queuetop-feed-test-audit.log"),
            level: "info".into(),
            max_size_mb: 100,
            keep: 5,
            alert_history: None,
        },
        export_path: None,
        source: None,
        nats: None,
        metrics_listen: None,
    })
}

pub fn queue(id: &str, events: &[EventType]) -> QueueConfig {
    QueueConfig {
        id: Some(id.into()),
        name: None,
        events: events.to_vec(),
        filter: None,
    }
}

pub fn reconnect(
    base_ms: u64,
    max_ms: u64,
    max_attempts: u32,
    heartbeat_s: u64,
) -> ReconnectConfig {
    ReconnectConfig {
        base_delay_ms: base_ms,
        max_delay_ms: max_ms,
        max_attempts,
        heartbeat_timeout_s: heartbeat_s,
    }
}

/// Receives until `pred` matches (returning that event), at most `limit`
/// of tokio time; the events before it are returned too.
pub async fn recv_until(
    rx: &mut Receiver<FeedEvent>,
    limit: Duration,
    pred: impl Fn(&FeedEvent) -> bool,
) -> (Vec<FeedEvent>, FeedEvent) {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(limit, async {
        while let Some(ev) = rx.recv().await {
            if pred(&ev) {
                return Some(ev);
            }
            seen.push(ev);
        }
        None
    })
    .await;
    match found {
        Ok(Some(ev)) => (seen, ev),
        Ok(None) => panic!("feed channel closed; events before: {seen:#?}"),
        Err(_) => panic!("no matching event within {limit:?}; events before: {seen:#?}"),
    }
}

/// The next status the feed reports (other events are skipped).
pub async fn next_status(rx: &mut Receiver<FeedEvent>, limit: Duration) -> FeedStatus {
    match recv_until(rx, limit, |e| matches!(e, FeedEvent::Status(_)))
        .await
        .1
    {
        FeedEvent::Status(s) => s,
        _ => unreachable!(),
    }
}

pub fn is_state(ev: &FeedEvent, f: impl Fn(&ConnState) -> bool) -> bool {
    matches!(ev, FeedEvent::Status(s) if f(&s.state))
}
