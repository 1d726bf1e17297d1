//! `POST /api/v2/notifications/channels` and a channel's subscriptions.

use std::collections::HashSet;
use std::sync::Arc;

use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use crate::sim::http::{Body, json_response};
use crate::sim::notifications::handling::{Bearer, Query, bad_request, not_found};
use crate::sim::notifications::topics::{Verdict, check_topic};
use crate::sim::shared::Shared;
use crate::sim::store::channels::MAX_TOPICS;

/// A new channel; it lives 24 h (`channel_lifetime`) or until the token
/// that created it expires or is revoked, whichever comes first.
pub(crate) fn create(shared: &Shared, bearer: &Bearer) -> Response<Body> {
    let lifetime = shared.channel_lifetime();
    let id = shared.with_channels(|c| c.create(lifetime, &bearer.token, bearer.expires));
    shared.stat(|s| s.channels_created += 1);
    let expires = time::OffsetDateTime::now_utc()
        + time::Duration::try_from(lifetime).unwrap_or(time::Duration::days(36_500));
    json_response(
        StatusCode::OK,
        &json!({"connectUri": format!("ws://{}/channels/{id}", shared.addr), "id": id,
            "expires": crate::event::rfc3339_ms(expires)}),
    )
}

fn entities(topics: &HashSet<String>) -> Value {
    let mut list: Vec<&String> = topics.iter().collect();
    list.sort();
    let e: Vec<Value> = list.iter().map(|t| json!({"id": t})).collect();
    json!({"entities": e})
}

pub(crate) fn list(shared: &Shared, id: &str) -> Response<Body> {
    let topics = shared.with_channels(|c| c.topics(id).map(|t| t.borrow().clone()));
    match topics {
        Some(t) => json_response(StatusCode::OK, &entities(&t)),
        None => not_found(&format!("channel {id} not found (or expired)")),
    }
}

/// PUT replaces the channel's topics, POST adds to them. Rejected topics
/// come back marked; without `ignoreErrors=true` any rejection is a 400.
/// A topic the service does not take at all (unknown, malformed) fails
/// the whole request with 400 naming it, whatever `ignoreErrors` says.
pub(crate) fn subscribe(
    shared: &Shared,
    id: &str,
    body: &Value,
    replace: bool,
    query: &Query,
) -> Response<Body> {
    let Some(items) = body.as_array() else {
        return bad_request("the body must be a JSON array of {\"id\": topic}");
    };
    if items.len() > MAX_TOPICS {
        return bad_request(&format!(
            "{} topics is more than the {MAX_TOPICS} a channel takes: open another channel",
            items.len()
        ));
    }
    let faults = shared.faults();
    let mut states = Vec::with_capacity(items.len());
    let mut permitted = Vec::new();
    let mut rejected = 0u64;
    for item in items {
        let Some(topic) = item["id"].as_str() else {
            return bad_request("every subscription needs an \"id\" string (the topic)");
        };
        match check_topic(topic, shared, &faults) {
            Verdict::Permitted => {
                permitted.push(topic.to_string());
                states.push(json!({"id": topic, "state": "Permitted"}));
            }
            Verdict::Rejected(reason) => {
                rejected += 1;
                states.push(json!({"id": topic, "state": "Rejected", "rejectionReason": reason}));
            }
            Verdict::Invalid(message) => return bad_request(&message),
        }
    }
    let ignore_errors = query.get("ignoreErrors") == Some("true");
    if rejected > 0 && !ignore_errors {
        return bad_request(&format!(
            "{rejected} topic(s) rejected; send ignoreErrors=true to subscribe to the rest"
        ));
    }
    let outcome = shared.with_channels(|channels| {
        let topics = channels.topics(id).ok_or(None)?;
        let mut next: HashSet<String> = if replace {
            HashSet::new()
        } else {
            (**topics.borrow()).clone()
        };
        next.extend(permitted.iter().cloned());
        if next.len() > MAX_TOPICS {
            return Err(Some(next.len()));
        }
        topics.send_replace(Arc::new(next));
        Ok(())
    });
    match outcome {
        Ok(()) => {}
        Err(None) => return not_found(&format!("channel {id} not found (or expired)")),
        Err(Some(would_hold)) => {
            return bad_request(&format!(
                "the channel would hold {would_hold} topics, more than {MAX_TOPICS}: open another channel"
            ));
        }
    }
    let permitted_count = permitted.len() as u64;
    let mut named = HashSet::new();
    let repeated = items
        .iter()
        .filter(|item| !named.insert(item["id"].as_str()))
        .count() as u64;
    shared.stat(|stats| {
        stats.topics_permitted += permitted_count;
        stats.topics_repeated += repeated;
        stats.topics_rejected += rejected;
    });
    json_response(StatusCode::OK, &json!({"entities": states}))
}
