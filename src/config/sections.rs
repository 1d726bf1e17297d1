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
    key("environment", |table, section, name, config| {
        set(&mut config.genesys.environment, table.string(section, name))
    }),
    key("protocol", |table, section, name, config| {
        let want = "\"notifications\" or \"realtime\"";
        set(
            &mut config.genesys.protocol,
            table.parse(section, name, Protocol::parse, want),
        )
    }),
    key("client_id", |table, section, name, config| {
        set(&mut config.genesys.client_id, table.string(section, name))
    }),
    key("all_queues", |table, section, name, config| {
        set(&mut config.genesys.all_queues, table.boolean(section, name))
    }),
    key("observations_interval_s", |table, section, name, config| {
        set(
            &mut config.genesys.observations_interval_s,
            table.int(section, name, 1, 3600),
        )
    }),
    key("client_secret", |table, section, name, config| {
        if let Some(secret) = table.string(section, name) {
            table.spans.has_client_secret = true;
            config.genesys.client_secret = Some(secret.into());
        }
    }),
    // Read after layering (config/load.rs), from the spans.
    key("client_secret_file", |table, section, name, _| {
        table.spans.client_secret_file = table.string(section, name)
    }),
    // The URLs are checked after layering: they depend on `environment`.
    key("login_url", |table, section, name, config| {
        set(&mut config.genesys.login_url, table.string(section, name))
    }),
    key("api_url", |table, section, name, config| {
        set(&mut config.genesys.api_url, table.string(section, name))
    }),
    key("realtime_url", |table, section, name, config| {
        set(
            &mut config.genesys.realtime_url,
            table.string(section, name),
        )
    }),
];

const RECONNECT: &[Key] = &[
    key("base_delay_ms", |table, section, name, config| {
        set(
            &mut config.reconnect.base_delay_ms,
            table.int(section, name, 1, 3_600_000),
        )
    }),
    key("max_delay_ms", |table, section, name, config| {
        set(
            &mut config.reconnect.max_delay_ms,
            table.int(section, name, 1, 86_400_000),
        )
    }),
    key("max_attempts", |table, section, name, config| {
        set(
            &mut config.reconnect.max_attempts,
            table.int(section, name, 0, 1_000_000),
        )
    }),
    key("heartbeat_timeout_s", |table, section, name, config| {
        set(
            &mut config.reconnect.heartbeat_timeout_s,
            table.int(section, name, 1, 86_400),
        )
    }),
];

const ALERTS: &[Key] = &[
    key("utilization_pct", |table, section, name, config| {
        set(
            &mut config.alerts.utilization_pct,
            table.number(section, name, 0.0, 100.0),
        )
    }),
    key("waiting", |table, section, name, config| {
        set(
            &mut config.alerts.waiting,
            table.int(section, name, 0, 1_000_000),
        )
    }),
    key("latency_ms", |table, section, name, config| {
        set(
            &mut config.alerts.latency_ms,
            table.int(section, name, 0, 3_600_000),
        )
    }),
    key("stale_after_s", |table, section, name, config| {
        set(
            &mut config.alerts.stale_after_s,
            table.int(section, name, 0, 86_400),
        )
    }),
    key("raise_delay_s", |table, section, name, config| {
        set(
            &mut config.alerts.raise_delay_s,
            table.int(section, name, 0, 3600),
        )
    }),
    key("clear_delay_s", |table, section, name, config| {
        set(
            &mut config.alerts.clear_delay_s,
            table.int(section, name, 0, 3600),
        )
    }),
    key("longest_wait_s", |table, section, name, config| {
        set(
            &mut config.alerts.longest_wait_s,
            table.int(section, name, 0, 86_400),
        )
    }),
    key("service_level_pct", |table, section, name, config| {
        set(
            &mut config.alerts.service_level_pct,
            table.number(section, name, 0.0, 100.0),
        )
    }),
];

const UI: &[Key] = &[
    key("fps", |table, section, name, config| {
        set(&mut config.ui.fps, table.int(section, name, 1, 60))
    }),
    key("ascii", |table, section, name, config| {
        set(&mut config.ui.ascii, table.boolean(section, name))
    }),
    key("mouse", |table, section, name, config| {
        set(&mut config.ui.mouse, table.boolean(section, name))
    }),
    key("theme", |table, section, name, config| {
        let want = "\"dark\", \"light\" or \"mono\"";
        set(
            &mut config.ui.theme,
            table.parse(section, name, Theme::parse, want),
        )
    }),
];

const LOG: &[Key] = &[
    key("audit_file", |table, section, name, config| {
        set(
            &mut config.log.audit_file,
            table.string(section, name).map(|p| expand_home(&p)),
        )
    }),
    key("level", |table, section, name, config| {
        set(&mut config.log.level, table.string(section, name))
    }),
    key("max_size_mb", |table, section, name, config| {
        set(
            &mut config.log.max_size_mb,
            table.int(section, name, 0, 1_000_000),
        )
    }),
    key("keep", |table, section, name, config| {
        set(&mut config.log.keep, table.int(section, name, 1, 100))
    }),
    key("alert_history", |table, section, name, config| {
        if let Some(path) = table.string(section, name) {
            // "" turns the history off; expanding it would not keep it empty.
            config.log.alert_history = Some(if path.is_empty() {
                std::path::PathBuf::new()
            } else {
                expand_home(&path)
            });
        }
    }),
];

const EXPORT: &[Key] = &[key("path", |table, section, name, config| {
    if let Some(path) = table.string(section, name) {
        config.export_path = Some(path);
    }
})];

const METRICS: &[Key] = &[key("listen", |table, section, name, config| {
    let want = "an address such as \"127.0.0.1:9464\"";
    if let Some(address) = table.parse(section, name, |text| text.parse().ok(), want) {
        config.metrics_listen = Some(address);
    }
})];
