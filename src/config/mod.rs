//! Configuration: defaults < file < environment < flags (docs/CONFIG.md).
//! The types below are the contract other
//! modules code against; loading and validation are filled in here.

use std::path::PathBuf;

use secrecy::SecretString;

/// Part of `QueueConfig`: what each queue subscribes to.
pub use crate::event::EventType;
pub use nats::{DEFAULT_PREFIX as DEFAULT_NATS_PREFIX, NatsConfig, problem as nats_problem};

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

#[derive(Debug, Clone)]
pub struct GenesysConfig {
    pub environment: String,
    pub protocol: Protocol,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// Resolved from `environment` unless overridden.
    pub login_url: String,
    pub api_url: String,
    /// Empty unless given: the realtime v1 socket is a gateway's, not a
    /// Genesys Cloud endpoint, so it has no default.
    pub realtime_url: String,
    /// Watch every queue the client can see, besides the `[[queue]]`
    /// tables: the all-queues topic on the realtime feed, every queue
    /// listed by REST on the notifications feed.
    pub all_queues: bool,
    /// Seconds between observations queries on the notifications feed:
    /// they refresh skill demand and wait times, which notifications do
    /// not carry, and correct the counts notifications keep.
    pub observations_interval_s: u64,
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

impl QueueConfig {
    /// What the subscriptions need of this queue.
    pub fn subscription_spec(&self) -> crate::subscription::QueueSpec {
        crate::subscription::QueueSpec {
            id: self.id.clone(),
            label: self.name.clone(),
            events: self.events.clone(),
            filter: self.filter.clone(),
        }
    }
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
    /// A condition must hold this long before it raises an alert.
    pub raise_delay_s: u64,
    /// And be gone this long before its alert clears.
    pub clear_delay_s: u64,
    /// The longest wait over this is critical; 0 turns it off.
    pub longest_wait_s: u64,
    /// Service level target: an interval's SL under it is critical.
    pub service_level_pct: f64,
}

/// One queue's own alert thresholds; unset ones come from `[alerts]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueAlerts {
    pub utilization_pct: Option<f64>,
    pub waiting: Option<u32>,
    pub longest_wait_s: Option<u64>,
    pub service_level_pct: Option<f64>,
}

/// A queue's service-level goal as the config sets it; what it leaves
/// unset comes from the queue's settings on the server.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueTarget {
    /// Answered within the time, percent (0 to 100).
    pub percent: Option<f64>,
    /// Within this many seconds of waiting.
    pub within_s: Option<u64>,
}

impl QueueAlerts {
    /// `base` with this queue's thresholds in place.
    pub fn over(&self, base: AlertConfig) -> AlertConfig {
        AlertConfig {
            utilization_pct: self.utilization_pct.unwrap_or(base.utilization_pct),
            waiting: self.waiting.unwrap_or(base.waiting),
            longest_wait_s: self.longest_wait_s.unwrap_or(base.longest_wait_s),
            service_level_pct: self.service_level_pct.unwrap_or(base.service_level_pct),
            ..base
        }
    }
}

#[derive(Debug, Clone)]
pub struct UiConfig {
    pub fps: u32,
    pub ascii: bool,
    pub theme: Theme,
    /// Start on the wallboard (`--wallboard`).
    pub wallboard: bool,
    /// Clicks select rows and sort; off for those who select text.
    pub mouse: bool,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub audit_file: PathBuf,
    pub level: String,
    /// Rotate the audit file past this size; 0 = never.
    pub max_size_mb: u64,
    /// Rotated audit files kept (`audit.log.1` is the newest).
    pub keep: u32,
    /// `log.alert_history`: None for the default (beside the audit log),
    /// an empty path to turn it off.
    pub alert_history: Option<PathBuf>,
}

impl LogConfig {
    /// The alert history file; None when turned off.
    pub fn alert_history_file(&self) -> Option<PathBuf> {
        match &self.alert_history {
            Some(p) if p.as_os_str().is_empty() => None,
            Some(p) => Some(p.clone()),
            None => Some(self.audit_file.with_file_name(ALERT_HISTORY_FILE)),
        }
    }
}

/// The alert history's file name beside the audit log.
pub const ALERT_HISTORY_FILE: &str = "alert-history.jsonl";

#[derive(Debug, Clone)]
pub struct Config {
    pub genesys: GenesysConfig,
    pub queues: Vec<QueueConfig>,
    pub reconnect: ReconnectConfig,
    pub alerts: AlertConfig,
    /// `[queue.alerts]` thresholds, by queue id (or name when the queue
    /// has no id): they override `[alerts]` for that queue.
    pub queue_alerts: std::collections::HashMap<String, QueueAlerts>,
    /// `[[queue]] service_level_pct` / `service_level_s`, by queue id (or
    /// name when the queue has no id): the queue's own service-level goal.
    pub queue_targets: std::collections::HashMap<String, QueueTarget>,
    pub ui: UiConfig,
    pub log: LogConfig,
    /// `None`: no export; `"-"`: stdout.
    pub export_path: Option<String>,
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
    /// Where to serve OpenMetrics (`[metrics] listen`, `--metrics`).
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// `[nats]` or `--nats`: the relay's broker (viewers read from it).
    pub nats: Option<NatsConfig>,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            base_delay_ms: 1000,
            max_delay_ms: 30000,
            max_attempts: 0,
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
            raise_delay_s: 15,
            clear_delay_s: 30,
            longest_wait_s: 120,
            service_level_pct: 80.0,
        }
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            fps: 20,
            ascii: false,
            theme: Theme::Dark,
            wallboard: false,
            mouse: true,
        }
    }
}

// ---- Loading: everything below is additive to the contract above. ----

mod check;
mod doc;
mod file;
mod load;
mod nats;
mod paths;
mod report;
mod sections;
mod table;
mod values;

pub use check::{environment_problem, normalized_environment, url_problem};
pub use load::{
    Loaded, Overrides, Sources, default_audit_file, load, load_connection, load_except_connection,
};

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "notifications" => Some(Protocol::Notifications),
            "realtime" => Some(Protocol::Realtime),
            _ => None,
        }
    }
}

impl Theme {
    pub fn parse(s: &str) -> Option<Theme> {
        match s {
            "dark" => Some(Theme::Dark),
            "light" => Some(Theme::Light),
            "mono" => Some(Theme::Mono),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::Mono => "mono",
        }
    }
}

impl GenesysConfig {
    /// Where the data comes from, for the header: the region, or the host
    /// the feed's URL names when it was overridden (a simulator, a proxy),
    /// after the region when one was chosen, so a sim or proxy is never
    /// shown as the region's production service.
    pub fn server_label(&self) -> String {
        let (url, usual) = match self.protocol {
            // No region serves it: always the gateway's host.
            Protocol::Realtime => (&self.realtime_url, String::new()),
            Protocol::Notifications => (&self.api_url, api_url_for(&self.environment)),
        };
        if *url == usual {
            return self.environment.clone();
        }
        let host = url::Url::parse(url)
            .ok()
            .and_then(|parsed| {
                let host = parsed.host_str()?.to_string();
                Some(match parsed.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| url.clone());
        if self.environment == DEFAULT_ENVIRONMENT {
            host
        } else {
            format!("{} {host}", self.environment)
        }
    }
}

/// The built-in region when nothing says otherwise.
pub const DEFAULT_ENVIRONMENT: &str = "mypurecloud.com";

/// `https://login.{env}`.
pub fn login_url_for(environment: &str) -> String {
    format!("https://login.{environment}")
}

/// `https://api.{env}`.
pub fn api_url_for(environment: &str) -> String {
    format!("https://api.{environment}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong with the configuration, located as precisely as known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub severity: Severity,
    /// The file, or where else the value came from (`$GENESYS_ENVIRONMENT`,
    /// `command line`).
    pub file: String,
    /// 1-based; 0 when the problem has no position in a file.
    pub line: usize,
    pub col: usize,
    /// Dotted key: `genesys.client_id`, `queue[2].filter`.
    pub key: String,
    pub message: String,
    /// The rule that was broken, short.
    pub rule: String,
}

impl std::fmt::Display for ConfigProblem {
    /// `file:line:col: key: message (rule)`; warnings say so.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.col)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        write!(f, "{}: {}", self.key, self.message)?;
        if !self.rule.is_empty() {
            write!(f, " ({})", self.rule)?;
        }
        Ok(())
    }
}

impl Default for GenesysConfig {
    fn default() -> Self {
        GenesysConfig {
            environment: DEFAULT_ENVIRONMENT.to_string(),
            protocol: Protocol::default(),
            client_id: String::new(),
            client_secret: None,
            login_url: login_url_for(DEFAULT_ENVIRONMENT),
            api_url: api_url_for(DEFAULT_ENVIRONMENT),
            realtime_url: String::new(),
            all_queues: false,
            observations_interval_s: 10,
        }
    }
}

impl Config {
    /// Built-in defaults, with the audit log at `audit_file`.
    pub fn defaults(audit_file: PathBuf) -> Config {
        Config {
            genesys: GenesysConfig::default(),
            queues: Vec::new(),
            reconnect: ReconnectConfig::default(),
            alerts: AlertConfig::default(),
            queue_alerts: Default::default(),
            queue_targets: Default::default(),
            ui: UiConfig::default(),
            log: LogConfig {
                audit_file,
                level: "info".to_string(),
                max_size_mb: 100,
                keep: 5,
                alert_history: None,
            },
            export_path: None,
            source: None,
            metrics_listen: None,
            nats: None,
        }
    }

    /// Loads a config from TOML text with no file on disk (demo, sim,
    /// tests): defaults < `text` < `env` (`GENESYS_*`). `source_name`
    /// names the text in problems.
    pub fn from_toml_str(
        text: &str,
        source_name: &str,
        env: &std::collections::HashMap<String, String>,
    ) -> Result<Loaded, Vec<ConfigProblem>> {
        load::load_text(text, source_name, env)
    }

    /// A config for the built-in simulator on loopback: no file, demo
    /// credentials, the given URLs (which must be loopback for `http`/`ws`).
    pub fn for_sim(
        protocol: Protocol,
        login_url: &str,
        api_url: &str,
        realtime_url: &str,
        queues: Vec<QueueConfig>,
        audit_file: PathBuf,
    ) -> Config {
        let mut config = Config::defaults(audit_file);
        config.genesys.environment = "localhost".to_string();
        config.genesys.protocol = protocol;
        config.genesys.client_id = "queuetop-demo".to_string();
        config.genesys.client_secret = Some(SecretString::from("queuetop-demo-secret"));
        config.genesys.login_url = login_url.to_string();
        config.genesys.api_url = api_url.to_string();
        config.genesys.realtime_url = realtime_url.to_string();
        config.queues = queues;
        config
    }

    /// Why this config cannot connect yet (no client id or secret), if so.
    pub fn credentials_problem(&self) -> Option<String> {
        let id = self.genesys.client_id.is_empty();
        let secret = self.genesys.client_secret.is_none();
        match (id, secret) {
            (false, false) => None,
            (true, true) => Some("no client id and no client secret: set genesys.client_id and client_secret_file in the config, or GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET".into()),
            (true, false) => Some("no client id: set genesys.client_id in the config or GENESYS_CLIENT_ID".into()),
            (false, true) => Some("no client secret: set genesys.client_secret_file in the config or GENESYS_CLIENT_SECRET".into()),
        }
    }
}

#[cfg(test)]
mod tests;
