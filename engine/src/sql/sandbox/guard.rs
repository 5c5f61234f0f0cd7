//! The bounds of a user's statements inside a worker process. `tiexin query`, and every
//! command run with replaced query files, runs as a child of itself (the supervisor,
//! `cli::supervise`); the child loads the archive freely, then [`arm`]s: its data
//! segment is capped by `setrlimit(RLIMIT_DATA)` at what it uses plus the memory limit,
//! so an allocation no memory pool sees (one huge `repeat()` value, a plan that
//! explodes while it is built) fails inside the child, and the supervisor reports it.
//! The supervisor starts the time limit when the child says it has armed, so planning
//! is timed too. The child speaks to the supervisor in marked lines on standard error.

use std::sync::atomic::{AtomicBool, Ordering};

use super::Limits;
use crate::error::{Error, Result};

/// The environment variable that makes a process a worker: the limits, as
/// `<memory bytes>:<seconds>`.
pub const WORKER_VAR: &str = "TIEXIN_WORKER_LIMITS";

/// The first character of a line of the worker's protocol (ASCII record separator).
pub const MARK: char = '\u{1e}';

/// The worker has loaded what it needs and armed its limits: the user's statements
/// run from now on.
pub const BEGIN: &str = "begin";
/// The worker's statement returned this many rows: `rows <n>`.
pub const ROWS: &str = "rows";
/// The worker refused the statement (the error line follows).
pub const REFUSED: &str = "refused";
/// The worker's statement failed while it ran (the error line follows).
pub const FAILED: &str = "failed";

/// Whether this process has armed its limits (once only: the cap cannot be raised).
static ARMED: AtomicBool = AtomicBool::new(false);

/// The limits of this process if it is a worker, else `None`.
pub fn worker_limits() -> Option<Limits> {
    let v = std::env::var(WORKER_VAR).ok()?;
    let (m, s) = v.split_once(':')?;
    Some(Limits {
        memory: m.parse().ok()?,
        seconds: s.parse().ok()?,
    })
}

/// The value of [`WORKER_VAR`] for `limits`.
pub fn worker_value(limits: &Limits) -> String {
    format!("{}:{}", limits.memory, limits.seconds)
}

/// Says `word` (and `detail`) to the supervisor, if this process is a worker.
pub fn say(word: &str, detail: &str) {
    if worker_limits().is_some() {
        if detail.is_empty() {
            eprintln!("{MARK}{word}");
        } else {
            eprintln!("{MARK}{word} {detail}");
        }
    }
}

/// The data memory this process uses now, in bytes (`VmData` of `/proc/self/status`).
fn data_bytes() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| Error::Internal(format!("cannot read /proc/self/status: {e}")))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmData:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .ok_or_else(|| Error::Internal("no VmData in /proc/self/status".into()))
}

/// In a worker: caps the data memory at what is used now plus the memory limit, and
/// tells the supervisor that the user's statements begin, once. Elsewhere: nothing.
pub fn arm() -> Result<()> {
    let Some(limits) = worker_limits() else {
        return Ok(());
    };
    if ARMED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    let cap = data_bytes()?.saturating_add(limits.memory);
    let rl = libc::rlimit {
        rlim_cur: cap as libc::rlim_t,
        rlim_max: cap as libc::rlim_t,
    };
    // SAFETY: setrlimit reads the struct we pass; it has no other effect on memory.
    if unsafe { libc::setrlimit(libc::RLIMIT_DATA, &rl) } != 0 {
        return Err(Error::Internal(format!(
            "cannot set the memory limit: {}",
            std::io::Error::last_os_error()
        )));
    }
    say(BEGIN, "");
    Ok(())
}
