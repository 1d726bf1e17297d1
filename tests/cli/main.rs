//! The real binary: command-line modes, config checks, headless runs,
//! recording and replay, the metrics scrape (`common` starts and drives it).

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[allow(dead_code)] // each binary uses a part
#[path = "../fixtures/mod.rs"]
mod fixtures;

// The simulator client of the sim tests, for `init_queues`.
#[allow(dead_code)]
#[path = "../sim/common/mod.rs"]
mod sim_common;

mod check_config;
mod config_sim;
mod generated;
mod headless_drive;
mod headless_pipe;
mod headless_sim;
mod headless_snapshot;
mod init_queues;
mod metrics_scrape;
mod modes;
mod record;
mod record_replay;
mod recordings;
mod replay_source;
