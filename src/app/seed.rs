//! The model's starting point from the config: the model owns its types
//! (`Limits`, `QueueSeed`) and never reads the config itself.

use crate::config::{AlertConfig, Config, QueueTarget};
use crate::model::{AppState, Limits, QueueSeed, ServiceGoal};

/// The configured queues listed up front, each with its own thresholds
/// and service-level goal where the config sets them.
pub fn initial_state(config: &Config) -> AppState {
    let seeds: Vec<QueueSeed> = config
        .queues
        .iter()
        .map(|queue| {
            let id = queue.id.as_deref().unwrap_or("");
            let name = queue.name.as_deref().unwrap_or(id);
            let own_alerts = config
                .queue_alerts
                .get(id)
                .or_else(|| config.queue_alerts.get(name));
            let target = config
                .queue_targets
                .get(id)
                .or_else(|| config.queue_targets.get(name));
            QueueSeed {
                id: queue.id.clone(),
                name: queue.name.clone(),
                limits: own_alerts.map(|own| limits(&own.over(config.alerts))),
                goal: target.map(goal).unwrap_or_default(),
            }
        })
        .collect();
    AppState::new(&seeds, limits(&config.alerts))
}

/// `[alerts]` as the model's thresholds.
pub fn limits(alerts: &AlertConfig) -> Limits {
    // Destructured whole so a new `[alerts]` key cannot be forgotten here.
    let AlertConfig {
        utilization_pct,
        waiting,
        latency_ms,
        stale_after_s,
        raise_delay_s,
        clear_delay_s,
        longest_wait_s,
        service_level_pct,
    } = *alerts;
    Limits {
        utilization_pct,
        waiting,
        latency_ms,
        stale_after_s,
        raise_delay_s,
        clear_delay_s,
        longest_wait_s,
        service_level_pct,
    }
}

fn goal(target: &QueueTarget) -> ServiceGoal {
    ServiceGoal {
        percent: target.percent,
        within_s: target.within_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{QueueAlerts, QueueConfig};

    #[test]
    fn the_models_default_limits_are_the_configs_defaults() {
        assert_eq!(limits(&AlertConfig::default()), Limits::default());
    }

    #[test]
    fn a_queue_gets_its_own_thresholds_and_goal_by_id_or_name() {
        let mut config = Config::defaults("audit.log".into());
        let queue = |id: &str, name: &str| QueueConfig {
            id: Some(id.to_string()),
            name: Some(name.to_string()),
            events: Vec::new(),
            filter: None,
        };
        config.queues = vec![queue("q1", "Sales"), queue("q2", "Support")];
        let own = QueueAlerts {
            waiting: Some(3),
            ..QueueAlerts::default()
        };
        config.queue_alerts.insert("Sales".to_string(), own);
        let target = QueueTarget {
            percent: Some(95.0),
            within_s: Some(20),
        };
        config.queue_targets.insert("q2".to_string(), target);
        let state = initial_state(&config);
        assert_eq!(state.queues()[0].limits.waiting, 3);
        assert_eq!(state.queues()[1].limits, limits(&config.alerts));
        assert_eq!(state.queues()[1].target_override.percent, Some(95.0));
        assert_eq!(state.queues()[0].target_override, ServiceGoal::default());
    }
}
