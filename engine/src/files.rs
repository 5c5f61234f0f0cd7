//! Writing files whole or not at all: each output is written to a temporary file in its
//! destination's folder and renamed onto it only when complete, so a failed write (a
//! full disk, a killed process) never leaves a truncated file under the real name. And
//! cells of CSV files meant for people, made safe to open in a spreadsheet.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically (see [`AtomicFile`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.commit()
}

/// A file being written: the bytes go to a hidden temporary file next to `path`, which
/// [`commit`](AtomicFile::commit) flushes to disk and renames onto `path`. Dropped
/// without a commit (an error on the way), the temporary file is removed and `path` is
/// left as it was. A destination that exists and is not a regular file or a folder (a
/// device such as `/dev/null`, a pipe) is written to directly.
pub struct AtomicFile {
    path: PathBuf,
    /// The temporary file; `None` when writing to `path` directly.
    tmp: Option<PathBuf>,
    out: Option<BufWriter<File>>,
}

/// Distinguishes the temporary files of one process.
static NEXT: AtomicU64 = AtomicU64::new(0);

impl AtomicFile {
    /// Starts writing `path` (its folder must exist).
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if special {
            let f = File::create(path).map_err(|e| Error::io(path, e))?;
            return Ok(AtomicFile {
                path: path.to_path_buf(),
                tmp: None,
                out: Some(BufWriter::with_capacity(1 << 16, f)),
            });
        }
        let name = path.file_name().ok_or_else(|| {
            Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
            )
        })?;
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_file_name(format!(
            ".{}.{}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let f = File::options()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::io(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp: Some(tmp),
            out: Some(BufWriter::with_capacity(1 << 16, f)),
        })
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the bytes to disk and renames the temporary file onto the destination.
    pub fn commit(self) -> Result<()> {
        self.finish(true)
    }

    /// Renames the temporary file onto the destination without waiting for the disk:
    /// for cache entries, whose reader takes a damaged file (after a crash) for a miss.
    pub fn commit_unsynced(self) -> Result<()> {
        self.finish(false)
    }

    fn finish(mut self, sync: bool) -> Result<()> {
        let out = self.out.take().expect("an uncommitted file has its writer");
        let file = out
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        let synced = if sync { file.sync_all() } else { Ok(()) };
        let done = synced.and_then(|_| std::fs::rename(&tmp, &self.path));
        if let Err(e) = done {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(&self.path, e));
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out
            .as_mut()
            .expect("an uncommitted file has its writer")
            .write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out
            .as_mut()
            .expect("an uncommitted file has its writer")
            .flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            drop(self.out.take());
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A text cell of a CSV file meant to be opened by people in a spreadsheet: text that
/// a spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`, as OWASP recommends against CSV injection.
/// Machine outputs (rejects, metrics, findings) keep their values exactly instead.
pub fn spreadsheet_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new, half written").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        drop(f);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let names = |d: &Path| -> Vec<String> {
            std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(names(dir.path()), ["out.csv"], "no temporary file is left");
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(names(dir.path()), ["out.csv"]);
        // Onto a folder: an error, and nothing left behind.
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(write_atomic(&dir.path().join("sub"), b"x").is_err());
        let mut left = names(dir.path());
        left.sort();
        assert_eq!(left, ["out.csv", "sub"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_directly() {
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }

    #[test]
    fn formulas_get_a_quote_and_other_text_is_kept() {
        for (given, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("孙丽华", "孙丽华"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_cell(given), want);
        }
    }
}
