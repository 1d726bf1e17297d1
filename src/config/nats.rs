//! The `[nats]` table: where the relay publishes and viewers read.

use std::path::PathBuf;

use secrecy::SecretString;
use toml::de::DeTable;

use super::table::Table;

/// How to reach the NATS server, and the names under which the relay
/// publishes. Present only when `[nats]` (or `--nats`) is given.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    pub url: String,
    /// A `.creds` file (JWT and nkey seed), the usual way in production.
    pub credentials_file: Option<PathBuf>,
    pub user: Option<String>,
    pub password: Option<SecretString>,
    pub token: Option<SecretString>,
    /// A CA certificate (PEM) for `tls://` servers with a private CA.
    pub tls_ca: Option<PathBuf>,
    /// Subjects are `<prefix>.queue.<queueId>.<kind>`; one prefix per org.
    pub prefix: String,
    /// How long the stream keeps events (the viewers' trends on start).
    pub history_minutes: u64,
    /// How often the relay says it is alive.
    pub heartbeat_s: u64,
    /// A viewer that hears no heartbeat for this long says "not live".
    pub heartbeat_timeout_s: u64,
}

pub const DEFAULT_PREFIX: &str = "queuetop.default";

impl NatsConfig {
    pub fn new(url: String) -> NatsConfig {
        NatsConfig {
            url,
            credentials_file: None,
            user: None,
            password: None,
            token: None,
            tls_ca: None,
            prefix: DEFAULT_PREFIX.to_string(),
            history_minutes: 60,
            heartbeat_s: 2,
            heartbeat_timeout_s: 6,
        }
    }
}

pub(super) const KEYS: &[&str] = &[
    "url",
    "credentials_file",
    "user",
    "password",
    "token",
    "tls_ca",
    "prefix",
    "history_minutes",
    "heartbeat_s",
    "heartbeat_timeout_s",
];

/// Reads `[nats]` onto `slot` (created with the defaults if absent).
pub(super) fn apply(
    table: &mut Table<'_, '_>,
    section: &DeTable<'_>,
    slot: &mut Option<NatsConfig>,
) {
    let config = slot.get_or_insert_with(|| NatsConfig::new(String::new()));
    if let Some(value) = table.string(section, "url") {
        config.url = value;
    }
    config.credentials_file = table
        .string(section, "credentials_file")
        .map(|text| super::paths::expand_home(&text))
        .or(config.credentials_file.take());
    config.user = table.string(section, "user").or(config.user.take());
    if let Some(text) = table.string(section, "password") {
        config.password = Some(text.into());
    }
    if let Some(text) = table.string(section, "token") {
        config.token = Some(text.into());
    }
    config.tls_ca = table
        .string(section, "tls_ca")
        .map(|text| super::paths::expand_home(&text))
        .or(config.tls_ca.take());
    if let Some(text) = table.string(section, "prefix") {
        config.prefix = text;
    }
    if let Some(value) = table.int(section, "history_minutes", 1, 7 * 24 * 60) {
        config.history_minutes = value;
    }
    if let Some(value) = table.int(section, "heartbeat_s", 1, 3600) {
        config.heartbeat_s = value;
    }
    if let Some(value) = table.int(section, "heartbeat_timeout_s", 1, 86_400) {
        config.heartbeat_timeout_s = value;
    }
}

/// What is wrong with the table, in words that say how to fix it.
pub fn problem(config: &NatsConfig) -> Option<String> {
    let url_ok = ["nats://", "tls://", "nats+tls://"]
        .iter()
        .any(|text| config.url.starts_with(text));
    if !url_ok {
        return Some(format!(
            "`{}` is not a NATS URL; write nats://host:4222 (or tls://host:4222)",
            config.url
        ));
    }
    let token_ok = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    };
    if !config.prefix.split('.').all(token_ok) {
        return Some(format!(
            "prefix `{}` must be dot-separated words of letters, digits, `_` or `-` (e.g. queuetop.acme)",
            config.prefix
        ));
    }
    if config.heartbeat_timeout_s <= config.heartbeat_s {
        return Some(format!(
            "heartbeat_timeout_s ({}) must be longer than heartbeat_s ({}); three times it is usual",
            config.heartbeat_timeout_s, config.heartbeat_s
        ));
    }
    None
}
