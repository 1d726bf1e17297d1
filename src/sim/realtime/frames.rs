//! The simulator's own serializer for realtime v1 messages (docs/PROTOCOL.md,
//! "Realtime v1"), written with `serde_json::json!` from the spec, never with
//! the client's codecs.

use serde_json::{Map, Value, json};

use crate::event::QueueEventKind;

pub(crate) const SYSTEM_TOPIC: &str = "/system";

pub(crate) fn queue_topic(queue_id: &str) -> String {
    format!("/routing/queues/{queue_id}/events")
}

fn event_data(kind: &QueueEventKind) -> Option<(&'static str, Value)> {
    Some(match kind {
        QueueEventKind::Summary(summary) => {
            let mut skills = Map::new();
            for (name, skill) in &summary.skills {
                let mut object = Map::new();
                object.insert("available".into(), json!(skill.available));
                if let Some(required) = skill.required {
                    object.insert("required".into(), json!(required));
                }
                skills.insert(name.clone(), Value::Object(object));
            }
            let mut data = json!({
                "queueId": summary.queue_id,
                "agentsAvailable": summary.agents_available,
                "agentsLoggedIn": summary.agents_logged_in,
                "agentsInteracting": summary.agents_interacting,
                "interactionsWaiting": summary.interactions_waiting,
                "skills": skills,
            });
            if let Some(name) = &summary.queue_name {
                data["queueName"] = json!(name);
            }
            ("queue-summary", data)
        }
        QueueEventKind::Interaction(interaction) => {
            let mut data = json!({
                "queueId": interaction.queue_id,
                "conversationId": interaction.conversation_id,
                "mediaType": interaction.media_type.as_str(),
                "state": interaction.state.as_str(),
            });
            if let Some(wait) = interaction.wait_ms {
                data["waitMs"] = json!(wait);
            }
            ("queue-interaction", data)
        }
        QueueEventKind::Agent(agent) => {
            let mut data = json!({
                "queueId": agent.queue_id,
                "userId": agent.user_id,
                "status": agent.status.as_str(),
                "skills": agent.skills,
            });
            if let Some(user_name) = &agent.user_name {
                data["userName"] = json!(user_name);
            }
            ("agent-state", data)
        }
        // The realtime feed has no totals message.
        QueueEventKind::Totals(_) => return None,
    })
}

/// A queue event as a realtime v1 message; `None` for kinds the feed lacks.
pub(crate) fn event(kind: &QueueEventKind, timestamp: &str) -> Option<String> {
    let (ty, data) = event_data(kind)?;
    Some(
        json!({"type": ty, "topic": queue_topic(kind.queue_id()), "timestamp": timestamp, "data": data})
            .to_string(),
    )
}

pub(crate) fn ack(ids: &[String], timestamp: &str) -> String {
    let data: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    json!({"type": "ack", "topic": SYSTEM_TOPIC, "timestamp": timestamp, "data": data}).to_string()
}

pub(crate) fn error(
    code: &str,
    message: &str,
    subscription_id: Option<&str>,
    timestamp: &str,
) -> String {
    let mut data = json!({"code": code});
    if let Some(id) = subscription_id {
        data["subscriptionId"] = json!(id);
    }
    json!({"type": "error", "topic": SYSTEM_TOPIC, "timestamp": timestamp,
        "message": message, "data": data})
    .to_string()
}

pub(crate) fn heartbeat(timestamp: &str) -> String {
    json!({"type": "heartbeat", "topic": SYSTEM_TOPIC, "timestamp": timestamp, "data": {}})
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{QueueSummary, SkillCount};

    #[test]
    fn summary_has_spec_fields() {
        let mut s = QueueSummary {
            queue_id: "Q".into(),
            queue_name: Some("Support EN".into()),
            agents_available: 3,
            agents_logged_in: 10,
            agents_interacting: 6,
            interactions_waiting: 4,
            ..Default::default()
        };
        s.skills.insert(
            "Spanish".into(),
            SkillCount {
                available: 0,
                required: Some(2),
            },
        );
        s.skills.insert(
            "Billing".into(),
            SkillCount {
                available: 2,
                required: None,
            },
        );
        let text = event(&QueueEventKind::Summary(s), "2026-11-27T19:20:25.123Z").unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            json!({"type":"queue-summary","topic":"/routing/queues/Q/events","timestamp":"2026-11-27T19:20:25.123Z",
             "data":{"queueId":"Q","queueName":"Support EN","agentsAvailable":3,"agentsLoggedIn":10,
                     "agentsInteracting":6,"interactionsWaiting":4,
                     "skills":{"Spanish":{"available":0,"required":2},"Billing":{"available":2}}}})
        );
    }
}
