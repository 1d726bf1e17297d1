//! The simulator through a small real client (`common`): REST, the
//! realtime and notifications sockets, faults and the simulated day.

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod channel_life;
mod decode;
mod faults;
mod http;
mod notifications;
mod notifications_socket;
mod observations;
mod rest;
mod routing;
mod socket;
mod subscriptions;
mod topics;
mod truth;
