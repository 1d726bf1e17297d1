//! The audit file, rotated by size: a monitor left running for days must
//! not fill the jump host's disk (the latency figures alone are a line per
//! 50 events, hundreds of megabytes a day at 1000 queues). Past `max`
//! bytes, `audit.log` becomes `audit.log.1`, `.1` becomes `.2`, and so on
//! up to `keep`; the oldest goes. Rotation happens between the writer's
//! batches, so a line is never split across two files.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    /// Rotate past this many bytes; 0: never.
    max: u64,
    /// Rotated files kept (at least 1).
    keep: u32,
    /// Do not try again before the file reaches this size.
    next_try: u64,
}

impl RotatingFile {
    /// Wraps the already opened `file` at `path`.
    pub fn new(path: &Path, file: File, max: u64, keep: u32) -> io::Result<RotatingFile> {
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            file,
            size,
            max,
            keep: keep.max(1),
            next_try: max,
        })
    }

    fn numbered(&self, n: u32) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(format!(".{n}"));
        PathBuf::from(p)
    }

    fn rotate(&mut self) -> io::Result<()> {
        for n in (1..self.keep).rev() {
            match std::fs::rename(self.numbered(n), self.numbered(n + 1)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        std::fs::rename(&self.path, self.numbered(1))?;
        self.file = super::open(&self.path).map_err(io::Error::other)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    /// The writer flushes after each batch: the moment to rotate.
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.max == 0 || self.size < self.next_try {
            return Ok(());
        }
        if let Err(e) = self.rotate() {
            // Keep logging here; say why once per `max` bytes, in the file.
            let mut note = String::from(
                "{\"level\":\"ERROR\",\"fields\":{\"message\":\"cannot rotate the audit log; still writing to it\",\"error\":",
            );
            crate::sink::text::push_json_str(&mut note, &e.to_string());
            note.push_str("},\"target\":\"queuetop::audit\"}\n");
            self.write_all(note.as_bytes())?;
            self.next_try = self.size.saturating_add(self.max);
            return Ok(());
        }
        self.next_try = self.max;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(p: &Path) -> Vec<String> {
        std::fs::read_to_string(p)
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    #[test]
    fn rotates_past_the_size_keeping_whole_lines_and_the_newest_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        std::fs::write(&path, "old line\n").unwrap();
        let file = super::super::open(&path).unwrap();
        let mut f = RotatingFile::new(&path, file, 100, 2).unwrap();
        // 30 batches of two 20-byte lines: a rotation every third batch.
        for i in 0..30 {
            f.write_all(format!("line {i:03} first...\nline {i:03} second..\n").as_bytes())
                .unwrap();
            f.flush().unwrap();
        }
        let (cur, one, two) = (lines(&path), lines(&f.numbered(1)), lines(&f.numbered(2)));
        assert!(!f.numbered(3).exists(), "only two rotated files are kept");
        // The newest lines, in order, whole, across the three files.
        let all: Vec<String> = two.into_iter().chain(one).chain(cur).collect();
        let want: Vec<String> = (21..30)
            .flat_map(|i| {
                [
                    format!("line {i:03} first..."),
                    format!("line {i:03} second.."),
                ]
            })
            .collect();
        assert!(all.ends_with(&want[want.len() - 4..]), "{all:?}");
        assert!(all.windows(2).all(|w| w[0] < w[1]), "in order: {all:?}");
        assert!(all.iter().all(|l| l.len() == 17), "no line split: {all:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "a new file is owner-only too");
        }
    }

    #[test]
    fn zero_never_rotates_and_a_failed_rotation_keeps_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let mut f = RotatingFile::new(&path, super::super::open(&path).unwrap(), 0, 3).unwrap();
        for _ in 0..50 {
            f.write_all(b"0123456789\n").unwrap();
            f.flush().unwrap();
        }
        assert_eq!(lines(&path).len(), 50);
        assert!(!f.numbered(1).exists());

        // `.1` is a directory with something in it: the rename fails.
        let mut f = RotatingFile::new(&path, super::super::open(&path).unwrap(), 100, 1).unwrap();
        std::fs::create_dir(f.numbered(1)).unwrap();
        std::fs::write(f.numbered(1).join("x"), "").unwrap();
        f.write_all(b"after\n").unwrap();
        f.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("after\n"));
        assert_eq!(text.matches("cannot rotate the audit log").count(), 1);
        f.write_all(b"more\n").unwrap();
        f.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.matches("cannot rotate the audit log").count(),
            1,
            "said once, not per batch"
        );
    }
}
