//! The encoding of a CSV file (intake.md, "Encodings"): UTF-8 (with or without BOM)
//! when every byte is valid UTF-8, else GB18030 (which contains GBK and GB2312, the
//! CSV that Excel saves on a Chinese Windows machine). [`scan`] finds out while it
//! computes the file's SHA-256, in the same pass; [`Gb18030`] decodes as the CSV
//! parser reads, and stops at the first byte that is not GB18030 either, naming its
//! physical line.

use std::io::Read;
use std::path::Path;

use encoding_rs::{Decoder, DecoderResult, GB18030};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The encoding a CSV file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Every byte is valid UTF-8.
    Utf8,
    /// Some byte is not UTF-8: read as GB18030.
    Gb18030,
}

/// The SHA-256 of a file (lower-case hex) and whether all its bytes are UTF-8.
pub fn scan(path: &Path) -> Result<(String, Encoding)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    // Bytes of a character cut by the end of the previous read, moved to the front.
    let mut carried = 0;
    let mut utf8 = true;
    loop {
        let n = f
            .read(&mut buf[carried..])
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            utf8 &= carried == 0;
            break;
        }
        h.update(&buf[carried..carried + n]);
        if !utf8 {
            continue;
        }
        let data = &buf[..carried + n];
        carried = 0;
        if let Err(e) = std::str::from_utf8(data) {
            if e.error_len().is_some() {
                utf8 = false;
            } else {
                let start = e.valid_up_to();
                carried = data.len() - start;
                buf.copy_within(start..start + carried, 0);
            }
        }
    }
    let hex = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((
        hex,
        if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Gb18030
        },
    ))
}

/// The sentence of a file that is neither UTF-8 nor GB18030, carried inside the
/// `io::Error` the CSV parser passes on.
#[derive(Debug)]
pub struct NotDecodable(pub String);

impl std::fmt::Display for NotDecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotDecodable {}

/// A reader of GB18030 bytes that gives UTF-8; line breaks are kept, so physical
/// lines stay where they are.
pub struct Gb18030<R> {
    inner: R,
    name: String,
    decoder: Decoder,
    raw: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// The physical line of the next raw byte (line breaks LF, CRLF or CR).
    line: u64,
    after_cr: bool,
    /// The first raw bytes, to tell UTF-16 apart in the message.
    first: [u8; 2],
}

impl<R: Read> Gb18030<R> {
    /// Decodes `inner`, the file `name`.
    pub fn new(inner: R, name: &str) -> Self {
        Gb18030 {
            inner,
            name: name.to_string(),
            decoder: GB18030.new_decoder_without_bom_handling(),
            raw: vec![0; 1 << 16],
            start: 0,
            end: 0,
            eof: false,
            line: 1,
            after_cr: false,
            first: [0, 0],
        }
    }

    /// Counts the line breaks of `raw[start..end]`.
    fn count_lines(&mut self, start: usize, end: usize) {
        let bytes = &self.raw[start..end];
        for p in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            let after_cr = if p == 0 {
                self.after_cr
            } else {
                bytes[p - 1] == b'\r'
            };
            if !(bytes[p] == b'\n' && after_cr) {
                self.line += 1;
            }
        }
        if let Some(&last) = bytes.last() {
            self.after_cr = last == b'\r';
        }
    }

    fn not_decodable(&self) -> std::io::Error {
        let utf16 = matches!(self.first, [0xff, 0xfe] | [0xfe, 0xff]);
        let hint = if utf16 {
            " (it looks like UTF-16, Excel's \"Unicode text\")"
        } else {
            ""
        };
        let msg = format!(
            "{} is neither UTF-8 nor GB18030 (GBK){hint}: the byte at line {} is invalid in both; save it again from Excel or WPS as \"CSV UTF-8\" or as a workbook (.xlsx)",
            self.name, self.line
        );
        std::io::Error::new(std::io::ErrorKind::InvalidData, NotDecodable(msg))
    }
}

impl<R: Read> Read for Gb18030<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.len() < 4 {
            // The decoder may need four bytes for one character.
            let mut small = [0u8; 4];
            let n = self.read(&mut small)?;
            let k = n.min(out.len());
            out[..k].copy_from_slice(&small[..k]);
            return Ok(k);
        }
        loop {
            if self.start == self.end && !self.eof {
                let n = self.inner.read(&mut self.raw)?;
                if self.first == [0, 0] && n >= 2 {
                    self.first = [self.raw[0], self.raw[1]];
                }
                self.start = 0;
                self.end = n;
                self.eof = n == 0;
            }
            let input = &self.raw[self.start..self.end];
            let (result, read, written) = self
                .decoder
                .decode_to_utf8_without_replacement(input, out, self.eof);
            match result {
                DecoderResult::Malformed(bad, after) => {
                    let upto = read.saturating_sub(usize::from(bad) + usize::from(after));
                    self.count_lines(self.start, self.start + upto);
                    return Err(self.not_decodable());
                }
                DecoderResult::InputEmpty | DecoderResult::OutputFull => {
                    self.count_lines(self.start, self.start + read);
                    self.start += read;
                }
            }
            if written > 0 || (self.eof && self.start == self.end) {
                return Ok(written);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> std::io::Result<String> {
        let mut s = String::new();
        Gb18030::new(bytes, "t.csv").read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn gbk_is_decoded_and_bad_bytes_are_placed() {
        let (gbk, _, _) = GB18030.encode("档案编号,户主姓名\r\nH01,李秀兰\r\n");
        assert_eq!(decode(&gbk).unwrap(), "档案编号,户主姓名\r\nH01,李秀兰\r\n");
        let mut bad = gbk.to_vec();
        bad.extend_from_slice(b"H02,\xff\r\n");
        let e = decode(&bad).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("t.csv is neither UTF-8 nor GB18030 (GBK): the byte at line 3"),
            "{msg}"
        );
    }

    #[test]
    fn scan_tells_utf8_from_gb18030_across_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        // A three-byte character cut by the 1 MiB read boundary.
        let mut text = "a".repeat((1 << 20) - 1).into_bytes();
        text.extend_from_slice("档案\n".as_bytes());
        std::fs::write(&p, &text).unwrap();
        assert_eq!(scan(&p).unwrap().1, Encoding::Utf8);
        let (gbk, _, _) = GB18030.encode("档案\n");
        std::fs::write(&p, &gbk).unwrap();
        let (sha, enc) = scan(&p).unwrap();
        assert_eq!(enc, Encoding::Gb18030);
        assert_eq!(sha, crate::ingest::sha256_bytes(&gbk));
    }
}
