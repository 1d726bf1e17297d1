//! The realtime v1 feed against the built-in simulator: real sockets on
//! 127.0.0.1, real HTTP token endpoint, faults injected through SimControl.
//! Where time matters, tokio time is paused and measured with tokio Instant.

use std::time::Duration;

use crate::common::*;
use crate::fixtures::assert_no_secret;
use queuetop::event::{ConnState, FeedCommand, FeedEvent, QueueEventKind, QueueSummary};
use queuetop::feed::CHANNEL_CAPACITY;
use tokio::time::Instant;

/// The backoff most tests here use: 1 s doubling to 30 s, 10 failures.
fn seconds_backoff() -> queuetop::config::ReconnectConfig {
    reconnect(1000, 30_000, 10, 75)
}

fn summary(queue_id: &str, waiting: u32) -> QueueEventKind {
    QueueEventKind::Summary(QueueSummary {
        queue_id: queue_id.into(),
        queue_name: Some("Q".into()),
        agents_available: 1,
        agents_logged_in: 2,
        agents_interacting: 1,
        interactions_waiting: waiting,
        ..QueueSummary::default()
    })
}

fn waiting_of(ev: &FeedEvent) -> Option<u32> {
    match ev {
        FeedEvent::Queue(q) => match &q.kind {
            QueueEventKind::Summary(s) => Some(s.interactions_waiting),
            _ => None,
        },
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn happy_path_subscribes_acks_and_delivers_events_without_leaking_the_token() {
    let (logs, _guard) = capture_logs();
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(seconds_backoff())
        .start()
        .await;
    let queues = sim.queues();

    let before = acked(&mut h).await.0;
    let states: Vec<ConnState> = before
        .iter()
        .filter_map(|e| match e {
            FeedEvent::Status(s) => Some(s.state.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(states, [ConnState::Connecting, ConnState::Connected]);
    let Some(FeedEvent::Status(st)) = before.last() else {
        panic!("{before:#?}")
    };
    assert_eq!(st.connects, 1);

    // The payload: one subscription per queue and event type, valid topics.
    let stats = sim.stats();
    assert_eq!((stats.token_requests, stats.handshakes), (1, 1));
    let payload: serde_json::Value = serde_json::from_str(&stats.subscribe_payloads[0]).unwrap();
    let subs = payload.as_array().unwrap();
    assert_eq!(subs.len(), queues.len() * 3);
    for (id, _) in &queues {
        let topic = format!("/routing/queues/{id}/events");
        assert_eq!(subs.iter().filter(|s| s["topic"] == topic).count(), 3);
    }

    sim.control().push(summary(&queues[0].0, 4));
    let (_, ev) = recv_until(&mut h.events, LIMIT, |e| matches!(e, FeedEvent::Queue(_))).await;
    let FeedEvent::Queue(q) = ev else {
        unreachable!()
    };
    assert_eq!(q.kind.queue_id(), queues[0].0);
    assert_eq!(waiting_of(&FeedEvent::Queue(q.clone())), Some(4));
    assert_eq!(q.topic, format!("/routing/queues/{}/events", queues[0].0));
    assert!(q.server_time.is_some());

    quit(h).await;
    assert!(
        sim.wait_for(|s| s.connections_open == 0, LIMIT).await,
        "the socket was not closed on quit"
    );

    let text = logs.text();
    assert!(text.contains("connection established"), "{text}");
    assert!(text.contains("subscriptions transmitted"), "{text}");
    assert!(text.contains("subscriptions acknowledged"), "{text}");
    assert_no_secret(&text, &sim, "the log");
}

#[tokio::test(start_paused = true)]
async fn a_dropped_socket_reconnects_and_sends_the_same_subscriptions() {
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(seconds_backoff())
        .connected()
        .await;

    sim.control().drop_all();
    let before = acked(&mut h).await.0;
    let st = before
        .iter()
        .find_map(|e| match e {
            FeedEvent::Status(s) => match s.state {
                ConnState::Reconnecting { attempt, .. } => Some((attempt, s.last_error.clone())),
                _ => None,
            },
            _ => None,
        })
        .expect("a Reconnecting status between the two connections");
    assert_eq!(st.0, 1);
    assert!(st.1.unwrap().contains("1006"));

    let stats = sim.stats();
    assert_eq!(stats.subscribe_payloads.len(), 2);
    assert_eq!(stats.subscribe_payloads[0], stats.subscribe_payloads[1]);
    // The token was still good: no new one was needed.
    assert_eq!(stats.token_requests, 1);

    // Events flow on the new socket.
    sim.control().push(summary(&sim.queues()[1].0, 9));
    let (_, ev) = recv_until(&mut h.events, LIMIT, |e| waiting_of(e).is_some()).await;
    assert_eq!(waiting_of(&ev), Some(9));
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn silence_past_the_heartbeat_timeout_means_a_dead_socket() {
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(reconnect(10, 100, 0, 5))
        .connected()
        .await;

    sim.control().go_silent(true);
    let t0 = Instant::now();
    let st = reconnecting(&mut h, LIMIT).await;
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_secs(5), "gave up after {waited:?}");
    assert!(
        waited < Duration::from_secs(6),
        "noticed only after {waited:?}"
    );
    assert!(st.last_error.unwrap().contains("nothing received for 5 s"));

    sim.control().go_silent(false);
    acked(&mut h).await;
    assert!(sim.stats().subscribe_payloads.len() >= 2);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn heartbeats_keep_an_idle_socket_alive() {
    let (sim, mut h) = SimFeed::scripted()
        .options(|o| {
            o.queues = 1;
            o.heartbeat_interval = Duration::from_secs(30);
        })
        .reconnect(reconnect(10, 100, 0, 75))
        .connected()
        .await;
    // Ten minutes of nothing but heartbeats: still the first connection.
    assert!(
        sim.wait_for(|s| s.heartbeats_sent >= 20, Duration::from_secs(900))
            .await
    );
    assert_eq!(sim.stats().handshakes, 1);
    let mut heartbeats = 0;
    while let Ok(ev) = h.events.try_recv() {
        assert!(
            !is_state(&ev, |s| matches!(s, ConnState::Reconnecting { .. })),
            "{ev:?}"
        );
        heartbeats += matches!(ev, FeedEvent::Heartbeat) as u32;
    }
    assert!(heartbeats >= 19, "{heartbeats}");
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_401_handshake_fetches_a_new_token_and_retries_at_once_then_backs_off() {
    let t0 = Instant::now();
    let (sim, mut h) = SimFeed::scripted()
        .fault(|sim| sim.reject_handshakes_401(2))
        .reconnect(seconds_backoff())
        .start()
        .await;
    let before = acked(&mut h).await.0;
    let took = t0.elapsed();

    let stats = sim.stats();
    assert_eq!(stats.handshakes, 3);
    assert_eq!(stats.handshakes_rejected, 2);
    // A fresh token before each retry.
    assert_eq!(stats.token_requests, 3);
    let tokens = sim.issued_tokens();
    assert_eq!(tokens.len(), 3);
    assert_ne!(tokens[0], tokens[1]);

    // The first retry at once, the second after a backoff step (>= 0.5 s).
    let delays: Vec<Duration> = before
        .iter()
        .filter_map(|e| match e {
            FeedEvent::Status(s) => match s.state {
                ConnState::Reconnecting { next_try, .. } => Some(next_try - t0),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(delays.len(), 2, "{before:#?}");
    assert!(delays[0] < Duration::from_millis(50), "{delays:?}");
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took <= Duration::from_millis(1100), "{took:?}");
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_429_handshake_waits_at_least_retry_after() {
    let t0 = Instant::now();
    let (sim, mut h) = SimFeed::scripted()
        .fault(|sim| sim.rate_limit_handshakes(1, 2))
        .start()
        .await;
    let st = reconnecting(&mut h, LIMIT).await;
    assert!(st.last_error.unwrap().contains("429"));
    assert_eq!(sim.stats().handshakes, 1);
    // No second handshake before 2 s have passed.
    status_when(&mut h, LIMIT, |s| *s == ConnState::Connecting).await;
    assert!(t0.elapsed() >= Duration::from_secs(2), "{:?}", t0.elapsed());
    acked(&mut h).await;
    assert_eq!(sim.stats().handshakes, 2);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn close_4001_refreshes_the_token_and_reconnects_at_once() {
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(seconds_backoff())
        .connected()
        .await;
    let took = close_and_reconnect(&sim, &mut h, 4001).await;
    assert!(took < Duration::from_millis(500), "{took:?}");
    let stats = sim.stats();
    assert_eq!(stats.close_codes, vec![4001]);
    assert_eq!(stats.token_requests, 2);
    assert_eq!(stats.handshakes, 2);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn an_aging_token_is_refreshed_before_it_expires() {
    let (sim, mut h) = SimFeed::scripted()
        .fault(|sim| sim.set_token_lifetime(100))
        .connected()
        .await;
    // Past 80 % of its life, a reconnect asks for a new token first.
    tokio::time::sleep(Duration::from_secs(85)).await;
    sim.control().drop_all();
    acked(&mut h).await;
    let stats = sim.stats();
    assert_eq!(stats.token_requests, 2);
    assert_eq!(stats.handshakes_rejected, 0);
    assert!(stats.close_codes.is_empty(), "{:?}", stats.close_codes);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn close_4008_stops_without_resending_until_the_user_asks() {
    let (sim, mut h) = SimFeed::scripted()
        .fault(|sim| sim.refuse_subscriptions(true))
        .reconnect(reconnect(10, 100, 0, 75))
        .start()
        .await;
    let (before, reason) = stopped(&mut h).await;
    assert!(
        before
            .iter()
            .any(|e| matches!(e, FeedEvent::ServerError { .. })),
        "{before:#?}"
    );
    assert!(reason.contains("4008"), "{reason}");
    assert!(
        !reason.contains("press r"),
        "the TUI adds the hint: {reason}"
    );

    // Ten minutes later: still one payload, no loop.
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(sim.stats().subscribe_payloads.len(), 1);

    sim.control().refuse_subscriptions(false);
    h.commands.send(FeedCommand::ReconnectNow).await.unwrap();
    acked(&mut h).await;
    assert_eq!(sim.stats().subscribe_payloads.len(), 2);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn close_4029_backs_off_at_least_30_s() {
    let (sim, mut h) = SimFeed::scripted().connected().await;
    let took = close_and_reconnect(&sim, &mut h, 4029).await;
    assert!(took >= Duration::from_secs(30), "{took:?}");
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn close_1001_reconnects_at_once_once_then_backs_off() {
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(reconnect(1000, 30_000, 0, 75))
        .connected()
        .await;
    let took = close_and_reconnect(&sim, &mut h, 1001).await;
    assert!(took < Duration::from_millis(100), "{took:?}");

    // A server that says "going away" right after every ack: no hot loop.
    sim.control().set_close_after_events(Some((0, 1001)));
    let t1 = Instant::now();
    let start = sim.stats().handshakes;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let made = sim.stats().handshakes - start;
    assert!(made >= 5, "{made} handshakes in {:?}", t1.elapsed());
    // Each retry waits at least half of base_delay (1 s).
    assert!(
        made <= 21,
        "{made} handshakes in {:?}: a hot loop",
        t1.elapsed()
    );
    sim.control().set_close_after_events(None);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn malformed_frames_are_counted_and_the_events_around_them_all_arrive() {
    let (sim, mut h) = SimFeed::scripted()
        .fault(|sim| sim.set_malformed_every(Some(3)))
        .connected()
        .await;
    let q = sim.queues()[0].0.clone();
    const N: u32 = 50;
    for n in 0..N {
        sim.control().push(summary(&q, n));
    }
    let mut got = Vec::new();
    let mut malformed = 0;
    while got.len() < N as usize {
        let (_, ev) = recv_until(&mut h.events, LIMIT, |e| {
            waiting_of(e).is_some() || matches!(e, FeedEvent::Malformed { .. })
        })
        .await;
        match waiting_of(&ev) {
            Some(w) => got.push(w),
            None => malformed += 1,
        }
    }
    assert_eq!(got, (0..N).collect::<Vec<_>>());
    let stats = sim.stats();
    assert!(stats.malformed_sent >= 15, "{stats:?}");
    assert_eq!(malformed, stats.malformed_sent);
    // Still the first connection: malformed frames are not fatal.
    assert_eq!(stats.handshakes, 1);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn max_attempts_in_a_row_stops_and_reconnect_now_resumes() {
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(reconnect(10, 100, 3, 75))
        .connected()
        .await;
    sim.control().rate_limit_handshakes(100, 1);
    sim.control().drop_all();
    let (_, reason) = stopped(&mut h).await;
    assert!(reason.contains("gave up after 3"), "{reason}");
    // The drop, then two refused handshakes: three failures in a row.
    assert_eq!(sim.stats().handshakes, 3);

    sim.control().rate_limit_handshakes(0, 0);
    h.commands.send(FeedCommand::ReconnectNow).await.unwrap();
    acked(&mut h).await;
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn refused_credentials_stop_without_a_retry_loop() {
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(reconnect(10, 100, 0, 75))
        .config(|c| c.genesys.client_secret = Some("wrong-secret".to_string().into()))
        .start()
        .await;
    let (_, reason) = stopped(&mut h).await;
    assert!(
        reason.contains("refused the client credentials"),
        "{reason}"
    );
    assert!(!reason.contains("wrong-secret"), "{reason}");
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(sim.stats().token_requests, 1);
    assert_eq!(sim.stats().handshakes, 0);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn reconnect_now_while_connected_reconnects_at_once() {
    let (sim, mut h) = SimFeed::scripted()
        .reconnect(seconds_backoff())
        .connected()
        .await;
    let t0 = Instant::now();
    h.commands.send(FeedCommand::ReconnectNow).await.unwrap();
    acked(&mut h).await;
    assert!(t0.elapsed() < Duration::from_millis(500));
    assert_eq!(sim.stats().handshakes, 2);
    quit(h).await;
}

/// Real time here: a flood with paused time would only measure the clock.
#[tokio::test]
async fn a_flood_with_a_slow_consumer_stays_bounded_and_loses_nothing() {
    let (sim, mut h) = SimFeed::scripted().connected().await;
    sim.control().set_flood(true);

    // Do not read: the channel fills to capacity and the sim stalls.
    let full = tokio::time::timeout(LIMIT, async {
        while h.events.len() < CHANNEL_CAPACITY {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(full.is_ok(), "the channel never filled");
    let stalled = tokio::time::timeout(LIMIT, async {
        loop {
            let a = sim.stats().events_sent;
            tokio::time::sleep(Duration::from_millis(200)).await;
            if sim.stats().events_sent == a {
                return a;
            }
        }
    })
    .await
    .expect("the simulator kept writing: no backpressure");
    assert!(h.events.len() <= CHANNEL_CAPACITY);

    // A slow consumer: everything still arrives, in order of the socket.
    let mut received: u64 = 0;
    let mut slow = 0;
    while received < stalled + 5_000 {
        let ev = tokio::time::timeout(LIMIT, h.events.recv())
            .await
            .expect("events stopped flowing")
            .expect("feed ended");
        assert!(h.events.len() <= CHANNEL_CAPACITY);
        if matches!(ev, FeedEvent::Queue(_)) {
            received += 1;
        }
        slow += 1;
        if slow % 500 == 0 {
            tokio::task::yield_now().await;
        }
    }
    sim.control().set_flood(false);
    // A marker after the flood: when it arrives, every flood frame has.
    let q = sim.queues()[0].0.clone();
    sim.control().push(summary(&q, 424_242));
    loop {
        let ev = tokio::time::timeout(LIMIT, h.events.recv())
            .await
            .expect("marker never came")
            .expect("feed ended");
        if waiting_of(&ev) == Some(424_242) {
            break;
        }
        if matches!(ev, FeedEvent::Queue(_)) {
            received += 1;
        }
    }
    let stats = sim.stats();
    assert_eq!(stats.handshakes, 1, "the flood must not cost a reconnect");
    assert_eq!(received + 1, stats.events_sent, "events were lost");
    quit(h).await;
}
