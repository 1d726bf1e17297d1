//! The alert history: every alert raised and cleared, one JSON line each,
//! beside the audit log, read back at start-up so a restart does not wipe
//! the day's alerts from the screen.
//!
//! Bounded by lines and age without rewriting on every write: lines are
//! appended; past `max_lines` the file becomes `<file>.1` (replacing the
//! previous one) and a new file begins, so the disk holds at most twice
//! `max_lines`. At start-up both are read, lines older than `max_age` and
//! lines that cannot be read are dropped (the latter counted and
//! reported), the newest `max_lines` are written back as one file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::event::{parse_rfc3339, rfc3339_ms};
use crate::model::{Alert, AlertKind, AlertTransition};

/// Lines kept: at the churn goal (under 5 raises a minute) a working day
/// is under 5,000 lines, raises and clears together.
pub const MAX_LINES: usize = 10_000;
/// Lines older than this are dropped at start-up.
pub const MAX_AGE: time::Duration = time::Duration::hours(24);

/// One line of the file.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    /// When this raise or clear happened.
    at: String,
    /// "raised" or "cleared".
    event: String,
    queue_id: Option<String>,
    /// `AlertKind::name`, with its `detail` (a skill, a code, a topic).
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    severity: String,
    message: String,
    raised_at: String,
    first_raised: String,
    raises: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "cannot {what} the alert history {}: {source}; set log.alert_history to a writable file, or \"\" to turn it off",
        .path.display()
    )]
    Io {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

/// What start-up read back.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Entries of the alert list, oldest first, all cleared (an alert
    /// still raised when queuetop stopped ends at the file's last line).
    pub alerts: Vec<Alert>,
    /// Lines kept.
    pub lines: usize,
    /// Lines dropped for their age.
    pub expired: usize,
    /// Lines that could not be read, and the first one's problem.
    pub malformed: usize,
    pub first_problem: Option<String>,
}

/// The open history file.
#[derive(Debug)]
pub struct AlertHistory {
    path: PathBuf,
    file: File,
    /// Lines in the current file.
    lines: usize,
    max_lines: usize,
}

impl AlertHistory {
    /// Opens (and tidies) the history at `path` with the default bounds.
    pub fn open(path: &Path, now: OffsetDateTime) -> Result<(AlertHistory, Loaded), HistoryError> {
        Self::open_bounded(path, now, MAX_LINES, MAX_AGE)
    }

    pub fn open_bounded(
        path: &Path,
        now: OffsetDateTime,
        max_lines: usize,
        max_age: time::Duration,
    ) -> Result<(AlertHistory, Loaded), HistoryError> {
        let err = |what| {
            move |source| HistoryError::Io {
                what,
                path: path.to_path_buf(),
                source,
            }
        };
        if let Some(dir) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(err("create the directory of"))?;
        }
        let old = older(path);
        let mut loaded = Loaded::default();
        let mut kept: Vec<(OffsetDateTime, String, Line)> = Vec::new();
        for (file, location) in [("previous", &old), ("current", &path.to_path_buf())] {
            let text = match std::fs::read_to_string(location) {
                Ok(contents) => contents,
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => return Err(err("read")(error)),
            };
            for (index, raw) in text
                .lines()
                .enumerate()
                .filter(|(_, content)| !content.trim().is_empty())
            {
                match parse(raw) {
                    Ok((at, _)) if now - at > max_age => loaded.expired += 1,
                    Ok((at, line)) => kept.push((at, raw.to_string(), line)),
                    Err(why) => {
                        loaded.malformed += 1;
                        loaded.first_problem.get_or_insert_with(|| {
                            format!("{file} file, line {}: {why}", index + 1)
                        });
                    }
                }
            }
        }
        // Appended in time order; a clock set back may disorder a few.
        kept.sort_by_key(|(at, _, _)| *at);
        let extra = kept.len().saturating_sub(max_lines);
        kept.drain(..extra);
        loaded.expired += extra;
        loaded.lines = kept.len();

        // Written whole, then renamed over: a crash leaves the old file.
        let tmp = with_suffix(path, ".tmp");
        let mut text = String::new();
        for (_, raw, _) in &kept {
            text.push_str(raw);
            text.push('\n');
        }
        std::fs::write(&tmp, text).map_err(err("write"))?;
        std::fs::rename(&tmp, path).map_err(err("replace"))?;
        match std::fs::remove_file(&old) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => {
                return Err(err("remove")(error));
            }
            _ => {}
        }
        let file = append(path).map_err(err("open"))?;
        loaded.alerts = entries(kept.into_iter().map(|(at, _, line)| (at, line)));
        let history = AlertHistory {
            path: path.to_path_buf(),
            file,
            lines: loaded.lines,
            max_lines: max_lines.max(1),
        };
        Ok((history, loaded))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one raise or clear (a deficit-list change is not an alert
    /// of the list, so it is not kept). One write per line, unbuffered: a
    /// crash loses nothing already recorded.
    pub fn record(&mut self, transition: &AlertTransition) -> io::Result<()> {
        let alert = &transition.alert;
        if matches!(
            alert.kind,
            AlertKind::SkillDeficit { .. } | AlertKind::History
        ) {
            return Ok(());
        }
        if self.lines >= self.max_lines {
            std::fs::rename(&self.path, older(&self.path))?;
            self.file = append(&self.path)?;
            self.lines = 0;
        }
        let at = match (transition.raised, alert.cleared_at) {
            (false, Some(cleared)) => cleared,
            _ => alert.raised_at,
        };
        let line = Line {
            at: rfc3339_ms(at),
            event: if transition.raised {
                "raised"
            } else {
                "cleared"
            }
            .to_string(),
            queue_id: alert.queue_id.clone(),
            kind: alert.kind.name().to_string(),
            detail: alert.kind.detail().map(str::to_string),
            severity: alert.severity.as_str().to_string(),
            message: alert.message.clone(),
            raised_at: rfc3339_ms(alert.raised_at),
            first_raised: rfc3339_ms(alert.first_raised),
            raises: alert.raises,
        };
        let mut text = serde_json::to_string(&line).map_err(io::Error::other)?;
        text.push('\n');
        self.file.write_all(text.as_bytes())?;
        self.lines += 1;
        Ok(())
    }
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The previous file: `<file>.1`.
fn older(path: &Path) -> PathBuf {
    with_suffix(path, ".1")
}

fn parse(raw: &str) -> Result<(OffsetDateTime, Line), String> {
    let line: Line = serde_json::from_str(raw).map_err(|e| format!("not a history line ({e})"))?;
    let time = |s: &str, field: &str| {
        parse_rfc3339(s).ok_or_else(|| format!("{field} {s:?} is not an RFC 3339 time"))
    };
    let at = time(&line.at, "at")?;
    time(&line.raised_at, "raised_at")?;
    time(&line.first_raised, "first_raised")?;
    if AlertKind::from_name(&line.kind, line.detail.as_deref()).is_none() {
        return Err(format!("unknown alert kind {:?}", line.kind));
    }
    if line.event != "raised" && line.event != "cleared" {
        return Err(format!(
            "event {:?} is neither raised nor cleared",
            line.event
        ));
    }
    Ok((at, line))
}

/// The list entries the lines describe: one per alert entry (its queue,
/// kind and first raise), as its latest line left it.
fn entries(lines: impl Iterator<Item = (OffsetDateTime, Line)>) -> Vec<Alert> {
    let mut out: Vec<Alert> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut last = None;
    for (at, line) in lines {
        last = Some(at);
        let (Some(kind), Some(raised_at), Some(first_raised)) = (
            AlertKind::from_name(&line.kind, line.detail.as_deref()),
            parse_rfc3339(&line.raised_at),
            parse_rfc3339(&line.first_raised),
        ) else {
            continue; // ok: `parse` checked all three
        };
        let alert = Alert {
            severity: kind.severity(),
            queue_id: line.queue_id,
            message: line.message,
            raised_at,
            cleared_at: (line.event == "cleared").then_some(at),
            raises: line.raises.max(1),
            first_raised,
            acknowledged: false,
            snoozed_until: None,
            restored: true,
            kind,
        };
        let key = (alert.queue_id.clone(), alert.kind.clone(), first_raised);
        match index.get(&key) {
            Some(&position) => out[position] = alert,
            None => {
                index.insert(key, out.len());
                out.push(alert);
            }
        }
    }
    // Raised and never cleared: it ended, at the latest, when queuetop
    // stopped; the last line is the latest time known before that.
    for entry in &mut out {
        if entry.cleared_at.is_none() {
            entry.cleared_at = last.map(|latest| latest.max(entry.raised_at));
        }
    }
    out.sort_by_key(|entry| entry.raised_at);
    out
}
