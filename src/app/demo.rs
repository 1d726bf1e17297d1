//! `queuetop demo`: the simulator in this process on a free loopback port,
//! and the real client connected to it over the real network path.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};

use crate::config::{Config, Protocol};
use crate::sim::{self, SimOptions};

/// Starts the simulator, runs the TUI against it, stops the simulator.
pub async fn run_demo(protocol: Protocol, ascii: bool) -> color_eyre::Result<i32> {
    let cfg = demo_config(protocol, ascii).await?;
    let (cfg, sim) = cfg;
    let code = super::run_tui(Arc::new(cfg)).await;
    sim.shutdown().await;
    code
}

/// The simulator and a config pointing at it. The environment is not read:
/// real `GENESYS_*` credentials must not be sent to the demo, nor demo
/// credentials mistaken for real ones.
pub async fn demo_config(
    protocol: Protocol,
    ascii: bool,
) -> color_eyre::Result<(Config, sim::SimHandle)> {
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let sim = sim::start(listen, SimOptions::default())
        .await
        .wrap_err("starting the built-in simulator on 127.0.0.1")?;
    let text = sim.config_toml(protocol.as_str());
    let loaded = Config::from_toml_str(&text, "demo", &HashMap::new()).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        eyre!("the demo config is invalid (a bug):\n{}", lines.join("\n"))
    })?;
    let mut cfg = loaded.config;
    cfg.ui.ascii |= ascii;
    // Shown in the header (before the simulator's address) instead of
    // the default region: this is no org.
    cfg.genesys.environment = "demo".into();
    Ok((cfg, sim))
}
