//! JSON Lines: one JSON object per line (see [`Record`]), UTF-8, `\n` or `\r\n` line endings.
//! Progress is measured in bytes read, so the file is read once.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Importer, Options, Problem, Record, Report, skip};
use crate::store::Store;

/// Longest line read; a topic's body is at most 40,000 characters, well under this.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// An opened JSON Lines file and its size.
pub struct Source {
    reader: BufReader<File>,
    len: u64,
}

impl Source {
    /// Opens `path` for reading; this is where a missing or unreadable file is refused.
    pub fn open(path: &Path) -> anyhow::Result<Source> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Source { reader: BufReader::with_capacity(256 * 1024, file), len })
    }
}

/// Imports every line of `source`; returns what became of them. Fails only when the file cannot
/// be read or the database fails.
pub async fn import(store: &Store, mut source: Source, options: Options) -> anyhow::Result<Report> {
    let mut importer = Importer::new(store, options).await?;
    let progress = progress_bar(source.len);
    let (mut number, mut read, mut buf) = (0, 0, Vec::new());
    while let Some(line) = next_line(&mut source.reader, &mut buf).context("cannot read the file")? {
        number += 1;
        read += line.bytes;
        importer.add(number, parse(&buf, line.complete, number)).await?;
        progress.set_position(read);
        progress.set_message(format!("{} imported", importer.imported()));
    }
    let report = importer.finish().await;
    progress.finish_and_clear();
    report
}

/// A line as read: how many bytes it took in the file, and whether it fit in the buffer.
struct Line {
    bytes: u64,
    complete: bool,
}

/// Reads the next line into `buf` (without its line ending), at most [`MAX_LINE_BYTES`] of it;
/// the rest of a longer line is passed over. `None` at the end of the file.
fn next_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
    buf.clear();
    let n = reader.by_ref().take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    let mut line = Line { bytes: n as u64, complete: true };
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if n > MAX_LINE_BYTES {
        line.bytes += reader.skip_until(b'\n')? as u64;
        line.complete = false;
    }
    Ok(Some(line))
}

/// The record on one line, or why there is none.
fn parse(bytes: &[u8], complete: bool, number: u64) -> Result<Record, Problem> {
    if !complete {
        return skip(format!("the line is longer than {} KiB", MAX_LINE_BYTES / 1024));
    }
    let bytes = if number == 1 { bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes) } else { bytes };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return skip(format!("not valid UTF-8 (at byte {})", e.valid_up_to() + 1)),
    };
    if text.trim().is_empty() {
        return skip("empty line");
    }
    serde_json::from_str(text).or_else(|e| skip(format!("invalid JSON: {}", e.to_string().replace(" at line 1 column ", " at column "))))
}

/// A bar on standard error while it is a terminal; nothing otherwise (a log, a pipe, a test).
fn progress_bar(len: u64) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{wide_bar} {percent:>3}% {binary_bytes}/{binary_total_bytes} · {msg} · {eta} left")
        .expect("a valid progress template");
    ProgressBar::new(len).with_style(style)
}
