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
pub(super) fn apply(t: &mut Table<'_, '_>, n: &DeTable<'_>, slot: &mut Option<NatsConfig>) {
    let c = slot.get_or_insert_with(|| NatsConfig::new(String::new()));
    if let Some(v) = t.string(n, "url") {
        c.url = v;
    }
    c.credentials_file = t
        .string(n, "credentials_file")
        .map(|p| super::paths::expand_home(&p))
        .or(c.credentials_file.take());
    c.user = t.string(n, "user").or(c.user.take());
    if let Some(p) = t.string(n, "password") {
        c.password = Some(p.into());
    }
    if let Some(p) = t.string(n, "token") {
        c.token = Some(p.into());
    }
    c.tls_ca = t
        .string(n, "tls_ca")
        .map(|p| super::paths::expand_home(&p))
        .or(c.tls_ca.take());
    if let Some(p) = t.string(n, "prefix") {
        c.prefix = p;
    }
    if let Some(v) = t.int(n, "history_minutes", 1, 7 * 24 * 60) {
        c.history_minutes = v;
    }
    if let Some(v) = t.int(n, "heartbeat_s", 1, 3600) {
        c.heartbeat_s = v;
    }
    if let Some(v) = t.int(n, "heartbeat_timeout_s", 1, 86_400) {
        c.heartbeat_timeout_s = v;
    }
}

/// What is wrong with the table, in words that say how to fix it.
pub fn problem(c: &NatsConfig) -> Option<String> {
    let url_ok = ["nats://", "tls://", "nats+tls://"]
        .iter()
        .any(|s| c.url.starts_with(s));
    if !url_ok {
        return Some(format!(
            "`{}` is not a NATS URL; write nats://host:4222 (or tls://host:4222)",
            c.url
        ));
    }
    let token_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    };
    if !c.prefix.split('.').all(token_ok) {
        return Some(format!(
            "prefix `{}` must be dot-separated words of letters, digits, `_` or `-` (e.g. queuetop.acme)",
            c.prefix
        ));
    }
    if c.heartbeat_timeout_s <= c.heartbeat_s {
        return Some(format!(
            "heartbeat_timeout_s ({}) must be longer than heartbeat_s ({}); three times it is usual",
            c.heartbeat_timeout_s, c.heartbeat_s
        ));
    }
    None
}
