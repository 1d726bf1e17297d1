//! OpenMetrics for dashboards (`--metrics ADDR`, `[metrics] listen`): per
//! queue the figures of the export, and the feed's own. The app publishes
//! the model here once a second (O(queues), never per event); a scrape
//! encodes what was last published. prometheus-client writes the text.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::time::Instant;

use crate::event::ConnState;
use crate::model::AppState;

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
    utilization: QueuesF,
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

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("queuetop");
        let f = Families {
            waiting: Queues::default(),
            longest_wait: QueuesF::default(),
            agents: Family::default(),
            utilization: QueuesF::default(),
            alerts: Queues::default(),
            alerts_by_severity: Family::default(),
            stale: Queues::default(),
            connected: Gauge::default(),
            latency_avg: Gauge::default(),
            latency_p95: Gauge::default(),
            events: Counter::default(),
            reconnects: Counter::default(),
            duplicates: Counter::default(),
            malformed: Counter::default(),
            rest_calls: Counter::default(),
            corrections: Counter::default(),
            interval: interval::IntervalFamilies::new(&mut registry),
        };
        let r = &mut registry;
        r.register("queue_waiting", "Interactions waiting", f.waiting.clone());
        r.register(
            "queue_longest_wait_seconds",
            "Longest current wait among tracked interactions",
            f.longest_wait.clone(),
        );
        r.register(
            "queue_agents",
            "Agents by state, as Genesys Cloud's Queues Activity names them: on_queue, \
             off_queue, idle, interacting, communicating, not_responding; and the seed's \
             available and logged_in. A state the feed does not report is left out",
            f.agents.clone(),
        );
        r.register(
            "queue_utilization_percent",
            "Agents interacting per agent logged in, percent",
            f.utilization.clone(),
        );
        r.register("queue_alerts_active", "Active alerts", f.alerts.clone());
        r.register(
            "queue_alerts_by_severity",
            "Active alerts by severity: critical, warning, info",
            f.alerts_by_severity.clone(),
        );
        r.register(
            "queue_stale",
            "1 when the queue had no update for alerts.stale_after_s",
            f.stale.clone(),
        );
        r.register(
            "feed_connected",
            "1 when the feed is connected",
            f.connected.clone(),
        );
        r.register(
            "feed_latency_avg_milliseconds",
            "Average delivery latency of queue events",
            f.latency_avg.clone(),
        );
        r.register(
            "feed_latency_p95_milliseconds",
            "95th percentile delivery latency of queue events",
            f.latency_p95.clone(),
        );
        r.register("feed_events", "Queue events processed", f.events.clone());
        r.register(
            "feed_reconnects",
            "Connections opened after the first",
            f.reconnects.clone(),
        );
        r.register(
            "feed_duplicates_dropped",
            "Duplicate notifications dropped",
            f.duplicates.clone(),
        );
        r.register(
            "feed_malformed",
            "Malformed frames counted and skipped",
            f.malformed.clone(),
        );
        r.register(
            "feed_rest_calls",
            "REST calls sent, retries included",
            f.rest_calls.clone(),
        );
        r.register(
            "feed_observation_corrections",
            "Figures an observations query corrected (non-zero: the notification mapping drifts)",
            f.corrections.clone(),
        );
        Metrics {
            registry,
            families: f,
            totals: Mutex::new(Totals::default()),
            publishing: Mutex::new(()),
        }
    }

    /// Copies the model's figures in; O(queues).
    pub fn publish(&self, st: &AppState, feed: FeedCounts, now: Instant) {
        let _guard = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        let f = &self.families;
        for fam in [&f.waiting, &f.alerts, &f.stale] {
            fam.clear();
        }
        f.longest_wait.clear();
        f.utilization.clear();
        f.agents.clear();
        f.alerts_by_severity.clear();
        f.interval.clear();
        for q in &st.queues {
            let l = QueueLabels {
                queue_id: q.id.clone(),
                queue_name: q.name.clone(),
            };
            f.waiting
                .get_or_create(&l)
                .set(i64::from(q.waiting_count()));
            f.alerts.get_or_create(&l).set(q.active_alerts as i64);
            f.stale.get_or_create(&l).set(i64::from(q.stale));
            if let Some(w) = q.longest_wait(now) {
                f.longest_wait.get_or_create(&l).set(w.as_secs_f64());
            }
            f.interval.publish(&l, &q.interval_figures());
            let Some(s) = &q.summary else { continue };
            f.utilization.get_or_create(&l).set(q.metrics.utilization);
            let a = s.agents;
            for (state, n) in [
                ("available", Some(s.agents_available)),
                ("logged_in", Some(s.agents_logged_in)),
                ("on_queue", Some(s.on_queue())),
                ("off_queue", a.off_queue),
                ("idle", Some(s.idle())),
                ("interacting", a.interacting.or(Some(s.agents_interacting))),
                ("communicating", a.communicating),
                ("not_responding", a.not_responding),
            ] {
                let Some(n) = n else { continue };
                let a = AgentLabels {
                    queue_id: q.id.clone(),
                    queue_name: q.name.clone(),
                    state,
                };
                f.agents.get_or_create(&a).set(i64::from(n));
            }
        }
        // Bounded: the alert list is.
        for alert in st.alerts.active() {
            let Some(id) = &alert.queue_id else { continue };
            let Some(q) = st.queue(id) else { continue };
            let l = SeverityLabels {
                queue_id: q.id.clone(),
                queue_name: q.name.clone(),
                severity: alert.kind.severity().as_str(),
            };
            f.alerts_by_severity.get_or_create(&l).inc();
        }
        let feed_stats = &st.feed;
        let connected = feed_stats.status.state == ConnState::Connected;
        f.connected.set(i64::from(connected));
        f.latency_avg.set(feed_stats.latency.avg().unwrap_or(0.0));
        f.latency_p95.set(feed_stats.latency.p95().unwrap_or(0));
        let mut guard = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        let t = &mut *guard;
        let reconnects = u64::from(feed_stats.status.connects.saturating_sub(1));
        for (counter, last, now) in [
            (&f.events, &mut t.events, feed_stats.events_processed),
            (&f.reconnects, &mut t.reconnects, reconnects),
            (&f.duplicates, &mut t.duplicates, feed.duplicates_dropped),
            (&f.malformed, &mut t.malformed, feed_stats.malformed),
            (&f.rest_calls, &mut t.rest_calls, feed.rest_calls),
            (
                &f.corrections,
                &mut t.corrections,
                feed.observation_corrections,
            ),
        ] {
            counter.inc_by(now.saturating_sub(*last));
            *last = (*last).max(now);
        }
    }

    /// The OpenMetrics text of what was last published.
    pub fn encode(&self) -> String {
        let _guard = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
