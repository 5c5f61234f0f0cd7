//! What the benchmarks share: the archive of `TIEXIN_BENCH_ARCHIVE` and peak memory.

use std::path::PathBuf;

use tiexin::sql::session::Settings;

/// Peak resident memory of this process so far (Linux), in MiB; 0 where unknown.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// The archive to measure on (validated cache used when warm), or `None` with a hint.
pub fn archive() -> Option<Settings> {
    let Some(dir) = std::env::var_os("TIEXIN_BENCH_ARCHIVE") else {
        eprintln!("set TIEXIN_BENCH_ARCHIVE to a generated archive (see bench/validate.sh)");
        return None;
    };
    Some(Settings {
        archive: PathBuf::from(dir),
        cache_dir: tiexin::dirs::cache_dir(),
        ..Default::default()
    })
}
