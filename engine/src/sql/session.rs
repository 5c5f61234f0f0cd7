//! A working session: the validated archive registered in DataFusion, with the union
//! closure and the shared views of `queries/views/` computed once. Every computation
//! then runs in its own [`Scope`] over these tables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{SessionConfig, SessionContext};
use tokio::sync::{OnceCell, Semaphore};

use super::catalog::{self, Catalog};
use super::cluster::{self, Engine, Remote};
use super::kept::Kept;
use super::keys;
use super::lazy::Lazy;
use super::run::Scope;
use super::sandbox::{guard, scope};
use super::tree;
use crate::error::Result;
use crate::ingest::archive::sha256_bytes;
use crate::ingest::{Archive, LoadOptions, Progress};

/// Where a session's archive and queries come from (resolved from the command line
/// and the configuration by the caller).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The archive folder.
    pub archive: PathBuf,
    /// The validated cache's folder; `None` reads every file afresh.
    pub cache_dir: Option<PathBuf>,
    /// A folder of `.sql` files replacing the built-in ones of the same name.
    pub queries: Option<PathBuf>,
    /// Whether ID numbers and phones are masked in the tables every query reads (so a
    /// replaced query file cannot print them).
    pub masked: bool,
    /// The union whose subtree every table is cut to before any query reads it.
    pub scope: Option<String>,
    /// Where the queries run: here, or on a Ballista cluster.
    pub engine: Engine,
}

/// What the tables of a session are restricted to.
#[derive(Debug, Clone, Default)]
struct Restriction {
    masked: bool,
    scope: Option<String>,
}

/// An archive loaded and registered, with the shared tables prepared.
pub struct Session {
    /// The validated archive.
    pub archive: Archive,
    /// The SQL the session runs.
    pub catalog: Catalog,
    /// The context holding the session's tables (archive, `union_closure`, views).
    pub ctx: SessionContext,
    tables: Vec<(String, Arc<dyn TableProvider>)>,
    /// Results kept for the session's lifetime, by a key naming what computed them.
    memo: Mutex<HashMap<String, RecordBatch>>,
    /// The same results kept on disk between runs (when the session has a cache folder).
    kept: Option<Kept>,
    /// The cluster the queries run on (`--engine ballista://…`), if any.
    remote: Option<Arc<Remote>>,
    /// One lane per core for the queries of scopes of lanes ([`Session::lanes`]).
    lanes: Arc<Semaphore>,
    /// The computations under way by key ([`Session::remembered_or`]), so that two asking for
    /// the same rows at once compute them once.
    flights: Mutex<HashMap<String, Arc<OnceCell<RecordBatch>>>>,
}

/// How many partitions DataFusion works with: one per core.
pub fn partitions() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

impl Session {
    /// Loads the archive of `settings` (reporting to `progress`) and prepares it.
    pub async fn open(settings: &Settings, progress: &dyn Progress) -> Result<Session> {
        Session::open_with(settings, progress, Arc::new(RuntimeEnv::default())).await
    }

    /// [`Session::open`] with a given runtime (memory limits, …).
    pub async fn open_with(
        settings: &Settings,
        progress: &dyn Progress,
        runtime: Arc<RuntimeEnv>,
    ) -> Result<Session> {
        let opts = LoadOptions {
            cache_dir: settings.cache_dir.clone(),
        };
        let archive = Archive::load(&settings.archive, &opts, progress)?;
        if settings.queries.is_some() {
            // Replaced query files are user-supplied SQL: bounded like `tiexin query`
            // from here on (in a worker process; elsewhere this does nothing).
            guard::arm()?;
        }
        let rejected = archive.rejected();
        if rejected > 0 {
            progress.warn(&format!(
                "{rejected} rows of the archive were rejected and are left out of every figure (tiexin validate --rejects FILE lists them)"
            ));
        }
        progress.status("preparing the union tree and shared views…");
        let catalog = match &settings.queries {
            Some(dir) => Catalog::with_overrides(dir)?,
            None => Catalog::builtin(),
        };
        let restriction = Restriction {
            masked: settings.masked,
            scope: settings.scope.clone(),
        };
        let cut = format!(
            "masked {} scope {:?}",
            restriction.masked, restriction.scope
        );
        let (kept, remote) = match &settings.engine {
            Engine::Local => {
                let kept = settings.cache_dir.as_ref().map(|dir| {
                    let sql: String = catalog::all()
                        .map(|q| format!("{}\n{}\n", q.path(), catalog.sql(q)))
                        .collect();
                    Kept::new(&dir.join("results"), &[&archive.sha256(), &sql, &cut])
                });
                (kept, None)
            }
            // A cluster run computes every figure (nothing kept is read or written), so
            // that its figures are the cluster's own.
            Engine::Ballista {
                address,
                data,
                partitions,
            } => {
                progress.status(&format!(
                    "connecting to the Ballista scheduler at {address}…"
                ));
                let remote = Remote::connect(address, data, *partitions)?;
                let key = cluster::archive_key(
                    &archive.sha256(),
                    restriction.masked,
                    restriction.scope.as_deref(),
                    true,
                );
                (None, Some((Arc::new(remote), key)))
            }
        };
        let keys = settings.cache_dir.as_deref();
        Session::prepare(archive, catalog, runtime, &restriction, kept, remote, keys).await
    }

    /// A session over an archive already loaded.
    pub async fn from_archive(archive: Archive, catalog: Catalog) -> Result<Session> {
        let runtime = Arc::new(RuntimeEnv::default());
        Session::prepare(
            archive,
            catalog,
            runtime,
            &Restriction::default(),
            None,
            None,
            None,
        )
        .await
    }

    /// Registers the archive's tables and `union_closure`, then computes the views of
    /// `queries/views/` once (in order: each may read the ones before it).
    async fn prepare(
        archive: Archive,
        catalog: Catalog,
        runtime: Arc<RuntimeEnv>,
        restriction: &Restriction,
        kept: Option<Kept>,
        remote: Option<(Arc<Remote>, String)>,
        keys_dir: Option<&Path>,
    ) -> Result<Session> {
        let n = partitions();
        let config = SessionConfig::new().with_target_partitions(n);
        let ctx = match &remote {
            Some((r, _)) => r.context(config, runtime)?,
            None => SessionContext::new_with_config_rt(config, runtime),
        };
        let mut given = keys::keyed(&archive, keys_dir)?;
        if let Some(root) = &restriction.scope {
            given = scope::cut(given, &tree::members(&archive, root, None)?)?;
        }
        if restriction.masked {
            given = scope::masked(given)?;
        }
        let mut tables: Vec<(String, Arc<dyn TableProvider>)> = Vec::new();
        if let Some((r, key)) = &remote {
            // The executors read the very tables this session would hold, as Parquet.
            tables = r.publish(key, &given)?;
            given = Vec::new();
        }
        for (name, schema, batches) in given {
            // The tree's tables are small: one partition.
            let parts = if name == "union_closure" || name == "union_root" {
                vec![batches]
            } else {
                split(&batches, n)
            };
            tables.push((
                name.to_string(),
                Arc::new(MemTable::try_new(schema, parts)?),
            ));
        }
        let published = remote.as_ref().map(|(_, key)| key.clone());
        let mut session = Session {
            archive,
            catalog,
            ctx,
            tables,
            memo: Mutex::new(HashMap::new()),
            kept,
            remote: remote.map(|(r, _)| r),
            lanes: Arc::new(Semaphore::new(n)),
            flights: Mutex::new(HashMap::new()),
        };
        // The views do not depend on the period: each is planned here (in order: each
        // may read the ones before it), computed on its first read and kept in memory,
        // so the many queries that read them do not recompute their joins, and a run
        // whose figures are all kept on disk computes none. With a cache folder each is
        // also kept there (folder `views`, [`Lazy`]): the next run over the same
        // archive, SQL and cut reads it back instead of computing it again.
        let mut view_key = String::new();
        let stored = session.kept.as_ref().map(|k| Arc::new(k.beside("views")));
        for q in catalog::VIEWS {
            let frame = session.scope()?.plan(q, None).await?;
            let path = match session.catalog.replacement(q) {
                Some(r) => format!("{} (replaced by {})", q.path(), r.path.display()),
                None => q.path(),
            };
            let table: Arc<dyn TableProvider> = match (&session.remote, &published) {
                // On a cluster a view is computed there once per archive and SQL, and its
                // rows published beside the archive's tables: inlined as plans, the
                // views nest into plans the scheduler takes minutes to split.
                (Some(r), Some(key)) => {
                    view_key = sha256_bytes(
                        format!(
                            "{key}\n{view_key}\n{}\n{}",
                            q.path(),
                            session.catalog.sql(q)
                        )
                        .as_bytes(),
                    );
                    let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
                    match r.view(&view_key, &schema)? {
                        Some(t) => t,
                        None => {
                            let rows = session.scope()?.collect(q, None).await?;
                            r.publish_view(&view_key, &schema, &[rows])?
                        }
                    }
                }
                _ => {
                    let lazy = Lazy::new(path, frame);
                    Arc::new(match &stored {
                        Some(kept) => lazy.kept_in(kept.clone(), q.path()),
                        None => lazy,
                    })
                }
            };
            session.tables.push((q.name.to_string(), table));
        }
        for (name, t) in &session.tables {
            session.ctx.register_table(name.as_str(), t.clone())?;
        }
        Ok(session)
    }

    /// A result kept by [`Session::remember`] under `key`, in this session or (with a
    /// cache folder) by an earlier run over the same files, SQL and code
    /// ([`crate::sql::kept`]). The session's tables and SQL never change, so a
    /// computation named by the same key gives the same rows.
    pub fn remembered(&self, key: &str) -> Option<RecordBatch> {
        if let Some(b) = self.memo.lock().ok()?.get(key) {
            return Some(b.clone());
        }
        let batch = self.kept.as_ref()?.get(key)?;
        self.memo
            .lock()
            .ok()?
            .insert(key.to_string(), batch.clone());
        Some(batch)
    }

    /// Keeps `batch` under `key` (a name of the computation and every parameter it ran
    /// with): for the session's lifetime, and on disk when the session has a cache
    /// folder.
    pub fn remember(&self, key: String, batch: &RecordBatch) {
        if let Some(kept) = &self.kept {
            kept.put(&key, batch);
        }
        if let Ok(mut m) = self.memo.lock() {
            m.insert(key, batch.clone());
        }
    }

    /// A new scope for one computation, over the session's tables.
    pub fn scope(&self) -> Result<Scope> {
        self.scope_in(None)
    }

    /// A new scope whose queries are each planned for one core and run on one of the
    /// session's lanes (one per core), for computations that await many queries at
    /// once: the rules of a quarter, of the quarters a page needs, the chart's quarters.
    /// (`findings --period 2025Q1` at 1M took 2.83 s of CPU on one core, 3.97 s with
    /// each query spread over two; docs/performance.md.) On a cluster it is an ordinary
    /// scope: the cluster spreads each query.
    pub fn lanes(&self) -> Result<Scope> {
        let lanes = match self.remote {
            Some(_) => None,
            None => Some(self.lanes.clone()),
        };
        self.scope_in(lanes)
    }

    /// A scope over the session's tables, taking turns on `lanes` if any.
    fn scope_in(&self, lanes: Option<Arc<Semaphore>>) -> Result<Scope> {
        Scope::new(
            &self.ctx,
            &self.tables,
            &self.catalog,
            self.remote.clone(),
            lanes,
        )
    }

    /// The rows kept under `key` ([`Session::remembered`]), or else those `compute`
    /// gives, kept under `key` ([`Session::remember`]); while one caller computes them,
    /// another asking for the same key waits for its rows instead of computing them too
    /// (a page's period and the period before it both need the quarter between's rules).
    pub async fn remembered_or<F, Fut>(&self, key: String, compute: F) -> Result<RecordBatch>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<RecordBatch>>,
    {
        if let Some(batch) = self.remembered(&key) {
            return Ok(batch);
        }
        let cell = match self.flights.lock() {
            Ok(mut f) => f.entry(key.clone()).or_default().clone(),
            Err(_) => Arc::new(OnceCell::new()),
        };
        let done = cell
            .get_or_try_init(|| async {
                if let Some(batch) = self.remembered(&key) {
                    return Ok(batch);
                }
                let batch = compute().await?;
                self.remember(key.clone(), &batch);
                Ok(batch)
            })
            .await
            .cloned();
        // Done or failed, the flight is over (a later ask finds the kept rows, or tries
        // again).
        if let Ok(mut f) = self.flights.lock() {
            f.remove(&key);
        }
        done
    }

    /// The Ballista scheduler the session's queries run on, if any (`host:port`).
    pub fn cluster(&self) -> Option<&str> {
        self.remote.as_deref().map(Remote::address)
    }
}

/// Batches dealt round-robin into `n` partitions.
pub fn split(batches: &[RecordBatch], n: usize) -> Vec<Vec<RecordBatch>> {
    let n = n.max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); n];
    for (i, b) in batches.iter().enumerate() {
        parts[i % n].push(b.clone());
    }
    parts
}
