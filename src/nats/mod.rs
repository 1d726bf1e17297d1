//! What the relay and its viewers share: the names on the broker, the
//! connection to it, and the wire form of the events (`wire`).
//!
//! The relay publishes every queue event on
//! `<prefix>.queue.<queueId>.<kind>` into a JetStream stream (the last hour)
//! and the latest full state of each queue into a key-value bucket (key:
//! the queue id); it says it is alive on `<prefix>.relay.heartbeat`, outside
//! the stream (a heartbeat is news only while it is fresh).

pub mod heartbeat;
pub mod server;
pub mod state;
pub mod wire;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::ExposeSecret;

use crate::config::NatsConfig;

/// The names derived from one prefix.
#[derive(Debug, Clone)]
pub struct Names {
    pub prefix: String,
    /// JetStream stream of the events.
    pub stream: String,
    /// JetStream key-value bucket of the latest state per queue.
    pub bucket: String,
    pub heartbeat: String,
}

impl Names {
    pub fn new(prefix: &str) -> Names {
        let flat: String = prefix
            .chars()
            .map(|c| if c == '.' { '_' } else { c })
            .collect();
        Names {
            prefix: prefix.to_string(),
            stream: flat.to_ascii_uppercase(),
            bucket: format!("{flat}_state"),
            heartbeat: format!("{prefix}.relay.heartbeat"),
        }
    }

    /// Every event of one queue.
    pub fn queue_filter(&self, queue_id: &str) -> String {
        format!("{}.queue.{}.>", self.prefix, token(queue_id))
    }

    /// Every queue's events.
    pub fn all_queues(&self) -> String {
        format!("{}.queue.>", self.prefix)
    }

    /// Events about the relay's feed that name no queue.
    pub fn feed_subject(&self, kind: &str) -> String {
        format!("{}.feed.{kind}", self.prefix)
    }

    pub fn feed_filter(&self) -> String {
        format!("{}.feed.>", self.prefix)
    }

    pub fn queue_subject(&self, queue_id: &str, kind: &str) -> String {
        format!("{}.queue.{}.{kind}", self.prefix, token(queue_id))
    }

    /// The bucket key of a queue's state.
    pub fn key(queue_id: &str) -> String {
        token(queue_id)
    }
}

/// A queue id as one subject token: ids are UUIDs or `[A-Za-z0-9_-]+` after
/// config checks, but a server may send anything; the few characters that
/// would change the subject's shape become `_`.
pub fn token(id: &str) -> String {
    id.chars()
        .map(|c| match c {
            '.' | '*' | '>' | ' ' | '\t' | '\r' | '\n' => '_',
            c => c,
        })
        .collect()
}

/// Connects with the configured credentials; reconnects forever by itself
/// afterwards (the client's own loop), and keeps trying a first connection
/// too, so a relay or viewer may start before the broker.
pub async fn connect(
    cfg: &NatsConfig,
    name: &str,
    violations: Option<Violations>,
) -> Result<async_nats::Client, String> {
    let mut options = async_nats::ConnectOptions::new()
        .event_callback(move |event| {
            let violations = violations.clone();
            async move { on_event(event, violations.as_ref()) }
        })
        // A request the user may not make is never answered: fail it soon.
        .request_timeout(Some(REQUEST_TIMEOUT))
        .name(name)
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(5))
        .ping_interval(Duration::from_secs(cfg.heartbeat_s.max(1)))
        .reconnect_delay_callback(|attempts| {
            // The client's default grows to 4 s; a restarted broker on the
            // same host is back in well under that.
            Duration::from_millis((250 * attempts as u64).min(2000))
        });
    if let Some(path) = &cfg.credentials_file {
        options = options.credentials_file(path).await.map_err(|error| {
            format!(
                "cannot read the NATS credentials file {}: {error}; fix nats.credentials_file",
                path.display()
            )
        })?;
    }
    if let (Some(user), Some(pass)) = (&cfg.user, &cfg.password) {
        options = options.user_and_password(user.clone(), pass.expose_secret().to_string());
    }
    if let Some(token) = &cfg.token {
        options = options.token(token.expose_secret().to_string());
    }
    if let Some(ca) = &cfg.tls_ca {
        options = options.add_root_certificates(ca.clone()).require_tls(true);
    }
    options.connect(cfg.url.as_str()).await.map_err(|error| {
        format!(
            "cannot connect to NATS at {}: {error}",
            crate::redact::redact_url(&cfg.url)
        )
    })
}

/// How long a request (JetStream API, bucket read) may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(4);
/// Permission violations remembered, newest last.
const VIOLATIONS_KEPT: usize = 64;

/// The broker's permission violations, as it wrote them (they name the
/// subject); requests it refused this way simply time out.
pub type Violations = Arc<Mutex<VecDeque<String>>>;

fn on_event(event: async_nats::Event, violations: Option<&Violations>) {
    match event {
        async_nats::Event::ServerError(async_nats::ServerError::Other(text))
            if is_permission_error(&text) =>
        {
            tracing::warn!(target: "queuetop::nats", error = %text, "the broker refused a subject");
            if let Some(v) = violations
                && let Ok(mut v) = v.lock()
            {
                if v.len() >= VIOLATIONS_KEPT {
                    v.pop_front();
                }
                v.push_back(text);
            }
        }
        async_nats::Event::Connected => {
            tracing::info!(target: "queuetop::nats", "connected to the broker")
        }
        other => tracing::warn!(target: "queuetop::nats", event = %other, "broker connection"),
    }
}

/// The violation that names `needle` (a subject or a queue id), if any.
pub fn violation_naming(v: &Violations, needle: &str) -> Option<String> {
    let v = v.lock().ok()?;
    v.iter().rev().find(|t| t.contains(needle)).cloned()
}

/// The broker's answer when a user may not use a subject.
pub fn is_permission_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("permission") || m.contains("authorization")
}
