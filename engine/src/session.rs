//! A working session: the validated archive registered in DataFusion, with the union
//! closure and the shared views of `queries/views/` prepared once.

use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::sync::Arc;

use crate::archive::Archive;
use crate::catalog::Catalog;
use crate::cli::ArchiveArgs;
use crate::config::Config;
use crate::error::Result;
use crate::metrics;

pub struct Session {
    pub archive: Archive,
    pub config: Config,
    pub catalog: Catalog,
    pub ctx: SessionContext,
}

/// How many partitions DataFusion works with: one per core.
pub fn partitions() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

impl Session {
    /// Loads the archive named by `args` and prepares a DataFusion context over it.
    pub async fn open(args: &ArchiveArgs) -> Result<Session> {
        Session::open_with(args, Arc::new(RuntimeEnv::default())).await
    }

    /// [`Session::open`] with a given runtime (memory limits, …).
    pub async fn open_with(args: &ArchiveArgs, runtime: Arc<RuntimeEnv>) -> Result<Session> {
        let (archive, config) = crate::commands::load_archive(args)?;
        let rejected = archive.rejected();
        if rejected > 0 {
            // Said always, not only on a terminal: these rows are in no figure.
            eprintln!(
                "warning: {rejected} rows of the archive were rejected and are left out of every figure (tiexin validate --rejects FILE lists them)"
            );
        }
        crate::commands::status("preparing the union tree and shared views…");
        let catalog = match &args.queries {
            Some(dir) => Catalog::with_overrides(dir)?,
            None => Catalog::builtin(),
        };
        let n = partitions();
        let ctx = SessionContext::new_with_config_rt(
            SessionConfig::new().with_target_partitions(n),
            runtime,
        );
        archive.register(&ctx, n)?;
        metrics::prepare(&ctx, &archive, &catalog).await?;
        Ok(Session {
            archive,
            config,
            catalog,
            ctx,
        })
    }
}
