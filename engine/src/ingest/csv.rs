//! Reading a table from CSV: UTF-8 (BOM tolerated) or GB18030 ([`super::encoding`]),
//! RFC 4180 quoting, header row, lines ending in LF, CRLF or CR.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::columns::{map_header, ColumnMap};
use super::encoding::{Encoding, Gb18030, NotDecodable};
use crate::error::{Error, Result};
use crate::ingest::rows::{TableBuilder, MAX_COLS};
use crate::ingest::Issue;

/// Feeds every record of `path` to `builder`; header problems are returned as warnings
/// or, for a missing required column, as an error. A record's line is the physical line
/// where it starts (header = 1); a record whose cells are all empty is not a row.
pub fn read(
    path: &Path,
    encoding: Encoding,
    builder: &mut TableBuilder,
    progress: &dyn Fn(u64),
) -> Result<Vec<Issue>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let name = file_name(path);
    let bytes = BufReader::with_capacity(1 << 20, file);
    let source: Box<dyn Read> = match encoding {
        Encoding::Utf8 => Box::new(bytes),
        Encoding::Gb18030 => Box::new(Gb18030::new(bytes, &name)),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Lines::new(source));
    let mut header = csv::ByteRecord::new();
    let unreadable = |e: csv::Error| match undecodable(&e) {
        Some(sentence) => Error::Unreadable(sentence),
        None => Error::Unreadable(format!("{name} cannot be read: {e}")),
    };
    if !reader.read_byte_record(&mut header).map_err(unreadable)? {
        return Err(Error::Unreadable(format!(
            "{name} is empty: it has no header row"
        )));
    }
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let s = String::from_utf8_lossy(f);
            let s = if i == 0 {
                s.trim_start_matches('\u{feff}')
            } else {
                &s
            };
            s.trim().to_string()
        })
        .collect();
    let ColumnMap { sources, warnings } = map_header(builder.table(), &name, &names)?;

    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if let Some(sentence) = undecodable(&e) {
                    return Err(Error::Unreadable(sentence));
                }
                let byte = e.position().map(|p| p.byte()).unwrap_or(0);
                let line = reader.get_mut().line_at(byte);
                return Err(Error::Unreadable(format!(
                    "{name} line {line} cannot be read: {e}"
                )));
            }
        }
        let byte = record.position().map(|p| p.byte()).unwrap_or(0);
        let line = reader.get_mut().line_at(byte);
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if record.len() != names.len() {
            let reason = format!(
                "has {} fields, the header has {}",
                record.len(),
                names.len()
            );
            builder.reject(line, "", "", reason);
            continue;
        }
        let mut fields: [Option<&[u8]>; MAX_COLS] = [None; MAX_COLS];
        for (slot, src) in fields.iter_mut().zip(&sources) {
            *slot = src.map(|i| &record[i]);
        }
        builder.push(line, &fields)?;
        if builder.read.is_multiple_of(1_000_000) {
            progress(builder.read);
        }
    }
    Ok(warnings)
}

/// The sentence of a file that is neither UTF-8 nor GB18030.
fn undecodable(e: &csv::Error) -> Option<String> {
    match e.kind() {
        csv::ErrorKind::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<NotDecodable>())
            .map(|n| n.0.clone()),
        _ => None,
    }
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Passes a file's bytes to the CSV parser and notes where each physical line that
/// holds something begins, so that a record's line is the physical line of its first
/// byte whatever the line endings (LF, CRLF or CR). The parser's own line count knows
/// only LF and places a record after the blank lines before it.
struct Lines<R> {
    inner: R,
    /// Bytes passed on so far.
    offset: u64,
    /// The physical line being read (1-based).
    line: u64,
    /// Whether the next byte begins a line.
    at_start: bool,
    /// Whether the last byte was a CR (an LF right after it ends the same line).
    after_cr: bool,
    /// `(byte offset, line)` of each line that begins with something other than a line
    /// break, from the oldest the parser may still ask about.
    starts: VecDeque<(u64, u64)>,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Self {
        Lines {
            inner,
            offset: 0,
            line: 1,
            at_start: true,
            after_cr: false,
            starts: VecDeque::new(),
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\n' || b == b'\r' {
                if !(b == b'\n' && self.after_cr) {
                    self.line += 1;
                }
                self.after_cr = b == b'\r';
                self.at_start = true;
                i += 1;
                continue;
            }
            self.after_cr = false;
            if self.at_start {
                self.starts.push_back((self.offset + i as u64, self.line));
                self.at_start = false;
            }
            i += memchr::memchr2(b'\n', b'\r', &bytes[i..]).unwrap_or(bytes.len() - i);
        }
        self.offset += bytes.len() as u64;
    }

    /// The line of the record the parser placed at byte `pos`: the first line at or
    /// after `pos` that holds something (the parser's position may precede the line
    /// breaks before a record). Positions must be asked in increasing order.
    fn line_at(&mut self, pos: u64) -> u64 {
        while let Some(&(start, line)) = self.starts.front() {
            if start >= pos {
                return line;
            }
            self.starts.pop_front();
        }
        self.line
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    /// The line of each record start, reading `text` in chunks of `chunk` bytes.
    fn lines(text: &[u8], chunk: usize, positions: &[u64]) -> Vec<u64> {
        let mut l = Lines::new(());
        for c in text.chunks(chunk) {
            l.scan(c);
        }
        positions.iter().map(|&p| l.line_at(p)).collect()
    }

    #[test]
    fn lines_count_lf_crlf_and_cr_and_skip_blank_lines() {
        // Line 1 "h", 2 blank, 3 "a", 4 "b", 5 blank, 6 "c", 7 "d"; the parser may place
        // a record at a line break before it (2: the LF of "h"'s CRLF; 8: after "b").
        let text = b"h\r\n\r\na\rb\n\nc\r\nd";
        for chunk in [1, 2, 3, 64] {
            assert_eq!(
                lines(text, chunk, &[0, 2, 6, 8, 13]),
                [1, 3, 4, 6, 7],
                "chunks of {chunk}"
            );
        }
    }
}
