//! Alerts with hysteresis: a condition must hold for the raise delay before
//! it is an alert and be gone for the clear delay before the alert ends, so
//! a value sitting on its threshold raises once. Repeats of one alert within
//! `REPEAT_WINDOW` reopen its entry instead of adding another.

use std::collections::{BTreeSet, HashMap, VecDeque};

use time::OffsetDateTime;
use tokio::time::Instant;

pub use crate::model::alert_kind::{AlertKind, Delays, Severity};
pub use crate::model::alerts_entry::{Alert, AlertTransition};

/// Alerts kept in the history (active and cleared). Repeats share an
/// entry, so this holds far more than 256 raises.
pub const ALERT_HISTORY: usize = 256;
/// Transitions kept until the app takes them (for the audit log).
const TRANSITIONS_KEPT: usize = 256;
/// A raise within this long of the same alert's end reopens that entry.
pub const REPEAT_WINDOW: time::Duration = time::Duration::minutes(10);

/// A condition the model watches. An episode begins when it turns on and
/// ends once it has been off for the clear delay: a value flapping across
/// its threshold is one episode, which raises once it is old enough.
#[derive(Debug, Clone)]
struct Condition {
    on: bool,
    /// When the episode began.
    since: Instant,
    since_wall: OffsetDateTime,
    /// When it last turned off (meaningful while `on` is false).
    off_since: Instant,
    off_wall: OffsetDateTime,
    /// The message at the episode's start: what the raise will say.
    message: String,
}

type Conditions = HashMap<AlertKind, Condition>;

/// Active and recent alerts, bounded.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// Newest last; bounded history (cleared ones drop off first).
    pub list: Vec<Alert>,
    pub delays: Delays,
    /// Kinds of the raised alerts, feed-wide and by queue id: "is it
    /// raised?" without a scan or an allocation.
    feed_active: BTreeSet<AlertKind>,
    queue_active: HashMap<String, BTreeSet<AlertKind>>,
    /// Conditions that are on, or raised and waiting to clear.
    feed_conditions: Conditions,
    queue_conditions: HashMap<String, Conditions>,
    transitions: VecDeque<AlertTransition>,
}

impl Alerts {
    pub fn with_delays(delays: Delays) -> Self {
        Alerts {
            delays,
            ..Default::default()
        }
    }

    pub fn is_active(&self, queue_id: Option<&str>, kind: &AlertKind) -> bool {
        match queue_id {
            None => self.feed_active.contains(kind),
            Some(q) => self.queue_active.get(q).is_some_and(|k| k.contains(kind)),
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

    /// Raises an alert at once, unless it is already active (events, not
    /// conditions: a refused topic, a server error). True when raised.
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
        self.activate(queue_id, kind.clone());
        self.open(queue_id, kind, message, at);
        true
    }

    /// Adds the entry for a raise, or reopens the same alert's entry when
    /// it ended within `REPEAT_WINDOW`. Bounded scan, on a transition only.
    fn open(
        &mut self,
        queue_id: Option<&str>,
        kind: AlertKind,
        message: String,
        at: OffsetDateTime,
    ) {
        let same = |other: &Alert| {
            !other.restored && other.kind == kind && other.queue_id.as_deref() == queue_id
        };
        let recent = self.list.iter().rposition(same).filter(|&index| {
            self.list[index]
                .cleared_at
                .is_some_and(|cleared| at - cleared <= REPEAT_WINDOW)
        });
        let alert = match recent {
            Some(index) => {
                let mut reopened = self.list.remove(index);
                reopened.raises = reopened.raises.saturating_add(1);
                reopened.raised_at = at;
                reopened.cleared_at = None;
                reopened.acknowledged = false;
                reopened.message = message;
                reopened
            }
            None => Alert {
                severity: kind.severity(),
                kind,
                queue_id: queue_id.map(str::to_string),
                message,
                raised_at: at,
                cleared_at: None,
                raises: 1,
                first_raised: at,
                acknowledged: false,
                snoozed_until: None,
                restored: false,
            },
        };
        self.note(true, &alert);
        self.list.push(alert);
        self.trim();
    }

    /// Clears an active alert at once. True when it was active.
    pub fn clear(&mut self, queue_id: Option<&str>, kind: &AlertKind, at: OffsetDateTime) -> bool {
        if !self.deactivate(queue_id, kind) {
            return false;
        }
        self.conditions_mut(queue_id).map(|c| c.remove(kind));
        if let Some(i) = self.find_active(queue_id, kind) {
            self.list[i].cleared_at = Some(at);
            let alert = self.list[i].clone();
            self.note(false, &alert);
        }
        true
    }

    fn find_active(&self, queue_id: Option<&str>, kind: &AlertKind) -> Option<usize> {
        self.list
            .iter()
            .rposition(|a| a.is_active() && a.kind == *kind && a.queue_id.as_deref() == queue_id)
    }

    fn conditions_mut(&mut self, queue_id: Option<&str>) -> Option<&mut Conditions> {
        match queue_id {
            None => Some(&mut self.feed_conditions),
            Some(q) => self.queue_conditions.get_mut(q),
        }
    }

    /// Reports a condition as on or off at `now`; it raises once its
    /// episode is as old as the raise delay and clears once it has been off
    /// for the clear delay (here or on a later `tick`). True when the alert
    /// changed.
    pub fn set(
        &mut self,
        queue_id: Option<&str>,
        kind: AlertKind,
        on: bool,
        message: impl FnOnce() -> String,
        now: Instant,
        wall: OffsetDateTime,
    ) -> bool {
        if let Some(id) = queue_id
            && !self.queue_conditions.contains_key(id)
        {
            if !on {
                return false;
            }
            self.queue_conditions
                .insert(id.to_string(), Conditions::new());
        }
        let clear = kind.delays(self.delays).clear;
        let Some(conds) = self.conditions_mut(queue_id) else {
            return false;
        };
        match conds.get_mut(&kind) {
            Some(condition) if condition.on == on => {}
            Some(condition) if on => {
                condition.on = true;
                if now.saturating_duration_since(condition.off_since) >= clear {
                    condition.since = now;
                    condition.since_wall = wall;
                    condition.message = message();
                }
            }
            Some(condition) => {
                condition.on = false;
                condition.off_since = now;
                condition.off_wall = wall;
            }
            None if !on => return false,
            None => {
                let condition = Condition {
                    on,
                    since: now,
                    since_wall: wall,
                    off_since: now,
                    off_wall: wall,
                    message: message(),
                };
                conds.insert(kind.clone(), condition);
            }
        }
        self.settle(queue_id, &kind, now)
    }

    /// Raises or clears one condition's alert once its delay has passed;
    /// forgets an episode that ended without raising.
    fn settle(&mut self, queue_id: Option<&str>, kind: &AlertKind, now: Instant) -> bool {
        let raised = self.is_active(queue_id, kind);
        let delays = kind.delays(self.delays);
        let Some(conds) = self.conditions_mut(queue_id) else {
            return false;
        };
        let Some(condition) = conds.get(kind) else {
            return false;
        };
        let held = now.saturating_duration_since(condition.since);
        let off = now.saturating_duration_since(condition.off_since);
        match (condition.on, raised) {
            (true, false) if held >= delays.raise => {
                let (message, at) = (condition.message.clone(), condition.since_wall);
                self.activate(queue_id, kind.clone());
                self.open(queue_id, kind.clone(), message, at);
                true
            }
            (false, true) if off >= delays.clear => {
                let at = condition.off_wall;
                self.clear(queue_id, kind, at)
            }
            (false, false) if off >= delays.clear => {
                conds.remove(kind);
                if conds.is_empty()
                    && let Some(id) = queue_id
                {
                    self.queue_conditions.remove(id);
                }
                false
            }
            _ => false,
        }
    }

    /// Raises and clears the conditions whose delay has passed by `now`.
    /// Returns the queues whose alerts changed (None: feed-wide).
    pub fn tick(&mut self, now: Instant) -> Vec<Option<String>> {
        let mut due: Vec<(Option<String>, AlertKind)> = Vec::new();
        let feed_raised = &self.feed_active;
        due.extend(
            self.feed_conditions
                .iter()
                .filter(|(kind, condition)| !(condition.on && feed_raised.contains(*kind)))
                .map(|(kind, _)| (None, kind.clone())),
        );
        for (queue, conds) in &self.queue_conditions {
            let raised = self.queue_active.get(queue);
            due.extend(
                conds
                    .iter()
                    .filter(|(kind, condition)| {
                        !(condition.on && raised.is_some_and(|active| active.contains(*kind)))
                    })
                    .map(|(kind, _)| (Some(queue.clone()), kind.clone())),
            );
        }
        let mut changed = Vec::new();
        for (queue, kind) in due {
            if self.settle(queue.as_deref(), &kind, now) {
                changed.push(queue);
            }
        }
        changed
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

    /// The kinds of one queue's active alerts (none when None).
    pub fn active_kinds(&self, queue_id: &str) -> impl Iterator<Item = &AlertKind> {
        self.queue_active.get(queue_id).into_iter().flatten()
    }

    /// Active alerts of one queue.
    pub fn active_for(&self, queue_id: &str) -> usize {
        self.queue_active.get(queue_id).map_or(0, BTreeSet::len)
    }

    /// Marks the active alert seen. True when it was active and not yet.
    pub fn acknowledge(&mut self, queue_id: Option<&str>, kind: &AlertKind) -> bool {
        match self.find_active(queue_id, kind) {
            Some(i) if !self.list[i].acknowledged => {
                self.list[i].acknowledged = true;
                true
            }
            _ => false,
        }
    }

    /// Snoozes the alert's entry until `until` (wall time); a repeat within
    /// that time stays snoozed. True when there was such an entry.
    pub fn snooze(
        &mut self,
        queue_id: Option<&str>,
        kind: &AlertKind,
        until: OffsetDateTime,
    ) -> bool {
        let same = |a: &Alert| a.kind == *kind && a.queue_id.as_deref() == queue_id;
        match self.list.iter().rposition(same) {
            Some(i) => {
                self.list[i].snoozed_until = Some(until);
                true
            }
            None => false,
        }
    }

    /// A deficit-list change, for the audit log only (see `AlertTransition`).
    pub fn note_deficit(
        &mut self,
        queue_id: &str,
        skill: &str,
        began: bool,
        message: String,
        at: OffsetDateTime,
    ) {
        let kind = AlertKind::SkillDeficit {
            skill: skill.to_string(),
        };
        let alert = Alert {
            severity: kind.severity(),
            kind,
            queue_id: Some(queue_id.to_string()),
            message,
            raised_at: at,
            cleared_at: (!began).then_some(at),
            raises: 1,
            first_raised: at,
            acknowledged: false,
            snoozed_until: None,
            restored: false,
        };
        self.note(began, &alert);
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

#[path = "alerts_restore.rs"]
mod restore;

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
