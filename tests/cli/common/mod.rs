//! Shared by the headless tests (and tests/relay/secret.rs): the real
//! binary against an in-test simulator, its outputs in one temp dir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use queuetop::sim::{self, SimHandle, SimOptions};

/// Bound for anything that should happen "now" on loopback.
pub const SOON: Duration = Duration::from_secs(20);

pub struct Run {
    pub dir: tempfile::TempDir,
    pub child: Child,
}

impl Run {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// Waits (bounded) until the export holds `n` lines.
    pub async fn export_lines(&self, n: usize) -> Vec<String> {
        let ok = wait_until(|| self.read("export.ndjson").lines().count() >= n).await;
        let text = self.read("export.ndjson");
        assert!(
            ok,
            "expected {n} export lines, got:\n{text}\nstderr:\n{}",
            self.read("stderr")
        );
        text.lines().map(str::to_string).collect()
    }

    pub fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0);
    }

    /// Sends `sig` and waits for the run to exit 0.
    pub async fn stop_cleanly(&mut self, sig: i32) {
        self.signal(sig);
        let status = self.exit().await;
        assert_eq!(status.code(), Some(0), "stderr:\n{}", self.read("stderr"));
    }

    /// Waits (bounded) until `sim` has acknowledged the run's subscriptions.
    pub async fn subscribed(&self, sim: &SimHandle) {
        assert!(
            sim.wait_for(|s| s.acks_sent >= 1, SOON).await,
            "no subscription; stderr:\n{}",
            self.read("stderr")
        );
    }

    pub async fn exit(&mut self) -> ExitStatus {
        let mut status = None;
        wait_until(|| {
            status = self.child.try_wait().unwrap();
            status.is_some()
        })
        .await;
        match status {
            Some(s) => s,
            None => {
                let _ = self.child.kill();
                panic!("queuetop did not exit; stderr:\n{}", self.read("stderr"));
            }
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls a condition every 20 ms for at most `SOON`.
pub async fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + SOON;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

pub async fn start_sim(opts: SimOptions) -> SimHandle {
    sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap()
}

pub fn scripted() -> SimOptions {
    SimOptions {
        generate: false,
        queues: 2,
        ..SimOptions::default()
    }
}

/// Starts the binary with `args` and a config pointing at `sim`; stdout,
/// stderr, the export and the audit log all land in one temp dir.
pub fn spawn(sim: &SimHandle, args: &[&str]) -> Run {
    spawn_with(sim, args, "")
}

/// `spawn`, with `extra` (whole TOML sections) added to the config.
pub fn spawn_with(sim: &SimHandle, args: &[&str], extra: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let audit = d.join("audit.log");
    let config = format!(
        "{}\n[log]\naudit_file = {}\nlevel = \"trace\"\n{extra}",
        sim.config_toml("realtime"),
        toml::Value::String(audit.to_str().unwrap().into())
    );
    let cfg = write_private(d, "config.toml", &config);
    let export = d.join("export.ndjson");
    let mut cmd = queuetop_in(d);
    cmd.args(args).arg("--config").arg(&cfg);
    // The export is the headless mode's; other modes refuse the flag.
    if args.contains(&"--headless") && !args.contains(&"--export") {
        cmd.arg("--export").arg(&export);
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(d.join("stdout")).unwrap())
        .stderr(std::fs::File::create(d.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    Run { dir, child }
}

/// The binary run in `dir`, which is also its home: nothing from the
/// developer's own setup (credentials, config, log level) leaks in.
pub fn queuetop_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_queuetop"));
    cmd.current_dir(dir)
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYS_CLIENT_SECRET")
        .env_remove("GENESYS_ENVIRONMENT")
        .env_remove("QUEUETOP_CONFIG")
        .env_remove("RUST_LOG")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"));
    cmd
}

pub fn write_private(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}
