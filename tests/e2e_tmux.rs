//! End to end: the real binary (`queuetop demo`) in a real terminal (tmux),
//! driven by keys, then checked for a restored terminal. Skips, loudly,
//! only when tmux is not installed (.ci/run installs it).

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_queuetop");
const PROMPT: &str = "E2E-PROMPT$";

/// A private tmux server (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str) -> Option<Tmux> {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!(
                "\n!!!!!!!! SKIPPED: tmux is not installed; the end-to-end terminal \
                 test did not run. Install tmux (apt-get install tmux). !!!!!!!!\n"
            );
            return None;
        }
        let t = Tmux {
            socket: format!("queuetop-e2e-{}-{name}", std::process::id()),
        };
        // A plain shell with a known prompt, 80x24 like a jump host.
        let out = t.run(&[
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "-s",
            "e2e",
            "env",
            &format!("PS1={PROMPT} "),
            "TERM=xterm-256color",
            "bash",
            "--norc",
            "--noprofile",
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        t.wait_for("the shell prompt", |s| s.contains(PROMPT));
        Some(t)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {out:?}");
    }

    fn line(&self, text: &str) {
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }

    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `cond` holds; fails after 20 s with the screen.
    fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pane_pid(&self) -> u32 {
        let out = self.run(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("pane pid")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The shell is back, in cooked mode with echo: `stty -a` says so.
fn assert_terminal_restored(t: &Tmux) {
    t.wait_for("the prompt after exit", |s| {
        s.lines()
            .last_non_empty()
            .is_some_and(|l| l.starts_with(PROMPT))
    });
    // The marker is split in the typed line so only the output matches.
    t.line("echo \"ST\"\"TY: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' ')\"");
    let s = t.wait_for("stty output", |s| {
        s.lines().any(|l| l.starts_with("STTY: "))
    });
    let line = s
        .lines()
        .find(|l| l.starts_with("STTY: "))
        .unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "terminal left in raw mode: {line:?}\n{s}"
    );
}

trait LastNonEmpty {
    fn last_non_empty(self) -> Option<String>;
}

impl<'a, I: Iterator<Item = &'a str>> LastNonEmpty for I {
    fn last_non_empty(self) -> Option<String> {
        self.filter(|l| !l.trim().is_empty())
            .last()
            .map(str::to_string)
    }
}

/// A child process of `parent`, from /proc (no pgrep in minimal images).
fn child_of(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
        let ppid: u32 = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        (ppid == parent).then_some(pid)
    })
}

fn start_demo(t: &Tmux, prefix: &str, args: &str) -> String {
    t.line(&format!("{prefix}{BIN} demo {args}"));
    t.wait_for("the queue list with data", |s| {
        s.contains("Queues (") && s.contains(">1 ") && s.contains("connected") && s.contains('%')
    })
}

#[test]
fn demo_moves_opens_help_and_quits_cleanly() {
    let Some(t) = Tmux::start("keys") else {
        return;
    };
    // The default protocol (notifications), exactly as a new user runs it.
    start_demo(&t, "", "");
    t.keys(&["j"]);
    t.wait_for("the selection on row 2", |s| s.contains(">2 "));
    t.keys(&["?"]);
    t.wait_for("the help overlay", |s| s.contains("Keys (? or Esc: close)"));
    t.keys(&["?"]);
    t.wait_for("help closed", |s| {
        !s.contains("Keys (? or Esc") && s.contains(">2 ")
    });
    t.keys(&["q"]);
    assert_terminal_restored(&t);
    t.line("echo EXIT=$?");
    t.wait_for("exit code 0", |s| s.contains("EXIT=0"));
}

#[test]
fn sigterm_restores_the_terminal() {
    let Some(t) = Tmux::start("term") else {
        return;
    };
    start_demo(&t, "", "--protocol realtime");
    let shell = t.pane_pid();
    let child = child_of(shell).expect("queuetop runs as a child of the pane's shell");
    // SAFETY: kill(2) on a pid we just found; no memory involved.
    let rc = unsafe { libc::kill(child as i32, libc::SIGTERM) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    assert_terminal_restored(&t);
    t.line("echo EXIT=$?");
    t.wait_for("exit code 0", |s| s.contains("EXIT=0"));
}

#[test]
fn a_closed_terminal_leaves_no_process_behind() {
    let Some(t) = Tmux::start("hup") else {
        return;
    };
    // exec: queuetop is the pane's process, so the pane pid is ours.
    start_demo(&t, "exec ", "--protocol realtime");
    let pid = t.pane_pid();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let out = t.run(&["kill-session", "-t", "e2e"]);
    assert!(out.status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if status.split_whitespace().nth(2) == Some("Z") {
            break; // exited, waiting to be reaped by tmux
        }
        assert!(
            Instant::now() < deadline,
            "queuetop still running after hang-up: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn esc_keeps_the_monitor_and_quit_gives_the_mouse_back() {
    let Some(t) = Tmux::start("esc") else {
        return;
    };
    start_demo(&t, "", "");
    let mouse = || {
        let out = t.run(&["display-message", "-p", "-t", "e2e", "#{mouse_any_flag}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(mouse(), "1", "the monitor takes the mouse (ui.mouse)");
    t.keys(&["a"]);
    t.wait_for("the alerts view", |s| s.contains("(a or Esc: back)"));
    t.keys(&["Escape"]);
    t.wait_for("the main screen", |s| s.contains("Queues ("));
    t.keys(&["Escape"]);
    // Esc on the main screen must not quit: the next key still reaches it.
    t.keys(&["?"]);
    t.wait_for("the help overlay", |s| s.contains("Keys (? or Esc: close)"));
    t.keys(&["q"]);
    assert_terminal_restored(&t);
    t.line("echo EXIT=$?");
    t.wait_for("exit code 0", |s| s.contains("EXIT=0"));
    assert_eq!(mouse(), "0", "the mouse is the terminal's again");
}

#[test]
fn first_run_welcomes_then_exits_2_with_the_terminal_restored() {
    let Some(t) = Tmux::start("first") else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let home = home.path().display().to_string();
    t.line(&format!(
        "env -u QUEUETOP_CONFIG HOME={home} XDG_CONFIG_HOME={home}/config {BIN}"
    ));
    let s = t.wait_for("the welcome screen", |s| s.contains("Welcome to queuetop"));
    let standard = format!("{home}/config/queuetop/config.toml");
    for want in [
        standard.as_str(),
        "queuetop demo",
        "queuetop init",
        "GENESYS_CLIENT_ID",
    ] {
        assert!(s.contains(want), "{want} missing:\n{s}");
    }
    t.keys(&["Escape"]);
    let s = t.wait_for("the shell again", |s| s.contains("no config file found"));
    assert!(
        s.contains("queuetop init"),
        "the reason stays on screen after it:\n{s}"
    );
    t.line("echo EXIT=$?");
    t.wait_for("exit code 2", |s| s.contains("EXIT=2"));
    assert_terminal_restored(&t);
}

#[test]
fn first_run_without_a_terminal_exits_2_naming_where_it_looked() {
    let home = tempfile::tempdir().expect("temp home");
    for args in [&["--headless"][..], &["snapshot"][..], &[][..]] {
        let out = Command::new(BIN)
            .args(args)
            .env_remove("QUEUETOP_CONFIG")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run queuetop");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let standard = home.path().join("config/queuetop/config.toml");
        assert!(
            stderr.contains("no config file found")
                && stderr.contains(&standard.display().to_string())
                && stderr.contains("queuetop init"),
            "{args:?}: {stderr}"
        );
    }
}
