//! The broker reader's side of the links (broker, relay, the relay's
//! Genesys feed) and its way to the app.

use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::{Reader, TARGET, decode};
use crate::event::{ConnState, FeedEvent};
use crate::nats::heartbeat::Heartbeat;

/// How long the first connection may take before the broker counts as
/// down (the client's own connection timeout).
pub(super) const CONNECT_GRACE: Duration = Duration::from_secs(5);

impl Reader {
    /// Says which link is down, if any, when that changes.
    pub(super) async fn check_links(&mut self, client: &async_nats::Client) {
        let timeout = Duration::from_secs(self.nats.heartbeat_timeout_s);
        let broker_up = client.connection_state() == State::Connected;
        self.ever_connected |= broker_up;
        if !broker_up && !self.ever_connected && self.started.elapsed() < CONNECT_GRACE {
            // The first connection is still being made: connecting, not down.
            return;
        }
        let beat_age = self
            .heartbeat
            .as_ref()
            .map_or(self.started.elapsed(), |(_, at)| at.elapsed());
        let behind = self.behind.filter(|(age, _)| *age > timeout);
        let problem = if !broker_up {
            Some(format!(
                "broker {}: not connected; reconnecting by itself",
                crate::redact::redact_url(&self.nats.url)
            ))
        } else if beat_age > timeout {
            Some(format!(
                "relay: no heartbeat on {} for {} s; is `queuetop relay` running?",
                self.names.heartbeat,
                beat_age.as_secs()
            ))
        } else if let Some((hb, _)) = self.heartbeat.as_ref().filter(|(hb, _)| !hb.feed_live) {
            Some(format!(
                "relay's Genesys feed: {}{}",
                hb.feed_state,
                hb.feed_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ))
        } else if let Some((age, waiting)) = behind {
            // Older figures must not pass for live ones.
            Some(format!(
                "viewer: {} s behind the relay's stream ({waiting} messages still to read); \
                 this viewer or the broker cannot keep up",
                age.as_secs()
            ))
        } else {
            // Before the first heartbeat: why nothing could be read yet.
            self.problem.clone().filter(|_| self.heartbeat.is_none())
        };
        let live = problem.is_none();
        let was_live = self.status.state == ConnState::Connected;
        if live == was_live && (live || problem == self.status.last_error) {
            return;
        }
        if live {
            self.status.connects = self.status.connects.saturating_add(1);
            self.status.state = ConnState::Connected;
            self.status.last_error = None;
            tracing::info!(target: TARGET, "broker, relay and the relay's feed are live");
        } else {
            let attempt = match self.status.state {
                ConnState::Reconnecting { attempt, .. } => attempt.saturating_add(1),
                _ => 1,
            };
            tracing::warn!(target: TARGET, problem = problem.as_deref().unwrap_or(""), "not live");
            self.status.state = ConnState::Reconnecting {
                attempt,
                max_attempts: 0,
                next_try: Instant::now() + super::CHECK_EVERY,
            };
            self.status.last_error = problem;
        }
        self.send(FeedEvent::Status(self.status.clone())).await;
    }

    /// Whether the next message of `consumer` is live (else history), and
    /// one fewer history message to go.
    pub(super) fn count_history(&mut self, consumer: usize) -> bool {
        match self.history.get_mut(consumer) {
            Some(left) if *left > 0 => {
                *left -= 1;
                false
            }
            _ => true,
        }
    }

    /// Notes how far behind the stream this message is: its age on the
    /// broker, when anything still waits after it (a caught-up viewer is
    /// never behind, whatever the clocks say). True when that crossed the
    /// limit either way, so the links are checked at once.
    pub(super) fn note_behind(&mut self, m: &jetstream::Message) -> bool {
        let limit = Duration::from_secs(self.nats.heartbeat_timeout_s);
        let was = self.behind.is_some_and(|(age, _)| age > limit);
        self.behind = m.info().ok().filter(|i| i.pending > 0).map(|i| {
            let age = OffsetDateTime::now_utc() - i.published;
            (Duration::try_from(age).unwrap_or(Duration::ZERO), i.pending)
        });
        was != self.behind.is_some_and(|(age, _)| age > limit)
    }

    pub(super) async fn on_heartbeat(&mut self, payload: &[u8], client: &async_nats::Client) {
        match serde_json::from_slice::<Heartbeat>(payload) {
            Ok(hb) => {
                let changed = self
                    .heartbeat
                    .as_ref()
                    .is_none_or(|(old, _)| old.feed_live != hb.feed_live);
                self.heartbeat = Some((hb, Instant::now()));
                if changed {
                    self.check_links(client).await;
                }
            }
            Err(e) => self.malformed(format!("a relay heartbeat: {e}")).await,
        }
    }

    /// One stream message to the app; false once the app is gone.
    pub(super) async fn on_message(&mut self, payload: &[u8], live: bool) -> bool {
        let ev = decode(payload, Instant::now(), OffsetDateTime::now_utc(), live);
        match &ev {
            FeedEvent::Malformed { reason } => {
                tracing::warn!(target: TARGET, reason = %reason, "malformed relay message")
            }
            FeedEvent::Unknown { kind } => {
                tracing::info!(target: TARGET, kind = %kind, "relay message of an unknown type")
            }
            _ => {}
        }
        self.send(ev).await
    }

    pub(super) async fn malformed(&mut self, reason: String) {
        tracing::warn!(target: TARGET, reason = %reason, "malformed relay message");
        self.send(FeedEvent::Malformed { reason }).await;
    }

    /// To the app, waiting when its channel is full (the broker keeps the
    /// rest: backpressure, not a buffer). False once the app is gone.
    pub(super) async fn send(&mut self, ev: FeedEvent) -> bool {
        self.events.send(ev).await.is_ok()
    }

    pub(super) fn closed(&mut self) {
        self.status.state = ConnState::Closed;
        let _ = self.events.try_send(FeedEvent::Status(self.status.clone()));
    }
}
