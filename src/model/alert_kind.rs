//! What an alert is about, how much it matters and how long it waits to
//! raise and to clear.

use std::time::Duration;

/// How long a condition must hold before it raises and be gone before it
/// clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Delays {
    pub raise: Duration,
    pub clear: Duration,
}

/// How much an alert matters; sorts most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Callers are (or will be) let down now: act.
    Critical,
    /// Heading for trouble, or the monitor itself is impaired.
    Warning,
    /// Worth knowing; nobody is let down yet.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    /// A change of the deficit list (a known skill with no idle
    /// agent): logged, never an entry in the alert list.
    SkillDeficit {
        skill: String,
    },
    /// A skill deficit while interactions wait for that skill.
    SkillShort {
        skill: String,
    },
    /// Callers waiting and no agent on queue.
    NoAgents,
    /// The longest wait is over its limit.
    LongestWait,
    /// The interval's service level is under its target.
    ServiceLevel,
    Utilization,
    Waiting,
    Latency,
    Stale,
    /// The connection is not up.
    FeedDown,
    ServerError {
        code: String,
    },
    TopicRejected {
        topic: String,
    },
    /// The alert history file had lines it could not read (they were
    /// skipped).
    History,
}

impl AlertKind {
    pub fn severity(&self) -> Severity {
        match self {
            AlertKind::NoAgents
            | AlertKind::LongestWait
            | AlertKind::ServiceLevel
            | AlertKind::FeedDown => Severity::Critical,
            AlertKind::SkillShort { .. }
            | AlertKind::Utilization
            | AlertKind::Waiting
            | AlertKind::Latency
            | AlertKind::Stale
            | AlertKind::ServerError { .. }
            | AlertKind::TopicRejected { .. } => Severity::Warning,
            AlertKind::SkillDeficit { .. } | AlertKind::History => Severity::Info,
        }
    }

    /// The delays that apply to this kind: staleness has waited its own
    /// `stale_after_s` already (or follows a refusal, raised at once) and
    /// ends when the feed is heard again, so it raises and clears at once. Capacity warnings (utilization, a short skill) describe a trend, and
    /// a small team crosses them with every agent who takes a call: they
    /// must hold twice as long before they raise.
    pub fn delays(&self, d: Delays) -> Delays {
        match self {
            AlertKind::Stale => Delays {
                raise: Duration::ZERO,
                clear: Duration::ZERO,
            },
            AlertKind::Utilization | AlertKind::SkillShort { .. } => Delays {
                raise: d.raise.saturating_mul(2),
                clear: d.clear,
            },
            _ => d,
        }
    }

    /// The kind's name in the export and `snapshot --json`.
    pub fn name(&self) -> &'static str {
        match self {
            AlertKind::SkillDeficit { .. } => "skill-deficit",
            AlertKind::SkillShort { .. } => "skill-short",
            AlertKind::NoAgents => "no-agents",
            AlertKind::LongestWait => "longest-wait",
            AlertKind::ServiceLevel => "service-level",
            AlertKind::Utilization => "utilization",
            AlertKind::Waiting => "waiting",
            AlertKind::Latency => "latency",
            AlertKind::Stale => "stale",
            AlertKind::FeedDown => "feed-down",
            AlertKind::ServerError { .. } => "server-error",
            AlertKind::TopicRejected { .. } => "topic-rejected",
            AlertKind::History => "alert-history",
        }
    }

    /// What the kind is about, when it names something: the skill, the
    /// error code, the topic.
    pub fn detail(&self) -> Option<&str> {
        match self {
            AlertKind::SkillDeficit { skill } | AlertKind::SkillShort { skill } => Some(skill),
            AlertKind::ServerError { code } => Some(code),
            AlertKind::TopicRejected { topic } => Some(topic),
            _ => None,
        }
    }

    /// A word for narrow columns.
    pub fn short(&self) -> &'static str {
        match self {
            AlertKind::SkillDeficit { .. } => "deficit",
            AlertKind::SkillShort { .. } => "skill",
            AlertKind::NoAgents => "no agent",
            AlertKind::LongestWait => "longest",
            AlertKind::ServiceLevel => "SL",
            AlertKind::Utilization => "util",
            AlertKind::Waiting => "wait",
            AlertKind::Latency => "lat",
            AlertKind::Stale => "stale",
            AlertKind::FeedDown => "down",
            AlertKind::ServerError { .. } => "error",
            AlertKind::TopicRejected { .. } => "topic",
            AlertKind::History => "history",
        }
    }

    /// The kind `name` (and `detail`) spell, as `name` and `detail` write
    /// them; None for a name this version does not know.
    pub fn from_name(name: &str, detail: Option<&str>) -> Option<AlertKind> {
        let detail = || detail.map(str::to_string);
        Some(match name {
            "skill-deficit" => AlertKind::SkillDeficit { skill: detail()? },
            "skill-short" => AlertKind::SkillShort { skill: detail()? },
            "no-agents" => AlertKind::NoAgents,
            "longest-wait" => AlertKind::LongestWait,
            "service-level" => AlertKind::ServiceLevel,
            "utilization" => AlertKind::Utilization,
            "waiting" => AlertKind::Waiting,
            "latency" => AlertKind::Latency,
            "stale" => AlertKind::Stale,
            "feed-down" => AlertKind::FeedDown,
            "server-error" => AlertKind::ServerError { code: detail()? },
            "topic-rejected" => AlertKind::TopicRejected { topic: detail()? },
            "alert-history" => AlertKind::History,
            _ => return None,
        })
    }
}
