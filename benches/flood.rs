//! End-to-end flood: `queuetop sim --scenario flood` in one process floods
//! `queuetop --headless --export /dev/null` in another over loopback, with
//! N queues on the realtime feed (all-queues topic). Prints events per
//! second through the whole client (socket, decode, model, export line,
//! audit log) and the client's CPU time per event, read from /proc.
//!
//! `cargo bench --bench flood` (all sizes) or
//! `cargo bench --bench flood -- 10 1000` (chosen sizes); `FLOOD_SECONDS`
//! sets the measured window (default 10 s, after 2 s of warm-up).

// A benchmark's setup may unwrap: a failure there stops the run, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_queuetop");

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 1000]
    } else {
        sizes
    };
    let window = std::env::var("FLOOD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10u64);
    println!("flood, realtime feed, export to /dev/null, {window} s window after 2 s warm-up");
    println!(
        "{:>7} {:>14} {:>19} {:>11}",
        "queues", "events/s", "client CPU/event", "client CPU"
    );
    for n in sizes {
        match run(n, Duration::from_secs(window)) {
            Ok(r) => println!(
                "{:>7} {:>14.0} {:>16.2} µs {:>10.0}%",
                n,
                r.rate,
                r.cpu_per_event_us,
                r.cpu_share * 100.0
            ),
            Err(e) => println!("{n:>7} failed: {e}"),
        }
    }
}

struct Figures {
    rate: f64,
    cpu_per_event_us: f64,
    cpu_share: f64,
}

/// Kills the child when dropped, so a failed run leaves nothing behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(queues: usize, window: Duration) -> Result<Figures, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut sim = Reaped(
        Command::new(BIN)
            .args(["sim", "--protocol", "realtime", "--scenario", "flood"])
            .args(["--queues", &queues.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("sim: {e}"))?,
    );
    // The [genesys] table of the printed config, then every queue through
    // the all-queues topic (past 33 queues, three event types each would
    // pass the realtime limit of 100 subscriptions).
    let out = sim.0.stdout.take().ok_or("sim has no stdout")?;
    let mut lines = BufReader::new(out).lines();
    let mut genesys = String::new();
    for line in lines.by_ref() {
        let line = line.map_err(|e| e.to_string())?;
        if line.starts_with("[[queue]]") {
            break;
        }
        genesys.push_str(&line);
        genesys.push('\n');
    }
    // Keep reading: a thousand [[queue]] tables overflow the pipe, and a
    // simulator blocked on stdout floods nobody.
    std::thread::spawn(move || lines.for_each(drop));
    let audit = dir.path().join("audit.log");
    let cfg = format!(
        "{genesys}all_queues = true\n\n[log]\naudit_file = \"{}\"\n\n[alerts]\nstale_after_s = 86400\n",
        audit.display()
    );
    let cfg_path = dir.path().join("flood.toml");
    std::fs::write(&cfg_path, cfg).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&cfg_path, std::fs::Permissions::from_mode(0o600));
    }
    let client = Reaped(
        Command::new(BIN)
            .arg("--headless")
            .arg("--config")
            .arg(&cfg_path)
            .args(["--export", "/dev/null"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("client: {e}"))?,
    );
    let pid = client.0.id();
    // Warm-up: the simulator builds its frames after the ack (longer with
    // many queues); measure from 2 s after the first events.
    let start = Instant::now();
    while events(&audit).unwrap_or(0) == 0 {
        if start.elapsed() > Duration::from_secs(60) {
            return Err("no events within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    let (e0, c0, t0) = (events(&audit)?, cpu_ticks(pid)?, Instant::now());
    std::thread::sleep(window);
    let (e1, c1, t1) = (events(&audit)?, cpu_ticks(pid)?, Instant::now());
    let secs = (t1 - t0).as_secs_f64();
    let n = e1.saturating_sub(e0) as f64;
    if n <= 0.0 {
        return Err("no events counted (is the audit log written?)".into());
    }
    let cpu = c1.saturating_sub(c0) as f64 / ticks_per_second();
    Ok(Figures {
        rate: n / secs,
        cpu_per_event_us: cpu / n * 1e6,
        cpu_share: cpu / secs,
    })
}

/// The newest `events` figure in the audit log (written every 50 events),
/// read from the log's last megabyte; from the rotated `.1` when the log
/// was rotated just now.
fn events(audit: &Path) -> Result<u64, String> {
    let mut rotated = audit.as_os_str().to_owned();
    rotated.push(".1");
    match newest_events(audit)? {
        Some(n) => Ok(n),
        None => Ok(newest_events(Path::new(&rotated))
            .unwrap_or(None)
            .unwrap_or(0)),
    }
}

fn newest_events(audit: &Path) -> Result<Option<u64>, String> {
    let mut f = std::fs::File::open(audit).map_err(|e| format!("{}: {e}", audit.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    f.seek(SeekFrom::Start(len.saturating_sub(1 << 20)))
        .map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text
        .lines()
        .rev()
        .filter(|l| l.contains("latency and delivery figures"))
        .find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v.get("fields")?.get("events")?.as_u64()
        }))
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // The fields after the command name, which is in parentheses: utime
    // and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    let rest = stat.rsplit_once(')').ok_or("odd /proc stat")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    Ok(num(11) + num(12))
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}
