//! The model: the reducer, alerts, export lines and property tests over
//! arbitrary event sequences (`common` holds the strategies).

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
