//! `queuetop relay` under signals, and `queuetop demo --relay`: the whole
//! path (simulator, relay, nats-server, viewer) on one machine.

use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};
use tokio::sync::oneshot;

use crate::config::{Config, NatsConfig, Protocol};
use crate::nats::server::LocalServer;

/// `queuetop relay`: runs until SIGINT or SIGTERM.
pub async fn run_until_signal(cfg: Arc<Config>) -> color_eyre::Result<i32> {
    let shutdown = super::headless::shutdown_signal()
        .wrap_err("cannot install the SIGINT/SIGTERM handlers")?;
    crate::relay::run(cfg, shutdown).await
}

/// Starts the simulator, a local nats-server, a relay on the simulator and
/// the TUI reading the relay through the broker.
pub async fn run_demo_relay(protocol: Protocol, ascii: bool) -> color_eyre::Result<i32> {
    let store = std::env::temp_dir().join(format!("queuetop-demo-nats-{}", std::process::id()));
    std::fs::create_dir_all(&store)
        .wrap_err_with(|| format!("creating the broker's store {}", store.display()))?;
    let server =
        LocalServer::start(&store).map_err(|error| eyre!("starting nats-server: {error}"))?;
    let (cfg, sim) = super::demo::demo_config(
        protocol,
        super::demo::Screen {
            ascii,
            wallboard: false,
        },
        None,
    )
    .await?;
    let mut relay_cfg = cfg.clone();
    relay_cfg.nats = Some(NatsConfig::new(server.url()));
    let relay_cfg = Arc::new(relay_cfg);
    let (stop, stopped) = oneshot::channel::<()>();
    let relay = tokio::spawn(crate::relay::run(relay_cfg.clone(), async move {
        let _ = stopped.await;
    }));
    // The viewer holds no credentials: only the broker's address.
    let mut viewer = cfg;
    viewer.genesys.client_secret = None;
    viewer.nats = relay_cfg.nats.clone();
    let code = super::run_tui(Arc::new(viewer)).await;
    let _ = stop.send(());
    let _ = relay.await;
    sim.shutdown().await;
    drop(server);
    let _ = std::fs::remove_dir_all(&store);
    code
}
