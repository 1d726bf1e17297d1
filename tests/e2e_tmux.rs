//! End to end: the real binary (`queuetop demo`) in a real terminal (tmux),
//! driven by keys, then checked for a restored terminal. Skips, loudly,
//! only when tmux is not installed (.ci/run installs it).

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

#[path = "e2e_tmux/harness.rs"]
mod harness;

use harness::{Reaped, Tmux, assert_terminal_restored, child_of, flat, toml_string};

const BIN: &str = env!("CARGO_BIN_EXE_queuetop");

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

/// The demo's queues, every one of which the wallboard shows as a tile.
const DEMO_QUEUES: [&str; 6] = [
    "Billing PT",
    "Bookings DE",
    "Bookings FR",
    "Bookings IT",
    "Onboarding IT",
    "Returns IT",
];

fn is_wallboard(s: &str) -> bool {
    s.contains("Queues in alert")
        && s.contains("Worst SL")
        && !s.contains("Queues (")
        && DEMO_QUEUES.iter().all(|q| s.contains(q))
}

#[test]
fn wallboard_from_the_flag_and_the_key() {
    let Some(t) = Tmux::start("wall") else {
        return;
    };
    t.resize(120, 40);
    t.line(&format!("{BIN} demo --wallboard"));
    t.wait_for("the wallboard with a tile per queue", is_wallboard);
    t.keys(&["w"]);
    t.wait_for("the main screen", |s| {
        s.contains("Queues (") && !s.contains("Queues in alert")
    });
    t.keys(&["w"]);
    t.wait_for("the wallboard again", is_wallboard);
    t.keys(&["q"]);
    assert_terminal_restored(&t);
    t.line("echo EXIT=$?");
    t.wait_for("exit code 0", |s| s.contains("EXIT=0"));
}

#[test]
fn resizing_crosses_the_layouts_and_the_too_small_message() {
    let Some(t) = Tmux::start("resize") else {
        return;
    };
    start_demo(&t, "", "");
    let rows = |s: &str| s.lines().count();
    // The smallest layout: list over detail, the service level column.
    t.resize(80, 20);
    t.wait_for("80x20: the list over the detail", |s| {
        rows(s) == 20
            && s.contains("SL/target")
            && s.lines().any(|l| l.starts_with("╭ "))
            && !s.contains("too small")
    });
    // Wide: list and detail side by side, alerts under the list.
    t.resize(120, 40);
    t.wait_for("120x40: list beside the detail, alerts under it", |s| {
        rows(s) == 40
            && s.lines().any(|l| l.contains("Queues (") && l.contains('╮'))
            && s.lines().any(|l| l.starts_with("╭ Alerts"))
    });
    // Widest: the list earns its extra columns, the alerts sit under
    // the detail on the right.
    t.resize(200, 50);
    t.wait_for(
        "200x50: the extra columns and the alerts at the right",
        |s| {
            rows(s) == 50
                && s.contains("ASA")
                && s.contains("Waiting, 8 min")
                && s.lines().any(|l| l.contains("┃╭ Alerts"))
        },
    );
    // Below 80x20: what is needed and how to quit.
    t.resize(79, 19);
    t.wait_for("the too-small message", |s| {
        s.contains("Terminal too small") && s.contains("79x19") && s.contains("q to quit")
    });
    t.resize(120, 40);
    t.wait_for("the monitor back", |s| {
        s.contains("Queues (") && !s.contains("too small")
    });
    t.resize(60, 15);
    t.wait_for("too small again", |s| s.contains("Terminal too small"));
    // q still quits from there.
    t.keys(&["q"]);
    assert_terminal_restored(&t);
    t.line("echo EXIT=$?");
    t.wait_for("exit code 0", |s| s.contains("EXIT=0"));
}

#[test]
fn config_warnings_show_inside_the_monitor_and_in_the_audit_log() {
    use std::os::unix::fs::PermissionsExt;
    let Some(t) = Tmux::start("notes") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let printed = dir.path().join("sim.out");
    let out = std::fs::File::create(&printed).expect("sim output file");
    let _sim = Reaped(
        Command::new(BIN)
            .args(["sim", "--listen", "127.0.0.1:0", "--queues", "2"])
            .stdout(out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start queuetop sim"),
    );
    // The sim writes its config whole, in one write, once listening.
    let deadline = Instant::now() + Duration::from_secs(20);
    let config = loop {
        let text = std::fs::read_to_string(&printed).unwrap_or_default();
        if text.matches("events = ").count() == 2 {
            break text;
        }
        assert!(Instant::now() < deadline, "no config from the sim:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let audit = dir.path().join("audit.log");
    let path = dir.path().join("config.toml");
    let config = format!(
        "{config}\n[log]\naudit_file = {}\n",
        toml_string(&audit.display().to_string())
    );
    std::fs::write(&path, config).expect("write config");
    // The client secret readable by others: a warning, not an error.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    t.resize(120, 40);
    t.line(&format!(
        "env HOME={} {BIN} --config {}",
        dir.path().display(),
        path.display()
    ));
    let s = t.wait_for("the warning inside the monitor", |s| {
        s.contains("Config warnings") && flat(s).contains("readable by group or others")
    });
    assert!(flat(&s).contains("chmod 600"), "the fix is named:\n{s}");
    t.keys(&["Escape"]);
    t.wait_for("the main screen", |s| {
        s.contains("Queues (") && !s.contains("Config warnings")
    });
    t.keys(&["q"]);
    assert_terminal_restored(&t);
    let log = std::fs::read_to_string(&audit).unwrap_or_default();
    assert!(
        log.contains("readable by group or others"),
        "the warning is in the audit log too:\n{log}"
    );
}
