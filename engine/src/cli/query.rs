//! `tiexin query`: one read-only SQL query over the archive, audited, bounded, with
//! personal data masked and, with `--scope`, every table cut to one union's subtree
//! before the query sees it.
//!
//! The command is two processes ([`super::supervise`]): this one writes the audit log,
//! refuses what the text alone shows to be unsafe, and supervises a worker (the same
//! command again) that loads the archive, plans and runs the statement within the
//! limits, and streams its rows to the output.

use std::io::{IsTerminal, Read};
use std::time::Instant;

use super::args::QueryArgs;
use super::{stream, supervise};
use crate::analysis::metrics;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::Archive;
use crate::sql::catalog::Catalog;
use crate::sql::sandbox::audit::{self, Entry, Log, Outcome};
use crate::sql::sandbox::guard::{self, say};
use crate::sql::sandbox::{self, readonly, Failure};
use crate::sql::session::Session;
use crate::sql::xlsx::About;
use crate::sql::Period;

/// Rows shown on a terminal; `--out` gets them all.
pub const TERMINAL_ROWS: usize = 1_000;

/// Runs `tiexin query`: the supervisor, or in a worker process the statement itself.
pub async fn run(args: QueryArgs) -> Result<i32> {
    if guard::worker_limits().is_some() {
        return worker(&args).await;
    }
    super::output::check_format(args.output.format, args.output.out.as_deref())?;
    if !args.output.columns.is_empty() {
        return Err(Error::Usage(
            "--columns is not for query: name the columns in the SELECT".into(),
        ));
    }
    let (sql, from_stdin) = read_sql(&args)?;
    super::check_outputs(&args.archive, &[args.output.out.as_deref()])?;
    let config = Config::load(args.archive.config.as_deref())?;
    let log = Log::open(config.state_folder().as_deref())?;
    let mut entry = Entry {
        id: audit::new_id(),
        user: crate::dirs::user(args.as_name.as_deref()),
        scope: args.scope.clone(),
        period: args.period.clone(),
        sql: sql.clone(),
        command: None,
        queries: Vec::new(),
    };
    // The replaced files are read (and checked) before anything runs, so that the
    // audit line names them.
    let catalog = args.archive.queries.as_deref().map(Catalog::with_overrides);
    if let Some(Ok(c)) = &catalog {
        entry.queries = audit::replaced(c);
    }
    log.started(&entry)?;
    let start = Instant::now();
    let refusal = match catalog {
        Some(Err(e)) => Some(e),
        _ => readonly::check_text(&sql).err(),
    };
    if let Some(e) = refusal {
        let ms = start.elapsed().as_millis();
        log.completed(&entry, Outcome::Refused, Some(&e.to_string()), None, ms)?;
        return Err(e);
    }
    let done = supervise::run(&config.query_limits(), from_stdin.then_some(sql.as_str()))?;
    let ms = start.elapsed().as_millis();
    log.completed(&entry, done.outcome, done.message.as_deref(), done.rows, ms)?;
    match done.error {
        Some(e) => Err(e),
        None => Ok(done.code),
    }
}

/// The SQL from exactly one of: the argument, `-f FILE`, standard input (and whether it
/// came from standard input).
fn read_sql(args: &QueryArgs) -> Result<(String, bool)> {
    let (sql, stdin) = match (&args.sql, &args.file) {
        (Some(_), Some(f)) => {
            return Err(Error::Usage(format!(
                "give the SQL either as the argument or with -f {}, not both",
                f.display()
            )))
        }
        (Some(s), None) => (s.clone(), false),
        (None, Some(f)) => (
            std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?,
            false,
        ),
        (None, None) => {
            if std::io::stdin().is_terminal() {
                return Err(Error::Usage(
                    "no SQL: give it as the argument, with -f FILE, or on standard input".into(),
                ));
            }
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::io("standard input", e))?;
            (s, true)
        }
    };
    if sql.trim().is_empty() {
        return Err(Error::Usage("no SQL: the query text is empty".into()));
    }
    Ok((sql, stdin))
}

/// In the worker: loads what the statement reads, runs it within the limits and
/// streams its rows; tells the supervisor the rows or why it stopped.
async fn worker(args: &QueryArgs) -> Result<i32> {
    let (sql, _) = read_sql(args)?;
    match execute(args, &sql).await {
        Ok(rows) => {
            say(guard::ROWS, &rows.to_string());
            Ok(0)
        }
        Err((outcome, e)) => {
            say(
                if outcome == Outcome::Refused {
                    guard::REFUSED
                } else {
                    guard::FAILED
                },
                "",
            );
            Err(e)
        }
    }
}

/// Checks the text, loads what the query reads, runs it in the sandbox and writes its
/// rows; the number of rows.
async fn execute(args: &QueryArgs, sql: &str) -> std::result::Result<usize, Failure> {
    let refused = sandbox::refused;
    let failed = sandbox::failed;
    readonly::check_text(sql).map_err(refused)?;
    let period: Option<Period> = match &args.period {
        Some(p) => Some(p.parse().map_err(refused)?),
        None => None,
    };
    let config = Config::load(args.archive.config.as_deref()).map_err(failed)?;
    let masked = !config.full_access.unwrap_or(false);
    let (archive, extra) = load(args, masked, period.as_ref()).await.map_err(failed)?;
    let limits = config.query_limits();
    let engine = config
        .engine(args.archive.engine.as_deref(), args.archive.no_cache)
        .map_err(refused)?;
    let rows = sandbox::execute(
        &archive,
        &extra,
        args.scope.as_deref(),
        masked,
        &limits,
        sql,
        &engine,
    )
    .await?;
    let out = args.output.out.as_deref();
    let terminal = out.is_none() && std::io::stdout().is_terminal();
    let cap = terminal.then_some(TERMINAL_ROWS);
    let catalog = match &args.archive.queries {
        Some(dir) => Catalog::with_overrides(dir).unwrap_or_default(),
        None => Catalog::builtin(),
    };
    let kinds: &[&str] = if period.is_some() {
        &["views", "quarter", "metrics", "findings"]
    } else {
        &[]
    };
    let mut about = About::new(
        "查询结果（tiexin query）",
        args.period.clone(),
        &archive,
        &catalog,
        kinds,
    );
    if let Some(f) = &args.file {
        about
            .notes
            .push(("查询语句文件".into(), f.display().to_string()));
    }
    about.notes.push(("查询语句".into(), sql.to_string()));
    if let Some(scope) = &args.scope {
        about
            .notes
            .push(("范围".into(), format!("{scope} 及其下级工会")));
    }
    let written = stream::write(rows, args.output.format, out, cap, &about).await?;
    if written.left_out > 0 {
        say!(
            "{} more rows left out (a terminal shows {TERMINAL_ROWS}): use --out FILE to get all {}",
            written.left_out, written.rows
        );
    }
    Ok(written.rows)
}

/// The loaded archive, and with a period its `metrics` and `findings` tables.
type Loaded = (
    Archive,
    Vec<(&'static str, datafusion::arrow::array::RecordBatch)>,
);

/// The archive, and with a period the period's metrics and findings computed over it;
/// with replaced query files, computed over tables already masked and cut to the scope.
async fn load(args: &QueryArgs, masked: bool, period: Option<&Period>) -> Result<Loaded> {
    let Some(period) = period else {
        let (archive, _) = super::load_archive(&args.archive)?;
        return Ok((archive, Vec::new()));
    };
    let (_, mut settings) = super::resolve(&args.archive)?;
    if settings.queries.is_some() {
        settings.masked = masked;
        settings.scope = args.scope.clone();
    }
    let s: Session = super::open_settings(&settings).await?;
    super::status("computing the metrics and findings of the period…");
    let figures = metrics::compute(&s, period).await?;
    Ok((
        s.archive,
        vec![("metrics", figures.metrics), ("findings", figures.findings)],
    ))
}
