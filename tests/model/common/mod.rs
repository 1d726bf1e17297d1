//! Strategies for the model property tests: arbitrary feed events over a
//! small set of queue ids, nonsense counts and clock skew included.

pub mod checks;
pub mod paused;
pub mod stale;

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use queuetop::event::{
    AgentCounts, AgentState, AgentStatus, ConnState, FeedEvent, FeedStatus, InteractionState,
    MediaCounts, MediaType, QueueEvent, QueueEventKind, QueueInteraction, QueueSummary,
    QueueTotals, SkillCount,
};
use queuetop::model::{Limits, QueueSeed};
use time::OffsetDateTime;
use tokio::time::Instant;

/// Configured: "q1" (named), "q2" (id only), and one by name only
/// ("Support EN", resolved by a QueueName event). "x1", "x2" are not
/// configured; "q3" is the id the server gives "Support EN". "" is what a
/// broken message with an empty `queueId` would carry.
pub const QUEUE_IDS: &[&str] = &["q1", "q2", "q3", "x1", "x2", ""];
const SKILLS: &[&str] = &["Spanish", "Billing", "French", "Zulu", "alpha"];

pub fn configured() -> Vec<QueueSeed> {
    let q = |id: Option<&str>, name: Option<&str>| QueueSeed {
        id: id.map(Into::into),
        name: name.map(Into::into),
        ..QueueSeed::default()
    };
    vec![
        q(Some("q1"), Some("Alpha")),
        q(Some("q2"), None),
        q(None, Some("Support EN")),
    ]
}

pub fn limits() -> impl Strategy<Value = Limits> {
    (
        prop::sample::select(vec![0.0, 50.0, 90.0, 100.0, 150.0]),
        prop::sample::select(vec![0u32, 1, 10]),
        prop::sample::select(vec![0u64, 100, 2000]),
        prop::sample::select(vec![0u64, 1, 120]),
        prop::sample::select(vec![(0u64, 0u64), (15, 30), (1, 0), (0, 2)]),
    )
        .prop_map(
            |(utilization_pct, waiting, latency_ms, stale_after_s, (raise, clear))| Limits {
                utilization_pct,
                waiting,
                latency_ms,
                stale_after_s,
                raise_delay_s: raise,
                clear_delay_s: clear,
                ..Limits::default()
            },
        )
}

/// Sane small counts most of the time, and the nonsense a broken feed
/// could send.
fn count() -> impl Strategy<Value = u32> {
    prop_oneof![6 => 0..20u32, 1 => Just(u32::MAX), 1 => any::<u32>()]
}

/// Strings that stress JSON escaping: quotes, backslashes, controls,
/// line separators, astral characters.
pub fn nasty() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => prop::sample::select(vec![
            'a', 'Z', '0', '-', '"', '\\', '\n', '\r', '\t', '\u{0}', '\u{1f}', '\u{7f}',
            'é', '\u{2028}', '\u{2029}', '\u{feff}', '🦀', '/',
        ]),
        1 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..12).prop_map(|v| v.into_iter().collect())
}

fn queue_id() -> impl Strategy<Value = String> {
    prop::sample::select(QUEUE_IDS).prop_map(str::to_string)
}

fn summary(queue_id: String) -> impl Strategy<Value = QueueEventKind> {
    let skill = (
        prop_oneof![3 => Just(0u32), 3 => 1..5u32, 1 => Just(u32::MAX)],
        prop::option::of(count()),
    )
        .prop_map(|(available, required)| SkillCount {
            available,
            required,
        });
    (
        prop::option::of(prop::sample::select(vec!["Support EN", "Other", ""])),
        count(),
        count(),
        count(),
        count(),
        prop::collection::btree_map(prop::sample::select(SKILLS), skill, 0..5),
        // One number for all six counts: a strategy per count overflows
        // the test thread's stack in debug builds.
        any::<u64>(),
    )
        .prop_map(move |(name, avail, logged, inter, waiting, skills, a)| {
            QueueEventKind::Summary(QueueSummary {
                queue_id: queue_id.clone(),
                queue_name: name.map(str::to_string),
                agents_available: avail,
                agents_logged_in: logged,
                agents_interacting: inter,
                interactions_waiting: waiting,
                skills: skills
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<BTreeMap<_, _>>(),
                agents: agent_counts(a),
                media: media_counts(a),
                ..Default::default()
            })
        })
}

/// Six counts from the bits of `seed`: unknown, small, or absurd.
fn agent_counts(seed: u64) -> AgentCounts {
    let n = |k: u32| match (seed >> (k * 10)) & 0x3ff {
        c if c % 5 == 0 => None,
        c if c % 7 == 1 => Some(u32::MAX),
        c => Some((c % 40) as u32),
    };
    AgentCounts {
        on_queue: n(0),
        off_queue: n(1),
        idle: n(2),
        interacting: n(3),
        communicating: n(4),
        not_responding: n(5),
    }
}

/// Per-media counts from the top bits of `seed`: none, or a plain and an
/// odd media name.
fn media_counts(seed: u64) -> BTreeMap<String, MediaCounts> {
    let mut out = BTreeMap::new();
    if seed >> 63 == 1 {
        let n = ((seed >> 60) & 7) as u32;
        let voice = MediaCounts {
            waiting: n,
            interacting: Some(n * 3),
        };
        out.insert("voice".to_string(), voice);
        let odd = MediaCounts {
            waiting: u32::MAX,
            interacting: None,
        };
        out.insert("vidéo \"x\"".to_string(), odd);
    }
    out
}

fn kind() -> impl Strategy<Value = QueueEventKind> {
    let media = prop::sample::select(vec![
        MediaType::Voice,
        MediaType::Chat,
        MediaType::Email,
        MediaType::Message,
        MediaType::Callback,
        MediaType::Other("fax".into()),
    ]);
    let state = prop::sample::select(vec![
        InteractionState::Waiting,
        InteractionState::Alerting,
        InteractionState::Connected,
        InteractionState::Ended,
        InteractionState::Abandoned,
        InteractionState::Other("parked".into()),
    ]);
    let status = prop::sample::select(vec![
        AgentStatus::Idle,
        AgentStatus::Interacting,
        AgentStatus::Communicating,
        AgentStatus::NotResponding,
        AgentStatus::OffQueue,
        AgentStatus::Other("LUNCH".into()),
    ]);
    queue_id().prop_flat_map(move |q| {
        let interaction = (
            0..6u8,
            media.clone(),
            state.clone(),
            prop::option::of(prop_oneof![0..600_000u64, Just(u64::MAX)]),
        )
            .prop_map({
                let q = q.clone();
                move |(c, media_type, state, wait_ms)| {
                    QueueEventKind::Interaction(QueueInteraction {
                        queue_id: q.clone(),
                        conversation_id: format!("c{c}"),
                        media_type,
                        state,
                        wait_ms,
                    })
                }
            });
        let agent = (
            0..6u8,
            prop::option::of(nasty()),
            status.clone(),
            prop::collection::vec(prop::sample::select(SKILLS), 0..3),
        )
            .prop_map({
                let q = q.clone();
                move |(u, user_name, status, skills)| {
                    QueueEventKind::Agent(AgentState {
                        queue_id: q.clone(),
                        user_id: format!("u{u}"),
                        user_name,
                        status,
                        skills: skills.into_iter().map(str::to_string).collect(),
                    })
                }
            });
        let totals = (
            prop::option::of(any::<u64>()),
            prop::option::of(any::<u64>()),
            prop::option::of(any::<f64>()),
        )
            .prop_map({
                let q = q.clone();
                move |(offered, abandoned, service_level_pct)| {
                    QueueEventKind::Totals(QueueTotals {
                        queue_id: q.clone(),
                        interval: "2026-11-27T19:00:00Z/2026-11-27T20:00:00Z".into(),
                        offered,
                        abandoned,
                        service_level_pct,
                        ..Default::default()
                    })
                }
            });
        prop_oneof![
            4 => summary(q),
            3 => interaction,
            3 => agent,
            1 => totals,
        ]
    })
}

/// A queue event before its receipt time is known.
#[derive(Debug, Clone)]
pub struct QueueStep {
    pub kind: QueueEventKind,
    /// Milliseconds since the previous step.
    pub advance_ms: u64,
    /// Receipt minus server time; negative is clock skew. None: no
    /// server timestamp.
    pub latency_ms: Option<i64>,
    pub snapshot: bool,
    pub topic: String,
    pub correlation_id: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Step {
    Queue(QueueStep),
    /// A feed event that is not a queue event.
    Other(FeedEvent),
    /// Time passes; the app ticks.
    Tick {
        advance_ms: u64,
    },
}

fn advance() -> impl Strategy<Value = u64> {
    prop_oneof![4 => 0..2_000u64, 1 => 0..300_000u64]
}

fn latency() -> impl Strategy<Value = Option<i64>> {
    prop::option::of(prop_oneof![
        6 => 0..5_000i64,
        2 => -5_000..0i64,
        // Years of skew either way, as far as an RFC 3339 date reaches.
        1 => -10_000_000_000_000..200_000_000_000_000i64,
    ])
}

pub fn queue_step() -> impl Strategy<Value = QueueStep> {
    (
        kind(),
        advance(),
        latency(),
        prop::bool::weighted(0.05),
        prop_oneof![4 => Just(None), 1 => nasty().prop_map(Some)],
        prop::option::of(nasty()),
    )
        .prop_map(
            |(kind, advance_ms, latency_ms, snapshot, topic, correlation_id)| QueueStep {
                topic: match (snapshot, topic) {
                    (true, _) => "snapshot".into(),
                    (false, Some(t)) => t,
                    (false, None) => format!("/routing/queues/{}/events", kind.queue_id()),
                },
                kind,
                advance_ms,
                latency_ms,
                snapshot,
                correlation_id,
            },
        )
}

fn status() -> impl Strategy<Value = FeedStatus> {
    let state = prop_oneof![
        Just(ConnState::Connecting),
        Just(ConnState::Connected),
        (0..5u32, 0..3u32).prop_map(|(attempt, max_attempts)| ConnState::Reconnecting {
            attempt,
            max_attempts,
            next_try: Instant::now(),
        }),
        Just(ConnState::Stopped {
            reason: "gave up".into()
        }),
        Just(ConnState::Closed),
    ];
    (state, prop::option::of(Just("boom".to_string())), 0..4u32).prop_map(
        |(state, last_error, connects)| FeedStatus {
            state,
            last_error,
            connects,
        },
    )
}

fn other() -> impl Strategy<Value = FeedEvent> {
    let qid = prop::option::of(queue_id());
    prop_oneof![
        3 => status().prop_map(FeedEvent::Status),
        1 => (prop::sample::select(vec!["400", "429"]), prop::option::of(queue_id())).prop_map(
            |(code, queue_id)| FeedEvent::ServerError {
                code: code.into(),
                message: "refused".into(),
                queue_id,
            }
        ),
        1 => (prop::sample::select(vec!["t1", "t2"]), qid).prop_map(|(topic, queue_id)| {
            FeedEvent::TopicRejected {
                topic: topic.into(),
                reason: "no permission".into(),
                queue_id,
            }
        }),
        1 => (queue_id(), prop::sample::select(vec!["Support EN", "Zeta", "Alpha"])).prop_map(
            |(queue_id, name)| FeedEvent::QueueName {
                queue_id,
                name: name.into(),
            }
        ),
        1 => (0..4usize).prop_map(|count| FeedEvent::Acked { count }),
        1 => Just(FeedEvent::Heartbeat),
        1 => nasty().prop_map(|reason| FeedEvent::Malformed { reason }),
        1 => nasty().prop_map(|kind| FeedEvent::Unknown { kind }),
    ]
}

pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => queue_step().prop_map(Step::Queue),
        2 => other().prop_map(Step::Other),
        2 => advance().prop_map(|advance_ms| Step::Tick { advance_ms }),
    ]
}

/// The two clocks a run advances together: monotonic and wall.
pub struct Clock {
    pub now: Instant,
    pub wall: OffsetDateTime,
}

impl Clock {
    pub fn new() -> Self {
        Clock {
            now: Instant::now(),
            wall: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        }
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
        self.wall += Duration::from_millis(ms);
    }

    /// Advances the clocks and stamps the event received now.
    pub fn event(&mut self, s: &QueueStep) -> QueueEvent {
        self.advance(s.advance_ms);
        QueueEvent {
            kind: s.kind.clone(),
            topic: s.topic.clone(),
            // Out of the representable range: no usable server time.
            server_time: s
                .latency_ms
                .and_then(|l| self.wall.checked_sub(time::Duration::milliseconds(l))),
            received_wall: self.wall,
            received: self.now,
            correlation_id: s.correlation_id.clone(),
            snapshot: s.snapshot,
        }
    }
}
