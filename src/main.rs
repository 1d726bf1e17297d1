//! Parse the command line, install the hooks, pick the mode, run.
//! OWNER: foundation helper (CLI, check-config); later issues fill in the
//! other modes by replacing their `run_*` functions.

use std::process::ExitCode;

use clap::Parser;

use queuetop::cli::{Cli, Command};
use queuetop::config::{self, Severity, Sources};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for usage and config errors (clap uses it for usage errors too).
const EXIT_CONFIG: u8 = 2;
/// Exit code for anything else that failed.
const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    install_crypto_provider();
    let cli = Cli::parse();
    // Only fails when called twice; nothing else installs it.
    let _ = color_eyre::install();
    match &cli.command {
        None if cli.headless => run_headless(&cli),
        None => run_monitor(&cli),
        Some(Command::Demo { relay: false }) => run_demo(&cli),
        Some(Command::Demo { relay: true }) => run_demo_relay(&cli),
        Some(Command::Relay) => run_relay(&cli),
        Some(Command::Sim { .. }) => run_sim(&cli),
        Some(Command::CheckConfig { path }) => run_check_config(&cli, path.clone()),
        Some(Command::Snapshot { .. }) => run_snapshot(&cli),
        Some(Command::Record { .. }) => run_record(&cli),
        Some(Command::Replay { .. }) => run_replay(&cli),
    }
}

/// rustls needs one process-wide crypto provider; both reqwest (built with
/// `rustls-tls-webpki-roots-no-provider`) and tungstenite use the default,
/// and panic on first TLS use if none is installed. We chose ring (lighter
/// to build than aws-lc-rs). Installing twice is an error we can ignore: the
/// provider is the same.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Loads the config for a mode that connects: warnings on stderr (before
/// any TUI starts); on errors, every problem on stderr and exit code 2.
fn load_config(cli: &Cli) -> Result<config::Config, ExitCode> {
    let sources = Sources::from_process(cli.config.clone(), cli.overrides());
    match config::load(&sources) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("{w}");
            }
            let mut cfg = loaded.config;
            nats_flag(cli, &mut cfg)?;
            Ok(cfg)
        }
        Err(problems) => {
            report_problems(&problems, "; `queuetop check-config` checks it alone");
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

fn report_problems(problems: &[config::ConfigProblem], hint: &str) {
    for p in problems {
        eprintln!("{p}");
    }
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let s = if errors == 1 { "" } else { "s" };
    eprintln!("queuetop: the config is not valid: {errors} error{s}{hint}");
}

/// `queuetop`: the TUI monitor.
fn run_monitor(cli: &Cli) -> ExitCode {
    let cfg = match load_config(cli) {
        Ok(cfg) => std::sync::Arc::new(cfg),
        Err(code) => return code,
    };
    run_async(&cfg, false, queuetop::app::run_tui(cfg.clone()))
}

/// Runs an async mode on a fresh runtime with the audit log installed;
/// its `Ok(code)` is the exit code, an error is printed and exits 1.
fn run_async<F>(cfg: &config::Config, stderr_log: bool, fut: F) -> ExitCode
where
    F: std::future::Future<Output = color_eyre::Result<i32>>,
{
    let opts = queuetop::sink::audit::AuditOptions::from_config(&cfg.log, stderr_log);
    let _guard = match queuetop::sink::audit::init(&opts) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("queuetop: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(fut);
    // Do not wait for blocked reader threads (crossterm's, the tty watcher).
    rt.shutdown_background();
    exit_code(result)
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("queuetop: cannot start the async runtime: {e}");
            ExitCode::from(EXIT_FAILURE)
        })
}

/// A mode's result as the process exit code; an error is printed (after
/// the terminal was restored) and exits 1.
fn exit_code(result: color_eyre::Result<i32>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(EXIT_FAILURE)),
        Err(e) => {
            eprintln!("queuetop: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `queuetop --headless`: export lines and logs, no terminal.
fn run_headless(cli: &Cli) -> ExitCode {
    let cfg = match load_config(cli) {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let cfg = std::sync::Arc::new(cfg);
    run_async(&cfg, true, queuetop::app::headless::run(cfg.clone()))
}

/// `queuetop demo`: simulator in-process plus the monitor.
fn run_demo(cli: &Cli) -> ExitCode {
    let protocol = cli.protocol.unwrap_or_default();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(queuetop::app::run_demo(protocol, cli.ascii));
    rt.shutdown_background();
    exit_code(result)
}

/// `queuetop sim`: the simulator alone.
fn run_sim(cli: &Cli) -> ExitCode {
    let Some(Command::Sim {
        listen,
        scenario,
        seed,
        queues,
        rest_latency_ms,
    }) = &cli.command
    else {
        return ExitCode::from(EXIT_FAILURE);
    };
    let defaults = queuetop::sim::SimOptions::default();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let protocol = cli.protocol.unwrap_or_default();
    let run = queuetop::sim::run_cli_with(queuetop::sim::CliRun {
        listen: *listen,
        scenario: scenario.as_deref(),
        seed: seed.unwrap_or(defaults.seed),
        queues: queues.unwrap_or(defaults.queues),
        protocol: protocol.as_str(),
        rest_latency: rest_latency_ms.map(std::time::Duration::from_millis),
    });
    match rt.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("queuetop: {e:#}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// `queuetop snapshot`: first summary of every queue, then exit.
fn run_snapshot(cli: &Cli) -> ExitCode {
    let Some(Command::Snapshot { json, timeout }) = cli.command else {
        return ExitCode::from(EXIT_FAILURE);
    };
    let cfg = match load_config(cli) {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let cfg = std::sync::Arc::new(cfg);
    let timeout = std::time::Duration::from_secs(timeout);
    run_async(
        &cfg,
        false,
        queuetop::app::snapshot::snapshot(cfg.clone(), json, timeout),
    )
}

/// `queuetop check-config [PATH]`: every problem as
/// `file:line:col: key: message (rule)` on stderr, or a summary on stdout.
/// Exit 0 when valid, 2 when not.
fn run_check_config(cli: &Cli, path: Option<std::path::PathBuf>) -> ExitCode {
    let sources = Sources::from_process(path.or_else(|| cli.config.clone()), cli.overrides());
    match config::load(&sources) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("{w}");
            }
            print!("{}", loaded.config.summary());
            ExitCode::SUCCESS
        }
        Err(problems) => {
            report_problems(&problems, "");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// `queuetop record --minutes N [--out FILE] [--anonymize]`.
fn run_record(cli: &Cli) -> ExitCode {
    let Some(Command::Record {
        minutes,
        out,
        anonymize,
    }) = &cli.command
    else {
        return ExitCode::from(EXIT_FAILURE);
    };
    // A week at most: a recording is for an incident, not an archive.
    if !(*minutes > 0.0 && *minutes <= 10_080.0) {
        eprintln!(
            "queuetop: --minutes {minutes} is not a duration to record: give more than 0 and at most 10080 (a week), e.g. --minutes 10"
        );
        return ExitCode::from(EXIT_CONFIG);
    }
    let cfg = match load_config(cli) {
        Ok(cfg) => std::sync::Arc::new(cfg),
        Err(code) => return code,
    };
    let opts = queuetop::app::record::RecordOptions {
        duration: std::time::Duration::from_secs_f64(minutes * 60.0),
        out: out.clone().unwrap_or_else(|| {
            queuetop::app::record::default_file(time::OffsetDateTime::now_utc())
        }),
        anonymize: *anonymize,
    };
    run_async(&cfg, true, queuetop::app::record::run(cfg.clone(), opts))
}

/// `queuetop replay FILE [--speed X] [--headless --export PATH]`: needs no
/// credentials, so only config errors stop it (warnings about connecting
/// do not apply).
fn run_replay(cli: &Cli) -> ExitCode {
    let Some(Command::Replay { file, speed }) = &cli.command else {
        return ExitCode::from(EXIT_FAILURE);
    };
    let sources = Sources::from_process(cli.config.clone(), cli.overrides());
    let cfg = match config::load(&sources) {
        Ok(loaded) => loaded.config,
        Err(problems) => {
            report_problems(&problems, "; `queuetop check-config` checks it alone");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let args = queuetop::app::replay::ReplayArgs {
        file: file.clone(),
        speed: *speed,
        headless: cli.headless,
    };
    run_async(
        &cfg.clone(),
        cli.headless,
        queuetop::app::replay::run(cfg, args),
    )
}

/// `--nats URL` over `[nats] url`: a viewer of a relay (or the relay's
/// broker, for `queuetop relay`).
fn nats_flag(cli: &Cli, cfg: &mut config::Config) -> Result<(), ExitCode> {
    let Some(url) = &cli.nats else {
        return Ok(());
    };
    let nats = cfg
        .nats
        .get_or_insert_with(|| config::NatsConfig::new(url.clone()));
    nats.url = url.clone();
    if let Some(msg) = config::nats_problem(nats) {
        eprintln!("queuetop: --nats: {msg}");
        return Err(ExitCode::from(EXIT_CONFIG));
    }
    Ok(())
}

/// `queuetop relay`: the feed, published to NATS until SIGINT/SIGTERM.
fn run_relay(cli: &Cli) -> ExitCode {
    let cfg = match load_config(cli) {
        Ok(cfg) => std::sync::Arc::new(cfg),
        Err(code) => return code,
    };
    run_async(
        &cfg,
        true,
        queuetop::app::relay::run_until_signal(cfg.clone()),
    )
}

/// `queuetop demo --relay`: simulator, nats-server, relay and a viewer.
fn run_demo_relay(cli: &Cli) -> ExitCode {
    let protocol = cli.protocol.unwrap_or_default();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(queuetop::app::relay::run_demo_relay(protocol, cli.ascii));
    rt.shutdown_background();
    exit_code(result)
}
