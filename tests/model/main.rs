//! The model: the reducer, alerts, export lines and property tests over
//! arbitrary event sequences (`common` holds the strategies).

mod common;
#[allow(dead_code)] // each binary uses a part
#[path = "../fixtures/mod.rs"]
mod fixtures;

mod alert_history;
mod alerts;
mod alerts_off;
mod churn;
mod export;
mod feed_events;
mod props;
mod risk;
mod state;
mod unjoined;
mod utilization;
