//! OpenMetrics for dashboards (`--metrics ADDR`, `[metrics] listen`): per
//! queue the figures of the export, and the feed's own. The app publishes
//! the model here once a second (O(queues), never per event); a scrape
//! encodes what was last published. prometheus-client writes the text.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Metric, Registry};
use tokio::time::Instant;

use crate::event::ConnState;
use crate::model::queue::round1;
use crate::model::{AppState, QueueView};

mod interval;
mod server;

pub use server::serve;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue_id: String,
    queue_name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SeverityLabels {
    queue_id: String,
    queue_name: String,
    severity: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentLabels {
    queue_id: String,
    queue_name: String,
    state: &'static str,
}

type Queues = Family<QueueLabels, Gauge>;
type QueuesF = Family<QueueLabels, Gauge<f64, std::sync::atomic::AtomicU64>>;

/// Counters the feed reports as running totals; published as increments.
#[derive(Default)]
struct Totals {
    events: u64,
    reconnects: u64,
    duplicates: u64,
    malformed: u64,
    rest_calls: u64,
    corrections: u64,
}

struct Families {
    waiting: Queues,
    longest_wait: QueuesF,
    agents: Family<AgentLabels, Gauge>,
    utilization: Utilization,
    alerts: Queues,
    alerts_by_severity: Family<SeverityLabels, Gauge>,
    stale: Queues,
    connected: Gauge,
    latency_avg: Gauge<f64, std::sync::atomic::AtomicU64>,
    latency_p95: Gauge,
    events: Counter,
    reconnects: Counter,
    duplicates: Counter,
    malformed: Counter,
    rest_calls: Counter,
    corrections: Counter,
    interval: interval::IntervalFamilies,
}

/// The registry and the last published totals.
pub struct Metrics {
    registry: Registry,
    families: Families,
    totals: Mutex<Totals>,
    /// Held while publishing, so a scrape never sees a half-cleared family.
    publishing: Mutex<()>,
}

/// What the feed task counts outside the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedCounts {
    pub duplicates_dropped: u64,
    pub rest_calls: u64,
    /// Figures an observations query corrected (notifications drifted).
    pub observation_corrections: u64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// A new metric of type `M`, registered under `name` with `help`: each
/// family is written once.
fn registered<M>(registry: &mut Registry, name: &str, help: &str) -> M
where
    M: Metric + Clone + Default,
{
    let metric = M::default();
    registry.register(name, help, metric.clone());
    metric
}

/// Utilization by both formulas: the export's original one and the
/// screen's, queue work over agents on queue.
struct Utilization {
    original: QueuesF,
    on_queue: QueuesF,
}

impl Utilization {
    fn new(registry: &mut Registry) -> Utilization {
        Utilization {
            original: registered(
                registry,
                "queue_utilization_percent",
                "Agents interacting per agent logged in, percent: the export's \
                 routing_metrics.utilization, which counts agents on non-queue work as busy. \
                 The screen's Utilization column is queue_on_queue_utilization_percent, and \
                 this figure only where that one is absent (the realtime feed)",
            ),
            on_queue: registered(
                registry,
                "queue_on_queue_utilization_percent",
                "The screen's Utilization column and the export's figures.queueUtilization: \
                 agents interacting on queue work per agent on queue, percent, one decimal; \
                 absent where the feed does not give both or nobody is on queue (the screen \
                 then shows queue_utilization_percent)",
            ),
        }
    }

    fn clear(&self) {
        self.original.clear();
        self.on_queue.clear();
    }

    fn publish(&self, labels: &QueueLabels, queue: &QueueView) {
        self.original
            .get_or_create(labels)
            .set(queue.metrics.utilization);
        // Rounded as the export rounds it, so a panel and a line agree.
        if let Some(percent) = queue.metrics.queue_utilization {
            self.on_queue.get_or_create(labels).set(round1(percent));
        }
    }
}

impl Families {
    fn new(registry: &mut Registry) -> Families {
        Families {
            // Registered first, as before: the encoding keeps this order.
            interval: interval::IntervalFamilies::new(registry),
            waiting: registered(registry, "queue_waiting", "Interactions waiting"),
            longest_wait: registered(
                registry,
                "queue_longest_wait_seconds",
                "Longest current wait among tracked interactions",
            ),
            agents: registered(
                registry,
                "queue_agents",
                "Agents by state, as Genesys Cloud's Queues Activity names them: on_queue, \
                 off_queue, idle, interacting, communicating, not_responding; and the export's \
                 available and logged_in. A state the feed does not report is left out",
            ),
            utilization: Utilization::new(registry),
            alerts: registered(registry, "queue_alerts_active", "Active alerts"),
            alerts_by_severity: registered(
                registry,
                "queue_alerts_by_severity",
                "Active alerts by severity: critical, warning, info",
            ),
            stale: registered(
                registry,
                "queue_stale",
                "1 when the queue's figures cannot be trusted: the feed is down, its \
                 subscription refused, or the feed silent for alerts.stale_after_s",
            ),
            connected: registered(registry, "feed_connected", "1 when the feed is connected"),
            latency_avg: registered(
                registry,
                "feed_latency_avg_milliseconds",
                "Average delivery latency of queue events",
            ),
            latency_p95: registered(
                registry,
                "feed_latency_p95_milliseconds",
                "95th percentile delivery latency of queue events",
            ),
            events: registered(registry, "feed_events", "Queue events processed"),
            reconnects: registered(
                registry,
                "feed_reconnects",
                "Connections opened after the first",
            ),
            duplicates: registered(
                registry,
                "feed_duplicates_dropped",
                "Duplicate notifications dropped",
            ),
            malformed: registered(
                registry,
                "feed_malformed",
                "Malformed frames counted and skipped",
            ),
            rest_calls: registered(
                registry,
                "feed_rest_calls",
                "REST calls sent, retries included",
            ),
            corrections: registered(
                registry,
                "feed_observation_corrections",
                "Figures an observations query corrected (non-zero: the notification mapping drifts)",
            ),
        }
    }

    fn clear(&self) {
        for family in [&self.waiting, &self.alerts, &self.stale] {
            family.clear();
        }
        self.longest_wait.clear();
        self.utilization.clear();
        self.agents.clear();
        self.alerts_by_severity.clear();
        self.interval.clear();
    }

    /// One queue's figures; O(1).
    fn publish_queue(&self, queue: &QueueView, now: Instant) {
        let labels = QueueLabels {
            queue_id: queue.id.clone(),
            queue_name: queue.name.clone(),
        };
        self.waiting
            .get_or_create(&labels)
            .set(i64::from(queue.waiting_count()));
        self.alerts
            .get_or_create(&labels)
            .set(queue.active_alerts as i64);
        self.stale
            .get_or_create(&labels)
            .set(i64::from(queue.stale));
        if let Some(wait) = queue.longest_wait(now) {
            self.longest_wait
                .get_or_create(&labels)
                .set(wait.as_secs_f64());
        }
        self.interval.publish(&labels, &queue.interval_figures());
        let Some(summary) = &queue.summary else {
            return;
        };
        self.utilization.publish(&labels, queue);
        let agents = summary.agents;
        for (state, count) in [
            ("available", Some(summary.agents_available)),
            ("logged_in", Some(summary.agents_logged_in)),
            ("on_queue", Some(summary.on_queue())),
            ("off_queue", agents.off_queue),
            ("idle", Some(summary.idle())),
            (
                "interacting",
                agents.interacting.or(Some(summary.agents_interacting)),
            ),
            ("communicating", agents.communicating),
            ("not_responding", agents.not_responding),
        ] {
            let Some(count) = count else { continue };
            let labels = AgentLabels {
                queue_id: queue.id.clone(),
                queue_name: queue.name.clone(),
                state,
            };
            self.agents.get_or_create(&labels).set(i64::from(count));
        }
    }

    /// Active alerts by queue and severity; bounded, as the alert list is.
    fn publish_alerts(&self, state: &AppState) {
        for alert in state.alerts().active() {
            let Some(id) = &alert.queue_id else { continue };
            let Some(queue) = state.queue(id) else {
                continue;
            };
            let labels = SeverityLabels {
                queue_id: queue.id.clone(),
                queue_name: queue.name.clone(),
                severity: alert.kind.severity().as_str(),
            };
            self.alerts_by_severity.get_or_create(&labels).inc();
        }
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("queuetop");
        let families = Families::new(&mut registry);
        Metrics {
            registry,
            families,
            totals: Mutex::new(Totals::default()),
            publishing: Mutex::new(()),
        }
    }

    /// Copies the model's figures in; O(queues).
    pub fn publish(&self, state: &AppState, feed: FeedCounts, now: Instant) {
        let _guard = self
            .publishing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let families = &self.families;
        families.clear();
        for queue in state.queues() {
            families.publish_queue(queue, now);
        }
        families.publish_alerts(state);
        let feed_stats = &state.feed();
        let connected = feed_stats.status.state == ConnState::Connected;
        families.connected.set(i64::from(connected));
        families
            .latency_avg
            .set(feed_stats.latency.avg().unwrap_or(0.0));
        families
            .latency_p95
            .set(feed_stats.latency.p95().unwrap_or(0));
        let mut guard = self
            .totals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let totals = &mut *guard;
        let reconnects = u64::from(feed_stats.status.connects.saturating_sub(1));
        for (counter, last, now) in [
            (
                &families.events,
                &mut totals.events,
                feed_stats.events_processed,
            ),
            (&families.reconnects, &mut totals.reconnects, reconnects),
            (
                &families.duplicates,
                &mut totals.duplicates,
                feed.duplicates_dropped,
            ),
            (
                &families.malformed,
                &mut totals.malformed,
                feed_stats.malformed,
            ),
            (
                &families.rest_calls,
                &mut totals.rest_calls,
                feed.rest_calls,
            ),
            (
                &families.corrections,
                &mut totals.corrections,
                feed.observation_corrections,
            ),
        ] {
            counter.inc_by(now.saturating_sub(*last));
            *last = (*last).max(now);
        }
    }

    /// The OpenMetrics text of what was last published.
    pub fn encode(&self) -> String {
        let _guard = self
            .publishing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
