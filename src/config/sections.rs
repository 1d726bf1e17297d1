//! The keys of each `[section]` of the file, each written once: its name,
//! its range or its parser, and where its value goes. The unknown-key
//! check reads the same list, so a key cannot be accepted and not applied.

use toml::de::DeTable;

use super::Config;
use super::paths::expand_home;
use super::table::Table;
use super::{Protocol, Theme};

/// One key of a section: reads its value (reporting what is wrong with
/// it) and sets it on the config.
pub(super) struct Key {
    pub name: &'static str,
    pub apply: fn(&mut Table<'_, '_>, &DeTable<'_>, &'static str, &mut Config),
}

const fn key(
    name: &'static str,
    apply: fn(&mut Table<'_, '_>, &DeTable<'_>, &'static str, &mut Config),
) -> Key {
    Key { name, apply }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// The sections read with this table, in the order they are applied.
/// `[nats]` (config/nats.rs) and `[[queue]]` (file.rs) have their own readers.
pub(super) const SECTIONS: &[(&str, &[Key])] = &[
    ("genesys", GENESYS),
    ("reconnect", RECONNECT),
    ("alerts", ALERTS),
    ("ui", UI),
    ("log", LOG),
    ("export", EXPORT),
    ("metrics", METRICS),
];

const GENESYS: &[Key] = &[
    key("environment", |t, s, k, c| {
        set(&mut c.genesys.environment, t.string(s, k))
    }),
    key("protocol", |t, s, k, c| {
        let want = "\"notifications\" or \"realtime\"";
        set(
            &mut c.genesys.protocol,
            t.parse(s, k, Protocol::parse, want),
        )
    }),
    key("client_id", |t, s, k, c| {
        set(&mut c.genesys.client_id, t.string(s, k))
    }),
    key("all_queues", |t, s, k, c| {
        set(&mut c.genesys.all_queues, t.boolean(s, k))
    }),
    key("observations_interval_s", |t, s, k, c| {
        set(&mut c.genesys.observations_interval_s, t.int(s, k, 1, 3600))
    }),
    key("client_secret", |t, s, k, c| {
        if let Some(secret) = t.string(s, k) {
            t.spans.has_client_secret = true;
            c.genesys.client_secret = Some(secret.into());
        }
    }),
    // Read after layering (config/load.rs), from the spans.
    key("client_secret_file", |t, s, k, _| {
        t.spans.client_secret_file = t.string(s, k)
    }),
    // The URLs are checked after layering: they depend on `environment`.
    key("login_url", |t, s, k, c| {
        set(&mut c.genesys.login_url, t.string(s, k))
    }),
    key("api_url", |t, s, k, c| {
        set(&mut c.genesys.api_url, t.string(s, k))
    }),
    key("realtime_url", |t, s, k, c| {
        set(&mut c.genesys.realtime_url, t.string(s, k))
    }),
];

const RECONNECT: &[Key] = &[
    key("base_delay_ms", |t, s, k, c| {
        set(&mut c.reconnect.base_delay_ms, t.int(s, k, 1, 3_600_000))
    }),
    key("max_delay_ms", |t, s, k, c| {
        set(&mut c.reconnect.max_delay_ms, t.int(s, k, 1, 86_400_000))
    }),
    key("max_attempts", |t, s, k, c| {
        set(&mut c.reconnect.max_attempts, t.int(s, k, 0, 1_000_000))
    }),
    key("heartbeat_timeout_s", |t, s, k, c| {
        set(&mut c.reconnect.heartbeat_timeout_s, t.int(s, k, 1, 86_400))
    }),
];

const ALERTS: &[Key] = &[
    key("utilization_pct", |t, s, k, c| {
        set(&mut c.alerts.utilization_pct, t.number(s, k, 0.0, 100.0))
    }),
    key("waiting", |t, s, k, c| {
        set(&mut c.alerts.waiting, t.int(s, k, 0, 1_000_000))
    }),
    key("latency_ms", |t, s, k, c| {
        set(&mut c.alerts.latency_ms, t.int(s, k, 0, 3_600_000))
    }),
    key("stale_after_s", |t, s, k, c| {
        set(&mut c.alerts.stale_after_s, t.int(s, k, 0, 86_400))
    }),
    key("raise_delay_s", |t, s, k, c| {
        set(&mut c.alerts.raise_delay_s, t.int(s, k, 0, 3600))
    }),
    key("clear_delay_s", |t, s, k, c| {
        set(&mut c.alerts.clear_delay_s, t.int(s, k, 0, 3600))
    }),
    key("longest_wait_s", |t, s, k, c| {
        set(&mut c.alerts.longest_wait_s, t.int(s, k, 0, 86_400))
    }),
    key("service_level_pct", |t, s, k, c| {
        set(&mut c.alerts.service_level_pct, t.number(s, k, 0.0, 100.0))
    }),
];

const UI: &[Key] = &[
    key("fps", |t, s, k, c| set(&mut c.ui.fps, t.int(s, k, 1, 60))),
    key("ascii", |t, s, k, c| set(&mut c.ui.ascii, t.boolean(s, k))),
    key("mouse", |t, s, k, c| set(&mut c.ui.mouse, t.boolean(s, k))),
    key("theme", |t, s, k, c| {
        let want = "\"dark\", \"light\" or \"mono\"";
        set(&mut c.ui.theme, t.parse(s, k, Theme::parse, want))
    }),
];

const LOG: &[Key] = &[
    key("audit_file", |t, s, k, c| {
        set(
            &mut c.log.audit_file,
            t.string(s, k).map(|p| expand_home(&p)),
        )
    }),
    key("level", |t, s, k, c| set(&mut c.log.level, t.string(s, k))),
    key("max_size_mb", |t, s, k, c| {
        set(&mut c.log.max_size_mb, t.int(s, k, 0, 1_000_000))
    }),
    key("keep", |t, s, k, c| {
        set(&mut c.log.keep, t.int(s, k, 1, 100))
    }),
    key("alert_history", |t, s, k, c| {
        if let Some(path) = t.string(s, k) {
            // "" turns the history off; expanding it would not keep it empty.
            c.log.alert_history = Some(if path.is_empty() {
                std::path::PathBuf::new()
            } else {
                expand_home(&path)
            });
        }
    }),
];

const EXPORT: &[Key] = &[key("path", |t, s, k, c| {
    if let Some(path) = t.string(s, k) {
        c.export_path = Some(path);
    }
})];

const METRICS: &[Key] = &[key("listen", |t, s, k, c| {
    let want = "an address such as \"127.0.0.1:9464\"";
    if let Some(address) = t.parse(s, k, |text| text.parse().ok(), want) {
        c.metrics_listen = Some(address);
    }
})];
