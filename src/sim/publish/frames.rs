//! The simulator's own serializer for the Notifications API (docs/PROTOCOL.md,
//! "Notifications API"): socket messages and REST error bodies, written with
//! `serde_json::json!` from the spec, never with the client's decoders.

use serde_json::{Value, json};

use crate::sim::center::{Activity, Membership, SERVICE_LEVEL_PERCENT, Totals, qualifier};

pub(crate) const METADATA_TOPIC: &str = "channel.metadata";
pub(crate) const CLOSING_TOPIC: &str = "v2.system.socket_closing";

pub(crate) fn queue_topic(queue_id: &str) -> String {
    format!("v2.analytics.queues.{queue_id}.observations")
}

/// The combined routing-status and presence topic of one user.
pub(crate) fn combined_user_topic(user_id: &str) -> String {
    format!("v2.users.{user_id}?routingStatus&presence")
}

pub(crate) fn activity_topic(user_id: &str) -> String {
    format!("v2.users.{user_id}.activity")
}

/// Membership changes of one queue.
pub(crate) fn members_topic(queue_id: &str) -> String {
    format!("v2.routing.queues.{queue_id}.users")
}

/// A `v2.system.{kind}.{channelId}` message (the SDK's
/// `SystemMessageSystemMessage`). For `token_revoked` the topic's id is
/// the channel's too: nothing public says otherwise.
pub(crate) fn system_message(
    kind: &str,
    channel_id: &str,
    client_id: &str,
    message: &str,
) -> String {
    json!({"topicName": format!("v2.system.{kind}.{channel_id}"), "version": "2",
        "eventBody": {"channelId": channel_id, "systemTopicType": kind,
            "oauthClientId": client_id, "reason": kind, "message": message}})
    .to_string()
}

/// `{"status","code","message"}`, the body of every REST error.
pub(crate) fn error_body(status: u16, code: &str, message: &str) -> Value {
    json!({"status": status, "code": code, "message": message})
}

fn envelope(topic: &str, body: Value, seq: u64) -> String {
    json!({"topicName": topic, "version": "2", "eventBody": body,
        "metadata": {"CorrelationId": seq.to_string()}})
    .to_string()
}

pub(crate) fn heartbeat() -> String {
    json!({"topicName": METADATA_TOPIC, "eventBody": {"message": "WebSocket Heartbeat"}})
        .to_string()
}

pub(crate) fn pong() -> String {
    json!({"topicName": METADATA_TOPIC, "eventBody": {"message": "pong"}}).to_string()
}

pub(crate) fn socket_closing() -> String {
    json!({"topicName": CLOSING_TOPIC,
        "eventBody": {"message": "the server will close this socket within a minute: open a new channel"}})
    .to_string()
}

pub(crate) fn on_queue_metric(k: usize, count: u32) -> Value {
    json!({"metric": "oOnQueueUsers", "qualifier": qualifier(k), "stats": {"count": count}})
}

pub(crate) fn active_metric(count: u32) -> Value {
    json!({"metric": "oActiveUsers", "stats": {"count": count}})
}

pub(crate) fn off_queue_metric(count: u32) -> Value {
    json!({"metric": "oOffQueueUsers", "stats": {"count": count}})
}

pub(crate) fn interacting_metric(count: u32) -> Value {
    json!({"metric": "oInteracting", "stats": {"count": count}})
}

/// `oWaiting` as a count only (notifications never carry the detail).
pub(crate) fn waiting_metric(count: usize) -> Value {
    json!({"metric": "oWaiting", "stats": {"count": count}})
}

/// A zero-width (current) observation message.
pub(crate) fn observation(
    queue_id: &str,
    media: &str,
    now: &str,
    metrics: Vec<Value>,
    seq: u64,
) -> String {
    let body = json!({"group": {"queueId": queue_id, "mediaType": media},
        "data": [{"interval": format!("{now}/{now}"), "metrics": metrics}]});
    envelope(&queue_topic(queue_id), body, seq)
}

/// A wide-interval message of one media type: totals since the
/// interval's start, never a current count. Timed metrics (`tAnswered`,
/// `tHandle`) carry a count and the durations summed (ms), as the SDK's
/// stats map does.
pub(crate) fn totals(queue_id: &str, media: &str, interval: &str, t: &Totals, seq: u64) -> String {
    let ratio = if t.answered == 0 {
        1.0
    } else {
        t.answered_in_target as f64 / t.answered as f64
    };
    let body = json!({"group": {"queueId": queue_id, "mediaType": media},
    "data": [{"interval": interval, "metrics": [
        {"metric": "nOffered", "stats": {"count": t.offered}},
        {"metric": "tAbandon", "stats": {"count": t.abandoned}},
        {"metric": "tAnswered", "stats": {"count": t.answered, "sum": t.answer_wait_ms}},
        {"metric": "tHandle", "stats": {"count": t.handled, "sum": t.handle_ms}},
        {"metric": "oServiceLevel", "stats": {"ratio": ratio,
            "numerator": t.answered_in_target, "denominator": t.answered,
            "target": SERVICE_LEVEL_PERCENT}},
    ]}]});
    envelope(&queue_topic(queue_id), body, seq)
}

/// The system presence that goes with a routing status.
fn presence_of(status: &str) -> &'static str {
    if status == "OFF_QUEUE" {
        "Available"
    } else {
        "On Queue"
    }
}

/// A user's routing status (and presence) changed, on the combined topic.
pub(crate) fn user(user_id: &str, status: &str, start: &str, seq: u64) -> String {
    let body = json!({"id": user_id,
        "routingStatus": {"status": status, "startTime": start},
        "presence": {"presenceDefinition": {"systemPresence": presence_of(status)},
            "modifiedDate": start}});
    envelope(&combined_user_topic(user_id), body, seq)
}

/// The org's presence definition ids (fixed: one simulated org).
const AVAILABLE_PRESENCE_ID: &str = "6a3af858-942f-489d-9700-5f9bcdcdae9b";
const ON_QUEUE_PRESENCE_ID: &str = "e08eaf1b-ee47-4fa9-a231-1200e284798f";

/// The activity topic's body (the SDK's `UserActivity` event): routing
/// status, presence, out of office, and the queues the user is joined in.
pub(crate) fn activity(
    user_id: &str,
    status: &str,
    start: &str,
    activity: &Activity,
    seq: u64,
) -> String {
    let presence = presence_of(status);
    let presence_id = if presence == "Available" {
        AVAILABLE_PRESENCE_ID
    } else {
        ON_QUEUE_PRESENCE_ID
    };
    let body = json!({"id": user_id,
        "routingStatus": {"status": status, "startTime": start},
        "presence": {"presenceDefinition": {"id": presence_id, "systemPresence": presence},
            "presenceMessage": "", "modifiedDate": start},
        "outOfOffice": {"active": false, "modifiedDate": start},
        "activeQueueIds": activity.active_queue_ids,
        "dateActiveQueuesChanged": stamp_ms(activity.changed_ms)});
    envelope(&activity_topic(user_id), body, seq)
}

/// A member joined, left or was removed (the SDK's
/// `QueueUserEventTopicQueueMember`). Nothing public says how a removal
/// differs from an unjoin, so both say `joined: false`.
pub(crate) fn membership(m: &Membership, seq: u64) -> String {
    let body = json!({"id": m.user_id, "user": {"id": m.user_id},
        "queueId": m.queue_id, "joined": m.joined && m.member});
    envelope(&members_topic(&m.queue_id), body, seq)
}

/// RFC 3339 UTC with milliseconds from Unix milliseconds.
pub(crate) fn stamp_ms(ms: i128) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    crate::event::rfc3339_ms(t)
}

pub(crate) fn now_ms() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observation_matches_the_protocol_example() {
        let t = "2026-11-27T19:20:25.123Z";
        let text = observation(
            "Q",
            "voice",
            t,
            vec![on_queue_metric(0, 3), interacting_metric(6)],
            7,
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            json!({"topicName":"v2.analytics.queues.Q.observations","version":"2",
              "eventBody":{"group":{"queueId":"Q","mediaType":"voice"},
                "data":[{"interval":"2026-11-27T19:20:25.123Z/2026-11-27T19:20:25.123Z",
                  "metrics":[{"metric":"oOnQueueUsers","qualifier":"IDLE","stats":{"count":3}},
                             {"metric":"oInteracting","stats":{"count":6}}]}]},
              "metadata":{"CorrelationId":"7"}})
        );
    }

    #[test]
    fn stamps_are_rfc3339_ms() {
        assert_eq!(stamp_ms(1_795_807_225_123), "2026-11-27T19:20:25.123Z");
    }
}
