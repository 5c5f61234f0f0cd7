//! A view of `queries/views/` planned when the session opens and computed on its first
//! read, then kept for the session. A run whose figures are all kept on disk
//! ([`crate::sql::kept`]) never reads a view, so it never computes one; any other run
//! computes each view once, as before, and every query reading it sees the same rows.
//! With a cache folder, a view's rows are also kept there on disk, under the key of
//! every kept result (the archive's files, all the SQL, the cut, this tiexin's code:
//! [`Kept`]), and read back memory-mapped by the next session over the same archive,
//! SQL and cut: the views depend on nothing else (no period, no parameter).

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

use super::kept::Kept;
use super::run::report_time;
use super::session::split;

/// A view computed on first read (see the module's documentation).
pub struct Lazy {
    /// The query file (and its replacement), for errors.
    path: String,
    schema: SchemaRef,
    frame: DataFrame,
    rows: OnceCell<MemTable>,
    /// Where the rows are kept on disk between sessions, and under which key.
    stored: Option<(Arc<Kept>, String)>,
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
            stored: None,
        }
    }

    /// The same view, its rows kept in `kept` under the view's file name.
    pub fn kept_in(self, kept: Arc<Kept>, key: String) -> Lazy {
        Lazy {
            stored: Some((kept, key)),
            ..self
        }
    }

    /// The view's rows, computed now if no query has read them yet.
    async fn rows(&self, state: &dyn PlanningSession) -> Result<&MemTable> {
        self.rows
            .get_or_try_init(|| async {
                let failed =
                    |e: DataFusionError| DataFusionError::Execution(format!("{}: {e}", self.path));
                let started = Instant::now();
                if let Some((kept, key)) = &self.stored {
                    if let Some(batches) = kept.get_batches(key, &self.schema) {
                        report_time(started, "view kept", &self.path);
                        let parts = split(&batches, state.config().target_partitions());
                        return MemTable::try_new(self.schema.clone(), parts).map_err(failed);
                    }
                }
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
                if let Some((kept, key)) = &self.stored {
                    let all: Vec<RecordBatch> = parts.iter().flatten().cloned().collect();
                    kept.put_batches(key, &self.schema, &all);
                }
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

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::path::{Path, PathBuf};

    use datafusion::arrow::array::{AsArray, RecordBatch};
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::arrow::ipc::reader::FileReader;
    use datafusion::arrow::ipc::writer::FileWriter;

    use crate::sql::session::{Session, Settings};
    use crate::sql::{catalog, Period};

    /// 2026Q3's visit compliance of the sample, in a session over `cache`.
    async fn compliance(cache: &Path) -> RecordBatch {
        let settings = Settings {
            archive: Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
            cache_dir: Some(cache.to_path_buf()),
            ..Default::default()
        };
        let s = Session::open(&settings, &crate::ingest::Quiet)
            .await
            .unwrap();
        let q = Period::quarter(2026, 3);
        let vc = catalog::get("metrics", "visit_compliance").unwrap();
        s.scope()
            .unwrap()
            .collect(vc, Some(q.params()))
            .await
            .unwrap()
    }

    fn total(batch: &RecordBatch, column: &str) -> i64 {
        let c = batch.column_by_name(column).unwrap();
        c.as_primitive::<Int64Type>().iter().flatten().sum()
    }

    /// The kept file of `valid_visit.sql` (the one with its three columns).
    fn valid_visit(views: &Path) -> PathBuf {
        std::fs::read_dir(views)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let schema = FileReader::try_new(File::open(p).unwrap(), None)
                    .unwrap()
                    .schema();
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                names == ["visit_key", "household_key", "visited_on"]
            })
            .expect("no kept valid_visit")
    }

    /// A view computed in one session is kept in the cache folder and read back by the
    /// next session over the same archive, which gives the same figures; what is kept
    /// is what is read (kept without rows, no household was visited), and a damaged
    /// file is computed again.
    #[tokio::test]
    async fn a_kept_view_is_read_back_by_the_next_session() {
        let cache = tempfile::tempdir().unwrap();
        let first = compliance(cache.path()).await;
        assert!(total(&first, "visited") > 0);
        let views = cache.path().join("views");
        // valid_visit, household_span and the household_exit it reads.
        assert_eq!(std::fs::read_dir(&views).unwrap().count(), 3);
        assert_eq!(compliance(cache.path()).await, first);

        let path = valid_visit(&views);
        let schema = FileReader::try_new(File::open(&path).unwrap(), None)
            .unwrap()
            .schema();
        let mut w = FileWriter::try_new(File::create(&path).unwrap(), &schema).unwrap();
        w.finish().unwrap();
        let read = compliance(cache.path()).await;
        assert_eq!(total(&read, "due"), total(&first, "due"));
        assert_eq!(total(&read, "visited"), 0);

        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(compliance(cache.path()).await, first);
        assert!(std::fs::metadata(&path).unwrap().len() > bytes.len() as u64);
    }
}
