//! What `tiexin-scheduler` and `tiexin-executor` share: their log and how they run.

use std::future::Future;
use std::io::Write;
use std::process::ExitCode;

use log::{Level, Log, Metadata, Record};

/// Prints Ballista's log records (a task's time, a job's stages, a lost executor) to
/// standard error, one line each: time (UTC), level, where from, message.
struct Stderr {
    level: Level,
}

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let _ = writeln!(
            std::io::stderr().lock(),
            "{now} {} {}: {}",
            record.level(),
            record.target(),
            record.args()
        );
    }

    fn flush(&self) {}
}

/// The level named by `TIEXIN_CLUSTER_LOG` (`error`, `warn`, `info`, `debug`, `trace`),
/// `info` when it is not set; an error naming the variable when it names no level.
fn level() -> Result<Level, String> {
    match std::env::var("TIEXIN_CLUSTER_LOG") {
        Err(_) => Ok(Level::Info),
        Ok(v) => v.parse().map_err(|_| {
            format!("TIEXIN_CLUSTER_LOG={v}: one of error, warn, info, debug, trace expected")
        }),
    }
}

/// Sets up the log, then runs `serve` on a multi-threaded runtime whose threads have
/// 32 MiB stacks (tiexin's plans nest deep); the exit code says whether it ended well.
pub fn run<F, E>(name: &str, serve: F) -> ExitCode
where
    F: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let level = match level() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    if log::set_boxed_logger(Box::new(Stderr { level })).is_ok() {
        log::set_max_level(level.to_level_filter());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build();
    let result = runtime
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(serve).map_err(|e| e.to_string()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}
