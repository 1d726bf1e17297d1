//! The binary as a script sees it: prefixes, flags that do not apply,
//! `demo --config`.

use std::path::Path;
use std::process::{Command, Output};

use queuetop::config::{Overrides, Sources, Theme, load_except_connection};

const QUEUE: &str = "[[queue]]\nid = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n";

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_queuetop"))
        .args(args)
        .current_dir(dir)
        .env_remove("QUEUETOP_CONFIG")
        .env("GENESYS_CLIENT_ID", "id")
        .env("GENESYS_CLIENT_SECRET", "secret")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .output()
        .expect("run queuetop")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn errors_carry_one_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "c.toml", QUEUE);
    // Output captured: stdout is no terminal.
    let out = run(&["--config", &path], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("queuetop: the monitor needs a terminal"),
        "{err}"
    );
    assert_eq!(err.matches("queuetop:").count(), 1, "{err}");
}

#[test]
fn flags_that_do_not_apply_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--headless", "sim"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "queuetop: --headless does not apply to `queuetop sim`; `queuetop sim --help` lists what does\n"
    );
    let out = run(&["sim", "--export", "-"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_refuses_a_broken_config_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "c.toml", "[ui]\nfps = 0\n");
    let out = run(&["demo", "--config", &path], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!("{path}:2:7: ui.fps: 0 is out of range")),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn demo_takes_everything_but_the_connection_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    // No credentials, no queues, a host that is not the simulator: none of it matters.
    let body = "[genesys]\napi_url = \"https://api.example.com\"\n\n[ui]\ntheme = \"light\"\nascii = true\n\n[alerts]\nwaiting = 3\nutilization_pct = 0\n";
    let path = write(dir.path(), "c.toml", body);
    let sources = Sources {
        config_flag: Some(path.into()),
        default_audit_file: dir.path().join("audit.log"),
        overrides: Overrides::default(),
        ..Sources::default()
    };
    let base = load_except_connection(&sources).unwrap().config;
    let (cfg, sim) = queuetop::app::demo_config(Default::default(), Default::default(), Some(base))
        .await
        .unwrap();
    assert_eq!(cfg.ui.theme, Theme::Light);
    assert!(cfg.ui.ascii);
    assert_eq!(cfg.alerts.waiting, 3);
    assert_eq!(cfg.alerts.utilization_pct, 0.0);
    assert!(
        cfg.genesys.api_url.starts_with("http://127.0.0.1:"),
        "{}",
        cfg.genesys.api_url
    );
    assert!(!cfg.queues.is_empty());
    assert!(cfg.genesys.client_secret.is_some());
    sim.shutdown().await;
}

#[test]
fn the_installed_binary_prints_the_example_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--print-example-config"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"))
            .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), example);
    // It applies to nothing else.
    let out = run(&["--print-example-config", "sim"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}
