//! Run-time control of a simulator: faults, scripted events, closes.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::event::QueueEventKind;

use super::Faults;
use super::shared::{ConnCommand, Shared, now_stamp};

/// A cheap, cloneable remote for a running simulator.
#[derive(Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl SimControl {
    pub(crate) fn new(shared: Arc<Shared>) -> SimControl {
        SimControl { shared }
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces every fault knob at once; open sockets see it at once.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.send_replace(faults);
    }

    fn modify(&self, f: impl FnOnce(&mut Faults)) {
        self.shared.faults.send_modify(f);
    }

    pub fn set_drop_after_events(&self, n: Option<u64>) {
        self.modify(|f| f.drop_after_events = n);
    }

    pub fn go_silent(&self, silent: bool) {
        self.modify(|f| f.silent = silent);
    }

    pub fn reject_handshakes_401(&self, count: u32) {
        self.modify(|f| f.reject_handshakes_401 = count);
    }

    pub fn rate_limit_handshakes(&self, count: u32, retry_after_s: u64) {
        self.modify(|f| f.rate_limit_handshakes = Some((count, retry_after_s)));
    }

    pub fn set_close_after_events(&self, close: Option<(u64, u16)>) {
        self.modify(|f| f.close_after_events = close);
    }

    pub fn rate_limit_tokens(&self, count: u32, retry_after_s: u64) {
        self.modify(|f| f.rate_limit_tokens = Some((count, retry_after_s)));
    }

    pub fn set_malformed_every(&self, n: Option<u64>) {
        self.modify(|f| f.malformed_every = n);
    }

    pub fn set_flood(&self, flood: bool) {
        self.modify(|f| f.flood = flood);
    }

    pub fn refuse_subscriptions(&self, refuse: bool) {
        self.modify(|f| f.refuse_subscriptions = refuse);
    }

    /// `expires_in` for tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.shared
            .token_lifetime_s
            .store(seconds, Ordering::Relaxed);
    }

    /// Sends a scripted event, stamped now, to every matching subscription:
    /// on realtime sockets as is; on channel sockets a summary becomes a full
    /// observation and an agent state a user routing-status event (other
    /// kinds have no notification).
    pub fn push(&self, kind: QueueEventKind) {
        let stamp = now_stamp();
        self.shared.publish_scripted_note(&kind, &stamp);
        self.shared.publish(kind, stamp);
    }

    /// Channel sockets: `v2.system.socket_closing` now, then close after
    /// the grace (`SimOptions::socket_closing_grace`).
    pub fn send_socket_closing(&self) {
        let _ = self.shared.commands.send(ConnCommand::SocketClosing);
    }

    pub fn set_socket_closing_every(&self, every: Option<Duration>) {
        self.modify(|f| f.socket_closing_every = every);
    }

    /// Lifetime of channels created from now on.
    pub fn set_channel_lifetime(&self, lifetime: Duration) {
        let ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
        self.shared.channel_lifetime_ms.store(ms, Ordering::Relaxed);
    }

    /// Topics (full names, or queue/user ids) refused at subscription.
    pub fn set_reject_topics(&self, topics: Vec<String>) {
        self.modify(|f| f.reject_topics = topics);
    }

    /// Answers the next `count` REST calls with 429 and `Retry-After`.
    pub fn rate_limit_rest(&self, count: u32, retry_after_s: u64) {
        self.modify(|f| f.rest_rate_limit = Some((count, retry_after_s)));
    }

    /// Added to every REST answer from now on (`None`: answer at once).
    pub fn set_rest_latency(&self, latency: Option<Duration>) {
        self.modify(|f| f.rest_latency = latency);
    }

    /// Answers the next `count` REST calls with `status` (502, 503 or 504).
    pub fn rest_transient(&self, count: u32, status: u16) {
        self.modify(|f| f.rest_transient = Some((count, status)));
    }

    /// Closes every open socket (realtime and channel) with `code`.
    pub fn close_all(&self, code: u16) {
        let _ = self.shared.commands.send(ConnCommand::Close(code));
    }

    /// Drops every open socket (realtime and channel) without a close frame
    /// (the client sees 1006).
    pub fn drop_all(&self) {
        let _ = self.shared.commands.send(ConnCommand::Drop);
    }
}
