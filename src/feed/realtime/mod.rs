//! The realtime v1 feed: `decode` is the wire format, `connection` one
//! connection (handshake, subscribe, read) on the shared `Link`.

mod connection;
mod decode;

pub(crate) use connection::Session;
pub use decode::{SubscriptionIndex, decode, decode_with, queue_from_topic};
