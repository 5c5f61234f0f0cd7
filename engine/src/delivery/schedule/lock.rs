//! The lock that keeps a second scheduler from starting.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock that keeps a second scheduler from starting; released when dropped.
#[derive(Debug)]
pub struct ScheduleLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl ScheduleLock {
    /// The file name of the lock inside the state directory.
    pub const FILE: &'static str = "schedule.lock";

    /// Takes the lock in `state_dir`, or says in one sentence that another scheduler
    /// holds it.
    pub fn acquire(state_dir: &Path) -> Result<ScheduleLock> {
        std::fs::create_dir_all(state_dir).map_err(|e| Error::io(state_dir, e))?;
        let path = state_dir.join(Self::FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(ScheduleLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Usage(format!(
                "another tiexin schedule is already running (it holds the lock {}), so this one does not start",
                path.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    /// The path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
