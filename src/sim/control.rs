//! Run-time control of a simulator: faults, scripted events, closes.

use std::sync::Arc;
use std::sync::atomic::Ordering;

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

    /// Sends a scripted event, stamped now, to every matching subscription.
    pub fn push(&self, kind: QueueEventKind) {
        self.shared.publish(kind, now_stamp());
    }

    /// Closes every open socket with `code`.
    pub fn close_all(&self, code: u16) {
        let _ = self.shared.commands.send(ConnCommand::Close(code));
    }

    /// Drops every open socket without a close frame (the client sees 1006).
    pub fn drop_all(&self) {
        let _ = self.shared.commands.send(ConnCommand::Drop);
    }
}
