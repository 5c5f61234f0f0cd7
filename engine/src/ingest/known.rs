//! Known files: the SHA-256 (and encoding) of an archive file, remembered in the cache
//! folder under the file's identity and times as the kernel reports them (device,
//! inode, size, modification and status-change times, to the nanosecond), so that a
//! second load of an unchanged file does not read its bytes to hash them.
//!
//! The guarantee is the one `git status` and `make` rely on: any write to the file
//! through the kernel changes its status-change time (ctime), which no program can set
//! back (only changing the system clock can), and replacing the file changes its inode.
//! A file whose times are less than [`SETTLED`] old is not remembered (a write in the
//! same clock tick as the hash would leave its times unchanged), nor one that changed
//! while it was hashed. Documents still print the full SHA-256: this only remembers it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::encoding::Encoding;
use crate::files::write_atomic;

/// How old a file's times must be before its hash is remembered.
const SETTLED: Duration = Duration::from_secs(2);

/// A file's identity and times; equal stats mean an unchanged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    key: String,
    newest: SystemTime,
}

impl Stat {
    /// The stat of `path`, or `None` where the platform does not give inode and ctime.
    #[cfg(unix)]
    pub fn of(path: &Path) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        let key = format!(
            "{:x}-{:x}-{}-{}.{:09}-{}.{:09}",
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec()
        );
        let at = |s: i64, ns: i64| {
            SystemTime::UNIX_EPOCH + Duration::new(s.max(0) as u64, ns.clamp(0, 999_999_999) as u32)
        };
        let newest = at(m.mtime(), m.mtime_nsec()).max(at(m.ctime(), m.ctime_nsec()));
        Some(Stat { key, newest })
    }

    /// The stat of `path`, or `None` where the platform does not give inode and ctime.
    #[cfg(not(unix))]
    pub fn of(_path: &Path) -> Option<Stat> {
        None
    }

    fn entry(&self, dir: &Path) -> PathBuf {
        dir.join(format!("known-{}.txt", self.key))
    }
}

/// The SHA-256 and encoding remembered for a file with this stat.
pub fn get(dir: &Path, stat: &Stat) -> Option<(String, Encoding)> {
    let entry = stat.entry(dir);
    let text = std::fs::read_to_string(&entry).ok()?;
    super::cache::mark_used(&entry);
    let (sha, encoding) = text.trim().split_once(' ')?;
    let valid = sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let encoding = match encoding {
        "utf-8" => Encoding::Utf8,
        "gb18030" => Encoding::Gb18030,
        _ => return None,
    };
    valid.then(|| (sha.to_string(), encoding))
}

/// Remembers the SHA-256 and encoding of `path`, computed while its stat was `before`,
/// unless it has changed since or changed too recently to be told apart from a later
/// write. Failing to write is not an error: the next load hashes again.
pub fn put(dir: &Path, path: &Path, before: &Stat, sha256: &str, encoding: Encoding) {
    let Some(after) = Stat::of(path) else { return };
    let settled = SystemTime::now()
        .duration_since(after.newest)
        .is_ok_and(|age| age >= SETTLED);
    if after != *before || !settled {
        return;
    }
    let encoding = match encoding {
        Encoding::Utf8 => "utf-8",
        Encoding::Gb18030 => "gb18030",
    };
    let _ = std::fs::create_dir_all(dir);
    let _ = write_atomic(
        &before.entry(dir),
        format!("{sha256} {encoding}\n").as_bytes(),
    );
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn set_mtime(file: &Path, at: SystemTime) {
        let f = std::fs::File::options().write(true).open(file).unwrap();
        f.set_modified(at).unwrap();
    }

    /// A remembered hash is found for the same file unchanged, not after a write of the
    /// same size, and a file written just now is not remembered at all.
    #[test]
    fn a_file_is_known_until_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let file = dir.path().join("unions.csv");
        std::fs::write(&file, "abc").unwrap();
        let fresh = Stat::of(&file).unwrap();
        put(&cache, &file, &fresh, &"a".repeat(64), Encoding::Utf8);
        assert_eq!(get(&cache, &fresh), None, "too recent to be remembered");

        let old = SystemTime::now() - Duration::from_secs(60);
        set_mtime(&file, old);
        // ctime moved with set_modified; wait until it is settled too.
        let mut stat = Stat::of(&file).unwrap();
        let sha = "b".repeat(64);
        for _ in 0..40 {
            put(&cache, &file, &stat, &sha, Encoding::Gb18030);
            if get(&cache, &stat).is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            stat = Stat::of(&file).unwrap();
        }
        assert_eq!(get(&cache, &stat), Some((sha, Encoding::Gb18030)));

        // The same size and the same modification time put back: ctime still differs.
        std::fs::write(&file, "xyz").unwrap();
        set_mtime(&file, old);
        let written = Stat::of(&file).unwrap();
        assert_ne!(written, stat);
        assert_eq!(get(&cache, &written), None);
    }
}
