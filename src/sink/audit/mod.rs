//! The audit log: tracing to a JSON-lines file.
//!
//! Lines are formatted by our own layer (`layer.rs`) and written by
//! background threads (`writer.rs`), so a slow disk stalls the feed or the
//! UI only once megabytes are waiting; the caller keeps the returned guard
//! alive (dropping it flushes). Never to the terminal while the TUI owns it: stderr only when
//! asked (headless mode). The network crates are capped at `info`: their
//! debug/trace output includes request lines, which carry the realtime
//! token in the URL.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry};

mod layer;
mod rotate;
mod writer;

use layer::{AuditLayer, TextOut};
use rotate::RotatingFile;
use writer::{LineWriter, WriterGuard};

/// Crates whose logs stop at `info`, whatever the configured level.
pub const CAPPED_TARGETS: [&str; 7] = [
    "tungstenite",
    "tokio_tungstenite",
    "hyper",
    "hyper_util",
    "reqwest",
    "rustls",
    "h2",
];

/// Where and how much to log.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub file: PathBuf,
    /// An `EnvFilter` string: `info`, `queuetop=debug,warn`, ...
    pub level: String,
    /// Also log to stderr (headless mode only: never while the TUI runs).
    pub also_stderr: bool,
    /// Rotate the file past this many bytes; 0 = never.
    pub max_bytes: u64,
    /// Rotated files kept.
    pub keep: u32,
}

impl AuditOptions {
    pub fn from_config(log: &crate::config::LogConfig, also_stderr: bool) -> AuditOptions {
        AuditOptions {
            file: log.audit_file.clone(),
            level: log.level.clone(),
            also_stderr,
            max_bytes: log.max_size_mb.saturating_mul(1 << 20),
            keep: log.keep,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot create the audit log directory {}: {source}; set log.audit_file to a writable path", .path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the audit log {}: {source}; set log.audit_file to a writable path", .path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("log level `{level}` is not valid: {message}; use error, warn, info, debug or trace")]
    Level { level: String, message: String },
    #[error("cannot start the audit log's writer thread: {0}")]
    Thread(String),
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled,
}

/// Keeps the background writers alive; dropping it writes what is left.
#[must_use = "the audit log stops (and may lose lines) when the guard is dropped"]
pub struct AuditGuard {
    _writers: Vec<WriterGuard>,
    /// The file being written.
    pub path: PathBuf,
}

/// Installs the audit log as the global subscriber.
pub fn init(opts: &AuditOptions) -> Result<AuditGuard, AuditError> {
    let (subscriber, guard) = subscriber(opts)?;
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| AuditError::AlreadyInstalled)?;
    Ok(guard)
}

/// Builds the subscriber without installing it (tests use
/// `tracing::subscriber::with_default`).
pub fn subscriber(
    opts: &AuditOptions,
) -> Result<(impl tracing::Subscriber + Send + Sync + 'static, AuditGuard), AuditError> {
    let filter = filter(&opts.level)?.and(filter_fn(capped));
    let file = open(&opts.file)?;
    let file =
        RotatingFile::new(&opts.file, file, opts.max_bytes, opts.keep).map_err(|source| {
            AuditError::Open {
                path: opts.file.clone(),
                source,
            }
        })?;
    let thread = |error: std::io::Error| AuditError::Thread(error.to_string());
    let (file, file_guard) = LineWriter::spawn("audit-log", Box::new(file)).map_err(thread)?;
    let mut writers = vec![file_guard];
    let stderr = if opts.also_stderr {
        let (out, guard) =
            LineWriter::spawn("audit-stderr", Box::new(std::io::stderr())).map_err(thread)?;
        writers.push(guard);
        Some(TextOut {
            out,
            // Colour codes only for a person at a terminal, not in a
            // service manager's log file.
            ansi: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        })
    } else {
        None
    };
    let layer = AuditLayer { file, stderr }.with_filter(filter);
    Ok((
        Registry::default().with(layer),
        AuditGuard {
            _writers: writers,
            path: opts.file.clone(),
        },
    ))
}

fn filter(level: &str) -> Result<EnvFilter, AuditError> {
    EnvFilter::builder()
        .parse(level)
        .map_err(|e| AuditError::Level {
            level: level.to_string(),
            message: e.to_string(),
        })
}

/// False for debug/trace events of the capped crates.
fn capped(meta: &Metadata<'_>) -> bool {
    if *meta.level() <= Level::INFO {
        return true;
    }
    let target = meta.target();
    let krate = target.split("::").next().unwrap_or(target);
    !CAPPED_TARGETS.contains(&krate)
}

/// Opens for append, creating the directory; owner-only on Unix.
fn open(path: &Path) -> Result<File, AuditError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| AuditError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|source| AuditError::Open {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn writes_json_lines_creating_dirs_and_caps_network_crates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/audit.log");
        let opts = AuditOptions {
            file: path.clone(),
            level: "debug".into(),
            also_stderr: false,
            max_bytes: 0,
            keep: 1,
        };
        let (sub, guard) = subscriber(&opts).unwrap();
        tracing::subscriber::with_default(sub, || {
            tracing::info!(queue = "q1", "connected");
            tracing::debug!("details");
            tracing::trace!("too fine");
            tracing::debug!(target: "tungstenite::handshake", "GET /?access_token=abc");
            tracing::info!(target: "tungstenite::protocol", "closed");
            tracing::debug!(target: "hyper_util::client", "pool");
            tracing::info!(url = "wss://h/e?access_token=abc123", "slipped through");
        });
        drop(guard);
        let l = lines(&path);
        let msgs: Vec<&str> = l
            .iter()
            .map(|v| v["fields"]["message"].as_str().unwrap())
            .collect();
        assert_eq!(msgs, ["connected", "details", "closed", "slipped through"]);
        assert_eq!(l[3]["fields"]["url"], "wss://h/e?access_token=REDACTED");
        assert!(!std::fs::read_to_string(&path).unwrap().contains("abc123"));
        assert_eq!(l[0]["fields"]["queue"], "q1");
        assert_eq!(l[0]["level"], "INFO");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
    }

    #[test]
    fn appends_and_reports_bad_paths_and_levels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        std::fs::write(&path, "{\"old\":true}\n").unwrap();
        let opts = AuditOptions {
            file: path.clone(),
            level: "info".into(),
            also_stderr: false,
            max_bytes: 0,
            keep: 1,
        };
        let (sub, guard) = subscriber(&opts).unwrap();
        tracing::subscriber::with_default(sub, || tracing::warn!("second"));
        drop(guard);
        assert_eq!(lines(&path).len(), 2);

        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let bad = AuditOptions {
            file: blocker.join("audit.log"),
            ..opts.clone()
        };
        let e = subscriber(&bad).err().unwrap().to_string();
        assert!(
            e.starts_with("cannot create the audit log directory"),
            "{e}"
        );
        let bad = AuditOptions {
            level: "queuetop=verbose".into(),
            ..opts
        };
        let e = subscriber(&bad).err().unwrap().to_string();
        assert!(
            e.starts_with("log level `queuetop=verbose` is not valid"),
            "{e}"
        );
    }
}
