//! `queuetop snapshot [--json]`: connect, wait for the first summary of
//! every configured queue (or a timeout), print it, exit.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::WrapErr;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::core::Core;
use crate::app::sinks::Sinks;
use crate::config::Config;
use crate::event::{ConnState, FeedEvent};
use crate::model::queue::{round1, whole_ms};
use crate::model::{AppState, QueueView};

/// How long `snapshot` waits when the caller has no opinion.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Prints the table (or JSON) to stdout; the queues that never reported go
/// to stderr. Exit 0 when every configured queue reported; 2 when nothing
/// reported (nothing to show: the reason on stderr, stdout empty); else 1.
/// A connection that fails before anything arrived ends the wait at once,
/// naming the error, instead of waiting out the timeout.
pub async fn snapshot(
    config: Arc<Config>,
    json: bool,
    timeout: Duration,
) -> color_eyre::Result<i32> {
    let mut feed = crate::feed::spawn(config.clone());
    let mut core = Core::new(super::seed::initial_state(&config), Sinks::default());
    let failure = wait_for_queues(&config, &mut core, &mut feed.events, timeout).await?;
    // The rest of a burst already received is applied too.
    core.close(&mut feed.events, &feed.commands, Some(&mut feed.task))
        .await
        .wrap_err("closing the feed")?;
    report(&core.state, json, failure)
}

/// Applies events until every configured queue reported (with only
/// `all_queues`, until connected and any queue reported); the reason when
/// it ended otherwise.
async fn wait_for_queues(
    config: &Config,
    core: &mut Core,
    events: &mut mpsc::Receiver<FeedEvent>,
    timeout: Duration,
) -> color_eyre::Result<Option<String>> {
    let deadline = Instant::now() + timeout;
    // With only `all_queues`, the queues are whatever the server reports
    // once connected.
    let configured = core.state.queues().iter().any(|queue| queue.configured);
    let mut connected = false;
    let mut last_error: Option<String> = None;
    loop {
        let any = reported(&core.state).next().is_some();
        if missing(&core.state).is_empty() && (configured || (connected && any)) {
            return Ok(None);
        }
        let event = match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => {
                let why = format!("no summary within {} s", timeout.as_secs_f64());
                return Ok(Some(match &last_error {
                    Some(error) => format!("{why} (last error: {error})"),
                    None => why,
                }));
            }
            Ok(None) => return Ok(Some("the feed ended unexpectedly".to_string())),
            Ok(Some(event)) => event,
        };
        core.apply(&event)?;
        let FeedEvent::Status(status) = &event else {
            continue;
        };
        match &status.state {
            ConnState::Stopped { reason } => {
                return Ok(Some(format!("the feed stopped: {reason}")));
            }
            ConnState::Connected => connected = true,
            ConnState::Reconnecting { .. } => {
                let error = status.last_error.clone().unwrap_or_default();
                if !any && !connected {
                    let server = config.genesys.server_label();
                    return Ok(Some(format!("cannot connect to {server}: {error}")));
                }
                last_error = Some(error);
            }
            _ => {}
        }
    }
}

/// What the wait gave: the table or JSON, and what is missing, with the
/// exit code.
fn report(state: &AppState, json: bool, failure: Option<String>) -> color_eyre::Result<i32> {
    if reported(state).next().is_none() {
        let why = failure.unwrap_or_else(|| "no queue reported".to_string());
        eprintln!("queuetop: nothing to show: {why}");
        return Ok(2);
    }
    if !print(state, json)? {
        // The reader left (`| head`): what it read was all it wanted.
        return Ok(0);
    }
    let absent = missing(state);
    match failure {
        None => Ok(0),
        Some(why) if absent.is_empty() => {
            eprintln!("queuetop: {why}");
            Ok(1)
        }
        Some(why) => {
            eprintln!(
                "queuetop: {why}; these queues never reported: {}",
                absent.join(", ")
            );
            Ok(1)
        }
    }
}

/// The table or JSON on stdout; false when the reader closed the pipe.
fn print(state: &AppState, json: bool) -> color_eyre::Result<bool> {
    let mut out = std::io::stdout().lock();
    let written = if json {
        render_json(&mut out, state)
    } else {
        out.write_all(render_table(state).as_bytes())
            .map_err(Into::into)
    }
    .and_then(|()| out.flush().map_err(Into::into));
    match written {
        Ok(()) => Ok(true),
        Err(e) if is_broken_pipe(&e) => Ok(false),
        Err(e) => Err(e).wrap_err("cannot write to stdout"),
    }
}

fn is_broken_pipe(e: &color_eyre::Report) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Configured queues with no summary yet, by name (and id when it differs).
pub fn missing(state: &AppState) -> Vec<String> {
    state
        .queues()
        .iter()
        .filter(|q| q.configured && q.summary.is_none())
        .map(|q| {
            if q.id.is_empty() || q.id == q.name {
                q.name.clone()
            } else {
                format!("{} ({})", q.name, q.id)
            }
        })
        .collect()
}

fn reported(state: &AppState) -> impl Iterator<Item = &QueueView> {
    state.queues().iter().filter(|q| q.summary.is_some())
}

/// Plain text columns: queue, available/logged in, utilization %, waiting,
/// longest wait, deficits.
pub fn render_table(state: &AppState) -> String {
    let now = state.now();
    let rows: Vec<[String; 6]> = reported(state)
        .map(|queue| {
            let (avail, logged) = queue.summary.as_ref().map_or((0, 0), |summary| {
                (summary.agents_available, summary.agents_logged_in)
            });
            let deficits = if queue.metrics.skill_deficits.is_empty() {
                "-".to_string()
            } else {
                queue.metrics.skill_deficits.join(", ")
            };
            let longest = now
                .and_then(|now| queue.longest_wait(now))
                .map_or("-".to_string(), |wait| format!("{}s", wait.as_secs()));
            [
                queue.name.clone(),
                format!("{avail}/{logged}"),
                format!("{:.1}", queue.metrics.utilization),
                queue.waiting_count().to_string(),
                longest,
                deficits,
            ]
        })
        .collect();
    let head = [
        "QUEUE",
        "AVAIL/LOGGED",
        "UTIL %",
        "WAITING",
        "LONGEST",
        "DEFICITS",
    ];
    let mut widths = head.map(|heading| heading.chars().count());
    for row in &rows {
        for (column, cells) in row.iter().enumerate() {
            widths[column] = widths[column].max(cells.chars().count());
        }
    }
    let mut table = String::new();
    let mut line = |cells: [&str; 6]| {
        let mut text = format!("{:<w0$}", cells[0], w0 = widths[0]);
        for column in 1..5 {
            text.push_str(&format!("  {:>wi$}", cells[column], wi = widths[column]));
        }
        text.push_str("  ");
        text.push_str(cells[5]);
        table.push_str(text.trim_end());
        table.push('\n');
    };
    line(head);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]);
    }
    table
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonAlert {
    kind: &'static str,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonQueue<'a> {
    queue_id: &'a str,
    queue_name: &'a str,
    /// When the snapshot was taken (RFC 3339 UTC, ms).
    timestamp: String,
    agents_available: u32,
    agents_logged_in: u32,
    agents_interacting: u32,
    interactions_waiting: u32,
    utilization: f64,
    available_ratio: f64,
    skill_coverage: usize,
    skill_deficits: &'a [String],
    longest_wait_ms: Option<u64>,
    service_level_pct: Option<f64>,
    service_level_target_pct: Option<f64>,
    service_level_target_ms: Option<u64>,
    offered: Option<u64>,
    answered: Option<u64>,
    abandoned: Option<u64>,
    abandoned_pct: Option<f64>,
    average_speed_of_answer_ms: Option<u64>,
    average_handle_time_ms: Option<u64>,
    interval: Option<&'a str>,
    alerts: Vec<JsonAlert>,
    agents: JsonAgents,
    queue_utilization: Option<f64>,
    media: BTreeMap<&'a str, JsonMedia>,
}

/// One media type's counts, as in the export's `figures.media`.
#[derive(Serialize)]
struct JsonMedia {
    waiting: u32,
    interacting: Option<u32>,
}

/// Agents by state, as in the export's `figures.agents`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonAgents {
    on_queue: Option<u32>,
    off_queue: Option<u32>,
    idle: Option<u32>,
    interacting: Option<u32>,
    communicating: Option<u32>,
    not_responding: Option<u32>,
}

impl From<crate::event::AgentCounts> for JsonAgents {
    fn from(a: crate::event::AgentCounts) -> Self {
        JsonAgents {
            on_queue: a.on_queue,
            off_queue: a.off_queue,
            idle: a.idle,
            interacting: a.interacting,
            communicating: a.communicating,
            not_responding: a.not_responding,
        }
    }
}

/// A JSON array of the queues that reported, field names as in the export
/// (docs/EXPORT.md).
pub fn render_json(out: &mut impl Write, state: &AppState) -> color_eyre::Result<()> {
    let timestamp = crate::event::rfc3339_ms(state.wall());
    let now = state.now();
    let rows: Vec<JsonQueue<'_>> = reported(state)
        .filter_map(|queue| {
            let summary = queue.summary.as_ref()?;
            let figures = queue.interval_figures();
            Some(JsonQueue {
                queue_id: &queue.id,
                queue_name: &queue.name,
                timestamp: timestamp.clone(),
                agents_available: summary.agents_available,
                agents_logged_in: summary.agents_logged_in,
                agents_interacting: summary.agents_interacting,
                interactions_waiting: queue.waiting_count(),
                utilization: round1(queue.metrics.utilization),
                available_ratio: round1(queue.metrics.available_ratio),
                skill_coverage: queue.metrics.skill_coverage,
                skill_deficits: &queue.metrics.skill_deficits,
                longest_wait_ms: now
                    .and_then(|now| queue.longest_wait(now))
                    .map(|wait| u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)),
                service_level_pct: figures.service_level_pct.map(round1),
                service_level_target_pct: figures.target_pct.map(round1),
                service_level_target_ms: figures.target_ms,
                offered: figures.offered,
                answered: figures.answered,
                abandoned: figures.abandoned,
                abandoned_pct: figures.abandoned_pct.map(round1),
                average_speed_of_answer_ms: figures.average_answer_ms.map(whole_ms),
                average_handle_time_ms: figures.average_handle_ms.map(whole_ms),
                interval: figures.interval,
                alerts: state
                    .alerts()
                    .active_kinds(&queue.id)
                    .map(|kind| JsonAlert {
                        kind: kind.name(),
                        severity: kind.severity().as_str(),
                        detail: kind.detail().map(str::to_string),
                    })
                    .collect(),
                agents: summary.agents.into(),
                queue_utilization: queue.metrics.queue_utilization.map(round1),
                media: summary
                    .media
                    .iter()
                    .map(|(name, counts)| {
                        let counts = JsonMedia {
                            waiting: counts.waiting,
                            interacting: counts.interacting,
                        };
                        (name.as_str(), counts)
                    })
                    .collect(),
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    out.write_all(b"\n")?;
    Ok(())
}
