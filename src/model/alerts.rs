//! Alerts: raised once, cleared when the condition ends, with times.

use std::collections::{BTreeSet, HashMap, VecDeque};

use time::OffsetDateTime;

/// Alerts kept in the history (active and cleared).
pub const ALERT_HISTORY: usize = 256;
/// Transitions kept until the app takes them (for the audit log).
const TRANSITIONS_KEPT: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    SkillDeficit { skill: String },
    Utilization,
    Waiting,
    Latency,
    Stale,
    ServerError { code: String },
    TopicRejected { topic: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub kind: AlertKind,
    /// None for feed-wide alerts.
    pub queue_id: Option<String>,
    pub message: String,
    pub raised_at: OffsetDateTime,
    /// Set when the condition ended; cleared alerts are shown dimmed.
    pub cleared_at: Option<OffsetDateTime>,
}

impl Alert {
    pub fn is_active(&self) -> bool {
        self.cleared_at.is_none()
    }
}

/// One alert raised or cleared, for the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTransition {
    pub raised: bool,
    pub alert: Alert,
}

/// Active and recent alerts, bounded.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// Newest last; bounded history (cleared ones drop off first).
    pub list: Vec<Alert>,
    /// Kinds of the active alerts, feed-wide and by queue id: "is it
    /// raised?" without a scan or an allocation.
    feed_active: BTreeSet<AlertKind>,
    queue_active: HashMap<String, BTreeSet<AlertKind>>,
    transitions: VecDeque<AlertTransition>,
}

impl Alerts {
    pub fn is_active(&self, queue_id: Option<&str>, kind: &AlertKind) -> bool {
        self.kinds(queue_id).is_some_and(|k| k.contains(kind))
    }

    fn kinds(&self, queue_id: Option<&str>) -> Option<&BTreeSet<AlertKind>> {
        match queue_id {
            None => Some(&self.feed_active),
            Some(q) => self.queue_active.get(q),
        }
    }

    /// Marks active; false when it already was.
    fn activate(&mut self, queue_id: Option<&str>, kind: AlertKind) -> bool {
        match queue_id {
            None => self.feed_active.insert(kind),
            Some(q) => match self.queue_active.get_mut(q) {
                Some(set) => set.insert(kind),
                None => {
                    self.queue_active
                        .insert(q.to_string(), BTreeSet::from([kind]));
                    true
                }
            },
        }
    }

    /// Marks inactive; false when it was not active.
    fn deactivate(&mut self, queue_id: Option<&str>, kind: &AlertKind) -> bool {
        match queue_id {
            None => self.feed_active.remove(kind),
            Some(q) => {
                let Some(set) = self.queue_active.get_mut(q) else {
                    return false;
                };
                let removed = set.remove(kind);
                if set.is_empty() {
                    self.queue_active.remove(q);
                }
                removed
            }
        }
    }

    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.list.iter().filter(|a| a.is_active())
    }

    /// Active alerts in the history (bounded, so this scan is too).
    pub fn active_count(&self) -> usize {
        self.list.iter().filter(|a| a.is_active()).count()
    }

    /// Raises an alert unless it is already active. True when newly raised.
    pub fn raise(
        &mut self,
        queue_id: Option<&str>,
        kind: AlertKind,
        message: String,
        at: OffsetDateTime,
    ) -> bool {
        if self.is_active(queue_id, &kind) {
            return false;
        }
        let alert = Alert {
            kind: kind.clone(),
            queue_id: queue_id.map(str::to_string),
            message,
            raised_at: at,
            cleared_at: None,
        };
        self.activate(queue_id, kind);
        self.note(true, &alert);
        self.list.push(alert);
        self.trim();
        true
    }

    /// Clears an active alert. True when it was active.
    pub fn clear(&mut self, queue_id: Option<&str>, kind: &AlertKind, at: OffsetDateTime) -> bool {
        if !self.deactivate(queue_id, kind) {
            return false;
        }
        // Bounded scan, only on a transition (rare), never per event.
        if let Some(i) = self
            .list
            .iter()
            .rposition(|a| a.is_active() && a.kind == *kind && a.queue_id.as_deref() == queue_id)
        {
            self.list[i].cleared_at = Some(at);
            let alert = self.list[i].clone();
            self.note(false, &alert);
        }
        true
    }

    /// Sets the alert to match `on`. True when it changed.
    pub fn set(
        &mut self,
        queue_id: Option<&str>,
        kind: AlertKind,
        on: bool,
        message: impl FnOnce() -> String,
        at: OffsetDateTime,
    ) -> bool {
        if on {
            if self.is_active(queue_id, &kind) {
                return false;
            }
            self.raise(queue_id, kind, message(), at)
        } else {
            self.clear(queue_id, &kind, at)
        }
    }

    /// Clears every active alert (of any queue) whose kind matches `pred`.
    pub fn clear_all_where(
        &mut self,
        pred: impl Fn(&AlertKind) -> bool,
        at: OffsetDateTime,
    ) -> bool {
        let mut keys: Vec<(Option<String>, AlertKind)> = self
            .feed_active
            .iter()
            .filter(|k| pred(k))
            .map(|k| (None, k.clone()))
            .collect();
        for (q, set) in &self.queue_active {
            keys.extend(
                set.iter()
                    .filter(|k| pred(k))
                    .map(|k| (Some(q.clone()), k.clone())),
            );
        }
        let mut changed = false;
        for (q, k) in keys {
            changed |= self.clear(q.as_deref(), &k, at);
        }
        changed
    }

    /// Active alerts of one queue.
    pub fn active_for(&self, queue_id: &str) -> usize {
        self.queue_active.get(queue_id).map_or(0, BTreeSet::len)
    }

    /// Takes the raise/clear transitions since the last call (oldest
    /// first). Bounded: when nobody takes them, the oldest drop off.
    pub fn take_transitions(&mut self) -> Vec<AlertTransition> {
        self.transitions.drain(..).collect()
    }

    fn note(&mut self, raised: bool, alert: &Alert) {
        if self.transitions.len() == TRANSITIONS_KEPT {
            self.transitions.pop_front();
        }
        self.transitions.push_back(AlertTransition {
            raised,
            alert: alert.clone(),
        });
    }

    /// Drops the oldest cleared alerts past the cap. Active ones stay:
    /// dropping one would make its still-true condition raise it again on
    /// the next event; they are bounded by the conditions that exist.
    fn trim(&mut self) {
        while self.list.len() > ALERT_HISTORY {
            let Some(i) = self.list.iter().position(|a| !a.is_active()) else {
                break;
            };
            self.list.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(s)
    }

    #[test]
    fn raised_once_and_cleared_with_times() {
        let mut a = Alerts::default();
        assert!(a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(1)));
        assert!(!a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(2)));
        assert!(a.is_active(Some("Q"), &AlertKind::Waiting));
        assert!(!a.is_active(Some("R"), &AlertKind::Waiting));
        assert_eq!(a.list.len(), 1);
        assert!(a.clear(Some("Q"), &AlertKind::Waiting, t(3)));
        assert!(!a.clear(Some("Q"), &AlertKind::Waiting, t(4)));
        assert_eq!(a.list[0].raised_at, t(1));
        assert_eq!(a.list[0].cleared_at, Some(t(3)));
        assert_eq!(a.active_count(), 0);
        // Raised again later: a new entry.
        assert!(a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(5)));
        assert_eq!(a.list.len(), 2);
        let tr = a.take_transitions();
        assert_eq!(
            tr.iter().map(|t| t.raised).collect::<Vec<_>>(),
            vec![true, false, true]
        );
        assert!(a.take_transitions().is_empty());
    }

    #[test]
    fn history_is_bounded_and_drops_cleared_first() {
        let mut a = Alerts::default();
        a.raise(None, AlertKind::Latency, "l".into(), t(0));
        for i in 0..(ALERT_HISTORY as i64 + 50) {
            let k = AlertKind::ServerError {
                code: i.to_string(),
            };
            a.raise(None, k.clone(), "e".into(), t(i));
            a.clear(None, &k, t(i));
        }
        assert_eq!(a.list.len(), ALERT_HISTORY);
        assert!(a.is_active(None, &AlertKind::Latency));
        assert_eq!(a.list[0].kind, AlertKind::Latency);
        assert_eq!(a.active_count(), 1);
    }

    #[test]
    fn active_alerts_are_never_dropped_so_never_raised_twice() {
        let mut a = Alerts::default();
        let n = ALERT_HISTORY as i64 + 10;
        for i in 0..n {
            let k = AlertKind::SkillDeficit {
                skill: i.to_string(),
            };
            assert!(a.raise(Some("Q"), k, "d".into(), t(i)));
        }
        for i in 0..n {
            let k = AlertKind::SkillDeficit {
                skill: i.to_string(),
            };
            assert!(!a.set(Some("Q"), k, true, String::new, t(n)));
        }
        assert_eq!(a.active_count(), n as usize);
        assert_eq!(a.active_for("Q"), n as usize);
        assert_eq!(a.take_transitions().len(), TRANSITIONS_KEPT);
    }
}
