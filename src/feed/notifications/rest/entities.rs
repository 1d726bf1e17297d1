//! The shapes of the REST answers queuetop reads, and a queue member as
//! the mapper wants it.

use serde::Deserialize;
use serde_json::Value;

use crate::event::{AgentStatus, ServiceTarget, parse_rfc3339};
use crate::feed::notifications::mapping::Member;

#[derive(Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub(super) code: Option<String>,
    #[serde(default)]
    pub(super) message: Option<String>,
}

/// One page of a listing. Queue and skill listings say how many pages
/// there are (`pageCount`); the members listing does not, and says where
/// the next page is (`nextUri`, absent on the last one).
#[derive(Deserialize)]
pub(super) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub(super) entities: Vec<T>,
    #[serde(rename = "pageCount", default)]
    pub(super) page_count: Option<u32>,
    #[serde(rename = "nextUri", default)]
    pub(super) next_uri: Option<String>,
}

impl<T> Page<T> {
    /// Whether page `n` is followed by another one.
    pub(super) fn has_next(&self, n: u32) -> bool {
        match self.page_count {
            Some(count) => n < count,
            None => self.next_uri.as_deref().is_some_and(|u| !u.is_empty()),
        }
    }
}

/// An id and a name: a skill, or a queue (whose entity also carries its
/// media settings).
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct Named {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// A queue's service-level goal, from its `mediaSettings`; None for a
    /// skill, or a queue whose settings give none.
    #[serde(
        rename = "mediaSettings",
        default,
        deserialize_with = "service_target_of"
    )]
    pub service_target: Option<ServiceTarget>,
}

/// Media types in the order their goal stands for the queue's (media
/// types may have different goals; the screen shows one): the phone's
/// first, as a supervisor means it.
const MEDIA_ORDER: [&str; 5] = ["call", "callback", "chat", "message", "email"];

/// The queue's goal from `mediaSettings` (`{"call": {"serviceLevel":
/// {"percentage": 0.8, "durationMs": 20000}}, ...}`, `percentage` a
/// fraction): the first media type's by `MEDIA_ORDER` that has one. Read
/// leniently: a setting of another shape is skipped
/// (logged), never a reason to refuse the queue listing.
fn service_target_of<'de, D>(d: D) -> Result<Option<ServiceTarget>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let settings = Value::deserialize(d)?;
    let goal = |media: &str| -> Option<ServiceTarget> {
        let level = settings.get(media)?.get("serviceLevel")?;
        let fraction = level.get("percentage")?.as_f64()?;
        let ms = level.get("durationMs")?.as_u64()?;
        let target = ServiceTarget::new(fraction * 100.0, ms).filter(|_| fraction <= 1.0);
        if target.is_none() {
            tracing::warn!(target: "queuetop::feed", media, fraction, "a queue's service level percentage is not a fraction between 0 and 1: ignored");
        }
        target
    };
    Ok(MEDIA_ORDER.iter().find_map(|m| goal(m)))
}

/// A notifications channel.
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct Channel {
    #[serde(rename = "connectUri")]
    pub connect_uri: String,
    pub id: String,
    /// RFC 3339; channels live 24 h.
    #[serde(default)]
    pub expires: Option<String>,
}

/// One topic's answer to a subscription request.
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct TopicState {
    pub id: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(rename = "rejectionReason", default)]
    pub rejection_reason: Option<String>,
}

impl TopicState {
    pub fn rejected(&self) -> bool {
        self.state.as_deref() == Some("Rejected")
    }
}

#[derive(Deserialize)]
pub(super) struct MemberEntity {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    user: Option<MemberUser>,
    #[serde(rename = "routingStatus", default)]
    routing_status: Option<RoutingStatus>,
    #[serde(default)]
    joined: Option<bool>,
}

#[derive(Deserialize)]
struct MemberUser {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    skills: Vec<Named>,
    #[serde(rename = "routingStatus", default)]
    routing_status: Option<RoutingStatus>,
}

#[derive(Deserialize)]
struct RoutingStatus {
    #[serde(default)]
    status: Option<String>,
    #[serde(rename = "startTime", default)]
    start_time: Option<String>,
}

impl MemberEntity {
    /// The member, or None for an entry with no id at all.
    pub(super) fn into_member(self) -> Option<Member> {
        // A queue member's own id is its user's id; `user` carries the
        // expanded skills.
        let (user_id, name, skills, user_status) = match self.user {
            Some(user) => (
                user.id,
                user.name.or(self.name),
                user.skills,
                user.routing_status,
            ),
            None => (self.id?, self.name, Vec::new(), None),
        };
        let routing = self
            .routing_status
            .filter(|record| record.status.is_some())
            .or(user_status);
        let since = routing
            .as_ref()
            .and_then(|record| record.start_time.as_deref())
            .and_then(parse_rfc3339);
        let status = routing
            .and_then(|record| record.status)
            .map(|raw| AgentStatus::parse(&raw))
            .unwrap_or(AgentStatus::OffQueue);
        Some(Member {
            user_id,
            name,
            skills: skills.into_iter().map(|skill| skill.id).collect(),
            status,
            since,
            // A server that does not say is an older one that listed only
            // joined members.
            joined: self.joined.unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(json: &str) -> Named {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_queue_carries_its_service_level_goal() {
        let q = named(
            r#"{"id":"Q","name":"Support","mediaSettings":{
              "chat":{"serviceLevel":{"percentage":0.9,"durationMs":30000}},
              "call":{"alertingTimeoutSeconds":8,"serviceLevel":{"percentage":0.8,"durationMs":20000}}}}"#,
        );
        assert_eq!(
            q.service_target,
            ServiceTarget::new(80.0, 20_000),
            "the phone's goal first"
        );
        let chat_only = named(
            r#"{"id":"Q","mediaSettings":{"chat":{"serviceLevel":{"percentage":0.9,"durationMs":30000}}}}"#,
        );
        assert_eq!(chat_only.service_target, ServiceTarget::new(90.0, 30_000));
    }

    #[test]
    fn odd_media_settings_never_refuse_the_queue() {
        for odd in [
            r#"{"id":"Q","name":"S"}"#,
            r#"{"id":"Q","mediaSettings":null}"#,
            r#"{"id":"Q","mediaSettings":[1,2]}"#,
            r#"{"id":"Q","mediaSettings":{"call":{"serviceLevel":{"percentage":80,"durationMs":20000}}}}"#,
            r#"{"id":"Q","mediaSettings":{"call":{"serviceLevel":{"percentage":0.8}}}}"#,
            r#"{"id":"Q","mediaSettings":{"call":"x","video":{"serviceLevel":1}}}"#,
        ] {
            assert_eq!(named(odd).service_target, None, "{odd}");
        }
    }
}
