//! The domain vocabulary: what the feed produces and the model consumes.
//! Neither side imports the other; both speak these types.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::time::Instant;

/// The event types a queue can be subscribed to: the realtime feed's
/// subscription vocabulary, also what a configured queue asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    QueueSummary,
    QueueInteraction,
    AgentState,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::QueueSummary => "queue-summary",
            EventType::QueueInteraction => "queue-interaction",
            EventType::AgentState => "agent-state",
        }
    }

    pub const ALL: [EventType; 3] = [
        EventType::QueueSummary,
        EventType::QueueInteraction,
        EventType::AgentState,
    ];

    /// Parses the wire spelling (`queue-summary`, ...).
    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Media type of an interaction. Unknown values are kept, not fatal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaType {
    Voice,
    Chat,
    Email,
    Message,
    Callback,
    Other(String),
}

/// State of one interaction in a queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InteractionState {
    Waiting,
    Alerting,
    Connected,
    Ended,
    Abandoned,
    Other(String),
}

/// An agent's routing status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgentStatus {
    Idle,
    Interacting,
    Communicating,
    NotResponding,
    OffQueue,
    Other(String),
}

macro_rules! wire_enum {
    ($ty:ident { $($var:ident => $s:literal),* $(,)? }) => {
        impl $ty {
            /// Parses the wire spelling; anything unknown is kept as `Other`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $($s => $ty::$var,)*
                    other => $ty::Other(other.to_string()),
                }
            }
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($ty::$var => $s,)*
                    $ty::Other(s) => s,
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(MediaType { Voice => "voice", Chat => "chat", Email => "email", Message => "message", Callback => "callback" });
wire_enum!(InteractionState { Waiting => "waiting", Alerting => "alerting", Connected => "connected", Ended => "ended", Abandoned => "abandoned" });
wire_enum!(AgentStatus { Idle => "IDLE", Interacting => "INTERACTING", Communicating => "COMMUNICATING", NotResponding => "NOT_RESPONDING", OffQueue => "OFF_QUEUE" });

/// Availability of one skill in a queue.
///
/// Also its own form on the relay's wire (`nats::wire`): a field renamed
/// here renames it there, and `nats/wire/tests.rs` pins that JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SkillCount {
    /// Idle agents that have the skill.
    pub available: u32,
    /// Waiting interactions that need it, when the feed says.
    pub required: Option<u32>,
}

/// Agents of a queue by routing state, named as Genesys Cloud's Queues
/// Activity view names them. None: the feed does not say (shown "–").
///
/// Also its own form on the relay's wire (`nats::wire`): a field renamed
/// here renames it there, and `nats/wire/tests.rs` pins that JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentCounts {
    /// On queue, in any on-queue status (idle, interacting,
    /// communicating, not responding).
    pub on_queue: Option<u32>,
    /// Members logged in but off queue (`oOffQueueUsers`).
    pub off_queue: Option<u32>,
    /// On queue and free for a queue interaction.
    pub idle: Option<u32>,
    /// On queue and working a queue interaction: queue work.
    pub interacting: Option<u32>,
    /// On queue but busy with non-queue work (a direct call, say): not
    /// queue work.
    pub communicating: Option<u32>,
    /// On queue but did not answer an offered interaction.
    pub not_responding: Option<u32>,
}

/// Current interactions of one media type in a queue.
///
/// Also its own form on the relay's wire (`nats::wire`): a field renamed
/// here renames it there, and `nats/wire/tests.rs` pins that JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaCounts {
    /// Waiting in the queue (`oWaiting`).
    pub waiting: u32,
    /// Offered to an agent or connected (`oInteracting`); None until the
    /// feed says.
    pub interacting: Option<u32>,
}

/// Full state of one queue: replaces what was known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueSummary {
    pub queue_id: String,
    pub queue_name: Option<String>,
    pub agents_available: u32,
    pub agents_logged_in: u32,
    pub agents_interacting: u32,
    pub interactions_waiting: u32,
    /// Skills known for the queue, by name.
    pub skills: BTreeMap<String, SkillCount>,
    /// When the longest-waiting interaction began to wait (the server's
    /// wall clock); None when nothing waits or the feed gives no
    /// per-interaction detail. Longest wait = now minus this.
    pub oldest_waiting_since: Option<OffsetDateTime>,
    /// The server cut the list of waiting interactions short: every
    /// `SkillCount::required` is then a lower bound ("at least N").
    pub demand_truncated: bool,
    /// Agents by routing state, as far as the feed tells.
    pub agents: AgentCounts,
    /// Interactions by media type as the server spells it ("voice",
    /// "chat", ...); empty when the feed does not split by media.
    pub media: BTreeMap<String, MediaCounts>,
    /// The queue's service-level goal as its settings state it; None when
    /// the feed does not say (the realtime feed never does).
    pub service_target: Option<ServiceTarget>,
}

impl QueueSummary {
    /// Agents on queue: the feed's count by state, else the summary's
    /// logged-in count (the realtime feed gives only that). The one
    /// definition the list, the detail, the wallboard and the metrics use.
    pub fn on_queue(&self) -> u32 {
        self.agents.on_queue.unwrap_or(self.agents_logged_in)
    }

    /// Agents on queue and idle, by the same rule as `on_queue`.
    pub fn idle(&self) -> u32 {
        self.agents.idle.unwrap_or(self.agents_available)
    }
}

/// A service-level goal: `percent` of interactions answered within
/// `within_ms` of waiting (Genesys' `mediaSettings.*.serviceLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServiceTarget {
    /// 0..=100.
    pub percent: f64,
    pub within_ms: u64,
}

// `percent` is never NaN: `ServiceTarget::new` is the one way in from
// the wire and the config, and it refuses what is not finite.
impl Eq for ServiceTarget {}

impl ServiceTarget {
    /// A goal from a percentage and milliseconds; None unless the
    /// percentage is within 0..=100.
    pub fn new(percent: f64, within_ms: u64) -> Option<Self> {
        (percent.is_finite() && (0.0..=100.0).contains(&percent))
            .then_some(ServiceTarget { percent, within_ms })
    }
}

/// One interaction changed state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueInteraction {
    pub queue_id: String,
    pub conversation_id: String,
    pub media_type: MediaType,
    pub state: InteractionState,
    pub wait_ms: Option<u64>,
}

/// One agent's routing status changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentState {
    pub queue_id: String,
    pub user_id: String,
    pub user_name: Option<String>,
    pub status: AgentStatus,
    pub skills: Vec<String>,
}

/// Interval totals (service level, abandons) from wide-interval
/// observations. Kept apart from current counts, never mixed into them.
///
/// Also its own form on the relay's wire (`nats::wire`): a field renamed
/// here renames it there, and `nats/wire/tests.rs` pins that JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueTotals {
    pub queue_id: String,
    /// The interval the totals cover, as the server wrote it.
    pub interval: String,
    pub offered: Option<u64>,
    pub abandoned: Option<u64>,
    /// Service level, 0..=100.
    pub service_level_pct: Option<f64>,
    /// The service-level target, 0..=100, when the server reports one
    /// (over several media types: the level reached if each met its own).
    pub service_level_target_pct: Option<f64>,
    /// Interactions answered (`tAnswered` count).
    pub answered: Option<u64>,
    /// Average speed of answer, ms (`tAnswered` sum / count); None while
    /// nothing was answered.
    pub average_answer_ms: Option<f64>,
    /// Interactions handled (`tHandle` count).
    pub handled: Option<u64>,
    /// Average handle time, ms (`tHandle` sum / count); None while nothing
    /// was handled.
    pub average_handle_ms: Option<f64>,
}

/// What a queue event says.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueEventKind {
    Summary(QueueSummary),
    Interaction(QueueInteraction),
    Agent(AgentState),
    Totals(QueueTotals),
}

impl QueueEventKind {
    pub fn queue_id(&self) -> &str {
        match self {
            QueueEventKind::Summary(s) => &s.queue_id,
            QueueEventKind::Interaction(i) => &i.queue_id,
            QueueEventKind::Agent(a) => &a.queue_id,
            QueueEventKind::Totals(t) => &t.queue_id,
        }
    }

    /// The domain type name used in the export line.
    pub fn type_name(&self) -> &'static str {
        match self {
            QueueEventKind::Summary(_) => "queue-summary",
            QueueEventKind::Interaction(_) => "queue-interaction",
            QueueEventKind::Agent(_) => "agent-state",
            QueueEventKind::Totals(_) => "queue-totals",
        }
    }
}

/// A queue event as received, with when and how it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEvent {
    pub kind: QueueEventKind,
    /// The wire topic (realtime) or `topicName` (notifications);
    /// `"snapshot"` for the first snapshot.
    pub topic: String,
    /// The server's timestamp, when the message had one.
    pub server_time: Option<OffsetDateTime>,
    /// Wall-clock receipt time (export timestamp, latency).
    pub received_wall: OffsetDateTime,
    /// Monotonic receipt time (rates, staleness); a clock tests control.
    pub received: Instant,
    /// `metadata.CorrelationId` on the notifications feed.
    pub correlation_id: Option<String>,
    /// True for the first snapshot: exported, not counted as an event.
    pub snapshot: bool,
}

impl QueueEvent {
    /// Receipt time minus server timestamp, in ms (None without one).
    pub fn latency_ms(&self) -> Option<i64> {
        let server = self.server_time?;
        let d = self.received_wall - server;
        Some(d.whole_milliseconds() as i64)
    }
}

/// The connection, in the words the header shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    /// First connection (or a reconnect) in progress.
    Connecting,
    /// Open and subscribed.
    Connected,
    /// Waiting to try again.
    Reconnecting {
        attempt: u32,
        /// 0 = never stops.
        max_attempts: u32,
        next_try: Instant,
    },
    /// Gave up; waits for a reconnect command (the TUI's `r`).
    Stopped { reason: String },
    /// Closed because the user is quitting.
    Closed,
}

/// Connection status: sent by the feed whenever it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    pub state: ConnState,
    pub last_error: Option<String>,
    /// Connections opened since start (1 after the first connect).
    pub connects: u32,
}

impl FeedStatus {
    pub fn connecting() -> Self {
        FeedStatus {
            state: ConnState::Connecting,
            last_error: None,
            connects: 0,
        }
    }
}

/// Everything the feed tells the app. Nothing is lost silently:
/// malformed and unknown messages travel here to be counted.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedEvent {
    Queue(QueueEvent),
    Status(FeedStatus),
    /// The server refused a subscription or request.
    ServerError {
        code: String,
        message: String,
        queue_id: Option<String>,
    },
    /// A notifications topic came back `Rejected`.
    TopicRejected {
        topic: String,
        reason: String,
        queue_id: Option<String>,
    },
    /// The display name of a queue became known.
    QueueName {
        queue_id: String,
        name: String,
    },
    /// An agent known from a queue's member list when the feed starts
    /// (notifications: REST, before any status change). Fills the roster;
    /// not a change, so not counted or exported.
    Member {
        agent: AgentState,
        /// When the agent's status began, on our clock.
        since: Instant,
    },
    /// An agent is no longer a member of a queue (membership topic):
    /// off its roster.
    MemberLeft {
        queue_id: String,
        user_id: String,
    },
    /// The server said something is wrong with the feed itself (a channel
    /// lost its subscriptions, the token was revoked): an alert until the
    /// feed reports the same `code` resolved.
    Trouble {
        code: String,
        message: String,
        resolved: bool,
    },
    /// The server acknowledged this many subscriptions.
    Acked {
        count: usize,
    },
    Heartbeat,
    /// A frame that could not be decoded (counted, logged).
    Malformed {
        reason: String,
    },
    /// A well-formed message of a type we do not know (counted, logged).
    Unknown {
        kind: String,
    },
}

/// The one way back from the UI to the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedCommand {
    /// Reconnect at once; also restarts a stopped feed.
    ReconnectNow,
    /// Close with 1000 and end the task.
    Quit,
}

/// Formats a time as RFC 3339 UTC with milliseconds.
pub fn rfc3339_ms(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000Z"))
}

/// Parses an RFC 3339 timestamp.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}
