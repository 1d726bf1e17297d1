//! A background writer for log lines: callers append to a shared buffer
//! and return; one thread writes what has gathered in one call.
//!
//! Why not a channel per line: under a flood the audit log gets tens of
//! thousands of lines a second, and waking a writer thread per line cost
//! more than formatting them. Here the writer is woken only when it sleeps,
//! lingers a moment so lines gather, and writes them with one syscall.
//! Not lossy: past `MAX_PENDING` bytes a caller waits for the disk. A
//! failed write is counted and reported in the log once writing works again.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::sink::text::{push_json_str, push_rfc3339, push_u64};

/// Bytes waiting before callers wait for the writer.
const MAX_PENDING: usize = 8 << 20;
/// How long the writer lets lines gather after being woken.
const LINGER: Duration = Duration::from_millis(2);

#[derive(Default)]
struct State {
    buf: Vec<u8>,
    /// The writer sleeps until told there is something to write.
    writer_asleep: bool,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake_writer: Condvar,
    room: Condvar,
}

impl Shared {
    /// A caller that panicked mid-append leaves whole lines behind (the
    /// append is one call), so the data is still good.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Appends lines for one output (a file, stderr); cheap to clone.
#[derive(Clone)]
pub struct LineWriter {
    shared: Arc<Shared>,
}

/// Owns the output's thread: dropping it writes what is left and waits
/// for the thread. Lines queued after that are not written.
pub struct WriterGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl LineWriter {
    pub fn spawn(
        name: &str,
        out: Box<dyn Write + Send>,
    ) -> std::io::Result<(LineWriter, WriterGuard)> {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || run(&s, out))?;
        Ok((
            LineWriter {
                shared: shared.clone(),
            },
            WriterGuard {
                shared,
                thread: Some(thread),
            },
        ))
    }

    /// Queues `line` (which ends with its newline).
    pub fn write_line(&self, line: &[u8]) {
        let mut st = self.shared.lock();
        while st.buf.len() >= MAX_PENDING && !st.closed {
            st = self.shared.room.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.closed {
            return;
        }
        st.buf.extend_from_slice(line);
        if st.writer_asleep {
            st.writer_asleep = false;
            self.shared.wake_writer.notify_one();
        }
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake_writer.notify_one();
        self.shared.room.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(shared: &Shared, mut out: Box<dyn Write + Send>) {
    let mut batch = Vec::new();
    let mut failed = Failed::default();
    loop {
        {
            let mut st = shared.lock();
            while st.buf.is_empty() && !st.closed {
                st.writer_asleep = true;
                st = shared
                    .wake_writer
                    .wait(st)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if st.buf.is_empty() {
                return;
            }
            if !st.closed {
                drop(st);
                std::thread::sleep(LINGER);
                st = shared.lock();
            }
            std::mem::swap(&mut st.buf, &mut batch);
        }
        shared.room.notify_all();
        failed.write(&mut out, &batch);
        batch.clear();
    }
}

/// Writes that failed since the last one that worked.
#[derive(Default)]
struct Failed {
    batches: u64,
    bytes: usize,
    error: String,
}

impl Failed {
    fn write(&mut self, out: &mut dyn Write, batch: &[u8]) {
        match out.write_all(batch).and_then(|()| out.flush()) {
            Ok(()) if self.batches > 0 => {
                let mut note = String::from("{\"timestamp\":\"");
                push_rfc3339(&mut note, time::OffsetDateTime::now_utc(), 6);
                note.push_str("\",\"level\":\"ERROR\",\"fields\":{\"message\":\"log lines were lost: a write failed\",\"lost_bytes\":");
                push_u64(&mut note, self.bytes as u64);
                note.push_str(",\"failed_writes\":");
                push_u64(&mut note, self.batches);
                note.push_str(",\"error\":");
                push_json_str(&mut note, &self.error);
                note.push_str("},\"target\":\"queuetop::audit\"}\n");
                if out.write_all(note.as_bytes()).is_ok() {
                    *self = Failed::default();
                }
            }
            Ok(()) => {}
            Err(e) => {
                self.batches += 1;
                self.bytes += batch.len();
                self.error = e.to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shared bytes behind a `Write`, failing while `fail` is set.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        fail: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(std::io::Error::other("disk full"));
            }
            self.bytes.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_arrives_in_order_by_the_time_it_is_dropped() {
        let sink = Sink::default();
        let (w, guard) = LineWriter::spawn("t", Box::new(sink.clone())).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let w = &w;
                move || {
                    for i in 0..10_000 {
                        w.write_line(format!("{t} {i}\n").as_bytes());
                    }
                }
            })
            .collect();
        std::thread::scope(|s| {
            for f in threads {
                s.spawn(f);
            }
        });
        drop(guard);
        w.write_line(b"after the guard: not written\n");
        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        let mut next = [0u32; 4];
        for line in text.lines() {
            let (t, i) = line.split_once(' ').unwrap();
            let t: usize = t.parse().unwrap();
            assert_eq!(
                i.parse::<u32>().unwrap(),
                next[t],
                "thread {t} out of order"
            );
            next[t] += 1;
        }
        assert_eq!(next, [10_000; 4]);
    }

    #[test]
    fn a_failed_write_is_reported_once_writing_works_again() {
        let sink = Sink::default();
        let mut f = Failed::default();
        sink.fail.store(true, std::sync::atomic::Ordering::SeqCst);
        f.write(&mut sink.clone(), b"lost one\n");
        f.write(&mut sink.clone(), b"lost two\n");
        sink.fail.store(false, std::sync::atomic::Ordering::SeqCst);
        f.write(&mut sink.clone(), b"kept\n");
        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "kept");
        let note: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(note["fields"]["lost_bytes"], 18);
        assert_eq!(note["fields"]["failed_writes"], 2);
        assert_eq!(note["fields"]["error"], "disk full");
        assert_eq!(note["level"], "ERROR");
        assert!(note["timestamp"].is_string());
        assert_eq!(lines.len(), 2);
    }
}
