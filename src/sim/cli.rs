//! `queuetop sim`: run the simulator alone, print where it is and a config
//! that points at it, play a scenario, stop on Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

use color_eyre::eyre::{Result, WrapErr, eyre};

use super::{MAX_SPEED, Pace, SimControl, SimOptions, start};

/// The scenario `queuetop sim` plays without `--scenario`, and `demo` too.
pub const DEFAULT_SCENARIO: &str = "steady";

/// Scenario names and what they do, for `--help` and error messages.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "steady",
        "a working day in real time, no faults: calls of minutes, breaks and meals, a lunch peak, the odd surge (default; --speed scales it)",
    ),
    (
        "fast",
        "the fast model tests use: calls of seconds, agents changing every few seconds, no faults",
    ),
    (
        "busy",
        "a fast, crowded center: 20 agents per queue, a change every 100 ms",
    ),
    (
        "drop",
        "drops each socket without a close frame after 200 events (1006)",
    ),
    (
        "silent",
        "every 2 minutes: 20 s of events, then 100 s of silence with the socket open",
    ),
    (
        "auth401",
        "answers the first handshake (and one every 2 minutes) with 401",
    ),
    (
        "ratelimit",
        "answers 2 handshakes with 429 Retry-After: 5, again every 2 minutes",
    ),
    (
        "goaway",
        "closes each socket with 1001 (going away) after 300 events",
    ),
    (
        "expire",
        "issues 60 s tokens; a realtime socket on an expired token is closed with 4001, a channel dies with the token that created it (1000)",
    ),
    (
        "refuse",
        "refuses every subscription payload: error, then close 4008",
    ),
    (
        "malformed",
        "sends a malformed frame before every 5th event",
    ),
    (
        "flood",
        "writes pre-built frames as fast as the socket takes them (realtime)",
    ),
    (
        "closing",
        "notifications: v2.system.socket_closing every 30 s on each channel socket, closed 15 s later",
    ),
    (
        "expiry",
        "notifications: channels live 2 minutes, then their socket is closed (1000)",
    ),
    (
        "rejected",
        "notifications: the first queue's observation topic is rejected at subscription",
    ),
    (
        "ratelimit-rest",
        "notifications: 3 REST calls answered 429 Retry-After: 5, again every 2 minutes",
    ),
    (
        "unsubscribed",
        "notifications: every 2 minutes each channel gets v2.system.no_longer_subscribed and delivers nothing until subscribed again",
    ),
    (
        "revoked",
        "notifications: every 2 minutes every token is revoked: v2.system.token_revoked, REST refuses it, its channels close after 60 s",
    ),
    (
        "many",
        "1200 queues: REST paging, and two channels for the topics",
    ),
    (
        "quiet",
        "no changes at all, heartbeats only (an idle feed, for CPU measurements)",
    ),
    (
        "calm",
        "the contact center changes once a second: each queue updates at most once a second",
    ),
];

/// Queues in the `many` scenario (more than one channel's 1000 topics).
const MANY_QUEUES: usize = 1200;

/// How often the periodic scenarios repeat.
const CYCLE: Duration = Duration::from_secs(120);

fn scenario_options(name: &str, seed: u64, queues: usize) -> Result<SimOptions> {
    let mut options = SimOptions {
        seed,
        queues,
        ..SimOptions::default()
    };
    let faults = &mut options.faults;
    // The fault scenarios play the fast model: their faults are counted in
    // events, and they exist to be seen within seconds.
    match name {
        "steady" => options.pace = Pace::day(),
        "fast" | "silent" => {}
        "busy" => {
            options.agents_per_queue = 20;
            options.event_interval = Duration::from_millis(100);
        }
        "drop" => faults.drop_after_events = Some(200),
        "auth401" => faults.reject_handshakes_401 = 1,
        "ratelimit" => faults.rate_limit_handshakes = Some((2, 5)),
        "goaway" => faults.close_after_events = Some((300, 1001)),
        "expire" => options.token_lifetime_s = 60,
        "refuse" => faults.refuse_subscriptions = true,
        "malformed" => faults.malformed_every = Some(5),
        "flood" => faults.flood = true,
        "closing" => {
            faults.socket_closing_every = Some(Duration::from_secs(30));
            options.socket_closing_grace = Duration::from_secs(15);
        }
        "expiry" => options.channel_lifetime = Duration::from_secs(120),
        // The queue ids exist once the simulator runs: see `run_cli_protocol`.
        "rejected" => {}
        "ratelimit-rest" => faults.rest_rate_limit = Some((3, 5)),
        "unsubscribed" | "revoked" => {}
        "many" => options.queues = MANY_QUEUES,
        "quiet" => options.generate = false,
        "calm" => options.event_interval = Duration::from_secs(1),
        other => {
            let names: Vec<&str> = SCENARIOS.iter().map(|scenario| scenario.0).collect();
            return Err(eyre!(
                "unknown scenario {other:?}: use one of {}",
                names.join(", ")
            ));
        }
    }
    Ok(options)
}

/// What `queuetop demo` runs: the default scenario, seed and queues.
pub fn demo_options() -> SimOptions {
    let defaults = SimOptions::default();
    scenario_options(DEFAULT_SCENARIO, defaults.seed, defaults.queues).unwrap_or(defaults)
}

/// `--speed` on the scenario's options: only the working day has a clock
/// to scale.
fn with_speed(mut options: SimOptions, name: &str, speed: Option<f64>) -> Result<SimOptions> {
    let Some(speed) = speed else {
        return Ok(options);
    };
    if !(speed > 0.0 && speed <= MAX_SPEED) {
        return Err(eyre!(
            "--speed {speed} is out of range: use a number above 0 and at most {MAX_SPEED} (1 = real time)"
        ));
    }
    match &mut options.pace {
        Pace::Day { speed: s, .. } => *s = speed,
        Pace::Fast => {
            return Err(eyre!(
                "--speed scales the working day, and scenario {name:?} plays the fast model: \
                 drop --speed or use --scenario {DEFAULT_SCENARIO}"
            ));
        }
    }
    Ok(options)
}

/// Faults that come and go on a timer, so a watching client sees them recur.
async fn play(name: String, control: SimControl) {
    let mut tick = tokio::time::interval(CYCLE);
    tick.tick().await;
    loop {
        match name.as_str() {
            "silent" => {
                tokio::time::sleep(Duration::from_secs(20)).await;
                control.go_silent(true);
                tokio::time::sleep(Duration::from_secs(100)).await;
                control.go_silent(false);
            }
            "auth401" => {
                tick.tick().await;
                control.reject_handshakes_401(1);
                control.drop_all();
            }
            "ratelimit" => {
                tick.tick().await;
                control.rate_limit_handshakes(2, 5);
                control.drop_all();
            }
            "ratelimit-rest" => {
                tick.tick().await;
                control.rate_limit_rest(3, 5);
            }
            "unsubscribed" => {
                tick.tick().await;
                for id in control.channel_ids() {
                    control.no_longer_subscribed(&id);
                }
            }
            "revoked" => {
                tick.tick().await;
                control.revoke_all_tokens();
            }
            _ => std::future::pending::<()>().await,
        }
    }
}

/// `run_cli_protocol` with the default feed, `notifications`.
pub async fn run_cli(
    listen: SocketAddr,
    scenario: Option<&str>,
    seed: u64,
    queues: usize,
) -> Result<()> {
    run_cli_protocol(listen, scenario, seed, queues, "notifications").await
}

/// `run_cli_with` without added REST latency.
pub async fn run_cli_protocol(
    listen: SocketAddr,
    scenario: Option<&str>,
    seed: u64,
    queues: usize,
    protocol: &str,
) -> Result<()> {
    run_cli_with(CliRun {
        listen,
        scenario,
        seed,
        queues,
        protocol,
        rest_latency: None,
        speed: None,
    })
    .await
}

/// What `queuetop sim` was asked for.
#[derive(Debug, Clone, Copy)]
pub struct CliRun<'a> {
    pub listen: SocketAddr,
    pub scenario: Option<&'a str>,
    pub seed: u64,
    pub queues: usize,
    /// "notifications" or "realtime": the feed of the printed config.
    pub protocol: &'a str,
    /// Added to every REST answer (`--rest-latency-ms`).
    pub rest_latency: Option<Duration>,
    /// Simulated seconds per real second of the working day (`--speed`).
    pub speed: Option<f64>,
}

/// Starts the simulator, prints its URLs, credentials and a ready config
/// for the protocol ("notifications" or "realtime") to stdout (as valid
/// TOML: the notes are comments), then runs until Ctrl-C. The simulator
/// serves both feeds whichever config is printed.
pub async fn run_cli_with(run: CliRun<'_>) -> Result<()> {
    let CliRun {
        listen,
        scenario,
        seed,
        queues,
        protocol,
        rest_latency,
        speed,
    } = run;
    if !matches!(protocol, "notifications" | "realtime") {
        return Err(eyre!(
            "unknown protocol {protocol:?}: use notifications or realtime"
        ));
    }
    let name = scenario.unwrap_or(DEFAULT_SCENARIO);
    let mut opts = with_speed(scenario_options(name, seed, queues)?, name, speed)?;
    if rest_latency.is_some() {
        opts.faults.rest_latency = rest_latency;
    }
    let queues = opts.queues;
    let pace = match opts.pace {
        Pace::Day { speed: 1.0, .. } => ", real time".to_string(),
        Pace::Day { speed, .. } => format!(", {speed}x real time"),
        Pace::Fast => String::new(),
    };
    let sim = start(listen, opts)
        .await
        .wrap_err_with(|| format!("cannot listen on {listen}: pick another --listen address"))?;
    if name == "rejected"
        && let Some((id, _)) = sim.queues().first()
    {
        sim.control().set_reject_topics(vec![id.clone()]);
    }
    // Listen for signals before printing: whoever reads the config may
    // stop us the moment it has it.
    let mut int = signal(SignalKind::interrupt()).wrap_err("cannot listen for SIGINT")?;
    let mut term = signal(SignalKind::terminate()).wrap_err("cannot listen for SIGTERM")?;
    println!(
        "# queuetop sim: scenario {name}{pace}, seed {seed}, {queues} queues, {protocol} config"
    );
    println!("# token endpoint: {}/oauth/token", sim.login_url());
    println!("# REST (notifications): {}/api/v2/...", sim.api_url());
    println!("# realtime:       {}", sim.realtime_url());
    if let Some(latency) = rest_latency {
        println!(
            "# REST latency:   {} ms added to every answer",
            latency.as_millis()
        );
    }
    println!("# client id:      {}", sim.client_id());
    println!("# client secret:  {}", sim.client_secret());
    println!("# save this output as a config.toml and run queuetop against it; Ctrl-C stops.");
    println!();
    print!("{}", sim.config_toml(protocol));
    let player = tokio::spawn(play(name.to_string(), sim.control()));
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
    player.abort();
    sim.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_scenario_builds_and_unknown_names_are_refused() {
        for (name, _) in SCENARIOS {
            assert!(scenario_options(name, 1, 3).is_ok(), "{name}");
        }
        let err = scenario_options("chaos", 1, 3).unwrap_err().to_string();
        assert!(err.contains("chaos") && err.contains("flood"), "{err}");
        assert_eq!(scenario_options("many", 1, 3).unwrap().queues, MANY_QUEUES);
        let closing = scenario_options("closing", 1, 3).unwrap();
        assert_eq!(
            closing.faults.socket_closing_every,
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn the_default_scenario_is_the_working_day_and_fast_keeps_the_old_model() {
        assert_eq!(scenario_options("steady", 1, 3).unwrap().pace, Pace::day());
        assert_eq!(demo_options().pace, Pace::day());
        for name in ["fast", "busy", "drop", "calm", "many", "silent"] {
            assert_eq!(
                scenario_options(name, 1, 3).unwrap().pace,
                Pace::Fast,
                "{name}"
            );
        }
    }

    #[test]
    fn speed_scales_the_day_only_and_is_bounded() {
        let steady = || scenario_options("steady", 1, 3).unwrap();
        let o = with_speed(steady(), "steady", Some(60.0)).unwrap();
        assert!(matches!(o.pace, Pace::Day { speed, .. } if speed == 60.0));
        assert_eq!(
            with_speed(steady(), "steady", None).unwrap().pace,
            Pace::day()
        );
        for bad in [0.0, -1.0, f64::NAN, MAX_SPEED * 2.0] {
            let err = with_speed(steady(), "steady", Some(bad)).unwrap_err();
            assert!(err.to_string().contains("--speed"), "{err}");
        }
        let busy = scenario_options("busy", 1, 3).unwrap();
        let err = with_speed(busy, "busy", Some(2.0)).unwrap_err().to_string();
        assert!(err.contains("busy") && err.contains("steady"), "{err}");
    }
}
