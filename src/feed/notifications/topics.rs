//! Topic names, how topics are spread over channels, and when a channel
//! must be rolled over (docs/PROTOCOL.md, "Channels, topics and their
//! lifecycle").

use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

/// Topics one channel may carry.
pub const TOPICS_PER_CHANNEL: usize = 1000;
/// Channels per user and app; the 21st evicts the oldest. One is kept
/// spare for make-before-break, so a handover never evicts a live channel.
pub const MAX_CHANNELS: usize = 19;
/// The longest topic name the API accepts.
pub const MAX_TOPIC_LEN: usize = 200;
/// Roll over this long before a channel expires (less for short-lived
/// channels: a fifth of their lifetime).
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(600);

pub fn queue_topic(queue_id: &str) -> String {
    format!("v2.analytics.queues.{queue_id}.observations")
}

/// A user's activity: routing status and the queues the user is active
/// in, in one topic (presence alone is not used), or None when it would be
/// longer than the API allows.
pub fn user_topic(user_id: &str) -> Option<String> {
    let t = format!("v2.users.{user_id}.activity");
    (t.len() <= MAX_TOPIC_LEN).then_some(t)
}

/// Members added to, removed from, joined to or unjoined from a queue.
pub fn membership_topic(queue_id: &str) -> String {
    format!("v2.routing.queues.{queue_id}.users")
}

/// System topics the feed acts on (beside heartbeats and
/// `socket_closing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemTopic {
    /// `v2.system.no_longer_subscribed.{id}`: the channel lost its
    /// subscriptions; subscribe again.
    NoLongerSubscribed,
    /// `v2.system.token_revoked.{id}`: the token is no longer valid; a new
    /// token, and new channels made with it.
    TokenRevoked,
}

impl SystemTopic {
    pub fn of(topic: &str) -> Option<SystemTopic> {
        let rest = topic.strip_prefix("v2.system.")?;
        let name = rest.split('.').next()?;
        match name {
            "no_longer_subscribed" => Some(SystemTopic::NoLongerSubscribed),
            "token_revoked" => Some(SystemTopic::TokenRevoked),
            _ => None,
        }
    }

    /// The alert's code while the trouble lasts.
    pub fn code(self) -> &'static str {
        match self {
            SystemTopic::NoLongerSubscribed => "no_longer_subscribed",
            SystemTopic::TokenRevoked => "token_revoked",
        }
    }
}

/// The queue a topic is about, for alerts.
pub fn queue_of_topic(topic: &str) -> Option<&str> {
    if let Some(rest) = topic.strip_prefix("v2.routing.queues.") {
        return rest.strip_suffix(".users");
    }
    topic
        .strip_prefix("v2.analytics.queues.")?
        .strip_suffix(".observations")
}

/// Splits topics into channels of at most `TOPICS_PER_CHANNEL`, in order.
/// Err when even `MAX_CHANNELS` channels cannot carry them all.
pub fn chunk(topics: &[String]) -> Result<Vec<Vec<String>>, String> {
    let chunks: Vec<Vec<String>> = topics
        .chunks(TOPICS_PER_CHANNEL)
        .map(<[String]>::to_vec)
        .collect();
    if chunks.len() > MAX_CHANNELS {
        return Err(format!(
            "{} topics need {} channels, more than the {MAX_CHANNELS} queuetop may open \
             (Genesys allows 20 per user and app, one is kept for handovers); \
             monitor fewer queues",
            topics.len(),
            chunks.len()
        ));
    }
    Ok(chunks)
}

/// When to roll a channel over: `expires` (RFC 3339, wall clock) turned
/// into a tokio deadline, `EXPIRY_MARGIN` early (a fifth of the remaining
/// lifetime when that is shorter). None when `expires` is absent or not a
/// time: the channel then lives until the server says `socket_closing`.
pub fn rollover_at(
    expires: Option<&str>,
    wall_now: OffsetDateTime,
    now: Instant,
) -> Option<Instant> {
    let at = crate::event::parse_rfc3339(expires?)?;
    let left = at - wall_now;
    let left = Duration::try_from(left).unwrap_or(Duration::ZERO);
    // Clamped so the deadline cannot overflow the clock.
    let left = left.min(Duration::from_secs(7 * 86_400));
    let margin = EXPIRY_MARGIN.min(left / 5);
    Some(now + (left - margin))
}

/// When to roll over a channel made with a token that expires at
/// `token_expires` (on the tokio clock): the channel closes with it.
/// The same margin as for the channel's own expiry; for tokens this is at
/// or after the moment the token source fetches a new one (80 % of the
/// lifetime), so the new channel is made with a new token.
pub fn token_rollover_at(token_expires: Instant, now: Instant) -> Instant {
    let left = token_expires.saturating_duration_since(now);
    let margin = EXPIRY_MARGIN.min(left / 5);
    now + (left - margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(n: usize) -> Vec<String> {
        (0..n).map(|i| queue_topic(&format!("q{i}"))).collect()
    }

    #[test]
    fn topics_are_spread_over_channels_of_at_most_1000() {
        assert_eq!(chunk(&topics(0)).unwrap().len(), 0);
        let one = chunk(&topics(1000)).unwrap();
        assert_eq!(one.len(), 1);
        let two = chunk(&topics(1200)).unwrap();
        assert_eq!(two.iter().map(Vec::len).collect::<Vec<_>>(), [1000, 200]);
        assert_eq!(two[1][0], queue_topic("q1000"));
        assert_eq!(chunk(&topics(19_000)).unwrap().len(), 19);
        let err = chunk(&topics(19_001)).unwrap_err();
        assert!(
            err.contains("20 channels") && err.contains("19001"),
            "{err}"
        );
    }

    #[test]
    fn user_topics_are_activity_and_bounded() {
        let id = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e";
        let t = user_topic(id).unwrap();
        assert_eq!(t, format!("v2.users.{id}.activity"));
        assert!(t.len() <= MAX_TOPIC_LEN);
        assert_eq!(user_topic(&"u".repeat(190)), None);
    }

    #[test]
    fn system_topics_are_known_by_name_whatever_the_id() {
        assert_eq!(
            SystemTopic::of("v2.system.no_longer_subscribed.chan-1"),
            Some(SystemTopic::NoLongerSubscribed)
        );
        assert_eq!(
            SystemTopic::of("v2.system.token_revoked.abc"),
            Some(SystemTopic::TokenRevoked)
        );
        assert_eq!(SystemTopic::of("v2.system.socket_closing"), None);
        assert_eq!(SystemTopic::of("v2.users.token_revoked"), None);
    }

    #[test]
    fn queue_of_topic_reads_queue_topics_only() {
        assert_eq!(queue_of_topic(&queue_topic("Q-1")), Some("Q-1"));
        assert_eq!(queue_of_topic("v2.users.U.activity"), None);
        assert_eq!(queue_of_topic(&membership_topic("Q-1")), Some("Q-1"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_channel_rolls_over_before_its_token_expires() {
        let now = Instant::now();
        let day = Duration::from_secs(86_400);
        assert_eq!(token_rollover_at(now + day, now), now + day - EXPIRY_MARGIN);
        // A five-minute token: a fifth early, when a new token is due.
        let five = Duration::from_secs(300);
        assert_eq!(
            token_rollover_at(now + five, now),
            now + Duration::from_secs(240)
        );
        assert_eq!(token_rollover_at(now, now + five), now + five);
    }

    #[tokio::test(start_paused = true)]
    async fn rollover_is_ten_minutes_before_a_24h_expiry() {
        let wall = crate::event::parse_rfc3339("2026-11-27T19:00:00.000Z").unwrap();
        let now = Instant::now();
        let at = rollover_at(Some("2026-11-28T19:00:00.000Z"), wall, now).unwrap();
        assert_eq!(at - now, Duration::from_secs(86_400 - 600));
        // A one-minute channel rolls over 12 s early, not 10 minutes.
        let at = rollover_at(Some("2026-11-27T19:01:00Z"), wall, now).unwrap();
        assert_eq!(at - now, Duration::from_secs(48));
        // Already expired: at once.
        let at = rollover_at(Some("2026-11-27T18:00:00Z"), wall, now).unwrap();
        assert_eq!(at, now);
        assert_eq!(rollover_at(None, wall, now), None);
        assert_eq!(rollover_at(Some("tomorrow"), wall, now), None);
    }
}
