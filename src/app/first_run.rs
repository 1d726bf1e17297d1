//! The first-run screen's loop: draw the welcome, redraw on resize, leave
//! on the keys the keymap gives the welcome (`q`, `Esc`, `Ctrl-C`), a
//! signal, or a lost terminal. There is
//! nothing to monitor, so it exits 2, as `--headless` does, and says why
//! once more on stderr where it stays visible after the screen is gone.

use std::io::{self, Write};

use color_eyre::eyre::WrapErr;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;

use crate::app::terminal;
use crate::ui::Theme;
use crate::ui::keys::{self, Action, Mode};
use crate::ui::welcome::{self, Welcome};

/// Exit code: no config, nothing monitored.
pub const EXIT_NO_CONFIG: i32 = 2;

pub async fn run_welcome(welcome: Welcome, theme: &'static Theme) -> color_eyre::Result<i32> {
    let mut shutdown = terminal::Shutdown::install().wrap_err("installing signal handlers")?;
    let mut guard = terminal::TerminalGuard::enter().wrap_err("setting up the terminal")?;
    let mut input = EventStream::new();
    let draw = |guard: &mut terminal::TerminalGuard| {
        guard
            .terminal()
            .draw(|frame| welcome::render(frame, &welcome, theme))
            .map(|_| ())
    };
    draw(&mut guard).wrap_err("drawing the welcome screen")?;
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) => {
                    if keys::action_for(&key, Mode::Welcome) == Some(Action::Quit) {
                        break;
                    }
                }
                Some(Ok(Event::Resize(..))) => {
                    draw(&mut guard).wrap_err("drawing the welcome screen")?;
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => break,
            },
        }
    }
    drop(guard);
    // Not eprintln!: it panics when stderr is a dead tty.
    let _ = writeln!(io::stderr(), "{}", welcome.message());
    Ok(EXIT_NO_CONFIG)
}
