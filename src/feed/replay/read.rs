//! Reads a recording line by line on a thread of its own (the runtime has
//! no file I/O of its own here), a bounded channel ahead of the player.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use tokio::sync::mpsc;

/// The longest line accepted: a recorded answer of 1000 queues is far
/// below it; a file with longer lines is not a recording.
const MAX_LINE: u64 = 64 << 20;
/// Lines read ahead of the player.
const AHEAD: usize = 256;

/// A line and its number (from 1), or why reading stopped.
pub type Item = Result<(usize, String), String>;

/// Opens `path` and starts reading it; the channel ends with the file.
pub fn lines(path: &Path) -> Result<mpsc::Receiver<Item>, String> {
    let shown = path.display().to_string();
    let file = File::open(path)
        .map_err(|e| format!("cannot open the recording {shown}: {e}; check the path"))?;
    let (tx, rx) = mpsc::channel(AHEAD);
    std::thread::Builder::new()
        .name("replay-reader".into())
        .spawn(move || read_all(BufReader::new(file), &shown, &tx))
        .map_err(|e| format!("cannot start reading {}: {e}", path.display()))?;
    Ok(rx)
}

fn read_all(mut reader: BufReader<File>, shown: &str, tx: &mpsc::Sender<Item>) {
    let mut buf = Vec::new();
    let mut number = 0usize;
    loop {
        buf.clear();
        number += 1;
        let item = match (&mut reader).take(MAX_LINE + 1).read_until(b'\n', &mut buf) {
            Ok(0) => return,
            Ok(_) if buf.len() as u64 > MAX_LINE => Err(format!(
                "{shown}: line {number} is longer than {} MB: this is not a queuetop recording",
                MAX_LINE >> 20
            )),
            Ok(_) => match String::from_utf8(std::mem::take(&mut buf)) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => Ok((number, text)),
                Err(_) => Err(format!(
                    "{shown}: line {number} is not UTF-8 text: this is not a queuetop recording"
                )),
            },
            Err(error) => Err(format!("{shown}: cannot read line {number}: {error}")),
        };
        let stop = item.is_err();
        if tx.blocking_send(item).is_err() || stop {
            return;
        }
    }
}
