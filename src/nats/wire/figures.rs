//! The service-level goal on the relay's wire: checked on the way in, as
//! a relay of another version may send a percentage out of range.

use serde::{Deserialize, Serialize};

use crate::event::ServiceTarget;

/// `ServiceTarget` on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Target {
    pub percent: f64,
    pub within_ms: u64,
}

impl From<ServiceTarget> for Target {
    fn from(t: ServiceTarget) -> Target {
        Target {
            percent: t.percent,
            within_ms: t.within_ms,
        }
    }
}

impl Target {
    /// The goal, or None for a percentage out of range (a relay of
    /// another version, or a damaged message).
    pub fn into_target(self) -> Option<ServiceTarget> {
        ServiceTarget::new(self.percent, self.within_ms)
    }
}
