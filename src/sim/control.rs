//! Run-time control of a simulator: faults, scripted events, closes.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::event::{AgentStatus, QueueEventKind};

use super::Faults;
use super::publish::frames;
use super::shared::{ConnCommand, Shared, lock, now_stamp};

/// A cheap, cloneable remote for a running simulator.
#[derive(Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl SimControl {
    pub(crate) fn new(shared: Arc<Shared>) -> SimControl {
        SimControl { shared }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
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

    /// Answers the next `count` REST calls with 401 (see
    /// `Faults::rest_unauthorized`).
    pub fn refuse_rest_tokens(&self, count: u32) {
        self.modify(|f| f.rest_unauthorized = count);
    }

    /// Every notification from now on carries `id` as its CorrelationId
    /// (`None`: its own number again).
    pub fn set_shared_correlation_id(&self, id: Option<String>) {
        self.modify(|f| f.shared_correlation_id = id);
    }

    /// Every notification from now on is sent twice (see
    /// `Faults::notifications_twice`).
    pub fn set_notifications_twice(&self, twice: bool) {
        self.modify(|f| f.notifications_twice = twice);
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

    /// Topics (or ids) a subscription fails on with 400, whole.
    pub fn set_invalid_topics(&self, topics: Vec<String>) {
        self.modify(|f| f.invalid_topics = topics);
    }

    /// Queues the client may not see (403 by id, absent from listings,
    /// topics rejected).
    pub fn set_forbidden_queues(&self, queue_ids: Vec<String>) {
        self.modify(|f| f.forbidden_queues = queue_ids);
    }

    /// Adds a new member (idle; joined if `joined`) to queue `queue_id`
    /// and returns its user id; `v2.routing.queues.{id}.users`, the user's
    /// activity and the queue's observations tell subscribers.
    pub fn add_member(&self, queue_id: &str, joined: bool) -> Option<String> {
        self.shared
            .change_membership(queue_id, |m, qi| m.add_member(qi, joined))
            .map(|m| m.user_id)
    }

    /// Removes a member from a queue; false when it was not one.
    pub fn remove_member(&self, queue_id: &str, user_id: &str) -> bool {
        self.shared
            .change_membership(queue_id, |m, qi| m.remove_member(qi, user_id))
            .is_some()
    }

    /// Makes a user `remove_member` took off queue `queue_id` its member
    /// again; false when it is one still (or never was).
    pub fn add_back_member(&self, queue_id: &str, user_id: &str, joined: bool) -> bool {
        self.shared
            .change_membership(queue_id, |m, qi| m.add_back(qi, user_id, joined))
            .is_some()
    }

    /// Joins or unjoins a member; false when it is not a member or was
    /// already so.
    pub fn set_joined(&self, queue_id: &str, user_id: &str, joined: bool) -> bool {
        self.shared
            .change_membership(queue_id, |m, qi| m.set_joined(qi, user_id, joined))
            .is_some()
    }

    /// Sets a member's routing status now, as the agent would, and tells
    /// subscribers (its user topics, its queue's observations). For a
    /// scripted simulator: false when nothing changed, and for an agent
    /// on an interaction, which a running model changes itself.
    pub fn set_status(&self, user_id: &str, status: AgentStatus) -> bool {
        self.shared.change_status(user_id, status)
    }

    /// The topics channel `id` is subscribed to, sorted (empty when there
    /// is no such channel).
    pub fn channel_topics(&self, channel_id: &str) -> Vec<String> {
        let mut topics: Vec<String> = self.shared.with_channels(|c| {
            c.topics(channel_id)
                .map(|t| t.borrow().iter().cloned().collect())
                .unwrap_or_default()
        });
        topics.sort();
        topics
    }

    /// Ids of the live notification channels, oldest first.
    pub fn channel_ids(&self) -> Vec<String> {
        self.shared.with_channels(|c| c.ids())
    }

    /// `v2.system.no_longer_subscribed.{id}` on channel `id`, whose
    /// subscriptions are dropped: nothing is delivered on it until it is
    /// subscribed again. False when there is no such channel.
    pub fn no_longer_subscribed(&self, channel_id: &str) -> bool {
        let client = self.shared.opts.client_id.clone();
        self.shared.with_channels(|c| {
            c.unsubscribe_all(channel_id, |id| {
                frames::system_message(
                    "no_longer_subscribed",
                    id,
                    &client,
                    "this channel is no longer subscribed to any topic: subscribe again",
                )
            })
        })
    }

    /// Revokes `token`: REST and new sockets refuse it from now on, and
    /// every channel it created gets `v2.system.token_revoked.{id}`, then
    /// is closed (1000) after `SimOptions::socket_closing_grace`. Returns
    /// how many channels were told.
    pub fn revoke_token(&self, token: &str) -> usize {
        if !lock(&self.shared.tokens).revoke(token) {
            return 0;
        }
        self.shared.stat(|s| s.tokens_revoked += 1);
        let client = self.shared.opts.client_id.clone();
        let grace = self.shared.opts.socket_closing_grace;
        self.shared.with_channels(|c| {
            c.revoke(token, grace, |id| {
                frames::system_message(
                    "token_revoked",
                    id,
                    &client,
                    "the token of this channel was revoked: get a new token and create new channels",
                )
            })
            .len()
        })
    }

    /// Revokes every live token (see `revoke_token`); channels told.
    pub fn revoke_all_tokens(&self) -> usize {
        let live = lock(&self.shared.tokens).live();
        live.iter().map(|t| self.revoke_token(t)).sum()
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
