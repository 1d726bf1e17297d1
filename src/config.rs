//! Configuration: defaults < file < environment < flags (CONFIG.md).
//! OWNER: foundation helper. The types below are the contract other
//! modules code against; loading and validation are filled in here.

use std::path::PathBuf;

use secrecy::SecretString;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Notifications,
    Realtime,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Notifications => "notifications",
            Protocol::Realtime => "realtime",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Dark,
    Light,
    Mono,
}

/// The event types a queue can be subscribed to (realtime feed).
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

#[derive(Debug, Clone)]
pub struct GenesysConfig {
    pub environment: String,
    pub protocol: Protocol,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// Resolved from `environment` unless overridden.
    pub login_url: String,
    pub api_url: String,
    pub realtime_url: String,
}

#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// A UUID or `[A-Za-z0-9_-]+`; None when only `name` was given
    /// (resolved by REST on the notifications feed).
    pub id: Option<String>,
    pub name: Option<String>,
    pub events: Vec<EventType>,
    pub filter: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct ReconnectConfig {
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// 0 = never stop.
    pub max_attempts: u32,
    pub heartbeat_timeout_s: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct AlertConfig {
    pub utilization_pct: f64,
    pub waiting: u32,
    pub latency_ms: u64,
    pub stale_after_s: u64,
}

#[derive(Debug, Clone)]
pub struct UiConfig {
    pub fps: u32,
    pub ascii: bool,
    pub theme: Theme,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub audit_file: PathBuf,
    pub level: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub genesys: GenesysConfig,
    pub queues: Vec<QueueConfig>,
    pub reconnect: ReconnectConfig,
    pub alerts: AlertConfig,
    pub ui: UiConfig,
    pub log: LogConfig,
    /// `None`: no export; `"-"`: stdout.
    pub export_path: Option<String>,
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            base_delay_ms: 1000,
            max_delay_ms: 30000,
            max_attempts: 10,
            heartbeat_timeout_s: 75,
        }
    }
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            utilization_pct: 90.0,
            waiting: 10,
            latency_ms: 2000,
            stale_after_s: 120,
        }
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            fps: 20,
            ascii: false,
            theme: Theme::Dark,
        }
    }
}
