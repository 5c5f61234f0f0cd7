//! The command line: clap arguments ([`args`]), terminal output ([`output`]) and one
//! module per command, each thin: parse, resolve the settings once, call the library,
//! print. `run` dispatches and returns the exit code.

pub mod args;
mod bulletin;
mod circulars;
mod demo;
mod findings;
mod generate;
mod metrics;
mod outbox;
pub mod output;
mod query;
mod schedule;
mod shortlist;
mod validate;

use std::io::IsTerminal;
use std::path::PathBuf;

pub use args::Cli;
use args::{ArchiveArgs, Command};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::{Archive, LoadOptions, LoadedTable, Progress};
use crate::sql::session::{self, Session};

/// Runs the command; the exit code when it finished, an error when it could not run.
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
        Command::Demo(args) => block_on(demo::run(args)),
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

/// The configuration and the session settings the archive arguments name. From here
/// on, no output of the command may be written into the archive.
pub fn resolve(args: &ArchiveArgs) -> Result<(Config, session::Settings)> {
    let config = Config::load(args.config.as_deref())?;
    let settings = session::Settings {
        archive: archive_dir(args),
        cache_dir: config.cache_folder(args.no_cache),
        queries: args.queries.clone(),
    };
    output::protect_archive(&settings.archive);
    Ok((config, settings))
}

/// The archive folder the arguments name.
fn archive_dir(args: &ArchiveArgs) -> PathBuf {
    args.archive.clone().unwrap_or_else(bundled_archive)
}

/// Refuses, before any work, output paths that are in the archive the arguments name.
pub fn check_outputs(args: &ArchiveArgs, outputs: &[Option<&std::path::Path>]) -> Result<()> {
    output::protect_archive(&archive_dir(args));
    outputs
        .iter()
        .flatten()
        .try_for_each(|p| output::check_output(p))
}

/// Loads the archive the arguments name, with progress on a terminal.
pub fn load_archive(args: &ArchiveArgs) -> Result<(Archive, Config)> {
    let (config, settings) = resolve(args)?;
    let opts = LoadOptions {
        cache_dir: settings.cache_dir,
    };
    let archive = Archive::load(&settings.archive, &opts, &StderrProgress::new())?;
    Ok((archive, config))
}

/// Opens a session on the archive the arguments name, with progress on a terminal.
pub async fn open_session(args: &ArchiveArgs) -> Result<(Session, Config)> {
    let (config, settings) = resolve(args)?;
    let session = Session::open(&settings, &StderrProgress::new()).await?;
    Ok((session, config))
}

/// Typst's warnings about the document written to `file`, and the texts with
/// characters no bundled font has, on standard error.
pub fn warn_rendering(file: &std::path::Path, rendered: &crate::documents::Rendered) {
    for n in rendered.notices() {
        eprintln!("warning: {}: {}", file.display(), output::terminal_safe(&n));
    }
}

/// A progress message on standard error, only when it is a terminal.
pub fn status(message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{message}");
    }
}

/// Progress lines on standard error when it is a terminal; warnings always.
pub struct StderrProgress {
    enabled: bool,
}

impl StderrProgress {
    /// Progress shown when standard error is a terminal.
    pub fn new() -> StderrProgress {
        StderrProgress {
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        StderrProgress::new()
    }
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

    fn status(&self, message: &str) {
        if self.enabled {
            eprintln!("{message}");
        }
    }

    fn warn(&self, message: &str) {
        eprintln!("warning: {}", output::terminal_safe(message));
    }
}
