//! Wires the metrics sink to a running feed: starts the endpoint when the
//! config asks for one, and publishes the model once a model tick.

use std::sync::Arc;

use color_eyre::eyre::eyre;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::config::Config;
use crate::feed::FeedGauges;
use crate::model::AppState;
use crate::sink::metrics::{FeedCounts, Metrics, serve};

/// The endpoint and what it publishes; stops serving when dropped.
pub struct Publisher {
    metrics: Arc<Metrics>,
    gauges: Arc<FeedGauges>,
    server: JoinHandle<()>,
    pub addr: std::net::SocketAddr,
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Publisher {
    /// None when the config names no address.
    pub async fn start(
        cfg: &Config,
        gauges: Arc<FeedGauges>,
    ) -> color_eyre::Result<Option<Publisher>> {
        let Some(addr) = cfg.metrics_listen else {
            return Ok(None);
        };
        let metrics = Arc::new(Metrics::new());
        let (addr, server) = serve(addr, metrics.clone()).await.map_err(|e| {
            eyre!("cannot serve metrics on {addr}: {e}; pick a free address with --metrics (or [metrics] listen)")
        })?;
        Ok(Some(Publisher {
            metrics,
            gauges,
            server,
            addr,
        }))
    }

    pub fn publish(&self, st: &AppState, now: Instant) {
        let feed = FeedCounts {
            duplicates_dropped: self.gauges.duplicates_dropped(),
            rest_calls: self.gauges.rest_calls(),
            observation_corrections: self.gauges.observation_corrections(),
        };
        self.metrics.publish(st, feed, now);
    }
}
