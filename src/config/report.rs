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
        let g = &self.genesys;
        let mut s = String::new();
        let source = self.source.as_ref().map_or(
            "(no config file: defaults and environment)".to_string(),
            |p| p.display().to_string(),
        );
        // ok: writing to a String cannot fail.
        let _ = writeln!(s, "config:      {source}: valid");
        let _ = writeln!(s, "environment: {}", g.environment);
        let _ = writeln!(s, "protocol:    {}", g.protocol.as_str());
        let _ = writeln!(s, "login:       {}", redact_url(&g.login_url));
        let _ = writeln!(s, "api:         {}", redact_url(&g.api_url));
        if g.protocol == Protocol::Realtime {
            let _ = writeln!(s, "realtime:    {}", redact_url(&g.realtime_url));
        }
        let id = if g.client_id.is_empty() {
            "(not set)"
        } else {
            &g.client_id
        };
        let secret = if g.client_secret.is_some() {
            "set"
        } else {
            "(not set)"
        };
        let _ = writeln!(s, "client id:   {id}; secret {secret}");
        let _ = writeln!(s, "queues:      {}", self.queues.len());
        for q in &self.queues {
            let name = match (&q.name, &q.id) {
                (Some(n), Some(id)) => format!("{n} ({id})"),
                (Some(n), None) => format!("{n} (id resolved by name)"),
                (None, Some(id)) => format!("{id} (name from the server)"),
                (None, None) => "(no id or name)".to_string(),
            };
            let events: Vec<&str> = q.events.iter().map(|e| e.as_str()).collect();
            let filter = q
                .filter
                .as_deref()
                .filter(|f| !f.trim().is_empty())
                .map_or(String::new(), |f| format!("; filter {f}"));
            let target =
                q.id.as_ref()
                    .or(q.name.as_ref())
                    .and_then(|k| self.queue_targets.get(k))
                    .map_or(String::new(), target_text);
            let _ = writeln!(s, "  - {name}: {}{filter}{target}", events.join(", "));
        }
        if g.protocol == Protocol::Realtime {
            let n: usize = self.queues.iter().map(|q| q.events.len()).sum();
            let _ = writeln!(s, "subscriptions: {n} (at most 100 per connection)");
        }
        let a = &self.alerts;
        let _ = writeln!(
            s,
            "alerts:      utilization {}, waiting {}, latency p95 {}, stale after {} (0 = off)",
            threshold(a.utilization_pct, "%"),
            threshold(f64::from(a.waiting), ""),
            threshold(a.latency_ms as f64, " ms"),
            threshold(a.stale_after_s as f64, " s"),
        );
        let export = match self.export_path.as_deref() {
            None => "none".to_string(),
            Some("-") => "stdout".to_string(),
            Some(p) => format!("{p} (appended)"),
        };
        let _ = writeln!(s, "export:      {export}");
        let _ = writeln!(
            s,
            "audit log:   {} (level {}, {})",
            self.log.audit_file.display(),
            self.log.level,
            match self.log.max_size_mb {
                0 => "never rotated".to_string(),
                mb => format!("rotated past {mb} MB, {} kept", self.log.keep),
            }
        );
        s
    }
}
