//! What check-config catches beyond syntax: missing files, ids, names,
//! levels, thresholds, credentials.

use super::{QUEUE, creds, env, errors, ok, sources};
use crate::config::{Config, Overrides, load};

#[test]
fn no_file_is_an_error_that_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = sources(None, creds(), Overrides::default());
    let default = dir.path().join("queuetop").join("config.toml");
    s.default_config_file = Some(default.clone());
    let e = load(&s).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    let msg = e[0].to_string();
    assert!(
        msg.contains(
            "no config file found; looked in: --config (not given), $QUEUETOP_CONFIG (not set), "
        ),
        "{msg}"
    );
    assert!(msg.contains(&default.display().to_string()), "{msg}");
    assert!(
        msg.contains("queuetop init") && msg.contains("docs/CONFIG.md"),
        "{msg}"
    );
    // No home directory at all: still an error, and it says so.
    s.default_config_file = None;
    let e = load(&s).unwrap_err();
    assert!(e[0].to_string().contains("no home directory"), "{}", e[0]);
}

#[test]
fn no_queue_and_no_credentials_are_errors_on_both_feeds() {
    for protocol in ["notifications", "realtime"] {
        let e = errors(&format!("[genesys]\nprotocol = \"{protocol}\"\n"));
        assert!(
            e.iter()
                .any(|e| e.contains("queue: no [[queue]] tables: nothing to monitor")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|e| e.contains("no client id and no client secret")
                    && e.contains(&format!("the {protocol} feed signs in"))),
            "{e:?}"
        );
    }
    // The secret alone is not enough.
    let e = Config::from_toml_str(QUEUE, "c.toml", &env(&[("GENESYS_CLIENT_SECRET", "s")]))
        .unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].to_string()
            .contains("no client id: set genesys.client_id"),
        "{}",
        e[0]
    );
}

#[test]
fn malformed_and_duplicate_queues_are_errors_on_notifications() {
    let e = errors("[[queue]]\nid = \"q1\"\n");
    assert!(
        e[0].starts_with("c.toml:2:6: queue[1].id: `q1` is not a queue UUID such as"),
        "{e:?}"
    );
    assert!(e[0].contains("`queuetop queues` lists them"), "{e:?}");
    // Gateways (realtime) keep their own ids.
    let text = "[genesys]\nprotocol = \"realtime\"\nrealtime_url = \"wss://gw.example/events\"\n[[queue]]\nid = \"q1\"\n";
    ok(text);
    let text = format!(
        "{QUEUE}name = \"Support\"\n\n{}\n[[queue]]\nname = \"support\"\n",
        QUEUE
            .to_uppercase()
            .replace("[[QUEUE]]\nID", "[[queue]]\nid")
    );
    let e = errors(&text);
    assert_eq!(
        e[..2],
        [
            "c.toml:6:6: queue[2].id: queue id `8F1C2A6E-0D3B-4F5A-9C7E-2B4D6F8A0C1E` is already queue[1]; remove one of the two (each queue once; see docs/CONFIG.md)",
            "c.toml:9:8: queue[3].name: queue name `support` is already queue[1]; remove one, or name each queue differently (each queue once; see docs/CONFIG.md)",
        ],
        "{e:?}"
    );
}

#[test]
fn log_levels_must_be_levels() {
    for bad in ["verbose", "queuetop=loud", "info,chatty"] {
        let e = errors(&format!("{QUEUE}[log]\nlevel = \"{bad}\"\n"));
        assert!(e[0].starts_with("c.toml:4:9: log.level: `"), "{bad}: {e:?}");
        assert!(e[0].contains("is not a log level"), "{bad}: {e:?}");
        assert!(e[0].ends_with("see docs/CONFIG.md)"), "{bad}: {e:?}");
    }
    let e = errors(&format!("{QUEUE}[log]\nlevel = \"debg\"\n"));
    assert!(e[0].contains("did you mean `debug`?"), "{e:?}");
    for good in ["info", "WARN", "queuetop=debug,info", "off"] {
        ok(&format!("{QUEUE}[log]\nlevel = \"{good}\"\n"));
    }
}

#[test]
fn zero_switches_an_alert_off_and_the_summary_says_so() {
    let text = format!(
        "{QUEUE}[alerts]\nutilization_pct = 0\nwaiting = 0\nlatency_ms = 0\nstale_after_s = 0\n"
    );
    let summary = ok(&text).config.summary();
    assert!(
        summary.contains(
            "alerts:      utilization off, waiting off, latency p95 off, stale after off (0 = off)"
        ),
        "{summary}"
    );
    let summary = ok(QUEUE).config.summary();
    assert!(
        summary.contains("utilization 90%, waiting 10, latency p95 2000 ms, stale after 120 s"),
        "{summary}"
    );
    let e = errors(&format!("{QUEUE}[alerts]\nutilization_pct = 0.9\n"));
    assert!(
        e[0].starts_with("c.toml:4:19: alerts.utilization_pct: 0.9 is a percent, not a fraction"),
        "{e:?}"
    );
    assert!(e[0].contains("write 90 for 90%"), "{e:?}");
    let e = errors(&format!(
        "{QUEUE}[reconnect]\nbase_delay_ms = 5000\nmax_delay_ms = 1000\n"
    ));
    assert!(
        e[0].starts_with(
            "c.toml:4:17: reconnect.base_delay_ms: the first step (5000 ms) is longer than the cap"
        ),
        "{e:?}"
    );
}

#[test]
fn realtime_has_no_default_url() {
    let dir = tempfile::tempdir().unwrap();
    let p = super::write(&dir, "c.toml", QUEUE, 0o600);
    let flags = Overrides {
        protocol: Some(crate::config::Protocol::Realtime),
        ..Overrides::default()
    };
    let e = load(&sources(Some(p), creds(), flags)).unwrap_err();
    assert!(
        e.iter().any(|p| p.to_string().starts_with(
            "command line (--protocol): genesys.realtime_url: protocol = \"realtime\" has no default URL"
        )),
        "{e:?}"
    );
}

#[test]
fn a_queue_may_set_its_own_service_level_goal() {
    let both = ok(&format!(
        "{QUEUE}service_level_pct = 85\nservice_level_s = 30\n"
    ))
    .config;
    let id = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e";
    let t = both.queue_targets.get(id).copied().unwrap_or_default();
    assert_eq!((t.percent, t.within_s), (Some(85.0), Some(30)));
    let summary = both.summary();
    assert!(
        summary.contains(&format!(
            "  - {id} (name from the server): queue-summary; service level 85% in 30 s (config)"
        )),
        "{summary}"
    );
    // Half of it: the rest comes from the queue's settings.
    let half = ok(&format!("{QUEUE}service_level_s = 20\n")).config;
    assert!(
        half.summary()
            .contains("service level the queue's own % in 20 s (config)"),
        "{}",
        half.summary()
    );
    assert!(ok(QUEUE).config.queue_targets.is_empty());
    let e = errors(&format!("{QUEUE}service_level_pct = 0.8\n"));
    assert!(
        e[0].starts_with("c.toml:3:21: queue[1].service_level_pct: 0.8 is a percent, not a fraction: write 80 for 80%"),
        "{e:?}"
    );
    let e = errors(&format!("{QUEUE}service_level_s = 0\n"));
    assert!(
        e[0].contains("queue[1].service_level_s: 0 is out of range (1 to 86400)"),
        "{e:?}"
    );
}
