//! The generic runner: a [`Scope`] is one computation's own DataFusion context. It sees
//! the session's tables (the archive, `union_closure`, the views) and whatever the
//! computation registers in it, which no other computation sees. So a result is a value
//! passed along, never a table left behind for a later call to rely on.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::ParamValues;
use datafusion::datasource::MemTable;
use datafusion::prelude::{DataFrame, SessionContext};
use datafusion::scalar::ScalarValue;

use tokio::sync::Semaphore;

use super::catalog::{Catalog, Query};
use super::cluster::Remote;
use super::period::Period;
use super::sandbox::readonly;
use crate::error::{Error, Result};

/// One computation's context: the session's tables plus its own.
pub struct Scope {
    ctx: SessionContext,
    catalog: Catalog,
    /// On a cluster, where this scope's own tables are written for the executors.
    remote: Option<Arc<Remote>>,
    /// In a scope of lanes ([`crate::sql::Session::lanes`]), the turns its queries
    /// take, each query planned for one core.
    lanes: Option<Arc<Semaphore>>,
}

impl Scope {
    /// A new context holding `tables` (shared, not copied), running `catalog`'s SQL;
    /// with `lanes`, each query planned for one core and run holding one of them.
    pub(crate) fn new(
        base: &SessionContext,
        tables: &[(String, Arc<dyn TableProvider>)],
        catalog: &Catalog,
        remote: Option<Arc<Remote>>,
        lanes: Option<Arc<Semaphore>>,
    ) -> Result<Scope> {
        let config = match &lanes {
            Some(_) => base.copied_config().with_target_partitions(1),
            None => base.copied_config(),
        };
        let ctx = match &remote {
            Some(r) => r.context(config, base.runtime_env())?,
            None => SessionContext::new_with_config_rt(config, base.runtime_env()),
        };
        for (name, t) in tables {
            ctx.register_table(name.as_str(), t.clone())?;
        }
        Ok(Scope {
            ctx,
            catalog: catalog.clone(),
            remote,
            lanes,
        })
    }

    /// Runs `work` (a query's execution) as a task of the query threads ([`pool`]),
    /// holding a lane in a scope of lanes, so that queries awaited together run side by
    /// side on the cores. The task is stopped when the returned future is dropped (a
    /// query past its time limit, a page's computation given up), as the query itself
    /// would be. Also gives the seconds the query ran, from its lane to its end.
    async fn executed<T, F>(&self, work: F) -> Result<(T, f64)>
    where
        T: Send + 'static,
        F: std::future::Future<Output = T> + Send + 'static,
    {
        let _lane = match &self.lanes {
            Some(lanes) => Some(
                lanes
                    .acquire()
                    .await
                    .map_err(|e| Error::Internal(format!("waiting for a lane: {e}")))?,
            ),
            None => None,
        };
        let ran = Instant::now();
        let out = Stopping(pool()?.spawn(work)).await?;
        Ok((out, ran.elapsed().as_secs_f64()))
    }

    /// The DataFusion context (for ad-hoc SQL in tests and benchmarks).
    pub fn ctx(&self) -> &SessionContext {
        &self.ctx
    }

    /// Registers `batch` as the table `name` of this scope, replacing one of that name.
    pub fn register(&self, name: &str, batch: RecordBatch) -> Result<()> {
        let schema = batch.schema();
        self.register_parts(name, schema, vec![vec![batch]])
    }

    /// Registers partitioned batches as the table `name`, replacing one of that name.
    pub fn register_parts(
        &self,
        name: &str,
        schema: SchemaRef,
        parts: Vec<Vec<RecordBatch>>,
    ) -> Result<()> {
        // In-memory tables do not travel: on a cluster the rows go to the scratch folder.
        let table: Arc<dyn TableProvider> = match &self.remote {
            Some(r) => r.scratch(name, schema, &parts)?,
            None => Arc::new(MemTable::try_new(schema, parts)?),
        };
        self.replace(name, table)
    }

    fn replace(&self, name: &str, table: Arc<dyn TableProvider>) -> Result<()> {
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, table)?;
        Ok(())
    }

    /// Plans one query of the catalogue with `params` bound, naming its file in any
    /// error. Every query runs under the rules of `tiexin query`: planned with the
    /// read-only options, and its whole plan (subqueries included) checked, so a
    /// replaced file cannot write, define or read a file.
    pub async fn plan(&self, q: &'static Query, params: Option<ParamValues>) -> Result<DataFrame> {
        let name = || match self.catalog.replacement(q) {
            Some(r) => format!("{} (replaced by {})", q.path(), r.path.display()),
            None => q.path(),
        };
        let named =
            |e: datafusion::error::DataFusionError| Error::Query(format!("{}: {e}", name()));
        let df = self
            .ctx
            .sql_with_options(self.catalog.sql(q), readonly::options())
            .await
            .map_err(|e| match e {
                datafusion::error::DataFusionError::Plan(m) if m.contains("not supported") => {
                    Error::Query(format!("{}: query refused: {m}", name()))
                }
                e => named(e),
            })?;
        readonly::check_plan(df.logical_plan())
            .map_err(|e| Error::Query(format!("{}: {e}", name())))?;
        match params {
            Some(p) => df.with_param_values(p).map_err(named),
            None => Ok(df),
        }
    }

    /// Runs one query to a single batch (empty when it gives no row).
    pub async fn collect(
        &self,
        q: &'static Query,
        params: Option<ParamValues>,
    ) -> Result<RecordBatch> {
        let started = Instant::now();
        let df = self.plan(q, params).await?;
        let planned: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let (batches, ran) = self.executed(df.collect()).await?;
        let batches = batches.map_err(|e| Error::Query(format!("{}: {e}", q.path())))?;
        // The batches' own schema: a string column may come out as Utf8View where the
        // plan says Utf8 (string concatenation in a UNION, say).
        let schema = batches.first().map(|b| b.schema()).unwrap_or(planned);
        report_ran(started, Some(ran), "collected", &q.path());
        Ok(concat_batches(&schema, &batches)?)
    }

    /// Runs `q` and registers its result, kept in memory and partitioned as computed,
    /// as the table named after the file (for the queries after it in this scope).
    pub async fn materialize(&self, q: &'static Query, params: Option<ParamValues>) -> Result<()> {
        self.materialize_as(q.name, q, params).await
    }

    /// [`Scope::materialize`] under another name.
    pub async fn materialize_as(
        &self,
        name: &str,
        q: &'static Query,
        params: Option<ParamValues>,
    ) -> Result<()> {
        let failed =
            |e: datafusion::error::DataFusionError| Error::Query(format!("{}: {e}", q.path()));
        let started = Instant::now();
        let df = self.plan(q, params).await?;
        let plan = df.create_physical_plan().await.map_err(failed)?;
        let schema = plan.schema();
        let (parts, ran) = self
            .executed(datafusion::physical_plan::collect_partitioned(
                plan,
                self.ctx.task_ctx(),
            ))
            .await?;
        let parts = parts.map_err(failed)?;
        report_ran(started, Some(ran), "table", &q.path());
        // A cluster's result comes back as one partition: split it as the cluster's
        // work is, one scratch file per partition.
        let parts = match &self.remote {
            Some(r) => super::session::split(&parts.concat(), r.partitions()),
            None => parts,
        };
        self.register_parts(name, schema, parts)
    }

    /// Registers `q` as a view under `name`: planned now, computed where it is read.
    /// On a cluster it is computed now, as a job of its own, and its rows go to the
    /// scratch folder: a query joining several such views (metrics.sql joins eight)
    /// then reaches the scheduler as one small plan per view and a join of their
    /// results, instead of one plan holding them all, which the scheduler's
    /// distribution planning does not finish.
    pub async fn view(
        &self,
        name: &str,
        q: &'static Query,
        params: Option<ParamValues>,
    ) -> Result<()> {
        if self.remote.is_some() {
            return self.materialize_as(name, q, params).await;
        }
        let df = self.plan(q, params).await?;
        self.replace(name, df.into_view())
    }
}

/// The threads the queries run on, one per core, apart from the caller's: a query
/// holds its thread until it ends (DataFusion's operators over in-memory tables do not
/// yield), so on the threads that also serve pages and fire timers it held them up (the
/// console's background work heard a page ask for the cores 0.7 s late).
fn pool() -> Result<&'static tokio::runtime::Handle> {
    static POOL: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    let built = POOL.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(super::session::partitions())
            .thread_name("tiexin-query")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match built {
        Ok(rt) => Ok(rt.handle()),
        Err(e) => Err(Error::Internal(format!(
            "cannot start the query threads: {e}"
        ))),
    }
}

/// A spawned task, aborted when dropped before it finished.
struct Stopping<T>(tokio::task::JoinHandle<T>);

impl<T> std::future::Future for Stopping<T> {
    type Output = Result<T>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map_err(|e| Error::Internal(format!("a query's task: {e}"))))
    }
}

impl<T> Drop for Stopping<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// With `TIEXIN_QUERY_TIMES` set, writes to standard error the seconds a query took
/// since `started`, what became of its rows (collected, registered as a table, or a view's
/// rows) and its file. A view is computed inside the first query that reads it, so
/// that query's time includes the view's (docs/performance.md).
pub(crate) fn report_time(started: Instant, what: &str, path: &str) {
    report_ran(started, None, what, path);
}

/// [`report_time`], with the seconds the query itself ran (`ran`) apart from waiting
/// for its lane, when known.
fn report_ran(started: Instant, ran: Option<f64>, what: &str, path: &str) {
    if std::env::var_os("TIEXIN_QUERY_TIMES").is_some() {
        let ran = ran.map_or(String::new(), |r| format!("  (ran {r:.3} s)"));
        eprintln!(
            "query time {:7.3} s  {what:<9}  {path}{ran}",
            started.elapsed().as_secs_f64()
        );
    }
}

/// The parameters of `period` as of `cut` ([`Period::params_until`]) plus `$union`.
pub fn with_union(period: &Period, cut: i32, union: &str) -> ParamValues {
    with_text_until(period, cut, "union", union)
}

/// The parameters of `period` plus the text parameter `$name`.
pub fn with_text(period: &Period, name: &str, value: &str) -> ParamValues {
    with_text_until(period, period.last_day(), name, value)
}

/// The parameters of `period` as of `cut` plus the text parameter `$name`.
fn with_text_until(period: &Period, cut: i32, name: &str, value: &str) -> ParamValues {
    let mut map = match period.params_until(cut) {
        ParamValues::Map(m) => m,
        ParamValues::List(_) => Default::default(),
    };
    map.insert(
        name.to_string(),
        ScalarValue::Utf8(Some(value.to_string())).into(),
    );
    ParamValues::Map(map)
}

/// Fails, naming the file, when a query's result does not have exactly `expected` columns.
pub fn check_columns(batch: &RecordBatch, q: &Query, expected: &[&str]) -> Result<()> {
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    if names == expected {
        return Ok(());
    }
    Err(Error::Query(format!(
        "{} gives the columns {} instead of {}",
        q.path(),
        names.join(", "),
        expected.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A query's task on the query threads stops when the future awaiting it is
    /// dropped (a page given up, a time limit), and runs to its end when awaited.
    #[tokio::test]
    async fn a_query_task_dropped_before_its_end_is_stopped() {
        let run = |done: Arc<AtomicBool>| {
            super::Stopping(super::pool().unwrap().spawn(async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                done.store(true, Ordering::SeqCst);
            }))
        };
        let dropped = Arc::new(AtomicBool::new(false));
        let given_up = tokio::time::timeout(Duration::from_millis(20), run(dropped.clone())).await;
        assert!(given_up.is_err());
        let awaited = Arc::new(AtomicBool::new(false));
        run(awaited.clone()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(awaited.load(Ordering::SeqCst));
        assert!(!dropped.load(Ordering::SeqCst));
    }
}
