//! The Genesys Cloud Notifications API feed (PROTOCOL.md section 3).
pub mod mapping;
#[cfg(test)]
mod mapping_tests;
