//! One module per subcommand; `run` dispatches and returns the exit code.

mod bulletin;
mod circulars;
mod findings;
mod generate;
mod metrics;
mod outbox;
mod query;
mod schedule;
mod shortlist;
pub(crate) mod subtree;
mod validate;

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::archive::{cache, Archive, LoadOptions, LoadedTable, Progress};
use crate::cli::{ArchiveArgs, Cli, Command};
use crate::config::Config;
use crate::error::{Error, Result};

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Metrics(args) => block_on(metrics::run(args)),
        Command::Findings(args) => block_on(findings::run(args)),
        Command::Query(args) => block_on(query::run(args)),
        Command::Bulletin(args) => block_on(bulletin::run(args)),
        Command::Circulars(args) => block_on(circulars::run(args)),
        Command::Shortlist(args) => block_on(shortlist::run(args)),
        Command::Outbox(args) => block_on(outbox::run(args)),
        Command::Schedule(args) => block_on(schedule::run(args)),
    }
}

/// Runs an async command on a multi-threaded runtime.
fn block_on<F: std::future::Future<Output = Result<i32>>>(f: F) -> Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    let result = rt.block_on(f);
    // Do not wait for work still running (a query stopped by its time limit).
    rt.shutdown_background();
    result
}

/// The bundled sample archive: `sample-data/` next to the sources tiexin was built from.
pub fn bundled_archive() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// Loads the archive named by the arguments, with progress on a terminal.
pub fn load_archive(args: &ArchiveArgs) -> Result<(Archive, Config)> {
    let config = Config::load(args.config.as_deref())?;
    let dir = args.archive.clone().unwrap_or_else(bundled_archive);
    let use_cache = !args.no_cache && config.cache.unwrap_or(true);
    let cache_dir = if use_cache {
        config.cache_dir.clone().or_else(cache::default_dir)
    } else {
        None
    };
    let progress = StderrProgress {
        enabled: std::io::stderr().is_terminal(),
    };
    let archive = Archive::load(&dir, &LoadOptions { cache_dir }, &progress)?;
    Ok((archive, config))
}

/// A progress message on standard error, only when it is a terminal.
pub fn status(message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{message}");
    }
}

/// Progress lines on standard error, only when it is a terminal.
struct StderrProgress {
    enabled: bool,
}

impl Progress for StderrProgress {
    fn rows(&self, file: &str, rows: u64) {
        if self.enabled {
            eprintln!("  {file}: {rows} rows…");
        }
    }

    fn table_done(&self, t: &LoadedTable) {
        if self.enabled {
            if let Some(s) = &t.source {
                let how = if t.cached { " (validated cache)" } else { "" };
                eprintln!("  {}: {} rows read{how}", s.file_name(), t.read);
            }
        }
    }
}
