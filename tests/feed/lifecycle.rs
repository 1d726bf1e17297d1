//! The feed's lifecycle where no server answers at all: backoff steps,
//! giving up after `max_attempts`, restarting on ReconnectNow, quitting.
//! Real sockets to a closed loopback port; tokio time is paused.

use std::time::Duration;

use crate::common::token_server::{Answer, TokenServer};
use crate::common::*;
use queuetop::config::{EventType, Protocol, ReconnectConfig};
use queuetop::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};
use queuetop::feed::{self, FeedHandle};
use tokio::time::Instant;

const LIMIT: Duration = Duration::from_secs(600);

/// A loopback port with nothing listening on it.
async fn closed_port() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

/// A feed for one queue's summaries, its token and socket at `login_url`
/// and `realtime_url`; credentials no server here checks.
fn spawn_for_q1(
    protocol: Protocol,
    login_url: &str,
    realtime_url: &str,
    reconnect: ReconnectConfig,
) -> FeedHandle {
    feed::spawn(config(
        protocol,
        login_url,
        realtime_url,
        "id",
        "secret",
        vec![queue("q1", &[EventType::QueueSummary])],
        reconnect,
    ))
}

/// A token server giving `answers`, and a feed whose realtime socket
/// points at a port nothing listens on.
async fn tokens_but_no_socket(
    answers: Vec<Answer>,
    reconnect: ReconnectConfig,
) -> (TokenServer, FeedHandle) {
    let server = TokenServer::start(answers).await;
    let port = closed_port().await;
    let h = spawn_for_q1(
        Protocol::Realtime,
        &server.url,
        &format!("ws://{port}/x"),
        reconnect,
    );
    (server, h)
}

/// How long after `from` a Reconnecting status schedules its next try.
fn next_try_after(st: &FeedStatus, from: Instant) -> Duration {
    let ConnState::Reconnecting { next_try, .. } = st.state else {
        panic!("expected Reconnecting, got {st:?}");
    };
    next_try - from
}

/// One attempt: the Connecting status, then the status it ended in.
async fn next_attempt(h: &mut FeedHandle) -> FeedStatus {
    assert_eq!(
        next_status(&mut h.events, LIMIT).await.state,
        ConnState::Connecting
    );
    next_status(&mut h.events, LIMIT).await
}

/// Quits, and the very next status is Closed before the task ends.
async fn quit_closed(mut h: FeedHandle) {
    h.commands.send(FeedCommand::Quit).await.unwrap();
    assert_eq!(
        next_status(&mut h.events, LIMIT).await.state,
        ConnState::Closed
    );
    h.task.await.unwrap();
}

/// The notifications feed shares the lifecycle: an unreachable REST API
/// backs off, then gives up at `max_attempts` and waits for the user.
#[tokio::test(start_paused = true)]
async fn notifications_with_no_api_backs_off_then_stops() {
    let port = closed_port().await;
    let mut h = spawn_for_q1(
        Protocol::Notifications,
        &format!("http://{port}"),
        "ws://127.0.0.1:9/x",
        reconnect(10, 100, 3, 75),
    );
    for attempt in 1..=2u32 {
        let st = next_attempt(&mut h).await;
        assert!(
            matches!(st.state, ConnState::Reconnecting { attempt: a, max_attempts: 3, .. } if a == attempt),
            "{st:?}"
        );
    }
    let st = next_attempt(&mut h).await;
    assert!(
        matches!(&st.state, ConnState::Stopped { reason } if reason.contains("gave up after 3")),
        "{st:?}"
    );
    quit_closed(h).await;
}

#[tokio::test(start_paused = true)]
async fn unreachable_login_backs_off_gives_up_and_restarts_on_command() {
    let port = closed_port().await;
    let mut h = spawn_for_q1(
        Protocol::Realtime,
        &format!("http://{port}"),
        &format!("ws://{port}/api/v2/realtime/events"),
        reconnect(1000, 4000, 4, 75),
    );

    // Attempts 1..3 are rescheduled with growing ceilings 1, 2, 4 s.
    let mut last_error = None;
    for (attempt, ceiling_ms) in [(1u32, 1000u64), (2, 2000), (3, 4000)] {
        let st = next_attempt(&mut h).await;
        let now = Instant::now();
        let ConnState::Reconnecting {
            attempt: a,
            max_attempts,
            next_try,
        } = st.state
        else {
            panic!("expected Reconnecting, got {st:?}");
        };
        assert_eq!((a, max_attempts), (attempt, 4));
        let delay = next_try.saturating_duration_since(now);
        assert!(
            delay <= Duration::from_millis(ceiling_ms),
            "attempt {attempt}: {delay:?} above the {ceiling_ms} ms ceiling"
        );
        // Equal jitter: at least half the ceiling (minus what elapsed
        // between scheduling and our receipt, nothing under paused time).
        assert!(
            delay + Duration::from_millis(50) >= Duration::from_millis(ceiling_ms / 2),
            "attempt {attempt}: {delay:?} below half of {ceiling_ms} ms"
        );
        let err = st.last_error.expect("a failure carries its error");
        assert!(err.contains("login server"), "{err}");
        last_error = Some(err);
    }

    // The 4th failure in a row: stopped, saying why and what to do.
    let st = next_attempt(&mut h).await;
    let ConnState::Stopped { reason } = &st.state else {
        panic!("expected Stopped, got {st:?}");
    };
    assert!(reason.contains("gave up after 4"), "{reason}");
    assert!(
        !reason.contains("press r"),
        "the TUI adds the hint: {reason}"
    );
    assert!(last_error.is_some());

    // Stopped means stopped: no attempts while nobody asks.
    let quiet = tokio::time::timeout(Duration::from_secs(300), h.events.recv()).await;
    assert!(quiet.is_err(), "the stopped feed sent {quiet:?}");

    // ReconnectNow restarts it from the first step.
    h.commands.send(FeedCommand::ReconnectNow).await.unwrap();
    let st = next_attempt(&mut h).await;
    assert!(
        matches!(st.state, ConnState::Reconnecting { attempt: 1, .. }),
        "{st:?}"
    );

    // Quit while waiting to retry: Closed, and the task ends.
    h.commands.send(FeedCommand::Quit).await.unwrap();
    let (_, closed) = recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| *s == ConnState::Closed)
    })
    .await;
    assert!(matches!(closed, FeedEvent::Status(_)));
    h.task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_config_without_queue_ids_stops_with_a_clear_message() {
    let mut q = queue("x", &[EventType::QueueSummary]);
    q.id = None;
    q.name = Some("Support EN".into());
    let cfg = config(
        Protocol::Realtime,
        "http://127.0.0.1:9",
        "ws://127.0.0.1:9/x",
        "id",
        "secret",
        vec![q],
        reconnect(10, 100, 3, 75),
    );
    let mut h = feed::spawn(cfg);
    let st = next_status(&mut h.events, LIMIT).await;
    let ConnState::Stopped { reason } = &st.state else {
        panic!("expected Stopped, got {st:?}");
    };
    assert!(reason.contains("id"), "{reason}");
    quit_closed(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_token_endpoint_is_honoured_before_the_next_try() {
    let answers = vec![
        Answer::json(429, "{}").header("retry-after", "5"),
        Answer::token("t1", 3600),
    ];
    let (server, mut h) = tokens_but_no_socket(answers, reconnect(10, 100, 0, 75)).await;
    let t0 = Instant::now();
    let st = reconnecting(&mut h, LIMIT).await;
    let wait = next_try_after(&st, t0);
    assert!(wait >= Duration::from_secs(5), "{wait:?}");
    assert!(st.last_error.unwrap().contains("rate limiting"));
    // The next try asks again, gets a token, and fails only at the socket.
    let st = reconnecting(&mut h, LIMIT).await;
    assert!(t0.elapsed() >= Duration::from_secs(5));
    assert!(
        st.last_error.unwrap().contains("realtime server"),
        "{:?}",
        server.seen().len()
    );
    assert_eq!(server.seen().len(), 2);
    h.commands.send(FeedCommand::Quit).await.unwrap();
    h.task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn quit_ends_the_task_even_when_the_app_stopped_reading() {
    let port = closed_port().await;
    let h = spawn_for_q1(
        Protocol::Realtime,
        &format!("http://{port}"),
        &format!("ws://{port}/x"),
        reconnect(1, 1, 0, 75),
    );
    // Nobody reads: the statuses fill the channel and the feed blocks.
    let full = tokio::time::timeout(LIMIT, async {
        while h.events.len() < feed::CHANNEL_CAPACITY {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(full.is_ok(), "the channel never filled");
    h.commands.send(FeedCommand::Quit).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), h.task)
        .await
        .expect("the feed did not end on Quit")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn absurd_server_numbers_cannot_overflow_the_clock() {
    let answers = vec![
        Answer::json(429, "{}").header("retry-after", "18446744073709551615"),
        Answer::token("t1", u64::MAX),
    ];
    let absurd = reconnect(u64::MAX, u64::MAX, 0, u64::MAX);
    let (server, mut h) = tokens_but_no_socket(answers, absurd).await;
    let t0 = Instant::now();
    let st = reconnecting(&mut h, LIMIT).await;
    assert!(next_try_after(&st, t0) <= Duration::from_secs(86_400));
    // The next try gets a token that "never" expires, fails at the socket,
    // and schedules again: all without a panic.
    h.commands.send(FeedCommand::ReconnectNow).await.unwrap();
    reconnecting(&mut h, Duration::from_secs(3 * 86_400)).await;
    assert_eq!(server.seen().len(), 2);
    h.commands.send(FeedCommand::Quit).await.unwrap();
    h.task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_handshake_that_never_completes_times_out() {
    let server = TokenServer::start(vec![Answer::token("t1", 3600)]).await;
    // Accepts TCP, never answers the upgrade.
    let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tarpit.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = tarpit.accept().await {
            held.push(s);
        }
    });
    let mut h = spawn_for_q1(
        Protocol::Realtime,
        &server.url,
        &format!("ws://{addr}/x"),
        reconnect(10, 100, 0, 75),
    );
    let t0 = Instant::now();
    let st = reconnecting(&mut h, LIMIT).await;
    assert!(
        t0.elapsed() >= Duration::from_secs(10),
        "{:?}",
        t0.elapsed()
    );
    let err = st.last_error.unwrap();
    assert!(err.contains("handshake within 10 s"), "{err}");
    h.commands.send(FeedCommand::Quit).await.unwrap();
    h.task.await.unwrap();
}

/// A monitor left on a wall comes back by itself: by default the feed
/// never stops retrying, and its waits stay within the backoff cap.
#[tokio::test(start_paused = true)]
async fn by_default_the_feed_retries_for_ever_within_the_cap() {
    let port = closed_port().await;
    let defaults = queuetop::config::ReconnectConfig::default();
    assert_eq!(defaults.max_attempts, 0, "0 = for ever is the default");
    let cap = Duration::from_millis(defaults.max_delay_ms);
    let mut h = spawn_for_q1(
        Protocol::Notifications,
        &format!("http://{port}"),
        "ws://127.0.0.1:9/x",
        defaults,
    );
    for attempt in 1..=40u32 {
        let st = next_status(&mut h.events, LIMIT).await;
        assert_eq!(st.state, ConnState::Connecting, "attempt {attempt}");
        let st = next_status(&mut h.events, LIMIT).await;
        let ConnState::Reconnecting {
            attempt: a,
            max_attempts: 0,
            next_try,
        } = st.state
        else {
            panic!("attempt {attempt}: {st:?}");
        };
        assert_eq!(a, attempt);
        let wait = next_try - Instant::now();
        assert!(wait <= cap, "attempt {attempt} waits {wait:?}");
    }
    h.commands.send(FeedCommand::Quit).await.unwrap();
    recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| *s == ConnState::Closed)
    })
    .await;
    h.task.await.unwrap();
}
