//! The app loop (TUI) and its headless variant.
pub mod clock;
pub mod core;
pub mod demo;
pub mod event_loop;
pub mod first_run;
pub mod headless;
pub mod init;
pub mod metrics;
pub mod queues;
pub mod record;
pub mod redraw;
pub mod relay;
pub mod replay;
pub mod seed;
pub mod sinks;
pub mod snapshot;
pub mod terminal;

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};
use crossterm::event::EventStream;

use crate::app::sinks::Sinks;
use crate::config::Config;
use crate::feed::source::Source;
use crate::model::AppState;
use crate::sink::export::Exporter;
use crate::ui::{Ui, theme};

pub use demo::{demo_config, run_demo};
pub use event_loop::{AppLoop, Exit, LoopIo};
pub use first_run::run_welcome;
pub use redraw::RedrawPolicy;

/// Runs the monitor on the configured feed until the user quits, a signal
/// arrives or the terminal goes away. Returns the exit code. The terminal
/// is restored before this returns, so an error can be printed plainly.
pub async fn run_tui(cfg: Arc<Config>) -> color_eyre::Result<i32> {
    run_tui_from(cfg, Source::Genesys).await
}

/// `run_tui` with the config's start-up warnings shown inside the screen
/// (printed before it, they would be hidden behind it until quit).
pub async fn run_tui_noting(cfg: Arc<Config>, notes: Vec<String>) -> color_eyre::Result<i32> {
    run_tui_inner(cfg, Source::Genesys, notes).await
}

/// `run_tui` with the events from `source`.
pub async fn run_tui_from(cfg: Arc<Config>, source: Source) -> color_eyre::Result<i32> {
    run_tui_inner(cfg, source, Vec::new()).await
}

async fn run_tui_inner(
    cfg: Arc<Config>,
    source: Source,
    notes: Vec<String>,
) -> color_eyre::Result<i32> {
    let replaying = matches!(source, Source::Replay(_));
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(eyre!(
            "the monitor needs a terminal, and stdin or stdout is not one; \
             for pipes and services use `queuetop --headless`"
        ));
    }
    // color_eyre is installed once, in main, before ratatui chains its
    // panic hook. A second install here was refused with an error whose
    // eagerly symbolised backtrace kept ~100 MB of DWARF data resident.

    let exporter = match cfg.export_path.as_deref() {
        None => None,
        Some("-") => {
            return Err(eyre!(
                "export.path is \"-\" (stdout), which is the screen in the monitor; \
                 use `queuetop --headless` to export to stdout, or set a file path"
            ));
        }
        Some(path) => Some(Exporter::open(path).wrap_err_with(|| {
            format!("cannot open the export file {path}; point export.path (or --export) at a writable file")
        })?),
    };
    let ui = Ui::new(&cfg, theme::no_color_env());
    let mut state = seed::initial_state(&cfg);
    // Read before the terminal is taken, so a problem prints plainly.
    let mut sinks = Sinks {
        exporter,
        ..Sinks::default()
    };
    open_history(&cfg, replaying, &mut sinks, &mut state)?;
    let mut shutdown = terminal::Shutdown::install().wrap_err("installing signal handlers")?;
    let feed = source.spawn(cfg.clone());
    let metrics = metrics::Publisher::start(&cfg, feed.gauges.clone()).await?;

    let mut guard = terminal::TerminalGuard::enter_with_mouse(cfg.ui.mouse)
        .wrap_err("setting up the terminal")?;
    exit_on_any_panic();
    let mut io = LoopIo {
        input: EventStream::new(),
        feed: feed.events,
        commands: feed.commands,
    };
    let mut app = AppLoop::new(state, ui, cfg.ui.fps)
        .with_local_time()
        .with_sinks(sinks)
        .with_metrics(metrics);
    // On screen until closed, and in the audit log for later.
    for note in &notes {
        tracing::warn!(target: "queuetop::config", "{note}");
    }
    app.view = std::mem::take(&mut app.view).with_notes(notes);
    let result = app.run(guard.terminal(), &mut io, shutdown.wait()).await;
    drop(guard);

    // Let the feed say goodbye (close 1000); what it still sends is exported.
    let mut task = feed.task;
    let closed = app
        .close_feed(&mut io.feed, &io.commands, Some(&mut task))
        .await;
    let exit = result.wrap_err("the monitor stopped")?;
    closed.wrap_err("closing the feed")?;
    match exit {
        Exit::Quit => Ok(0),
        Exit::Stopped(stop) => Ok(stop.exit_code()),
        Exit::InputGone(why) => {
            // Not eprintln!: it panics when stderr is the dead tty.
            let _ = writeln!(io::stderr(), "queuetop: {why}; exiting.");
            Ok(1)
        }
        Exit::Panicked => Err(eyre!("a background task panicked (message above)")),
    }
}

/// Opens the alert history (when not turned off) and restores what it
/// holds into `state`. A replay's alerts happened long ago, to someone
/// else: not history.
fn open_history(
    config: &Config,
    replaying: bool,
    sinks: &mut Sinks,
    state: &mut AppState,
) -> color_eyre::Result<()> {
    let history = config.log.alert_history_file().filter(|_| !replaying);
    if let Some(path) = history {
        sinks.open_history(&path, state, time::OffsetDateTime::now_utc())?;
    }
    Ok(())
}

/// After the terminal is restored by ratatui's hook, a panic in any task
/// also ends the loop: drawing into a restored terminal would garble it.
fn exit_on_any_panic() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        terminal::release_mouse();
        prev(info);
        event_loop::PANICKED.notify_one();
    }));
}

#[cfg(test)]
mod tests;
