//! The terminal, set up in one place and always given back: on drop (quit
//! and error paths), on panic (ratatui's hook, chained after color-eyre's),
//! on SIGTERM/SIGINT/SIGHUP and when the tty goes away.

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsRawFd;

use ratatui::DefaultTerminal;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::oneshot;

/// Raw mode and the alternate screen for as long as it lives.
pub struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen. Installs the panic hook
    /// that restores the terminal before the panic message is printed.
    pub fn enter() -> io::Result<Self> {
        match ratatui::try_init() {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                // Half-entered (raw mode on, alternate screen failed): undo.
                restore();
                Err(e)
            }
        }
    }

    /// `enter`, and with `mouse` the terminal reports clicks (and stops
    /// selecting text with a plain drag until restored).
    pub fn enter_with_mouse(mouse: bool) -> io::Result<Self> {
        let guard = Self::enter()?;
        if mouse {
            crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
        }
        Ok(guard)
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // `restore` shows the cursor the Terminal hid; the Terminal's own
        // drop, after this, shows it again, which is harmless.
        restore();
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor; errors
/// are ignored because the tty may already be gone.
pub fn restore() {
    release_mouse();
    let _ = ratatui::try_restore();
    let mut out = io::stdout();
    let _ = crossterm::execute!(out, crossterm::cursor::Show);
    let _ = out.flush();
}

/// Gives the mouse back to the terminal. Harmless when it was never
/// captured; also called from the panic hook, which ratatui's own hook
/// (raw mode and the alternate screen only) would leave captured.
pub fn release_mouse() {
    let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
}

/// Why the loop was told to stop from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Signal(&'static str),
    /// The terminal hung up (SSH drop, closed window).
    TtyLost(String),
}

impl Stop {
    /// SIGINT and SIGTERM are a normal way to stop (exit 0), and so is a
    /// hang-up: nobody is left to read an error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Stop::Signal(_) => 0,
            Stop::TtyLost(_) => 1,
        }
    }
}

/// Signals and tty hang-up, as one thing the loop can wait on.
pub struct Shutdown {
    term: Signal,
    int: Signal,
    hup: Signal,
    tty: Option<oneshot::Receiver<String>>,
}

impl Shutdown {
    /// Registers the signal handlers and starts the tty watcher.
    pub fn install() -> io::Result<Self> {
        Ok(Shutdown {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            tty: watch_tty(),
        })
    }

    /// Resolves when the app must stop. Cancel-safe.
    pub async fn wait(&mut self) -> Stop {
        let tty = async {
            match self.tty.as_mut() {
                Some(rx) => match rx.await {
                    Ok(why) => why,
                    // The watcher could not run; never resolve on its behalf.
                    Err(_) => std::future::pending().await,
                },
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = self.term.recv() => Stop::Signal("SIGTERM"),
            _ = self.int.recv() => Stop::Signal("SIGINT"),
            _ = self.hup.recv() => Stop::Signal("SIGHUP"),
            why = tty => Stop::TtyLost(why),
        }
    }
}

/// Watches the terminal for a hang-up from a plain thread blocked in
/// poll(2) with no events requested: POLLHUP/POLLERR/POLLNVAL are always
/// reported, so it sleeps at no cost until the tty dies. Needed because
/// crossterm's reader spins on a dead tty instead of returning an error.
/// A std thread, not spawn_blocking: the runtime must not wait for it.
fn watch_tty() -> Option<oneshot::Receiver<String>> {
    let file = if io::stdin().is_terminal() {
        None
    } else {
        Some(std::fs::File::open("/dev/tty").ok()?)
    };
    let (tx, rx) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("tty-hangup".into())
        .spawn(move || {
            let fd = file.as_ref().map_or(0, |f| f.as_raw_fd());
            // On a poll failure tx is dropped: the app keeps running.
            if let Some(why) = wait_hangup(fd) {
                let _ = tx.send(why);
            }
        });
    spawned.ok().map(|_| rx)
}

fn wait_hangup(fd: i32) -> Option<String> {
    loop {
        let mut p = libc::pollfd {
            fd,
            events: 0,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1, no timeout.
        let n = unsafe { libc::poll(&mut p, 1, -1) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            tracing::warn!("cannot watch the terminal for hang-up: {e}");
            return None;
        }
        if p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            return Some("the terminal hung up".to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A pty pair: the slave is what queuetop would read, closing the
    /// master is what an SSH drop or a closed window does.
    fn openpty() -> (i32, i32) {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: out-pointers to two ints; null name, termios and winsize.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", io::Error::last_os_error());
        (master, slave)
    }

    #[test]
    fn a_closed_pty_master_is_a_hangup() {
        let (master, slave) = openpty();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || tx.send(wait_hangup(slave)));
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "no hang-up while the master is open"
        );
        // SAFETY: closing the fd openpty gave us.
        unsafe { libc::close(master) };
        let why = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("hang-up seen");
        assert_eq!(why.as_deref(), Some("the terminal hung up"));
        // SAFETY: as above.
        unsafe { libc::close(slave) };
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Stop::Signal("SIGTERM").exit_code(), 0);
        assert_eq!(Stop::TtyLost("gone".into()).exit_code(), 1);
    }
}
