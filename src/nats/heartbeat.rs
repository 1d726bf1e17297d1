//! The relay's "I am alive, and so is (or is not) my Genesys feed".

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Heartbeat {
    /// Tells relays side by side apart (host and process id).
    pub relay: String,
    /// The relay's Genesys feed is connected and subscribed.
    pub feed_live: bool,
    /// The feed's state in the header's words, e.g. "reconnecting".
    pub feed_state: String,
    pub feed_error: Option<String>,
    /// Wall-clock time of sending (RFC 3339).
    pub time: String,
    /// Events published since the relay started.
    pub published: u64,
}
