//! The feed against the in-process simulator (and the scripted token
//! server in `common`): one test binary, one module per
//! concern, so the suite links a few binaries instead of one per file.

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[allow(dead_code)] // each binary uses a part
#[path = "../fixtures/mod.rs"]
mod fixtures;

mod all_queues;
mod auth;
mod close;
mod config_errors;
mod lifecycle;
mod notifications;
mod notifications_channels;
mod notifications_departures;
mod notifications_following;
mod notifications_members;
mod notifications_rest;
mod notifications_tokens;
mod observations;
mod realtime;
mod reconnect_model;
mod soak;
mod startup;
mod truth;
