//! Parse the command line, install the hooks, pick the mode, run.
//! OWNER: foundation helper (CLI, check-config); later issues fill in the
//! other modes by replacing their `run_*` functions.

use std::process::ExitCode;

use clap::Parser;

use queuetop::cli::{Cli, Command};
use queuetop::config::{self, Severity, Sources};

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
        Some(Command::Demo) => run_demo(&cli),
        Some(Command::Sim { .. }) => run_sim(&cli),
        Some(Command::CheckConfig { path }) => run_check_config(&cli, path.clone()),
        Some(Command::Snapshot { .. }) => run_snapshot(&cli),
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

fn not_available(mode: &str) -> ExitCode {
    eprintln!("queuetop: {mode} is not available yet in this build");
    ExitCode::from(EXIT_FAILURE)
}

/// `queuetop`: the TUI monitor.
fn run_monitor(_cli: &Cli) -> ExitCode {
    not_available("the monitor (TUI)")
}

/// `queuetop --headless`: export lines and logs, no terminal.
fn run_headless(_cli: &Cli) -> ExitCode {
    not_available("headless mode")
}

/// `queuetop demo`: simulator in-process plus the monitor.
fn run_demo(_cli: &Cli) -> ExitCode {
    not_available("`demo`")
}

/// `queuetop sim`: the simulator alone.
fn run_sim(_cli: &Cli) -> ExitCode {
    not_available("`sim`")
}

/// `queuetop snapshot`: first summary of every queue, then exit.
fn run_snapshot(_cli: &Cli) -> ExitCode {
    not_available("`snapshot`")
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
            for p in &problems {
                eprintln!("{p}");
            }
            let errors = problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .count();
            let s = if errors == 1 { "" } else { "s" };
            eprintln!("queuetop: the config is not valid: {errors} error{s}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}
