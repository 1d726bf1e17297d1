//! `POST /api/v2/analytics/queues/observations/query`, answered the way
//! the real API does (the SDK's `QueueObservationDataContainer`, and
//! Genesys' own sample answer): user metrics in one group holding only the
//! `queueId`, with zero-count qualifiers left out (absent means 0);
//! conversation metrics in one group per media type, zero counts included;
//! with `detailMetrics: ["oWaiting"]`, one observation per waiting
//! interaction, capped (`SimOptions::observation_detail_cap`) with
//! `truncated: true` past the cap.

use serde_json::{Value, json};

use crate::sim::center::{MEDIA_NAMES, MediaObs, QueueObs, WaitingObs, qualifier};
use crate::sim::http::{Body, json_response};
use crate::sim::notifications::handling::{bad_request, is_uuid, malformed_id};
use crate::sim::publish::frames;
use crate::sim::shared::{Shared, lock};
use hyper::{Response, StatusCode};

/// Metrics about the queue's members: one group per queue.
const USER_METRICS: [&str; 5] = [
    "oOnQueueUsers",
    "oUserRoutingStatuses",
    "oActiveUsers",
    "oMemberUsers",
    "oOffQueueUsers",
];
/// Metrics about interactions: one group per queue and media type.
const CONVERSATION_METRICS: [&str; 3] = ["oWaiting", "oInteracting", "oAlerting"];

/// Queue ids named by `dimension == queueId` predicates anywhere in the
/// filter (`predicates` and nested `clauses`).
fn queue_ids(filter: &Value, out: &mut Vec<String>) {
    for p in filter["predicates"].as_array().into_iter().flatten() {
        if p["dimension"] == "queueId"
            && let Some(v) = p["value"].as_str()
        {
            out.push(v.to_string());
        }
    }
    for c in filter["clauses"].as_array().into_iter().flatten() {
        queue_ids(c, out);
    }
}

/// The strings of a JSON array field (absent: empty); Err names the field.
fn strings<'a>(body: &'a Value, field: &str) -> Result<Vec<&'a str>, String> {
    match &body[field] {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| format!("{field} must be an array of strings"))
            })
            .collect(),
        _ => Err(format!("{field} must be an array of strings")),
    }
}

/// A session id for a conversation: stable, distinct, UUID-shaped.
fn session_id(conversation_id: &str) -> String {
    let mut bytes = uuid::Uuid::try_parse(conversation_id)
        .map(|u| *u.as_bytes())
        .unwrap_or_default();
    for b in &mut bytes {
        *b ^= 0x5a;
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

fn waiting(waiting: &[WaitingObs], detail: bool, cap: usize, now_ms: i128) -> Value {
    let mut metric = json!({"metric": "oWaiting", "stats": {"count": waiting.len()}});
    if detail {
        let mut longest: Vec<&WaitingObs> = waiting.iter().collect();
        longest.sort_by_key(|w| std::cmp::Reverse(w.waited_ms));
        let obs: Vec<Value> = longest
            .iter()
            .take(cap)
            .map(|w| {
                json!({"observationDate": frames::stamp_ms(now_ms - i128::from(w.waited_ms)),
                    "conversationId": w.conversation_id,
                    "sessionId": session_id(&w.conversation_id),
                    "requestedRoutingSkillIds": w.skill_id.iter().collect::<Vec<_>>(),
                    "routingPriority": 0, "direction": "inbound"})
            })
            .collect();
        metric["observations"] = json!(obs);
        if waiting.len() > cap {
            metric["truncated"] = json!(true);
        }
    }
    metric
}

fn user_data(obs: &QueueObs, metrics: &[&str]) -> Vec<Value> {
    let qualified = |metric: &str, counts: &[(String, u32)]| -> Vec<Value> {
        counts
            .iter()
            .filter(|(_, count)| *count > 0)
            .map(|(name, count)| json!({"metric": metric, "qualifier": name, "stats": {"count": count}}))
            .collect()
    };
    let on_queue: Vec<(String, u32)> = (0..obs.on_queue.len())
        .map(|slot| (qualifier(slot).to_string(), obs.on_queue[slot]))
        .collect();
    let mut out = Vec::new();
    for &measure in metrics {
        match measure {
            "oOnQueueUsers" => out.extend(qualified(measure, &on_queue)),
            "oUserRoutingStatuses" => {
                let mut all = on_queue.clone();
                all.push(("OFF_QUEUE".to_string(), obs.off_queue));
                out.extend(qualified(measure, &all));
            }
            "oActiveUsers" => out.push(json!({"metric": measure, "stats": {"count": obs.active}})),
            "oMemberUsers" => out.push(json!({"metric": measure, "stats": {"count": obs.members}})),
            "oOffQueueUsers" => {
                out.push(json!({"metric": measure, "stats": {"count": obs.off_queue}}))
            }
            _ => {}
        }
    }
    out
}

/// What the query asks for.
struct Ask<'a> {
    metrics: Vec<&'a str>,
    detail_waiting: bool,
    cap: usize,
    now_ms: i128,
}

fn media_data(m: &MediaObs, ask: &Ask<'_>) -> Vec<Value> {
    ask.metrics
        .iter()
        .filter_map(|&metric| match metric {
            "oWaiting" => Some(waiting(&m.waiting, ask.detail_waiting, ask.cap, ask.now_ms)),
            "oInteracting" => Some(json!({"metric": metric, "stats": {"count": m.interacting}})),
            "oAlerting" => Some(json!({"metric": metric, "stats": {"count": m.alerting}})),
            _ => None,
        })
        .collect()
}

fn results_of(obs: &QueueObs, ask: &Ask<'_>, out: &mut Vec<Value>) {
    let users: Vec<&str> = ask
        .metrics
        .iter()
        .copied()
        .filter(|m| USER_METRICS.contains(m))
        .collect();
    if !users.is_empty() {
        out.push(json!({"group": {"queueId": obs.queue_id}, "data": user_data(obs, &users)}));
    }
    if ask.metrics.iter().any(|m| CONVERSATION_METRICS.contains(m)) {
        for media in MEDIA_NAMES {
            let none = MediaObs::empty(media);
            let m = obs.media.iter().find(|m| m.media == media).unwrap_or(&none);
            out.push(
                json!({"group": {"queueId": obs.queue_id, "mediaType": media},
                "data": media_data(m, ask)}),
            );
        }
    }
}

pub(crate) fn observations(shared: &Shared, body: &Value) -> Response<Body> {
    if !body["filter"].is_object() {
        return bad_request("the query needs a filter with queueId predicates");
    }
    let (metrics, detail) = match (strings(body, "metrics"), strings(body, "detailMetrics")) {
        (Ok(wanted), Ok(details)) => (wanted, details),
        (Err(error), _) | (_, Err(error)) => return bad_request(&error),
    };
    if metrics.is_empty() {
        return bad_request("metrics must name at least one metric, e.g. [\"oWaiting\"]");
    }
    if let Some(unknown) = metrics
        .iter()
        .find(|metric| !USER_METRICS.contains(metric) && !CONVERSATION_METRICS.contains(metric))
    {
        return bad_request(&format!(
            "metric {unknown:?} is not one the simulator serves: use {} or {}",
            USER_METRICS.join(", "),
            CONVERSATION_METRICS.join(", ")
        ));
    }
    let mut ids = Vec::new();
    queue_ids(&body["filter"], &mut ids);
    if ids.is_empty() {
        return bad_request("the filter names no queueId");
    }
    if let Some(bad) = ids.iter().find(|id| !is_uuid(id)) {
        return malformed_id(bad);
    }
    let ask = Ask {
        metrics,
        detail_waiting: detail.contains(&"oWaiting"),
        cap: shared.opts.observation_detail_cap,
        now_ms: frames::now_ms(),
    };
    let forbidden = shared.faults().forbidden_queues;
    let mut results = Vec::new();
    let model = lock(&shared.model);
    for id in ids.iter().filter(|id| !forbidden.contains(id)) {
        if let Some(obs) = shared.queue_index.get(id).and_then(|&qi| model.observe(qi)) {
            results_of(&obs, &ask, &mut results);
        }
    }
    drop(model);
    json_response(StatusCode::OK, &json!({"results": results}))
}
