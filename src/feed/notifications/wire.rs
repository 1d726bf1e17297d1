//! The Notifications API's JSON, as serde reads it: the socket envelope,
//! observation bodies and the observations query response.

use serde::Deserialize;
use serde_json::Value;

/// A parsed notification, not yet applied: the feed reads its correlation
/// id first, so a duplicate is dropped before it can touch the counts.
#[derive(Deserialize)]
pub struct Envelope {
    #[serde(rename = "topicName")]
    pub(super) topic_name: String,
    #[serde(rename = "eventBody")]
    pub(super) event_body: Value,
    #[serde(default)]
    pub(super) metadata: Option<Metadata>,
}

impl Envelope {
    pub fn correlation_id(&self) -> Option<&str> {
        self.metadata.as_ref()?.correlation_id.as_deref()
    }

    pub fn topic(&self) -> &str {
        &self.topic_name
    }
}

#[derive(Deserialize)]
pub(super) struct Metadata {
    #[serde(rename = "CorrelationId", default)]
    pub(super) correlation_id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Group {
    #[serde(rename = "queueId")]
    pub(super) queue_id: String,
    #[serde(rename = "mediaType", default)]
    pub(super) media_type: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ObservationBody {
    pub(super) group: Group,
    pub(super) data: Vec<IntervalData>,
}

#[derive(Deserialize)]
pub(super) struct IntervalData {
    pub(super) interval: String,
    pub(super) metrics: Vec<Metric>,
}

#[derive(Deserialize)]
pub(super) struct Metric {
    pub(super) metric: String,
    #[serde(default)]
    pub(super) qualifier: Option<String>,
    #[serde(default)]
    pub(super) stats: Stats,
    /// The query's per-interaction detail (`detailMetrics`); real
    /// notifications carry none.
    #[serde(default)]
    pub(super) observations: Option<Vec<Observation>>,
    /// The server cut `observations` short: demand is then a lower bound.
    #[serde(default)]
    pub(super) truncated: Option<bool>,
}

#[derive(Deserialize, Default)]
pub(super) struct Stats {
    #[serde(default)]
    pub(super) count: Option<u64>,
    #[serde(default)]
    pub(super) ratio: Option<f64>,
    /// `oServiceLevel`: answered within target, answered, and the target
    /// ratio, so service level can be summed over media types.
    #[serde(default)]
    pub(super) numerator: Option<f64>,
    #[serde(default)]
    pub(super) denominator: Option<f64>,
    #[serde(default)]
    pub(super) target: Option<f64>,
    /// Timed metrics (`tAnswered`, `tHandle`): total ms over `count`.
    #[serde(default)]
    pub(super) sum: Option<f64>,
}

#[derive(Deserialize)]
pub(super) struct Observation {
    #[serde(rename = "requestedRoutingSkillIds", default)]
    pub(super) requested_routing_skill_ids: Vec<String>,
    /// When the interaction began to wait (RFC 3339).
    #[serde(rename = "observationDate", default)]
    pub(super) observation_date: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct QueryResponse {
    #[serde(default)]
    pub(super) results: Vec<QueryResult>,
}

#[derive(Deserialize)]
pub(super) struct QueryResult {
    pub(super) group: Group,
    #[serde(default)]
    pub(super) data: Vec<Metric>,
}
