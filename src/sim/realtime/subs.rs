//! The server's view of a subscription payload: validated by
//! `crate::subscription` (the same rules the client checks before sending),
//! matched per event with the filter evaluator.

use crate::event::QueueEventKind;
use crate::subscription::SubscriptionSet;

/// Why a payload was refused: the `error` message's code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub subscription_id: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Subs {
    set: SubscriptionSet,
}

pub(crate) fn parse(payload: &str) -> Result<Subs, Refusal> {
    SubscriptionSet::parse_json(payload)
        .map(|set| Subs { set })
        .map_err(|e| Refusal {
            code: e.code(),
            message: e.to_string(),
            subscription_id: e.subscription_id().map(str::to_string),
        })
}

impl Subs {
    pub(crate) fn ids(&self) -> Vec<String> {
        self.set.iter().map(|s| s.id().to_string()).collect()
    }

    /// Does any subscription on this connection want `kind` (queue, type
    /// and filter)? Sent once per connection however many match.
    pub(crate) fn wants(&self, kind: &QueueEventKind) -> bool {
        self.set.wants(kind)
    }
}
