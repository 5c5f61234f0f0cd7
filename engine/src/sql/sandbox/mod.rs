//! The sandbox of inspectors' SQL (`tiexin query`): one read-only statement
//! ([`readonly`]), over tables cut to the user's scope ([`scope`]) with personal data
//! masked ([`mask`]), within memory and time limits, written to the audit log
//! ([`audit`]) before and after it runs.

pub mod audit;
pub mod guard;
pub mod mask;
pub mod readonly;
pub mod scope;

use std::sync::Arc;

use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;

use super::cluster::{self, Engine, Remote};
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

/// A statement's rows as they are computed, so that no more than a batch is held.
pub struct Rows {
    /// The result's columns.
    pub schema: SchemaRef,
    stream: SendableRecordBatchStream,
    memory: u64,
}

impl Rows {
    /// The next batch, `None` at the end; an error says whether the statement was
    /// refused (over the memory limit) or failed.
    pub async fn next(&mut self) -> Option<std::result::Result<RecordBatch, Failure>> {
        let memory = self.memory;
        self.stream
            .next()
            .await
            .map(|r| r.map_err(|e| execution(e, memory)))
    }
}

/// Plans `sql` in a fresh context holding only the archive's tables and `extra` (cut to
/// the subtree of `scope`, personal data masked when `masked`), with DataFusion's memory
/// pool at `limits.memory`, and starts it. In a worker process ([`guard`]) the data
/// memory is capped before planning, and the supervisor times planning and execution.
pub async fn execute(
    archive: &Archive,
    extra: &[(&'static str, RecordBatch)],
    scope: Option<&str>,
    masked: bool,
    limits: &Limits,
    sql: &str,
    engine: &Engine,
) -> std::result::Result<Rows, Failure> {
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
    let remote = match engine {
        Engine::Local => None,
        Engine::Ballista {
            address,
            data,
            partitions,
        } => {
            let key = cluster::archive_key(&archive.sha256(), masked, scope, false);
            Some((
                Remote::connect(address, data, *partitions).map_err(failed)?,
                key,
            ))
        }
    };
    let remote = remote.as_ref().map(|(r, k)| (r, k.as_str()));
    let ctx = scope::context(archive, extra, members.as_ref(), masked, runtime, remote)
        .map_err(failed)?;
    guard::arm().map_err(failed)?;

    let plan = ctx
        .state()
        .create_logical_plan(sql)
        .await
        .map_err(|e| failed(planning(e)))?;
    readonly::check_plan(&plan).map_err(refused)?;
    readonly::check_depth(&plan).map_err(refused)?;
    readonly::options()
        .verify_plan(&plan)
        .map_err(|e| refused(Error::Query(format!("query refused: {}", first_line(&e)))))?;
    let df = ctx
        .sql_with_options(sql, readonly::options())
        .await
        .map_err(|e| failed(planning(e)))?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let stream = df
        .execute_stream()
        .await
        .map_err(|e| execution(e, memory))?;
    Ok(Rows {
        schema,
        stream,
        memory,
    })
}

/// The sentence of a statement stopped by the memory limit.
pub fn over_memory(memory: u64) -> Error {
    Error::Query(format!(
        "the query was stopped: it needs more than {memory} bytes of memory, the limit (query-memory-limit in the config)"
    ))
}

/// The sentence of a statement stopped by the time limit.
pub fn over_time(seconds: f64) -> Error {
    Error::Query(format!(
        "the query was stopped after {seconds} s, the time limit (query-time-limit in the config)"
    ))
}

fn first_line(e: &DataFusionError) -> String {
    e.to_string().lines().next().unwrap_or("").to_string()
}

fn planning(e: DataFusionError) -> Error {
    Error::Query(format!("the query cannot be planned: {}", first_line(&e)))
}

fn execution(e: DataFusionError, memory: u64) -> Failure {
    if matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) {
        return refused(over_memory(memory));
    }
    failed(Error::Query(format!(
        "the query failed: {}",
        first_line(&e)
    )))
}
