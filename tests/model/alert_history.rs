//! The alert history file: raises and clears written as they happen, read
//! back into the alerts view after a restart, bounded by lines and age,
//! unreadable lines skipped and reported. Real files in a temp dir.

use std::path::Path;

use queuetop::app::sinks::Sinks;
use queuetop::model::{AlertKind, Alerts, AppState, Delays, Severity};
use queuetop::model::{Limits, QueueSeed};
use queuetop::sink::alert_history::{AlertHistory, MAX_AGE};
use time::OffsetDateTime;

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn secs(n: i64) -> time::Duration {
    time::Duration::seconds(n)
}

fn state() -> AppState {
    let q = QueueSeed {
        id: Some("A".into()),
        name: Some("Support".into()),
        ..QueueSeed::default()
    };
    AppState::new(&[q], Limits::default())
}

fn lines(path: &Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => t.lines().map(str::to_string).collect(),
        Err(_) => Vec::new(),
    }
}

/// Raises and clears `n` alerts a minute apart from `start`, recording
/// each transition.
fn record(h: &mut AlertHistory, start: OffsetDateTime, n: i64) {
    let mut alerts = Alerts::with_delays(Delays::default());
    for i in 0..n {
        let at = start + secs(60 * i);
        let kind = AlertKind::SkillShort {
            skill: format!("S{i}"),
        };
        alerts.raise(Some("A"), kind.clone(), format!("short {i}"), at);
        alerts.clear(Some("A"), &kind, at + secs(30));
    }
    for t in alerts.take_transitions() {
        h.record(&t).unwrap();
    }
}

#[test]
fn alerts_survive_a_restart_marked_as_from_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/alert-history.jsonl");
    let mut st = state();
    let mut sinks = Sinks::default();
    sinks.open_history(&path, &mut st, t0()).unwrap();
    assert!(st.alerts().list.is_empty());

    // A waiting alert raised twice (grouped), and the feed down while
    // queuetop stops.
    let at = t0();
    st.edit(|parts| {
        let alerts = &mut parts.alerts;
        alerts.raise(
            Some("A"),
            AlertKind::Waiting,
            "Support: 12 waiting".into(),
            at,
        );
        alerts.clear(Some("A"), &AlertKind::Waiting, at + secs(40));
        alerts.raise(
            Some("A"),
            AlertKind::Waiting,
            "Support: 15 waiting".into(),
            at + secs(100),
        );
        alerts.clear(Some("A"), &AlertKind::Waiting, at + secs(160));
        alerts.raise(
            None,
            AlertKind::FeedDown,
            "feed down: refused".into(),
            at + secs(200),
        );
    });
    sinks.after_tick(&mut st);
    assert_eq!(lines(&path).len(), 5);
    drop(sinks);

    let mut again = state();
    let mut sinks = Sinks::default();
    sinks
        .open_history(&path, &mut again, at + secs(300))
        .unwrap();
    let list = &again.alerts().list;
    assert_eq!(list.len(), 2, "{list:?}");
    let waiting = &list[0];
    assert_eq!(waiting.kind, AlertKind::Waiting);
    assert_eq!(waiting.queue_id.as_deref(), Some("A"));
    assert_eq!(waiting.raises, 2);
    assert_eq!(waiting.message, "Support: 15 waiting");
    assert_eq!(waiting.first_raised, at);
    assert_eq!(waiting.raised_at, at + secs(100));
    assert_eq!(waiting.cleared_at, Some(at + secs(160)));
    let down = &list[1];
    assert_eq!(
        (down.kind.clone(), down.severity),
        (AlertKind::FeedDown, Severity::Critical)
    );
    // Still raised when queuetop stopped: it ends at the last line known.
    assert_eq!(down.cleared_at, Some(at + secs(200)));
    assert!(list.iter().all(|a| a.restored && !a.is_active()));
    assert_eq!(again.queue("A").unwrap().active_alerts, 0);

    // The same alert raised in the new run is a new entry, not the old
    // one reopened.
    again.edit(|parts| {
        parts.alerts.raise(
            Some("A"),
            AlertKind::Waiting,
            "Support: 11 waiting".into(),
            at + secs(310),
        );
    });
    assert_eq!(again.alerts().list.len(), 3);
    let new = &again.alerts().list[2];
    assert!(!new.restored && new.is_active() && new.raises == 1);
}

#[test]
fn unreadable_lines_are_skipped_counted_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert-history.jsonl");
    let (mut h, _) = AlertHistory::open(&path, t0()).unwrap();
    record(&mut h, t0(), 2);
    drop(h);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("not json at all\n");
    text.push_str(&lines(&path)[0].replace("skill-short", "teleport"));
    text.push('\n');
    text.push_str(&lines(&path)[1].replace("\"at\":\"2027", "\"at\":\"yesterday"));
    text.push('\n');
    std::fs::write(&path, text).unwrap();

    let mut st = state();
    let mut sinks = Sinks::default();
    sinks
        .open_history(&path, &mut st, t0() + secs(600))
        .unwrap();
    let restored = st.alerts().list.iter().filter(|a| a.restored).count();
    assert_eq!(restored, 2);
    let note = st.alerts().list.last().unwrap();
    assert_eq!(note.kind, AlertKind::History);
    assert_eq!(note.severity, Severity::Info);
    assert!(!note.is_active());
    assert!(
        note.message.contains("3 unreadable line(s)") && note.message.contains("line 5"),
        "{}",
        note.message
    );
    // The file now holds the readable lines only.
    assert_eq!(lines(&path).len(), 4);
}

#[test]
fn the_history_is_bounded_by_lines_and_age() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert-history.jsonl");
    let older = dir.path().join("alert-history.jsonl.1");
    let max = 10;
    let (mut h, _) = AlertHistory::open_bounded(&path, t0(), max, MAX_AGE).unwrap();
    // 25 alerts, 50 lines: never more than two files of `max` lines.
    record(&mut h, t0(), 25);
    assert!(lines(&path).len() <= max);
    assert_eq!(lines(&older).len(), max);
    drop(h);

    // Reopened: the newest `max` lines, in one file.
    let (_, loaded) = AlertHistory::open_bounded(&path, t0() + secs(3600), max, MAX_AGE).unwrap();
    assert_eq!(loaded.lines, max);
    assert_eq!(loaded.alerts.len(), max / 2);
    assert_eq!(lines(&path).len(), max);
    assert!(!older.exists());
    let newest = loaded.alerts.last().unwrap();
    assert_eq!(
        newest.kind,
        AlertKind::SkillShort {
            skill: "S24".into()
        }
    );

    // A day later, everything from before has aged out.
    let (mut h, loaded) =
        AlertHistory::open_bounded(&path, t0() + MAX_AGE + secs(2 * 3600), max, MAX_AGE).unwrap();
    assert_eq!((loaded.lines, loaded.expired), (0, max));
    assert!(lines(&path).is_empty());
    record(&mut h, t0() + MAX_AGE + secs(2 * 3600), 1);
    assert_eq!(lines(&path).len(), 2);
}

#[test]
fn a_working_day_at_twice_the_churn_goal_fits() {
    // Ten raises a minute (the goal is under five) for nine hours, each
    // cleared: 10,800 lines.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert-history.jsonl");
    let (mut h, _) = AlertHistory::open(&path, t0()).unwrap();
    let mut alerts = Alerts::with_delays(Delays::default());
    let minutes = 9 * 60;
    for m in 0..minutes {
        for k in 0..10 {
            let at = t0() + secs(60 * m + 6 * k);
            let kind = AlertKind::ServerError {
                code: format!("{m}-{k}"),
            };
            alerts.raise(None, kind.clone(), "x".into(), at);
            alerts.clear(None, &kind, at + secs(5));
            for t in alerts.take_transitions() {
                h.record(&t).unwrap();
            }
        }
    }
    drop(h);
    let end = t0() + secs(60 * minutes);
    let (_, loaded) = AlertHistory::open(&path, end).unwrap();
    assert_eq!(
        loaded.malformed,
        0,
        "{:?}",
        (loaded.expired, loaded.first_problem)
    );
    // The newest 10,000 lines: over eight hours of them.
    assert_eq!(loaded.lines, 10_000);
    let first = loaded.alerts.first().unwrap().raised_at;
    assert!(end - first > time::Duration::hours(8), "{}", end - first);
}

#[test]
fn an_unwritable_history_names_the_key_to_change() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be.
    let path = dir.path().join("taken");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("x"), "x").unwrap();
    let err = AlertHistory::open(&path, t0()).unwrap_err().to_string();
    assert!(err.contains("log.alert_history"), "{err}");
    assert!(err.contains("taken"), "{err}");
}

#[test]
fn the_config_key_places_or_turns_off_the_history() {
    use queuetop::config::Config;
    let load = |log: &str| {
        let text = format!(
            "[genesys]\nclient_id = \"x\"\nclient_secret = \"y\"\n\
             [[queue]]\nid = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n\
             [log]\naudit_file = \"/var/q/audit.log\"\n{log}\n"
        );
        let loaded = Config::from_toml_str(&text, "t.toml", &Default::default());
        loaded.map_err(|p| format!("{p:?}")).unwrap().config.log
    };
    assert_eq!(
        load("").alert_history_file(),
        Some("/var/q/alert-history.jsonl".into()),
        "beside the audit log by default"
    );
    assert_eq!(load("alert_history = \"\"").alert_history_file(), None);
    assert_eq!(
        load("alert_history = \"/srv/h.jsonl\"").alert_history_file(),
        Some("/srv/h.jsonl".into())
    );
}

/// A raise that comes from time passing (a tick, no event) is in the
/// file at once, not only after the next event.
#[tokio::test(start_paused = true)]
async fn the_app_loop_records_a_raise_made_by_the_clock() {
    use crate::fixtures::{queue_event, summary};
    use queuetop::app::terminal::Stop;
    use queuetop::app::{AppLoop, Exit, LoopIo};
    use queuetop::config::{Config, QueueConfig};
    use std::time::Duration;
    use tokio::time::Instant;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert-history.jsonl");
    let mut cfg = Config::defaults(dir.path().join("audit.log"));
    cfg.queues = vec![QueueConfig {
        id: Some("A".into()),
        name: Some("Support".into()),
        events: vec![],
        filter: None,
    }];
    cfg.alerts.waiting = 5;
    cfg.alerts.stale_after_s = 0;
    let mut state = queuetop::app::seed::initial_state(&cfg);
    let mut sinks = Sinks::default();
    sinks.open_history(&path, &mut state, t0()).unwrap();
    let ui = queuetop::ui::Ui::new(&cfg, true);
    let mut app = AppLoop::new(state, ui, cfg.ui.fps)
        .with_wall_from_tokio_clock(t0())
        .with_sinks(sinks);
    let (feed, feed_rx) = tokio::sync::mpsc::channel(8);
    let (commands, _commands_rx) = tokio::sync::mpsc::channel(8);
    let input = Box::pin(futures_util::stream::pending::<
        std::io::Result<crossterm::event::Event>,
    >());
    let mut io = LoopIo {
        input,
        feed: feed_rx,
        commands,
    };
    let six_waiting = summary("A").logged_in(3).waiting(6).event();
    feed.send(
        queue_event(six_waiting)
            .received(t0(), Instant::now())
            .feed(),
    )
    .await
    .unwrap();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    let stop = async {
        tokio::time::sleep(Duration::from_secs(20)).await;
        Stop::Signal("test")
    };
    let exit = app.run(&mut term, &mut io, stop).await.unwrap();
    assert_eq!(exit, Exit::Stopped(Stop::Signal("test")));
    let written = lines(&path);
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        written[0].contains("\"event\":\"raised\"") && written[0].contains("\"kind\":\"waiting\""),
        "{}",
        written[0]
    );
}
