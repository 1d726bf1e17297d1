//! The tmux harness of the end-to-end tests: a private server driven by
//! keys and read as text, and the checks the tests share.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const PROMPT: &str = "E2E-PROMPT$";

/// A private tmux server (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(name: &str) -> Option<Tmux> {
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

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {out:?}");
    }

    pub fn line(&self, text: &str) {
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }

    pub fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `cond` holds; fails after 20 s with the screen.
    pub fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
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

    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        let out = self.run(&["resize-window", "-t", "e2e", "-x", &w, "-y", &h]);
        assert!(
            out.status.success(),
            "resize-window {width}x{height}: {out:?}"
        );
    }

    pub fn pane_pid(&self) -> u32 {
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
pub fn assert_terminal_restored(t: &Tmux) {
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

pub trait LastNonEmpty {
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
pub fn child_of(parent: u32) -> Option<u32> {
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

/// A child process killed (by its own handle) when the test ends.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `s` as a TOML basic string.
pub fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The words of an overlay centred 2 cells in from each side, in one
/// line without its borders, so that a wrapped sentence reads whole.
pub fn flat(s: &str) -> String {
    s.lines()
        .map(|l| {
            // Whatever is beside the overlay's borders is not its text.
            let inner: String = l.chars().skip(2).collect();
            let inner = inner.strip_prefix(['│', '┃']).unwrap_or(&inner);
            let end = inner.rfind(['│', '┃']).unwrap_or(inner.len());
            inner[..end].trim().to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
