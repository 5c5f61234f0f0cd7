//! `tiexin query`: one read-only SQL query over the archive, audited, bounded, with
//! personal data masked and, with `--scope`, every table cut to one union's subtree
//! before the query sees it.

use std::collections::HashSet;
use std::io::{IsTerminal, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int64Type,
    SchemaRef, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::archive::Archive;
use crate::audit::{self, Entry, Log, Outcome};
use crate::calendar;
use crate::cli::QueryArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::mask;
use crate::metrics;
use crate::output::{Cell, Tabular};
use crate::period::Period;
use crate::readonly;
use crate::session::{self, Session};

use super::subtree;

/// Memory one query may use unless the config says otherwise: 2 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 2 << 30;
/// Seconds one query may run unless the config says otherwise.
pub const DEFAULT_TIME_LIMIT: f64 = 120.0;
/// Rows shown on a terminal; `--out` gets them all.
pub const TERMINAL_ROWS: usize = 1_000;

pub async fn run(args: QueryArgs) -> Result<i32> {
    let sql = read_sql(&args)?;
    let config = Config::load(args.archive.config.as_deref())?;
    let log = Log::open(audit::state_dir(config.state_dir.as_deref()).as_deref())?;
    let entry = Entry {
        id: audit::new_id(),
        user: audit::user(args.as_name.as_deref()),
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
            let mut table = tabular(&schema, &batches)?;
            let out = args.output.out.as_deref();
            if out.is_none() && std::io::stdout().is_terminal() {
                let left = cap(&mut table, TERMINAL_ROWS);
                table.emit(args.output.format, None)?;
                if left > 0 {
                    eprintln!(
                        "{left} more rows left out (a terminal shows {TERMINAL_ROWS}): use --out FILE to get all {rows}"
                    );
                }
            } else {
                table.emit(args.output.format, out)?;
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

type Failure = (Outcome, Error);

fn refused(e: Error) -> Failure {
    (Outcome::Refused, e)
}

fn failed(e: Error) -> Failure {
    (Outcome::Failed, e)
}

/// Checks, plans and runs the query in a fresh context holding only the (scoped,
/// masked) tables.
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
    let scope = match &args.scope {
        Some(root) => Some(subtree::members(&archive, root, None).map_err(|_| {
            refused(Error::Usage(format!(
                "--scope {root}: no union with this union_id in the archive"
            )))
        })?),
        None => None,
    };
    let memory = config.query_memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT);
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(
            usize::try_from(memory).unwrap_or(usize::MAX),
        )))
        .build_arc()
        .map_err(|e| failed(e.into()))?;
    let ctx = context(
        &archive,
        &extra,
        scope.as_ref(),
        !config.full_access.unwrap_or(false),
        runtime,
    )
    .map_err(failed)?;

    let plan = ctx
        .state()
        .create_logical_plan(sql)
        .await
        .map_err(|e| failed(planning(e)))?;
    readonly::check_plan(&plan).map_err(refused)?;
    readonly::options()
        .verify_plan(&plan)
        .map_err(|e| refused(Error::Query(format!("query refused: {}", first_line(&e)))))?;
    let df = ctx
        .sql_with_options(sql, readonly::options())
        .await
        .map_err(|e| failed(planning(e)))?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());

    let seconds = config.query_time_limit.unwrap_or(DEFAULT_TIME_LIMIT);
    let limit = Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX);
    let task = tokio::spawn(df.collect());
    let abort = task.abort_handle();
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(Ok(batches))) => Ok((schema, batches)),
        Ok(Ok(Err(e))) => Err(failed(execution(e, memory))),
        Ok(Err(e)) => Err(failed(Error::Internal(format!(
            "the query task ended: {e}"
        )))),
        Err(_) => {
            abort.abort();
            Err((
                Outcome::Timeout,
                Error::Query(format!(
                    "the query was stopped after {seconds} s, the time limit (query-time-limit in the config)"
                )),
            ))
        }
    }
}

fn first_line(e: &DataFusionError) -> String {
    e.to_string().lines().next().unwrap_or("").to_string()
}

fn planning(e: DataFusionError) -> Error {
    Error::Query(format!("the query cannot be planned: {}", first_line(&e)))
}

fn execution(e: DataFusionError, memory: u64) -> Error {
    if matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) {
        return Error::Query(format!(
            "the query was stopped: it needs more than {memory} bytes of memory, the limit (query-memory-limit in the config)"
        ));
    }
    Error::Query(format!("the query failed: {}", first_line(&e)))
}

/// The loaded archive, and with a period its `metrics` and `findings` tables.
type Loaded = (Archive, Vec<(&'static str, RecordBatch)>);

async fn load(args: &QueryArgs, period: Option<&Period>) -> Result<Loaded> {
    let Some(period) = period else {
        let (archive, _) = super::load_archive(&args.archive)?;
        return Ok((archive, Vec::new()));
    };
    let s = Session::open_with(&args.archive, Arc::new(RuntimeEnv::default())).await?;
    super::status("computing the metrics and findings of the period…");
    let m = metrics::metrics_with(&s.ctx, &s.catalog, period).await?;
    let found = s
        .ctx
        .table(metrics::PERIOD_FINDINGS)
        .await?
        .collect()
        .await?;
    let f = datafusion::arrow::compute::concat_batches(&crate::findings::schema(), &found)?;
    Ok((s.archive, vec![("metrics", m), ("findings", f)]))
}

/// How a table is cut to a scope.
enum By {
    /// Its union column names a union of the subtree.
    Union(&'static str),
    /// Its household is a household of the subtree.
    Household,
    /// Its contact is a contact of the subtree.
    Contact,
}

fn scoped_by(table: &str) -> Option<By> {
    Some(match table {
        "unions" | "households" | "contacts" | "subsidies" | "disbursements" | "budgets"
        | "inspections" | "metrics" | "findings" => By::Union("union_id"),
        "visits" | "assignments" | "crosschecks" | "exits" | "requests" | "feedback" => {
            By::Household
        }
        "trainings" => By::Contact,
        _ => return None,
    })
}

fn ids(batches: &[RecordBatch], column: &str) -> Result<HashSet<String>> {
    let mut set = HashSet::new();
    for b in batches {
        let a = b.column(b.schema().index_of(column)?).as_string::<i32>();
        set.extend(a.iter().flatten().map(str::to_string));
    }
    Ok(set)
}

fn keep_rows(
    batches: &[RecordBatch],
    column: &str,
    set: &HashSet<String>,
) -> Result<Vec<RecordBatch>> {
    batches
        .iter()
        .map(|b| subtree::filter_rows(b, column, |v| set.contains(v)))
        .collect()
}

/// A context holding only the archive tables (cut to `scope`, personal data masked when
/// `masked`), `union_closure`, and the `extra` tables.
fn context(
    archive: &Archive,
    extra: &[(&'static str, RecordBatch)],
    scope: Option<&HashSet<String>>,
    masked: bool,
    runtime: Arc<RuntimeEnv>,
) -> Result<SessionContext> {
    let n = session::partitions();
    let ctx =
        SessionContext::new_with_config_rt(SessionConfig::new().with_target_partitions(n), runtime);
    let mut tables: Vec<(&str, SchemaRef, Vec<RecordBatch>)> = archive
        .tables
        .iter()
        .map(|t| (t.table.name, t.table.arrow_schema(), t.batches.clone()))
        .collect();
    let closure = metrics::union_closure(archive)?;
    tables.push(("union_closure", closure.schema(), vec![closure]));
    for (name, b) in extra {
        tables.push((name, b.schema(), vec![b.clone()]));
    }
    if let Some(unions) = scope {
        let of = |name: &str, key: &str| -> Result<HashSet<String>> {
            let (_, _, b) = tables
                .iter()
                .find(|(t, _, _)| *t == name)
                .ok_or_else(|| Error::Internal(format!("no table {name}")))?;
            ids(&keep_rows(b, "union_id", unions)?, key)
        };
        let households = of("households", "household_id")?;
        let contacts = of("contacts", "contact_id")?;
        let mut cut = Vec::with_capacity(tables.len());
        for (name, schema, batches) in tables {
            let batches = if name == "union_closure" {
                let b = keep_rows(&batches, "ancestor_id", unions)?;
                keep_rows(&b, "union_id", unions)?
            } else {
                match scoped_by(name) {
                    Some(By::Union(c)) => keep_rows(&batches, c, unions)?,
                    Some(By::Household) => keep_rows(&batches, "household_id", &households)?,
                    Some(By::Contact) => keep_rows(&batches, "contact_id", &contacts)?,
                    // A table without a scope rule is not offered under --scope.
                    None => continue,
                }
            };
            cut.push((name, schema, batches));
        }
        tables = cut;
    }
    for (name, schema, batches) in tables {
        let batches = if masked {
            batches
                .iter()
                .map(|b| mask::mask_batch(name, b))
                .collect::<Result<Vec<_>>>()?
        } else {
            batches
        };
        let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); n.max(1)];
        for (i, b) in batches.into_iter().enumerate() {
            parts[i % n.max(1)].push(b);
        }
        ctx.register_table(name, Arc::new(MemTable::try_new(schema, parts)?))?;
    }
    Ok(ctx)
}

/// Keeps the first `limit` rows of `table`; returns how many were left out.
pub fn cap(table: &mut Tabular, limit: usize) -> usize {
    let left = table.rows.len().saturating_sub(limit);
    table.rows.truncate(limit);
    left
}

/// Any query result as cells: integers, text, dates as `YYYY-MM-DD`, decimals and
/// floats written plainly (never with an exponent), NULL as [`Cell::Null`].
pub fn tabular(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Tabular> {
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut rows = Vec::new();
    for b in batches {
        let cols: Vec<Vec<Cell>> = b.columns().iter().map(cells).collect::<Result<Vec<_>>>()?;
        for r in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| c[r].clone()).collect());
        }
    }
    Ok(Tabular { columns, rows })
}

fn plain_float(v: f64) -> Cell {
    if v.is_finite() {
        Cell::Decimal(format!("{v}"))
    } else {
        Cell::Text(format!("{v}"))
    }
}

fn cells(a: &ArrayRef) -> Result<Vec<Cell>> {
    let n = a.len();
    let each = |f: &dyn Fn(usize) -> Cell| -> Vec<Cell> {
        (0..n)
            .map(|r| if a.is_null(r) { Cell::Null } else { f(r) })
            .collect()
    };
    Ok(match a.data_type() {
        DataType::Null => vec![Cell::Null; n],
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let s = cast(a, &DataType::Utf8)?;
            let s = s.as_string::<i32>();
            each(&|r| Cell::Text(s.value(r).to_string()))
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
            let i = cast(a, &DataType::Int64)?;
            let i = i.as_primitive::<Int64Type>();
            each(&|r| Cell::Int(i.value(r)))
        }
        DataType::UInt64 => {
            let u = a.as_primitive::<UInt64Type>();
            each(&|r| {
                let v = u.value(r);
                i64::try_from(v)
                    .map(Cell::Int)
                    .unwrap_or(Cell::Decimal(v.to_string()))
            })
        }
        DataType::Float64 => {
            let f = a.as_primitive::<Float64Type>();
            each(&|r| plain_float(f.value(r)))
        }
        DataType::Float32 => {
            let f = a.as_primitive::<Float32Type>();
            each(&|r| {
                let v = f.value(r);
                if v.is_finite() {
                    Cell::Decimal(format!("{v}"))
                } else {
                    Cell::Text(format!("{v}"))
                }
            })
        }
        DataType::Decimal128(_, _) => {
            let d = a.as_primitive::<Decimal128Type>();
            each(&|r| Cell::Decimal(d.value_as_string(r)))
        }
        DataType::Date32 => {
            let d = a.as_primitive::<Date32Type>();
            each(&|r| Cell::Text(calendar::iso(d.value(r))))
        }
        DataType::Date64 => {
            let d = a.as_primitive::<Date64Type>();
            each(&|r| Cell::Text(calendar::iso(d.value(r).div_euclid(86_400_000) as i32)))
        }
        DataType::Boolean => {
            let b = a.as_boolean();
            each(&|r| Cell::Text(b.value(r).to_string()))
        }
        _ => {
            let f = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())?;
            each(&|r| Cell::Text(f.value(r).to_string()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn floats_never_use_an_exponent() {
        assert_eq!(plain_float(1e-7), Cell::Decimal("0.0000001".into()));
        assert_eq!(
            plain_float(1e21),
            Cell::Decimal("1000000000000000000000".into())
        );
    }
}
