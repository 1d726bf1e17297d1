//! Why a subscription breaks the rules of docs/PROTOCOL.md, "Subscribe";
//! `Display` is the message the user sees.

use std::fmt;

use super::MAX_SUBSCRIPTIONS;
use crate::filter::FilterError;

const EXAMPLE_UUID: &str = "5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e6f";

/// Why a subscription (or a set of them) breaks the rules. `Display` is the
/// message the user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionError {
    TooMany {
        count: usize,
    },
    Empty,
    IdNotUuid {
        id: String,
    },
    DuplicateId {
        id: String,
        first: usize,
    },
    BadTopic {
        topic: String,
    },
    BadQueueId {
        queue_id: String,
    },
    /// A configured queue with only a name: the realtime feed needs its id.
    QueueWithoutId,
    UnknownType {
        kind: String,
    },
    Filter(FilterError),
    /// The payload is not a JSON array of subscription objects.
    Json {
        message: String,
    },
    /// One of the above, in subscription `index` (1-based) of a set.
    At {
        index: usize,
        /// The queue's display name, or its id, when known.
        queue: Option<String>,
        /// Position of the queue in the `&[QueueConfig]` it came from.
        queue_index: Option<usize>,
        /// The subscription's id, when it is a valid one.
        subscription_id: Option<String>,
        error: Box<SubscriptionError>,
    },
}

impl SubscriptionError {
    /// The rule that was broken, short, for `check-config`'s `(rule)`.
    pub fn rule(&self) -> &'static str {
        match self {
            SubscriptionError::TooMany { .. } => "at most 100 subscriptions per connection",
            SubscriptionError::Empty => "at least one subscription per connection",
            SubscriptionError::IdNotUuid { .. } => "subscription ids are UUIDs",
            SubscriptionError::DuplicateId { .. } => "subscription ids are unique",
            SubscriptionError::BadTopic { .. } => {
                "topic is /routing/queues/events or /routing/queues/{queueId}/events"
            }
            SubscriptionError::BadQueueId { .. } | SubscriptionError::QueueWithoutId => {
                "queue ids are UUIDs or [A-Za-z0-9_-]+"
            }
            SubscriptionError::UnknownType { .. } => {
                "types are queue-summary, queue-interaction, agent-state"
            }
            SubscriptionError::Filter(_) => "filters parse and have at most 2048 characters",
            SubscriptionError::Json { .. } => "subscriptions are a JSON array of objects",
            SubscriptionError::At { error, .. } => error.rule(),
        }
    }

    /// The error without its position in a set.
    pub fn inner(&self) -> &SubscriptionError {
        match self {
            SubscriptionError::At { error, .. } => error.inner(),
            other => other,
        }
    }

    /// Position of the queue it came from in `from_queues`' input.
    pub fn queue_index(&self) -> Option<usize> {
        match self {
            SubscriptionError::At { queue_index, .. } => *queue_index,
            _ => None,
        }
    }

    /// The id of the subscription at fault, when known (for the server's
    /// `error` message).
    pub fn subscription_id(&self) -> Option<&str> {
        match self {
            SubscriptionError::At {
                subscription_id, ..
            } => subscription_id.as_deref(),
            _ => None,
        }
    }

    /// A short machine-readable code (the server's `error` `code`).
    pub fn code(&self) -> &'static str {
        match self {
            SubscriptionError::TooMany { .. } => "too_many_subscriptions",
            SubscriptionError::Empty => "no_subscriptions",
            SubscriptionError::IdNotUuid { .. } => "invalid_id",
            SubscriptionError::DuplicateId { .. } => "duplicate_id",
            SubscriptionError::BadTopic { .. } => "invalid_topic",
            SubscriptionError::BadQueueId { .. } | SubscriptionError::QueueWithoutId => {
                "invalid_queue_id"
            }
            SubscriptionError::UnknownType { .. } => "invalid_type",
            SubscriptionError::Filter(_) => "invalid_filter",
            SubscriptionError::Json { .. } => "invalid_payload",
            SubscriptionError::At { error, .. } => error.code(),
        }
    }

    pub(super) fn at(
        self,
        index: usize,
        queue: Option<String>,
        queue_index: Option<usize>,
        subscription_id: Option<String>,
    ) -> Self {
        SubscriptionError::At {
            index,
            queue,
            queue_index,
            subscription_id,
            error: Box::new(self),
        }
    }
}

impl fmt::Display for SubscriptionError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriptionError::TooMany { count } => write!(
                formatter,
                "too many subscriptions: {count} (at most {MAX_SUBSCRIPTIONS} per connection)"
            ),
            SubscriptionError::Empty => {
                formatter.write_str("no subscriptions: a connection needs at least one")
            }
            SubscriptionError::IdNotUuid { id } => write!(
                formatter,
                "id `{id}` is not a UUID; use a UUID such as {EXAMPLE_UUID}"
            ),
            SubscriptionError::DuplicateId { id, first } => write!(
                formatter,
                "id `{id}` is already used by subscription {first}; give each subscription its own UUID"
            ),
            SubscriptionError::BadTopic { topic } => write!(
                formatter,
                "topic `{topic}` is not `/routing/queues/events` or `/routing/queues/{{queueId}}/events`"
            ),
            SubscriptionError::BadQueueId { queue_id } => write!(
                formatter,
                "queue id `{queue_id}` is neither a UUID nor made of letters, digits, `_` and `-`"
            ),
            SubscriptionError::QueueWithoutId => formatter
                .write_str("the queue has a name but no id; the realtime feed needs `id` (a UUID)"),
            SubscriptionError::UnknownType { kind } => write!(
                formatter,
                "type `{kind}` is unknown; use queue-summary, queue-interaction or agent-state"
            ),
            SubscriptionError::Filter(error) => write!(formatter, "{error}"),
            SubscriptionError::Json { message } => write!(
                formatter,
                "subscriptions are not a JSON array of {{\"id\", \"topic\", \"type\", \"filter\"?}} objects: {message}"
            ),
            SubscriptionError::At {
                index,
                queue,
                error,
                ..
            } => match queue {
                Some(queue) => write!(formatter, "subscription {index} (queue {queue}): {error}"),
                None => write!(formatter, "subscription {index}: {error}"),
            },
        }
    }
}

impl std::error::Error for SubscriptionError {}
