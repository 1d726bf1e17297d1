//! The shapes of the REST answers queuetop reads, and a queue member as
//! the mapper wants it.

use serde::Deserialize;

use crate::event::{AgentStatus, parse_rfc3339};
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

#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct Named {
    pub id: String,
    #[serde(default)]
    pub name: String,
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
            Some(u) => (u.id, u.name.or(self.name), u.skills, u.routing_status),
            None => (self.id?, self.name, Vec::new(), None),
        };
        let routing = self
            .routing_status
            .filter(|r| r.status.is_some())
            .or(user_status);
        let since = routing
            .as_ref()
            .and_then(|r| r.start_time.as_deref())
            .and_then(parse_rfc3339);
        let status = routing
            .and_then(|r| r.status)
            .map(|s| AgentStatus::parse(&s))
            .unwrap_or(AgentStatus::OffQueue);
        Some(Member {
            user_id,
            name,
            skills: skills.into_iter().map(|s| s.id).collect(),
            status,
            since,
            // A server that does not say is an older one that listed only
            // joined members.
            joined: self.joined.unwrap_or(true),
        })
    }
}
