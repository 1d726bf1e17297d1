//! `queuetop demo`: the simulator in this process on a free loopback port,
//! and the real client connected to it over the real network path.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};

use crate::config::{Config, Protocol};
use crate::sim;

/// The demo's alert history, beside the audit log.
const DEMO_HISTORY: &str = "alert-history-demo.jsonl";

/// The screen flags the demo takes (`--ascii`, `--wallboard`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Screen {
    pub ascii: bool,
    pub wallboard: bool,
}

/// Starts the simulator, runs the TUI against it, stops the simulator.
/// `base` (from `--config`) gives everything but the connection; its
/// warnings are `notes`, shown on the screen (printed before it, they
/// would be hidden behind it until quit).
pub async fn run_demo(
    protocol: Protocol,
    screen: Screen,
    base: Option<Config>,
    metrics: Option<SocketAddr>,
    notes: Vec<String>,
) -> color_eyre::Result<i32> {
    let (mut cfg, sim) = demo_config(protocol, screen, base).await?;
    if metrics.is_some() {
        cfg.metrics_listen = metrics;
    }
    let code = super::run_tui_noting(Arc::new(cfg), notes).await;
    sim.shutdown().await;
    code
}

/// The simulator and a config pointing at it. The environment is not read:
/// real `GENESYS_*` credentials must not be sent to the demo, nor demo
/// credentials mistaken for real ones.
pub async fn demo_config(
    protocol: Protocol,
    screen: Screen,
    base: Option<Config>,
) -> color_eyre::Result<(Config, sim::SimHandle)> {
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let sim = sim::start(listen, sim::demo_options())
        .await
        .wrap_err("starting the built-in simulator on 127.0.0.1")?;
    let text = sim.config_toml(protocol.as_str());
    let loaded = Config::from_toml_str(&text, "demo", &HashMap::new()).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|problem| problem.to_string()).collect();
        eyre!("the demo config is invalid (a bug):\n{}", lines.join("\n"))
    })?;
    let mut cfg = match base {
        Some(base) => with_connection_of(base, loaded.config),
        None => loaded.config,
    };
    cfg.ui.ascii |= screen.ascii;
    cfg.ui.wallboard |= screen.wallboard;
    // Shown in the header (before the simulator's address) instead of
    // the default region: this is no org.
    cfg.genesys.environment = "demo".into();
    // The simulator's alerts are not the org's: a file of their own.
    if cfg.log.alert_history.is_none() {
        cfg.log.alert_history = Some(cfg.log.audit_file.with_file_name(DEMO_HISTORY));
    }
    Ok((cfg, sim))
}

/// The user's config with the simulator's connection and queues: only
/// what decides where to connect, as whom and to which queues comes from
/// `sim`, so a theme or a threshold reads as in the monitor.
fn with_connection_of(mut base: Config, sim: Config) -> Config {
    base.genesys = sim.genesys;
    base.queues = sim.queues;
    base
}
