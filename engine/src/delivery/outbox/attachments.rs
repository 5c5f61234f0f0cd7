//! Queued attachments: files of the state folder, `attachments/<SHA-256>`, written when
//! a message is queued and checked against that SHA-256 before it is sent. Named by
//! their content, they cannot be replaced by another run's file: two runs that queue
//! the same bytes share one file, and different bytes have different names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::model::sha256_hex;
use crate::error::{Error, Result};

/// The folder of queued attachments.
#[derive(Debug, Clone)]
pub struct Attachments {
    dir: PathBuf,
}

impl Attachments {
    /// The attachments kept in `dir`.
    pub fn new(dir: PathBuf) -> Attachments {
        Attachments { dir }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the attachment whose SHA-256 is `sha` (`None` unless `sha` is 64
    /// lower-case hex digits).
    pub fn path(&self, sha: &str) -> Option<PathBuf> {
        let hex = sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        hex.then(|| self.dir.join(sha))
    }

    /// Stores `bytes`; returns their SHA-256.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = sha256_hex(bytes);
        self.write(&sha, bytes)
            .map_err(|e| Error::State(format!("an attachment cannot be stored: {e}")))?;
        Ok(sha)
    }

    /// Writes `bytes` as the file named `sha` (to a temporary file first, renamed into
    /// place), unless that file already holds them.
    pub(super) fn write(&self, sha: &str, bytes: &[u8]) -> std::result::Result<(), String> {
        let path = self
            .path(sha)
            .ok_or_else(|| format!("{sha:?} is not a SHA-256"))?;
        if std::fs::read(&path).is_ok_and(|old| old == bytes) {
            return Ok(());
        }
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            ".{sha}.{}.{}.tmp",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|_| std::fs::File::create(&tmp))
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
            .and_then(|_| std::fs::rename(&tmp, &path));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("{}: {e}", path.display())
        })
    }

    /// The bytes of the attachment `name` queued with the SHA-256 `sha`, checked; the
    /// error is a sentence saying what is wrong.
    pub fn get(&self, sha: &str, name: &str) -> std::result::Result<Vec<u8>, String> {
        let path = self.path(sha).ok_or_else(|| {
            format!("the attachment {name} has no valid SHA-256 in the outbox ({sha:?})")
        })?;
        let bytes = std::fs::read(&path).map_err(|e| {
            format!(
                "the attachment {name} is missing from the state folder ({}: {e})",
                path.display()
            )
        })?;
        let actual = sha256_hex(&bytes);
        if actual != sha {
            return Err(format!(
                "the attachment {name} ({}) does not match the SHA-256 recorded when it was queued: {actual}, not {sha}; it was changed after it was queued",
                path.display()
            ));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_by_content_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let a = Attachments::new(dir.path().join("attachments"));
        let sha = a.put(b"%PDF one").unwrap();
        assert_eq!(a.put(b"%PDF one").unwrap(), sha);
        assert_eq!(a.get(&sha, "x.pdf").unwrap(), b"%PDF one");
        std::fs::write(a.path(&sha).unwrap(), b"%PDF two").unwrap();
        let e = a.get(&sha, "x.pdf").unwrap_err();
        assert!(e.contains("does not match the SHA-256"), "{e}");
        assert!(a.path("../../etc/passwd").is_none());
        let e = a.get(&"0".repeat(64), "y.pdf").unwrap_err();
        assert!(e.contains("missing"), "{e}");
    }
}
