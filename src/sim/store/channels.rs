//! Notification channels: creation (at most 20; the 21st evicts the
//! oldest), expiry on tokio time, and each channel's topics. Plain data:
//! the handlers lock it in `Shared`; what a topic may be is
//! `notifications::topics`.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

/// Channels per client (docs/PROTOCOL.md, "Notifications API").
pub(crate) const MAX_CHANNELS: usize = 20;
/// Topics per channel.
pub(crate) const MAX_TOPICS: usize = 1000;
/// How many expired channel ids are remembered, to answer 401 rather
/// than 404 for them.
const EXPIRED_MEMORY: usize = 1000;
/// System messages queued for a channel's socket.
const SYSTEM_BACKLOG: usize = 8;

pub(crate) type Topics = Arc<HashSet<String>>;

pub(crate) struct Channel {
    pub id: String,
    pub expires: Instant,
    /// The token that created the channel, and when it stops being valid:
    /// the channel dies with it.
    token: String,
    token_expires: Instant,
    pub topics: watch::Sender<Topics>,
    /// Set to a close code to close every socket on the channel.
    pub kill: watch::Sender<Option<u16>>,
    system: broadcast::Sender<SystemNote>,
}

/// A `v2.system.*` message for a channel's sockets.
#[derive(Debug, Clone)]
pub(crate) struct SystemNote {
    pub text: String,
    /// Close the socket this much later (the channel's token is revoked).
    pub close_after: Option<Duration>,
}

/// What a socket needs to serve a channel.
pub(crate) struct Attach {
    pub expires: Instant,
    pub token_expires: Instant,
    pub topics: watch::Receiver<Topics>,
    pub kill: watch::Receiver<Option<u16>>,
    pub system: broadcast::Receiver<SystemNote>,
}

pub(crate) enum Lookup {
    Found(Attach),
    Expired,
    Unknown,
}

pub(crate) struct ChannelRegistry {
    /// Oldest first.
    list: VecDeque<Channel>,
    /// Ids of the latest expired channels, oldest first.
    expired: VecDeque<String>,
    pub expired_total: u64,
    pub evicted_total: u64,
    rng: fastrand::Rng,
}

impl Default for ChannelRegistry {
    fn default() -> Self {
        ChannelRegistry {
            list: VecDeque::new(),
            expired: VecDeque::new(),
            expired_total: 0,
            evicted_total: 0,
            rng: fastrand::Rng::new(),
        }
    }
}

impl ChannelRegistry {
    fn remember_expired(&mut self, id: String) {
        if self.expired.len() >= EXPIRED_MEMORY {
            self.expired.pop_front();
        }
        self.expired.push_back(id);
        self.expired_total += 1;
    }

    /// Forgets expired channels (remembering their ids); returns how many.
    fn sweep(&mut self) -> u64 {
        let now = Instant::now();
        let mut n = 0;
        while let Some(pos) = self
            .list
            .iter()
            .position(|c| c.expires <= now || c.token_expires <= now)
        {
            if let Some(c) = self.list.remove(pos) {
                self.remember_expired(c.id);
                n += 1;
            }
        }
        n
    }

    /// A new channel living `lifetime`, or until `token` (which created
    /// it) expires at `token_expires`; the oldest is evicted to make room
    /// (its sockets are told to close).
    pub(crate) fn create(
        &mut self,
        lifetime: Duration,
        token: &str,
        token_expires: Instant,
    ) -> String {
        self.sweep();
        while self.list.len() >= MAX_CHANNELS {
            if let Some(old) = self.list.pop_front() {
                old.kill.send_replace(Some(1000));
                self.evicted_total += 1;
            }
        }
        let mut bytes = [0u8; 16];
        self.rng.fill(&mut bytes);
        let id = uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string();
        let now = Instant::now();
        let expires = now
            .checked_add(lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        self.list.push_back(Channel {
            id: id.clone(),
            expires,
            token: token.to_string(),
            token_expires,
            topics: watch::Sender::new(Arc::new(HashSet::new())),
            kill: watch::Sender::new(None),
            system: broadcast::channel(SYSTEM_BACKLOG).0,
        });
        id
    }

    /// Ids of the live channels, oldest first.
    pub(crate) fn ids(&mut self) -> Vec<String> {
        self.sweep();
        self.list.iter().map(|c| c.id.clone()).collect()
    }

    /// Drops every subscription of channel `id` and tells its sockets
    /// `text`; false when there is no such channel.
    pub(crate) fn unsubscribe_all(&mut self, id: &str, text: impl Fn(&str) -> String) -> bool {
        self.sweep();
        let Some(c) = self.list.iter().find(|c| c.id == id) else {
            return false;
        };
        c.topics.send_replace(Arc::new(HashSet::new()));
        // No socket open just means nobody hears it, as on the real service.
        let _ = c.system.send(SystemNote {
            text: text(&c.id),
            close_after: None,
        });
        true
    }

    /// The channels `token` created die `grace` from now; their sockets
    /// are told `text` first. Returns their ids.
    pub(crate) fn revoke(
        &mut self,
        token: &str,
        grace: Duration,
        text: impl Fn(&str) -> String,
    ) -> Vec<String> {
        self.sweep();
        let end = Instant::now() + grace;
        let mut ids = Vec::new();
        for c in self.list.iter_mut().filter(|c| c.token == token) {
            c.token_expires = c.token_expires.min(end);
            let _ = c.system.send(SystemNote {
                text: text(&c.id),
                close_after: Some(grace),
            });
            ids.push(c.id.clone());
        }
        ids
    }

    pub(crate) fn lookup(&mut self, id: &str) -> Lookup {
        self.sweep();
        let Some(c) = self.list.iter().find(|c| c.id == id) else {
            return if self.expired.iter().any(|e| e == id) {
                Lookup::Expired
            } else {
                Lookup::Unknown
            };
        };
        Lookup::Found(Attach {
            expires: c.expires,
            token_expires: c.token_expires,
            topics: c.topics.subscribe(),
            kill: c.kill.subscribe(),
            system: c.system.subscribe(),
        })
    }

    /// Forgets a channel that reached its expiry (or its token's).
    pub(crate) fn forget(&mut self, id: &str) {
        if let Some(pos) = self.list.iter().position(|c| c.id == id)
            && let Some(c) = self.list.remove(pos)
        {
            self.remember_expired(c.id);
        }
    }

    /// The channel's topics, for PUT (replace) and POST (add).
    pub(crate) fn topics(&mut self, id: &str) -> Option<&watch::Sender<Topics>> {
        self.sweep();
        self.list.iter().find(|c| c.id == id).map(|c| &c.topics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_21st_channel_evicts_the_oldest_and_expiry_forgets() {
        let mut c = ChannelRegistry::default();
        let forever = Instant::now() + Duration::from_secs(86_400);
        let first = c.create(Duration::from_secs(60), "t", forever);
        for _ in 1..MAX_CHANNELS {
            c.create(Duration::from_secs(60), "t", forever);
        }
        assert_eq!(c.evicted_total, 0);
        let mut kill = match c.lookup(&first) {
            Lookup::Found(a) => a.kill,
            _ => panic!("first channel missing"),
        };
        let last = c.create(Duration::from_secs(3600), "t", forever);
        assert_eq!(c.evicted_total, 1);
        assert!(matches!(c.lookup(&first), Lookup::Unknown));
        assert_eq!(*kill.borrow_and_update(), Some(1000));
        let second = c.list[0].id.clone();
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(matches!(c.lookup(&last), Lookup::Found(_)));
        assert_eq!(c.expired_total, MAX_CHANNELS as u64 - 1);
        assert!(matches!(c.lookup(&second), Lookup::Expired));
    }
}
