//! Parse the command line, install the hooks, pick the mode, run.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use queuetop::cli::{Cli, Command, Resolved, generate};
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
    let flags = match cli.resolve() {
        Ok(flags) => flags,
        Err(msg) => {
            eprintln!("queuetop: {msg}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match &cli.command {
        None if cli.print_example_config => print_out(queuetop::cli::EXAMPLE_CONFIG),
        None if cli.headless => run_headless(&flags),
        None => run_monitor(&flags),
        Some(Command::Demo { relay: false, .. }) => run_demo(&flags),
        Some(Command::Demo { relay: true, .. }) => run_demo_relay(&flags),
        Some(Command::Relay { .. }) => run_relay(&flags),
        Some(Command::Record { .. }) => run_record(&cli, &flags),
        Some(Command::Replay { file, speed, .. }) => run_replay(&flags, file.clone(), *speed),
        Some(Command::Sim { .. }) => run_sim(&cli, &flags),
        Some(Command::CheckConfig { .. }) => run_check_config(&flags),
        Some(Command::Snapshot { json, timeout, .. }) => run_snapshot(&flags, *json, *timeout),
        Some(Command::Queues { json, pattern, .. }) => run_queues(&flags, *json, pattern.clone()),
        Some(Command::Init {
            queues,
            login_url,
            api_url,
            force,
            ..
        }) => run_init(
            &flags,
            queuetop::app::init::InitOptions {
                queues: queues.clone(),
                login_url: login_url.clone(),
                api_url: api_url.clone(),
                force: *force,
                ..Default::default()
            },
        ),
        Some(Command::Completions { shell }) => {
            let mut text = Vec::new();
            generate::completions(*shell, &mut text);
            print_out(&String::from_utf8_lossy(&text))
        }
        Some(Command::Man { out }) => run_man(out.as_deref()),
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
fn load_config(flags: &Resolved) -> Result<config::Config, ExitCode> {
    let (cfg, warnings) = load_config_noting(flags)?;
    for w in &warnings {
        eprintln!("{w}");
    }
    Ok(cfg)
}

/// `load_config` handing the warnings back, for the monitor to show them
/// on its screen instead of behind it.
fn load_config_noting(flags: &Resolved) -> Result<(config::Config, Vec<String>), ExitCode> {
    let sources = Sources::from_process(flags.config.clone(), flags.overrides.clone());
    match config::load(&sources) {
        Ok(loaded) => {
            let warnings = loaded.warnings.iter().map(|w| w.to_string()).collect();
            let mut cfg = loaded.config;
            nats_flag(flags, &mut cfg)?;
            Ok((cfg, warnings))
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

/// `queuetop`: the TUI monitor; on a first run (no config file anywhere),
/// the welcome screen.
fn run_monitor(flags: &Resolved) -> ExitCode {
    let sources = Sources::from_process(flags.config.clone(), flags.overrides.clone());
    let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if terminal && let Some(welcome) = queuetop::ui::welcome::Welcome::first_run(&sources) {
        return run_welcome(flags, welcome);
    }
    let (cfg, notes) = match load_config_noting(flags) {
        Ok((cfg, notes)) => (std::sync::Arc::new(cfg), notes),
        Err(code) => return code,
    };
    run_async(
        &cfg,
        false,
        queuetop::app::run_tui_noting(cfg.clone(), notes),
    )
}

/// The first-run screen, in the theme the flags and `NO_COLOR` ask for.
fn run_welcome(flags: &Resolved, welcome: queuetop::ui::welcome::Welcome) -> ExitCode {
    use queuetop::ui::theme;
    let mut cfg = config::Config::defaults(config::default_audit_file());
    cfg.ui.ascii = flags.overrides.ascii;
    let theme = theme::select(cfg.ui.theme, theme::no_color_env());
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(queuetop::app::run_welcome(welcome, theme));
    rt.shutdown_background();
    exit_code(result)
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
fn run_headless(flags: &Resolved) -> ExitCode {
    let cfg = match load_config(flags) {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let cfg = std::sync::Arc::new(cfg);
    run_async(&cfg, true, queuetop::app::headless::run(cfg.clone()))
}

/// `queuetop demo`: simulator in-process plus the monitor. A config named
/// by `--config` or `$QUEUETOP_CONFIG` gives everything but the connection.
fn run_demo(flags: &Resolved) -> ExitCode {
    let protocol = flags.overrides.protocol.unwrap_or_default();
    let mut sources = Sources::from_process(flags.config.clone(), flags.overrides.clone());
    // The standard file is not read: a demo must start on a fresh account.
    sources.default_config_file = None;
    let mut notes = Vec::new();
    let base = match sources.config_path() {
        None => None,
        Some(_) => match config::load_except_connection(&sources) {
            Ok(loaded) => {
                notes = loaded
                    .warnings
                    .iter()
                    .map(|warning| warning.to_string())
                    .collect();
                Some(loaded.config)
            }
            Err(problems) => {
                report_problems(&problems, "");
                return ExitCode::from(EXIT_CONFIG);
            }
        },
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let screen = queuetop::app::demo::Screen {
        ascii: flags.overrides.ascii,
        wallboard: flags.overrides.wallboard,
    };
    let metrics = flags.overrides.metrics;
    let result = rt.block_on(queuetop::app::run_demo(
        protocol, screen, base, metrics, notes,
    ));
    rt.shutdown_background();
    exit_code(result)
}

/// `queuetop sim`: the simulator alone.
fn run_sim(cli: &Cli, flags: &Resolved) -> ExitCode {
    let Some(Command::Sim {
        listen,
        scenario,
        seed,
        queues,
        rest_latency_ms,
        speed,
        ..
    }) = &cli.command
    else {
        return ExitCode::from(EXIT_FAILURE);
    };
    let defaults = queuetop::sim::SimOptions::default();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let protocol = flags.overrides.protocol.unwrap_or_default();
    let run = queuetop::sim::run_cli_with(queuetop::sim::CliRun {
        listen: *listen,
        scenario: scenario.as_deref(),
        seed: seed.unwrap_or(defaults.seed),
        queues: queues.unwrap_or(defaults.queues),
        protocol: protocol.as_str(),
        rest_latency: rest_latency_ms.map(std::time::Duration::from_millis),
        speed: *speed,
    });
    match rt.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("queuetop: {error:#}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// `queuetop snapshot`: first summary of every queue, then exit.
fn run_snapshot(flags: &Resolved, json: bool, timeout: u64) -> ExitCode {
    let cfg = match load_config(flags) {
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
fn run_check_config(flags: &Resolved) -> ExitCode {
    let sources = Sources::from_process(flags.config.clone(), flags.overrides.clone());
    match config::load(&sources) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("{w}");
            }
            print_out(&loaded.config.summary())
        }
        Err(problems) => {
            report_problems(&problems, "");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// `queuetop queues [--json] [PATTERN]`: the config file is optional.
fn run_queues(flags: &Resolved, json: bool, pattern: Option<String>) -> ExitCode {
    let sources = Sources::from_process(flags.config.clone(), flags.overrides.clone());
    let cfg = match config::load_connection(&sources) {
        Ok(loaded) => loaded.config,
        Err(problems) => {
            report_problems(&problems, "");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(queuetop::app::queues::run(
        &cfg.genesys,
        json,
        pattern.as_deref(),
    ));
    rt.shutdown_background();
    exit_code(result)
}

/// `queuetop init`: to --config, $QUEUETOP_CONFIG or the standard path.
fn run_init(flags: &Resolved, mut opts: queuetop::app::init::InitOptions) -> ExitCode {
    let sources = Sources::from_process(flags.config.clone(), flags.overrides.clone());
    let Some((path, _)) = sources.config_path() else {
        eprintln!("queuetop: no home directory to write the config in; pass --config PATH");
        return ExitCode::from(EXIT_CONFIG);
    };
    opts.path = path;
    opts.environment.clone_from(&flags.overrides.environment);
    opts.client_id.clone_from(&flags.overrides.client_id);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(queuetop::app::init::run(opts, &sources.env));
    rt.shutdown_background();
    exit_code(result)
}

/// `queuetop man [--out DIR]`.
fn run_man(dir: Option<&std::path::Path>) -> ExitCode {
    let mut page = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = generate::man_page(&mut page);
    let Some(dir) = dir else {
        return print_out(&String::from_utf8_lossy(&page));
    };
    let path = dir.join("queuetop.1");
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &page)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "queuetop: cannot write {}: {e}; pick a directory you can write to",
                path.display()
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is no failure:
/// the output was wanted only so far.
fn print_out(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("queuetop: cannot write to stdout: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `queuetop record --minutes N [--out FILE] [--anonymize]`.
fn run_record(cli: &Cli, flags: &Resolved) -> ExitCode {
    let Some(Command::Record {
        minutes,
        out,
        anonymize,
        ..
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
    let cfg = match load_config(flags) {
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
fn run_replay(flags: &Resolved, file: std::path::PathBuf, speed: f64) -> ExitCode {
    let sources = Sources::from_process(flags.config.clone(), flags.overrides.clone());
    let cfg = match config::load_except_connection(&sources) {
        Ok(loaded) => loaded.config,
        Err(problems) => {
            report_problems(&problems, "; `queuetop check-config` checks it alone");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let args = queuetop::app::replay::ReplayArgs {
        file,
        speed,
        headless: flags.headless,
    };
    run_async(
        &cfg.clone(),
        flags.headless,
        queuetop::app::replay::run(cfg, args),
    )
}

/// `--nats URL` over `[nats] url`: a viewer of a relay (or the relay's
/// broker, for `queuetop relay`).
fn nats_flag(flags: &Resolved, cfg: &mut config::Config) -> Result<(), ExitCode> {
    let Some(url) = &flags.overrides.nats else {
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
fn run_relay(flags: &Resolved) -> ExitCode {
    let cfg = match load_config(flags) {
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
fn run_demo_relay(flags: &Resolved) -> ExitCode {
    let protocol = flags.overrides.protocol.unwrap_or_default();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let ascii = flags.overrides.ascii;
    let result = rt.block_on(queuetop::app::relay::run_demo_relay(protocol, ascii));
    rt.shutdown_background();
    exit_code(result)
}
