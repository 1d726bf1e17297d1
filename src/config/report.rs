//! The summary `check-config` prints for a valid config.

use std::fmt::Write;

use super::values::threshold;
use super::{Config, Protocol};
use crate::redact::redact_url;

/// "; service level 80% in 20 s (config)", what is left to the server
/// said so.
fn target_text(t: &super::QueueTarget) -> String {
    let pct = t
        .percent
        .map_or("the queue's own %".to_string(), |p| format!("{p}%"));
    let within = t
        .within_s
        .map_or("the queue's own time".to_string(), |s| format!("{s} s"));
    format!("; service level {pct} in {within} (config)")
}

impl Config {
    /// What would be monitored, for `check-config`: environment, protocol,
    /// hosts, queues with their events and filters, export, audit log.
    pub fn summary(&self) -> String {
        let genesys = &self.genesys;
        let mut text = String::new();
        let source = self.source.as_ref().map_or(
            "(no config file: defaults and environment)".to_string(),
            |path| path.display().to_string(),
        );
        // ok: writing to a String cannot fail.
        let _ = writeln!(text, "config:      {source}: valid");
        let _ = writeln!(text, "environment: {}", genesys.environment);
        let _ = writeln!(text, "protocol:    {}", genesys.protocol.as_str());
        let _ = writeln!(text, "login:       {}", redact_url(&genesys.login_url));
        let _ = writeln!(text, "api:         {}", redact_url(&genesys.api_url));
        if genesys.protocol == Protocol::Realtime {
            let _ = writeln!(text, "realtime:    {}", redact_url(&genesys.realtime_url));
        }
        let id = if genesys.client_id.is_empty() {
            "(not set)"
        } else {
            &genesys.client_id
        };
        let secret = if genesys.client_secret.is_some() {
            "set"
        } else {
            "(not set)"
        };
        let _ = writeln!(text, "client id:   {id}; secret {secret}");
        let _ = writeln!(text, "queues:      {}", self.queues.len());
        for queue in &self.queues {
            let name = match (&queue.name, &queue.id) {
                (Some(name), Some(id)) => format!("{name} ({id})"),
                (Some(name), None) => format!("{name} (id resolved by name)"),
                (None, Some(id)) => format!("{id} (name from the server)"),
                (None, None) => "(no id or name)".to_string(),
            };
            let events: Vec<&str> = queue.events.iter().map(|event| event.as_str()).collect();
            let filter = queue
                .filter
                .as_deref()
                .filter(|filter| !filter.trim().is_empty())
                .map_or(String::new(), |filter| format!("; filter {filter}"));
            let target = queue
                .id
                .as_ref()
                .or(queue.name.as_ref())
                .and_then(|key| self.queue_targets.get(key))
                .map_or(String::new(), target_text);
            let _ = writeln!(text, "  - {name}: {}{filter}{target}", events.join(", "));
        }
        if genesys.protocol == Protocol::Realtime {
            let count: usize = self.queues.iter().map(|queue| queue.events.len()).sum();
            let _ = writeln!(text, "subscriptions: {count} (at most 100 per connection)");
        }
        let alerts = &self.alerts;
        let _ = writeln!(
            text,
            "alerts:      utilization {}, waiting {}, latency p95 {}, stale after {} (0 = off)",
            threshold(alerts.utilization_pct, "%"),
            threshold(f64::from(alerts.waiting), ""),
            threshold(alerts.latency_ms as f64, " ms"),
            threshold(alerts.stale_after_s as f64, " s"),
        );
        let export = match self.export_path.as_deref() {
            None => "none".to_string(),
            Some("-") => "stdout".to_string(),
            Some(path) => format!("{path} (appended)"),
        };
        let _ = writeln!(text, "export:      {export}");
        let _ = writeln!(
            text,
            "audit log:   {} (level {}, {})",
            self.log.audit_file.display(),
            self.log.level,
            match self.log.max_size_mb {
                0 => "never rotated".to_string(),
                mb => format!("rotated past {mb} MB, {} kept", self.log.keep),
            }
        );
        text
    }
}
