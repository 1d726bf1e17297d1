//! `queuetop check-config` run as the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{queuetop_in, write_private};

fn run(args: &[&str], dir: &Path) -> Output {
    run_env(args, dir, &[])
}

fn run_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    queuetop_in(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run queuetop")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml")
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = write_private(dir, name, body);
    p.to_str().unwrap().to_string()
}

#[test]
fn the_example_config_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    // It names a client id; the secret comes from the environment.
    let out = run(&["check-config", example().to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("genesys: no client secret: set genesys.client_secret_file in the config or GENESYS_CLIENT_SECRET"),
        "{}",
        text(&out.stderr)
    );
    let secret = [("GENESYS_CLIENT_SECRET", "s")];
    let out = run_env(
        &["check-config", example().to_str().unwrap()],
        dir.path(),
        &secret,
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("environment: mypurecloud.com"), "{stdout}");
    assert!(stdout.contains("protocol:    notifications"), "{stdout}");
    assert!(stdout.contains("https://api.mypurecloud.com"), "{stdout}");
    assert!(stdout.contains("queues:      3"), "{stdout}");
    assert!(stdout.contains("Support EN (8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e): queue-summary, agent-state; filter mediaType == \"voice\""), "{stdout}");
    assert!(stdout.contains("audit log:"), "{stdout}");
    // Also through --config, and with flags layered on top.
    let out = run_env(
        &[
            "--config",
            example().to_str().unwrap(),
            "--environment",
            "mypurecloud.ie",
            "check-config",
        ],
        dir.path(),
        &secret,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("https://login.mypurecloud.ie"));
}

#[test]
fn a_broken_file_lists_every_problem_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "broken.toml",
        r#"[genesys]
enviroment = "mypurecloud.com"
api_url = "http://api.example.com"

[[queue]]
id = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e"
filter = 'mediaType == "voice" && SELECT * FROM queues'

[[queue]]
id = "not a queue id"
"#,
    );
    let out = run(&["check-config", &path], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{path}:2:1: genesys.enviroment: unknown key `enviroment`; did you mean `environment`? (only the keys of docs/CONFIG.md)"
        )
    );
    assert!(lines[1].starts_with(&format!("{path}:3:11: genesys.api_url: http:// to `api.example.com` would send credentials in clear text")), "{stderr}");
    // The filter error names the line and the column inside the file.
    assert_eq!(
        lines[2],
        format!(
            "{path}:7:35: queue[1].filter: filter syntax error at column 25: expected a field (queueId, mediaType, status, userId, skill), found `SELECT` (filters parse and have at most 2048 characters)"
        )
    );
    assert!(
        lines[3].starts_with(&format!(
            "{path}:10:6: queue[2].id: `not a queue id` is not a queue UUID"
        )),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("the config is not valid: 5 errors\n"),
        "{stderr}"
    );
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn realtime_subscription_limit_and_missing_ids() {
    let dir = tempfile::tempdir().unwrap();
    // No blank line after the header: the queues keep their line numbers.
    let mut body =
        String::from("[genesys]\nprotocol = \"realtime\"\nrealtime_url = \"wss://gw.example/e\"");
    for i in 0..51 {
        body.push_str(&format!(
            "\n[[queue]]\nid = \"queue-{i}\"\nevents = [\"queue-summary\", \"agent-state\"]\n"
        ));
    }
    let path = write(dir.path(), "many.toml", &body);
    let out = run(&["check-config", &path], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    // Queue 51 (header on line 3 + 50*4 + 1) brings it to 102.
    assert!(
        stderr.starts_with(&format!(
            "{path}:204:1: queue[51]: too many subscriptions: 102 (at most 100 per connection)"
        )),
        "{stderr}"
    );

    // The example uses a name-only queue: fine on notifications, not on realtime.
    let out = run(
        &[
            "--protocol",
            "realtime",
            "check-config",
            example().to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "queue[3]: the queue has a name but no id; the realtime feed needs `id` (a UUID)"
        ),
        "{stderr}"
    );
}

#[test]
fn usage_errors_and_missing_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["check-config", "--bogus"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["check-config", "nope.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nope.toml (from --config) not found"),
        "{}",
        text(&out.stderr)
    );
    let path = write(dir.path(), "bad.toml", "[genesys\n");
    let out = run(&["check-config", &path], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with(&format!("{path}:1:")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sim_prints_a_ready_config_and_stops_on_sigint() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_queuetop"))
        .args(["sim", "--seed", "7", "--queues", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    // The config ends with the last [[queue]]'s events line; read until
    // three queues were printed (EOF would end the loop too).
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if printed.matches("[[queue]]").count() == 3 && line.starts_with("events") {
            break;
        }
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(printed.contains("[genesys]"), "{printed}");
    assert!(printed.contains("http://127.0.0.1:"), "{printed}");
    assert_eq!(printed.matches("[[queue]]").count(), 3, "{printed}");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn modes_that_connect_refuse_a_broken_config_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.toml", "[ui]\nfps = 0\n");
    for args in [
        &["--config", &path][..],
        &["--headless", "--config", &path],
        &["snapshot", "--config", &path],
    ] {
        let out = run(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr)
                .starts_with(&format!("{path}:2:7: ui.fps: 0 is out of range (1 to 60)")),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn help_says_what_each_command_does_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["demo", "sim", "check-config", "snapshot"] {
        let out = run(&[sub, "--help"], dir.path());
        assert_eq!(out.status.code(), Some(0));
        let help = text(&out.stdout);
        assert!(
            help.contains("Examples:") && help.contains(&format!("queuetop {sub}")),
            "{help}"
        );
    }
}

#[test]
fn no_config_file_exits_2_naming_every_place_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["check-config"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let default = dir.path().join("config/queuetop/config.toml");
    assert!(
        stderr.contains(&format!(
            "no config file found; looked in: --config (not given), $QUEUETOP_CONFIG (not set), {}",
            default.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("queuetop init"), "{stderr}");
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn what_cannot_work_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let q = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e";
    let creds = [("GENESYS_CLIENT_ID", "id"), ("GENESYS_CLIENT_SECRET", "s")];
    for (body, expect) in [
        (
            format!("[[queue]]\nid = \"{q}\"\n\n[[queue]]\nid = \"{q}\"\n"),
            format!("5:6: queue[2].id: queue id `{q}` is already queue[1]"),
        ),
        (
            "[[queue]]\nid = \"support\"\n".to_string(),
            "2:6: queue[1].id: `support` is not a queue UUID".to_string(),
        ),
        (
            format!("[[queue]]\nid = \"{q}\"\n[log]\nlevel = \"verbose\"\n"),
            "4:9: log.level: `verbose` is not a log level".to_string(),
        ),
    ] {
        let path = write(dir.path(), "c.toml", &body);
        let out = run_env(&["check-config", &path], dir.path(), &creds);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{body}: {stderr}");
        assert!(
            stderr.starts_with(&format!("{path}:{expect}")),
            "{body}: {stderr}"
        );
    }
    // No credentials: an error now, not a note for later.
    let path = write(dir.path(), "c.toml", &format!("[[queue]]\nid = \"{q}\"\n"));
    let out = run(&["check-config", &path], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no client id and no client secret"),
        "{}",
        text(&out.stderr)
    );
    // 0 is "off", and the summary shows it.
    let body = format!("[[queue]]\nid = \"{q}\"\n[alerts]\nwaiting = 0\n");
    let path = write(dir.path(), "c.toml", &body);
    let out = run_env(&["check-config", &path], dir.path(), &creds);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("waiting off"),
        "{}",
        text(&out.stdout)
    );
}

/// Every document a message or a comment cites is in the repository.
#[test]
fn cited_documents_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cited = std::collections::BTreeSet::new();
    let mut dirs = vec![root.join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let body = std::fs::read_to_string(&p).unwrap();
                for (i, _) in body.match_indices("docs/") {
                    let name: String = body[i..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || "/._-".contains(*c))
                        .collect();
                    if name.ends_with(".md") {
                        cited.insert(name);
                    }
                }
            }
        }
    }
    assert!(cited.contains("docs/CONFIG.md"), "{cited:?}");
    for doc in cited {
        assert!(root.join(&doc).is_file(), "{doc} is cited but missing");
    }
}

#[test]
fn realtime_without_a_url_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[genesys]\nprotocol = \"realtime\"\nclient_id = \"c\"\n\n[[queue]]\nid = \"q1\"\n";
    let path = write(dir.path(), "rt.toml", body);
    let out = run(&["check-config", &path], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{path}:2:12: genesys.realtime_url: protocol = \"realtime\" has no default URL"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("set genesys.realtime_url = \"wss://"),
        "{stderr}"
    );
    let fixed = body.replace(
        "client_id",
        "realtime_url = \"wss://gw.example/events\"\nclient_id",
    );
    let path = write(dir.path(), "rt-ok.toml", &fixed);
    let out = run_env(
        &["check-config", &path],
        dir.path(),
        &[("GENESYS_CLIENT_SECRET", "s")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("realtime:    wss://gw.example/events"));
}

#[test]
fn an_environment_copied_as_a_url_is_read_as_its_region_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[genesys]\nenvironment = \"https://api.mypurecloud.ie/\"\nclient_id = \"c\"\n\n[[queue]]\nid = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n";
    let path = write(dir.path(), "env.toml", body);
    let out = run_env(
        &["check-config", &path],
        dir.path(),
        &[("GENESYS_CLIENT_SECRET", "s")],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("{path}:2:15: warning: genesys.environment: `https://api.mypurecloud.ie/` read as the region domain `mypurecloud.ie`")),
        "{stderr}"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("environment: mypurecloud.ie"), "{stdout}");
    assert!(stdout.contains("https://login.mypurecloud.ie"), "{stdout}");
    // A URL with a path is not guessed at: refused, with the fix.
    let path = write(
        dir.path(),
        "env-bad.toml",
        &body.replace("mypurecloud.ie/", "mypurecloud.ie/api/v2"),
    );
    let out = run(&["check-config", &path], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("write environment = \"mypurecloud.ie\""),
        "{}",
        text(&out.stderr)
    );
}
