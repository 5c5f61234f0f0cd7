//! The sandbox of inspectors' SQL (`tiexin query`): one read-only statement
//! ([`readonly`]), over tables cut to the user's scope ([`scope`]) with personal data
//! masked ([`mask`]), within memory and time limits, written to the audit log
//! ([`audit`]) before and after it runs.

pub mod audit;
pub mod mask;
pub mod readonly;
pub mod scope;

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;

use super::tree;
use crate::error::Error;
use crate::ingest::Archive;
use audit::Outcome;

/// Memory one query may use unless the config says otherwise: 2 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 2 << 30;
/// Seconds one query may run unless the config says otherwise.
pub const DEFAULT_TIME_LIMIT: f64 = 120.0;
/// The limits of one query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Bytes of memory the query may use.
    pub memory: u64,
    /// Seconds the query may run.
    pub seconds: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory: DEFAULT_MEMORY_LIMIT,
            seconds: DEFAULT_TIME_LIMIT,
        }
    }
}

/// Why a query did not give rows: its audit outcome and the error.
pub type Failure = (Outcome, Error);

/// A query refused (not read-only, out of scope, …).
pub fn refused(e: Error) -> Failure {
    (Outcome::Refused, e)
}

/// A query that failed while it ran.
pub fn failed(e: Error) -> Failure {
    (Outcome::Failed, e)
}

/// Plans and runs `sql` in a fresh context holding only the archive's tables and
/// `extra` (cut to the subtree of `scope`, personal data masked when `masked`), within
/// `limits`.
pub async fn execute(
    archive: &Archive,
    extra: &[(&'static str, RecordBatch)],
    scope: Option<&str>,
    masked: bool,
    limits: &Limits,
    sql: &str,
) -> std::result::Result<(SchemaRef, Vec<RecordBatch>), Failure> {
    let members = match scope {
        Some(root) => Some(tree::members(archive, root, None).map_err(|_| {
            refused(Error::Usage(format!(
                "--scope {root}: no union with this union_id in the archive"
            )))
        })?),
        None => None,
    };
    let memory = limits.memory;
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(
            usize::try_from(memory).unwrap_or(usize::MAX),
        )))
        .build_arc()
        .map_err(|e| failed(e.into()))?;
    let ctx = scope::context(archive, extra, members.as_ref(), masked, runtime).map_err(failed)?;

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

    let seconds = limits.seconds;
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
