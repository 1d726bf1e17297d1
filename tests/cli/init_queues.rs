//! `queuetop queues` and `queuetop init` as the real binary against an
//! in-test simulator: list, pick, write, then monitor what was picked.

use crate::sim_common;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::{queuetop_in, start_sim};
use queuetop::sim::{SimHandle, SimOptions};

async fn run_async(sim: &SimHandle, dir: &Path, args: &[&str]) -> Output {
    let (sim_id, sim_secret) = (sim.client_id().to_string(), sim.client_secret().to_string());
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        queuetop_in(&dir)
            .args(&args)
            .env("GENESYS_CLIENT_ID", sim_id)
            .env("GENESYS_CLIENT_SECRET", sim_secret)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Each queue's member count, read from its member listing.
async fn member_counts(sim: &SimHandle) -> HashMap<String, usize> {
    let t = sim_common::token(sim).await;
    let mut out = HashMap::new();
    for (id, _) in sim.queues() {
        let path = format!("/api/v2/routing/queues/{id}/members?pageSize=100");
        let r = sim_common::notif::get(sim, &t, &path).await;
        assert!(r.body.get("nextUri").is_none(), "one page is enough here");
        let n = r.body["entities"].as_array().map_or(0, Vec::len);
        out.insert(id, n);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_and_init_show_each_queue_s_division_and_member_count() {
    let sim = start_sim(SimOptions {
        queues: 3,
        agents_per_queue: 5,
        unjoined_percent: 40,
        ..SimOptions::default()
    })
    .await;
    let counts = member_counts(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (login, api) = (sim.login_url(), sim.api_url());
    let mut init = vec!["init", "--login-url", &login, "--api-url", &api];
    init.extend(["--queues", "all"]);
    let out = run_async(&sim, d, &init).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(d.join("config/queuetop/config.toml")).unwrap();
    for (id, n) in &counts {
        let line = format!("id = \"{id}\"   # Home, {n} members");
        assert!(written.contains(&line), "{line} not in {written}");
    }

    // `queues` reads the config `init` wrote.
    let out = run_async(&sim, d, &["queues"]).await;
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(table.lines().count(), 4, "{table}");
    let mut lines = table.lines();
    let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(head, ["#", "NAME", "DIVISION", "MEMBERS", "ID"], "{table}");
    for line in lines {
        let cells: Vec<&str> = line.split_whitespace().collect();
        let (id, members, division) = (
            cells[cells.len() - 1],
            cells[cells.len() - 2],
            cells[cells.len() - 3],
        );
        assert_eq!(division, "Home", "{table}");
        assert_eq!(members, counts[id].to_string(), "{table}");
    }

    let out = run_async(&sim, d, &["queues", "--json"]).await;
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    for q in listed {
        let id = q["id"].as_str().unwrap();
        assert_eq!(q["division"], "Home", "{q}");
        assert_eq!(q["memberCount"].as_u64(), Some(counts[id] as u64), "{q}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_against_the_simulator_then_the_monitor_shows_the_picked_queues() {
    let sim = start_sim(SimOptions {
        queues: 4,
        ..SimOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (login, api) = (sim.login_url(), sim.api_url());
    let mut names: Vec<(String, String)> = sim.queues();
    names.sort_by_key(|(_, n)| n.to_lowercase());
    let first = names[0].1.clone();

    // Without a terminal and without --queues: told what to pass.
    let out = run_async(&sim, d, &["init", "--login-url", &login, "--api-url", &api]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("pass --queues"),
        "{}",
        text(&out.stderr)
    );

    let out = run_async(
        &sim,
        d,
        &[
            "init",
            "--login-url",
            &login,
            "--api-url",
            &api,
            "--queues",
            "1,3",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = d.join("config/queuetop/config.toml");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written.matches("[[queue]]").count(), 2, "{written}");
    assert!(
        written.contains(&names[0].0) && written.contains(&names[2].0),
        "{written}"
    );
    assert!(
        !written.contains(sim.client_secret()),
        "the secret stays in the environment"
    );

    // Once is enough: a second init does not overwrite.
    let out = run_async(&sim, d, &["init", "--queues", "all"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );

    // The standard path is where everything else looks.
    let out = run_async(&sim, d, &["check-config"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("queues:      2"),
        "{}",
        text(&out.stdout)
    );
    let out = run_async(&sim, d, &["snapshot", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queueId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut want = vec![names[0].0.as_str(), names[2].0.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want);

    // `queues` lists without writing, with a pattern, as a table or JSON.
    let out = run_async(&sim, d, &["queues"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.starts_with("#  NAME"), "{table}");
    assert_eq!(table.lines().count(), 5, "{table}");
    assert!(table.lines().nth(1).unwrap().contains(&first), "{table}");
    let out = run_async(&sim, d, &["queues", "--json", &first]).await;
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["name"], first.as_str());
    assert_eq!(listed[0]["id"], names[0].0.as_str());
    let out = run_async(&sim, d, &["queues", "no such queue*"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing to show: no queue name matches"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    sim.shutdown().await;
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_makes_the_folders_it_creates_private_and_leaves_existing_ones_alone() {
    let sim = start_sim(SimOptions {
        queues: 2,
        ..SimOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (login, api) = (sim.login_url(), sim.api_url());
    let init = ["init", "--login-url", &login, "--api-url", &api];

    // The standard path, none of it there yet: made for the owner only.
    let out = run_async(&sim, d, &[&init[..], &["--queues", "all"]].concat()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for made in ["config", "config/queuetop"] {
        assert_eq!(mode_of(&d.join(made)), 0o700, "{made}");
    }
    assert!(
        !text(&out.stderr).contains("chmod"),
        "{}",
        text(&out.stderr)
    );

    // A folder that was there keeps its mode; the output names the fix.
    let open = d.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = open.join("queuetop.toml");
    let config = config.to_str().unwrap();
    let args = [&init[..], &["--config", config, "--queues", "all"]].concat();
    let out = run_async(&sim, d, &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(mode_of(&open), 0o755);
    assert_eq!(mode_of(Path::new(config)), 0o600);
    let fix = format!("chmod 700 {}", open.display());
    assert!(text(&out.stderr).contains(&fix), "{}", text(&out.stderr));

    // A private one earns no warning.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o700)).unwrap();
    let args = [
        &init[..],
        &["--config", config, "--queues", "all", "--force"],
    ]
    .concat();
    let out = run_async(&sim, d, &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("chmod"),
        "{}",
        text(&out.stderr)
    );
    sim.shutdown().await;
}

#[test]
fn init_without_credentials_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_queuetop"))
        .args(["init", "--queues", "all"])
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYS_CLIENT_SECRET")
        .env_remove("QUEUETOP_CONFIG")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("config/queuetop/config.toml").exists());
}
