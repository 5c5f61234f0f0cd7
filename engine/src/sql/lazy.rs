//! A view of `queries/views/` planned when the session opens and computed on its first
//! read, then kept for the session. A run whose figures are all kept on disk
//! ([`crate::sql::kept`]) never reads a view, so it never computes one; any other run
//! computes each view once, as before, and every query reading it sees the same rows.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session as PlanningSession, TableProvider};
use datafusion::dataframe::DataFrame;
use datafusion::datasource::{MemTable, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::{collect_partitioned, ExecutionPlan};
use tokio::sync::OnceCell;

use super::run::report_time;

/// A view computed on first read (see the module's documentation).
pub struct Lazy {
    /// The query file (and its replacement), for errors.
    path: String,
    schema: SchemaRef,
    frame: DataFrame,
    rows: OnceCell<MemTable>,
}

impl fmt::Debug for Lazy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy")
            .field("path", &self.path)
            .field("computed", &self.rows.initialized())
            .finish()
    }
}

impl Lazy {
    /// The view `frame` (planned, not run) of the query file `path`.
    pub fn new(path: String, frame: DataFrame) -> Lazy {
        Lazy {
            path,
            schema: Arc::new(frame.schema().as_arrow().clone()),
            frame,
            rows: OnceCell::new(),
        }
    }

    /// The view's rows, computed now if no query has read them yet.
    async fn rows(&self, state: &dyn PlanningSession) -> Result<&MemTable> {
        self.rows
            .get_or_try_init(|| async {
                let failed =
                    |e: DataFusionError| DataFusionError::Execution(format!("{}: {e}", self.path));
                let started = Instant::now();
                let plan = self
                    .frame
                    .clone()
                    .create_physical_plan()
                    .await
                    .map_err(failed)?;
                let parts = collect_partitioned(plan, state.task_ctx())
                    .await
                    .map_err(failed)?;
                report_time(started, "view", &self.path);
                // The rows under the schema the view was planned with (the physical plan
                // may tell nullability otherwise); a NULL where the plan promised none is
                // an error, not a row let through.
                let parts = parts
                    .into_iter()
                    .map(|part| {
                        part.into_iter()
                            .map(|b| {
                                RecordBatch::try_new(self.schema.clone(), b.columns().to_vec())
                            })
                            .collect::<std::result::Result<Vec<_>, _>>()
                    })
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| failed(e.into()))?;
                MemTable::try_new(self.schema.clone(), parts).map_err(failed)
            })
            .await
    }
}

#[async_trait]
impl TableProvider for Lazy {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn PlanningSession,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.rows(state)
            .await?
            .scan(state, projection, filters, limit)
            .await
    }
}
