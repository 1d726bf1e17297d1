//! The Notifications API (docs/PROTOCOL.md, "Notifications API"): its REST
//! side (`api` dispatch and faults, `rest` what the handlers share,
//! `routing`, `observations`, `channels_api` with `topics`), the channel
//! sockets (`socket`), and model changes sent out (`membership`, `flood`).
//! The messages themselves are written by `publish/`; the channels are
//! kept in `store/`.

pub(crate) mod api;
pub(crate) mod channels_api;
pub(crate) mod flood;
pub(crate) mod handling;
pub(crate) mod membership;
pub(crate) mod observations;
pub(crate) mod routing;
pub(crate) mod socket;
pub(crate) mod topics;
