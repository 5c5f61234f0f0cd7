//! `tiexin query`: one read-only SQL query over the archive, audited, bounded, with
//! personal data masked and, with `--scope`, every table cut to one union's subtree
//! before the query sees it.

use std::io::{IsTerminal, Read};
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;

use super::args::QueryArgs;
use super::output;
use crate::analysis::metrics;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::Archive;
use crate::sql::sandbox::audit::{self, Entry, Log, Outcome};
use crate::sql::sandbox::{self, failed, readonly, refused, Failure};
use crate::sql::table::Tabular;
use crate::sql::{Period, Session};

/// Rows shown on a terminal; `--out` gets them all.
pub const TERMINAL_ROWS: usize = 1_000;

/// Runs `tiexin query`.
pub async fn run(args: QueryArgs) -> Result<i32> {
    let sql = read_sql(&args)?;
    let config = Config::load(args.archive.config.as_deref())?;
    let log = Log::open(config.state_folder().as_deref())?;
    let entry = Entry {
        id: audit::new_id(),
        user: crate::dirs::user(args.as_name.as_deref()),
        scope: args.scope.clone(),
        period: args.period.clone(),
        sql: sql.clone(),
    };
    log.started(&entry)?;
    let start = Instant::now();
    let result = execute(&args, &config, &sql).await;
    let ms = start.elapsed().as_millis();
    match result {
        Ok((schema, batches)) => {
            let rows = batches.iter().map(RecordBatch::num_rows).sum();
            log.completed(&entry, Outcome::Ok, None, Some(rows), ms)?;
            let mut table = Tabular::from_batches(&schema, &batches)?;
            let out = args.output.out.as_deref();
            if out.is_none() && std::io::stdout().is_terminal() {
                let left = cap(&mut table, TERMINAL_ROWS);
                output::emit(&table, args.output.format, None)?;
                if left > 0 {
                    eprintln!(
                        "{left} more rows left out (a terminal shows {TERMINAL_ROWS}): use --out FILE to get all {rows}"
                    );
                }
            } else {
                output::emit(&table, args.output.format, out)?;
            }
            Ok(0)
        }
        Err((outcome, e)) => {
            log.completed(&entry, outcome, Some(&e.to_string()), None, ms)?;
            Err(e)
        }
    }
}

/// The SQL from exactly one of: the argument, `-f FILE`, standard input.
fn read_sql(args: &QueryArgs) -> Result<String> {
    let sql = match (&args.sql, &args.file) {
        (Some(_), Some(f)) => {
            return Err(Error::Usage(format!(
                "give the SQL either as the argument or with -f {}, not both",
                f.display()
            )))
        }
        (Some(s), None) => s.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?,
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
            s
        }
    };
    if sql.trim().is_empty() {
        return Err(Error::Usage("no SQL: the query text is empty".into()));
    }
    Ok(sql)
}

/// Checks the text, loads what the query reads, and runs it in the sandbox.
async fn execute(
    args: &QueryArgs,
    config: &Config,
    sql: &str,
) -> std::result::Result<(SchemaRef, Vec<RecordBatch>), Failure> {
    readonly::check_text(sql).map_err(refused)?;
    let period: Option<Period> = match &args.period {
        Some(p) => Some(p.parse().map_err(refused)?),
        None => None,
    };
    let (archive, extra) = load(args, period.as_ref()).await.map_err(failed)?;
    let limits = config.query_limits();
    sandbox::execute(
        &archive,
        &extra,
        args.scope.as_deref(),
        !config.full_access.unwrap_or(false),
        &limits,
        sql,
    )
    .await
}

/// The loaded archive, and with a period its `metrics` and `findings` tables.
type Loaded = (Archive, Vec<(&'static str, RecordBatch)>);

async fn load(args: &QueryArgs, period: Option<&Period>) -> Result<Loaded> {
    let Some(period) = period else {
        let (archive, _) = super::load_archive(&args.archive)?;
        return Ok((archive, Vec::new()));
    };
    let (s, _): (Session, _) = super::open_session(&args.archive).await?;
    super::status("computing the metrics and findings of the period…");
    let figures = metrics::compute(&s, period).await?;
    Ok((
        s.archive,
        vec![("metrics", figures.metrics), ("findings", figures.findings)],
    ))
}

/// Keeps the first `limit` rows of `table`; returns how many were left out.
pub fn cap(table: &mut Tabular, limit: usize) -> usize {
    let left = table.rows.len().saturating_sub(limit);
    table.rows.truncate(limit);
    left
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::table::Cell;

    #[test]
    fn a_terminal_gets_at_most_the_cap() {
        let mut t = Tabular {
            columns: vec!["n".into()],
            rows: (0..1_500).map(|i| vec![Cell::Int(i)]).collect(),
        };
        assert_eq!(cap(&mut t, TERMINAL_ROWS), 500);
        assert_eq!(t.rows.len(), 1_000);
        assert_eq!(t.rows[999], vec![Cell::Int(999)]);
        let mut small = Tabular {
            columns: vec!["n".into()],
            rows: vec![vec![Cell::Int(1)]],
        };
        assert_eq!(cap(&mut small, TERMINAL_ROWS), 0);
        assert_eq!(small.rows.len(), 1);
    }
}
