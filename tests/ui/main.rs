//! Drawing and the UI loop: snapshots, keys, the wallboard, figures.
//! `common` holds the sample states, shared with the draw bench.

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[allow(dead_code)] // each binary uses a part
#[path = "../fixtures/mod.rs"]
mod fixtures;

// The property-test strategies live with the model tests; the figures
// property test draws what they generate.
#[allow(dead_code)]
#[path = "../model/common/mod.rs"]
mod props_common;

mod demand;
mod event_loop;
mod figures;
mod interval;
mod keys;
mod many;
mod not_live;
mod screens;
mod snapshots;
mod wallboard;
