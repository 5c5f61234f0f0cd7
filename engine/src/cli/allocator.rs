//! The process's memory allocator, tuned for columnar work. A query over a large
//! archive allocates and frees many buffers of megabytes. Left at its defaults, glibc
//! maps such a buffer afresh from the kernel and unmaps it when it is freed, so the
//! kernel zeroes its pages again on first touch: a quarter's findings at 1M households
//! spent a quarter of their time in the kernel's `clear_page` (perf, issue 16). Served
//! from the heap, and the heap kept rather than given back after each query, the
//! buffers are reused: the same work takes 10–20% less time for 2–3% more peak memory
//! (docs/performance.md).

/// Buffers under this size come from the heap (glibc's largest allowed threshold).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 32 << 20;

/// Sets glibc's allocator for the whole process; call first thing in `main`, before any
/// thread starts. An operator's own `GLIBC_TUNABLES` setting is left to rule instead.
/// Returns whether the settings were taken (never on other C libraries).
pub fn tune() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if std::env::var_os("GLIBC_TUNABLES").is_some() {
            return false;
        }
        // SAFETY: mallopt only sets glibc's allocator parameters, under its own lock.
        unsafe {
            // mallopt returns 1 on success. The heap's free top is not trimmed back to
            // the kernel between queries.
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    #[test]
    fn glibc_takes_the_settings() {
        // The test runner sets no GLIBC_TUNABLES; a threshold above glibc's maximum
        // would be refused, and this would fail.
        assert!(std::env::var_os("GLIBC_TUNABLES").is_none());
        assert!(super::tune());
    }
}
