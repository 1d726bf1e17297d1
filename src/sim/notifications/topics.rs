//! What the service makes of a subscription's topic: the names it knows,
//! the ids it has, and the faults that refuse or reject one.

use crate::sim::Faults;
use crate::sim::shared::{Shared, lock};

/// Longest topic name.
const MAX_TOPIC_LEN: usize = 200;

/// How the service takes one topic of a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Permitted,
    /// A failed permission check: marked `Rejected` in the answer with
    /// `ignoreErrors=true`. A well-formed id the org does not have lands
    /// here too: a client cannot tell it from one it may not see.
    Rejected(String),
    /// Not a topic the service takes: the whole request fails with 400
    /// naming it, `ignoreErrors` or not (that softens permission checks
    /// only, per the SDK's description of the parameter).
    Invalid(String),
}

/// What the service makes of `topic`.
pub(crate) fn check_topic(topic: &str, shared: &Shared, faults: &Faults) -> Verdict {
    if topic.len() > MAX_TOPIC_LEN {
        return Verdict::Invalid(format!(
            "topic {topic} is longer than {MAX_TOPIC_LEN} characters"
        ));
    }
    let queue = topic
        .strip_prefix("v2.analytics.queues.")
        .and_then(|tail| tail.strip_suffix(".observations"))
        .or_else(|| {
            topic
                .strip_prefix("v2.routing.queues.")
                .and_then(|tail| tail.strip_suffix(".users"))
        });
    let (kind, id) = if let Some(queue_id) = queue {
        ("queue", queue_id)
    } else if let Some(rest) = topic.strip_prefix("v2.users.") {
        let Some(user) = user_of(rest) else {
            return Verdict::Invalid(format!(
                "unknown topic {topic}: a user topic is v2.users.{{id}}?routingStatus&presence or v2.users.{{id}}.activity"
            ));
        };
        ("user", user)
    } else {
        return Verdict::Invalid(format!("unknown topic {topic}"));
    };
    if uuid::Uuid::try_parse(id).is_err() {
        return Verdict::Invalid(format!(
            "invalid topic {topic}: the {kind} id {id:?} is not a UUID"
        ));
    }
    if faults
        .invalid_topics
        .iter()
        .any(|listed| listed == topic || listed == id)
    {
        return Verdict::Invalid(format!(
            "invalid topic {topic} (the simulator refuses it: fault)"
        ));
    }
    let known = match kind {
        "queue" => shared.queue_index.contains_key(id),
        _ => lock(&shared.model).has_user(id),
    };
    if !known {
        return Verdict::Rejected(format!("{kind} {id} not found"));
    }
    if faults
        .reject_topics
        .iter()
        .any(|listed| listed == topic || listed == id)
        || faults
            .forbidden_queues
            .iter()
            .any(|queue_id| queue_id == id)
    {
        return Verdict::Rejected(format!(
            "not authorized for {topic} (the simulator rejects it: fault)"
        ));
    }
    Verdict::Permitted
}

/// The user id of `{id}?routingStatus&presence` (either order, either part)
/// or `{id}.activity`.
fn user_of(rest: &str) -> Option<&str> {
    if let Some(u) = rest.strip_suffix(".activity") {
        return Some(u);
    }
    let (u, q) = rest.split_once('?')?;
    let parts: Vec<&str> = q.split('&').collect();
    let ok = !parts.is_empty()
        && parts
            .iter()
            .all(|p| matches!(*p, "routingStatus" | "presence"));
    ok.then_some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_topics_parse() {
        assert_eq!(user_of("U?routingStatus&presence"), Some("U"));
        assert_eq!(user_of("U?presence"), Some("U"));
        assert_eq!(user_of("U.activity"), Some("U"));
        assert_eq!(user_of("U?conversations"), None);
        assert_eq!(user_of("U"), None);
    }
}
