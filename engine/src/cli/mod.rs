//! The command line: clap arguments ([`args`]), terminal output ([`output`]) and one
//! module per command, each thin: parse, resolve the settings once, call the library,
//! print. `run` dispatches and returns the exit code.

/// `eprintln!` after clearing the progress line: a command's own lines on standard error.
macro_rules! say {
    ($($arg:tt)*) => {{
        $crate::cli::terminal::clear();
        eprintln!($($arg)*);
    }};
}

mod accountability;
pub mod allocator;
pub mod args;
mod bulletin;
mod check;
mod circulars;
mod demo;
mod findings;
mod generate;
mod metrics;
mod outbox;
pub mod output;
mod query;
mod schedule;
mod serve;
mod shortlist;
mod stream;
pub mod supervise;
mod table;
mod template;
pub mod terminal;
mod validate;

use std::path::PathBuf;

pub use args::Cli;
use args::{ArchiveArgs, Command};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::{Archive, LoadOptions, LoadedTable, Progress};
use crate::sql::catalog::Catalog;
use crate::sql::sandbox::audit::{self, Entry, Log, Outcome};
use crate::sql::sandbox::guard;
use crate::sql::session::{self, Session};

/// Runs the command; the exit code when it finished, an error when it could not run.
pub fn run(cli: Cli) -> Result<i32> {
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => terminal::Verbosity::Quiet,
        (_, true) => terminal::Verbosity::Verbose,
        _ => terminal::Verbosity::Normal,
    };
    terminal::configure(verbosity, cli.no_pager);
    let code = dispatch(cli);
    terminal::clear();
    code
}

fn dispatch(cli: Cli) -> Result<i32> {
    if guard::worker_limits().is_none() {
        if let Some(args) = replaced_queries(&cli.command) {
            return run_replaced(args);
        }
    }
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
        Command::Warnings(args) => block_on(accountability::warnings(args)),
        Command::Rectify(args) => block_on(accountability::rectify(args)),
        Command::Demo(args) => block_on(demo::run(args)),
        Command::Serve(args) => block_on(serve::run(args)),
        Command::Passwd => serve::passwd(),
        Command::Completions(args) => check::completions(args),
        Command::Check(args) => check::check(args),
        Command::Template(args) => template::run(args),
    }
}

/// The archive arguments of a command other than `query` that replaces query files:
/// such a command runs as a supervised worker, like `tiexin query`.
fn replaced_queries(c: &Command) -> Option<&ArchiveArgs> {
    let a = match c {
        Command::Validate(a) => &a.archive,
        Command::Metrics(a) => &a.archive,
        Command::Findings(a) => &a.archive,
        Command::Bulletin(a) => &a.archive,
        Command::Circulars(a) => &a.archive,
        Command::Shortlist(a) => &a.archive,
        Command::Schedule(a) => &a.archive,
        Command::Warnings(a) => &a.archive,
        Command::Rectify(a) => &a.archive,
        _ => return None,
    };
    a.queries.is_some().then_some(a)
}

/// Runs this command as a worker within the query limits, audited with the replaced
/// files' paths and SHA-256 before and after.
fn run_replaced(args: &ArchiveArgs) -> Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    let log = Log::open(config.state_folder().as_deref())?;
    let dir = args.queries.as_deref().unwrap_or(std::path::Path::new("."));
    let command: Vec<String> = std::env::args().skip(1).collect();
    let mut entry = Entry {
        id: audit::new_id(),
        user: crate::dirs::user(None),
        scope: None,
        period: None,
        sql: String::new(),
        command: Some(format!("tiexin {}", command.join(" "))),
        queries: Vec::new(),
    };
    let catalog = Catalog::with_overrides(dir);
    if let Ok(c) = &catalog {
        entry.queries = audit::replaced(c);
    }
    log.started(&entry)?;
    let start = std::time::Instant::now();
    if let Err(e) = catalog {
        let ms = start.elapsed().as_millis();
        log.completed(&entry, Outcome::Refused, Some(&e.to_string()), None, ms)?;
        return Err(e);
    }
    let done = supervise::run(&config.query_limits(), None)?;
    let ms = start.elapsed().as_millis();
    log.completed(&entry, done.outcome, done.message.as_deref(), None, ms)?;
    match done.error {
        Some(e) => Err(e),
        None => Ok(done.code),
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

/// The bundled sample archive: the copy the executable carries (written out once to the
/// cache folder), else `sample-data/` of the sources tiexin was built from.
pub fn bundled_archive() -> PathBuf {
    match crate::assets::sample_dir() {
        Some(Ok(dir)) => dir,
        Some(Err(e)) => {
            terminal::warn(&format!("{e}; using the source tree's sample-data/"));
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
        }
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
    }
}

/// The configuration and the session settings the archive arguments name. From here
/// on, no output of the command may be written into the archive.
pub fn resolve(args: &ArchiveArgs) -> Result<(Config, session::Settings)> {
    let config = Config::load(args.config.as_deref())?;
    let settings = session::Settings {
        archive: archive_dir(args),
        cache_dir: config.cache_folder(args.no_cache),
        queries: args.queries.clone(),
        // Replaced query files read the tables masked, as `tiexin query` does.
        masked: args.queries.is_some() && !config.full_access.unwrap_or(false),
        scope: None,
        engine: config.engine(args.engine.as_deref(), args.no_cache)?,
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
    let session = open_settings(&settings).await?;
    Ok((session, config))
}

/// Opens a session with `settings`, with progress on a terminal.
pub async fn open_settings(settings: &session::Settings) -> Result<Session> {
    Session::open(settings, &StderrProgress::new()).await
}

/// Typst's warnings about the document written to `file`, and the texts with
/// characters no bundled font has, on standard error.
pub fn warn_rendering(file: &std::path::Path, rendered: &crate::documents::Rendered) {
    for n in rendered.notices() {
        terminal::warn(&format!("{}: {n}", file.display()));
    }
}

/// A progress message on standard error (one line rewritten in place on a terminal).
pub fn status(message: &str) {
    terminal::progress(message);
}

/// Progress on standard error when it is a terminal (see [`terminal`]); warnings
/// always.
#[derive(Default)]
pub struct StderrProgress;

impl StderrProgress {
    /// Progress as the command line's options say.
    pub fn new() -> StderrProgress {
        StderrProgress
    }
}

impl Progress for StderrProgress {
    fn rows(&self, file: &str, rows: u64) {
        terminal::progress(&format!("reading {file}: {rows} rows…"));
    }

    fn table_done(&self, t: &LoadedTable) {
        if let Some(s) = &t.source {
            let how = if t.cached { " (validated cache)" } else { "" };
            terminal::detail(&format!("  {}: {} rows read{how}", s.file_name(), t.read));
        }
    }

    fn status(&self, message: &str) {
        terminal::progress(message);
    }

    fn warn(&self, message: &str) {
        terminal::warn(message);
    }
}
