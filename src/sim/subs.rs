//! The server's view of a subscription payload: validate it, then decide
//! per event whether a connection wants it.
//!
//! TEMPORARY: a minimal shape check until `crate::subscription` and
//! `crate::filter` land from the foundation branch; then `parse` becomes
//! `SubscriptionSet::parse_json` and `wants` uses `Filter::matches`.

use serde_json::Value;

use crate::config::EventType;
use crate::event::QueueEventKind;

/// Why a payload was refused: the `error` message's code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub subscription_id: Option<String>,
}

#[derive(Debug, Clone)]
struct Sub {
    id: String,
    kind: EventType,
    /// None = all queues.
    queue_id: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Subs {
    list: Vec<Sub>,
}

fn refuse(message: impl Into<String>, id: Option<&str>) -> Refusal {
    Refusal {
        code: "invalid_subscription",
        message: message.into(),
        subscription_id: id.map(str::to_string),
    }
}

fn event_type(kind: &QueueEventKind) -> Option<EventType> {
    match kind {
        QueueEventKind::Summary(_) => Some(EventType::QueueSummary),
        QueueEventKind::Interaction(_) => Some(EventType::QueueInteraction),
        QueueEventKind::Agent(_) => Some(EventType::AgentState),
        QueueEventKind::Totals(_) => None,
    }
}

pub(crate) fn parse(payload: &str) -> Result<Subs, Refusal> {
    let v: Value = serde_json::from_str(payload)
        .map_err(|e| refuse(format!("subscription payload is not JSON: {e}"), None))?;
    let Some(arr) = v.as_array() else {
        return Err(refuse("subscription payload must be a JSON array", None));
    };
    if arr.is_empty() || arr.len() > 100 {
        return Err(refuse(
            format!("1 to 100 subscriptions per connection, got {}", arr.len()),
            None,
        ));
    }
    let mut list = Vec::with_capacity(arr.len());
    for item in arr {
        let id = item.get("id").and_then(Value::as_str).unwrap_or("");
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(refuse(
                format!("subscription id {id:?} is not a UUID"),
                None,
            ));
        }
        let topic = item.get("topic").and_then(Value::as_str).unwrap_or("");
        let queue_id = if topic == "/routing/queues/events" {
            None
        } else {
            let q = topic
                .strip_prefix("/routing/queues/")
                .and_then(|t| t.strip_suffix("/events"))
                .filter(|q| {
                    !q.is_empty()
                        && q.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                });
            match q {
                Some(q) => Some(q.to_string()),
                None => return Err(refuse(format!("topic {topic:?} is not valid"), Some(id))),
            }
        };
        let kind = match item.get("type").and_then(Value::as_str) {
            Some("queue-summary") => EventType::QueueSummary,
            Some("queue-interaction") => EventType::QueueInteraction,
            Some("agent-state") => EventType::AgentState,
            other => {
                return Err(refuse(format!("type {other:?} is not valid"), Some(id)));
            }
        };
        list.push(Sub {
            id: id.to_string(),
            kind,
            queue_id,
        });
    }
    Ok(Subs { list })
}

impl Subs {
    pub(crate) fn ids(&self) -> Vec<String> {
        self.list.iter().map(|s| s.id.clone()).collect()
    }

    /// Does any subscription on this connection want `kind`?
    pub(crate) fn wants(&self, kind: &QueueEventKind) -> bool {
        let Some(ty) = event_type(kind) else {
            return false;
        };
        self.list
            .iter()
            .any(|s| s.kind == ty && s.queue_id.as_deref().is_none_or(|q| q == kind.queue_id()))
    }
}
