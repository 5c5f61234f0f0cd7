//! Cluster mode (`--engine ballista://HOST:PORT`, cargo feature `ballista`): the same
//! query files run on an Apache DataFusion Ballista cluster.
//!
//! In-memory tables do not travel to executors, so every table a query reads is Parquet
//! in a folder the executors can read (`cluster-data`):
//! - the session's archive tables are *published* there once per archive, masking and
//!   scope: the very tables a local session would register (already cut to `--scope`
//!   and masked), so an executor never holds a value the user may not see;
//! - a computation's own tables (a quarter's findings, an intermediate step) are written
//!   to a scratch folder of the run, removed when the session ends.
//!
//! The views of `queries/views/` are computed on the cluster once per archive and SQL
//! and published beside the archive's tables; named parameters are bound on the client
//! before a plan is sent. Without the feature, [`Remote`] has no value
//! and `--engine ballista://…` is refused with a sentence saying how to build it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where a session's queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process (the default).
    #[default]
    Local,
    /// On the Ballista scheduler at `host:port`, executors reading Parquet under `data`.
    Ballista {
        /// The scheduler's host and port.
        address: String,
        /// The folder shared with the executors (same path on every machine).
        data: PathBuf,
        /// How many partitions the cluster's shuffles and the run's own tables have.
        partitions: usize,
    },
}

impl Engine {
    /// Reads `local` or `ballista://HOST:PORT` (the `--engine` option or `engine` key);
    /// `data` is the shared folder the cluster reads, `partitions` how many partitions
    /// its work is split into (default: this machine's cores).
    pub fn parse(text: &str, data: PathBuf, partitions: Option<usize>) -> Result<Engine> {
        if text == "local" {
            return Ok(Engine::Local);
        }
        let Some(address) = text.strip_prefix("ballista://") else {
            return Err(Error::Usage(format!(
                "--engine {text}: expected `local` or `ballista://HOST:PORT`"
            )));
        };
        let address = address.trim_end_matches('/');
        let port_ok = address
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !port_ok {
            return Err(Error::Usage(format!(
                "--engine {text}: expected ballista://HOST:PORT, with a port number"
            )));
        }
        Ok(Engine::Ballista {
            address: address.to_string(),
            data,
            partitions: partitions.unwrap_or_else(super::session::partitions),
        })
    }
}

#[cfg(feature = "ballista")]
pub use super::cluster_remote::Remote;

/// Without the `ballista` feature there is no cluster: this type has no value.
#[cfg(not(feature = "ballista"))]
#[derive(Debug)]
pub enum Remote {}

#[cfg(not(feature = "ballista"))]
impl Remote {
    /// Refuses: this build has no cluster mode.
    pub fn connect(address: &str, _data: &Path, _partitions: usize) -> Result<Remote> {
        Err(Error::Usage(format!(
            "--engine ballista://{address}: this tiexin was built without cluster mode; build it with `cargo build --release --features ballista`"
        )))
    }

    /// The scheduler's `host:port` (no value exists).
    pub fn address(&self) -> &str {
        match *self {}
    }

    /// How many partitions the cluster's work is split into (no value exists).
    pub fn partitions(&self) -> usize {
        match *self {}
    }

    /// A context sending its plans to the scheduler (no value exists).
    pub fn context(
        &self,
        _config: datafusion::prelude::SessionConfig,
        _runtime: std::sync::Arc<datafusion::execution::runtime_env::RuntimeEnv>,
    ) -> Result<datafusion::prelude::SessionContext> {
        match *self {}
    }

    /// The archive tables published for the executors (no value exists).
    pub fn publish(&self, _key: &str, _tables: &[Published]) -> Result<Vec<Registered>> {
        match *self {}
    }

    /// A view's rows published by an earlier run (no value exists).
    pub fn view(
        &self,
        _key: &str,
        _schema: &datafusion::arrow::datatypes::SchemaRef,
    ) -> Result<Option<std::sync::Arc<dyn datafusion::catalog::TableProvider>>> {
        match *self {}
    }

    /// Publishes a view's rows (no value exists).
    pub fn publish_view(
        &self,
        _key: &str,
        _schema: &datafusion::arrow::datatypes::SchemaRef,
        _batches: &[datafusion::arrow::array::RecordBatch],
    ) -> Result<std::sync::Arc<dyn datafusion::catalog::TableProvider>> {
        match *self {}
    }

    /// A computation's table in the scratch folder (no value exists).
    pub fn scratch(
        &self,
        _name: &str,
        _schema: datafusion::arrow::datatypes::SchemaRef,
        _parts: &[Vec<datafusion::arrow::array::RecordBatch>],
    ) -> Result<std::sync::Arc<dyn datafusion::catalog::TableProvider>> {
        match *self {}
    }
}

/// A table to publish: its name, schema and rows.
pub type Published = (
    &'static str,
    datafusion::arrow::datatypes::SchemaRef,
    Vec<datafusion::arrow::array::RecordBatch>,
);

/// A table registered under a name.
pub type Registered = (
    String,
    std::sync::Arc<dyn datafusion::catalog::TableProvider>,
);

/// The name of a session's published tables: the archive's files, the masking and the
/// scope they were cut to, whether they carry the join keys ([`super::keys`]; a
/// session's do, an audit's do not), and this tiexin's version and code.
pub fn archive_key(archive_sha256: &str, masked: bool, scope: Option<&str>, keyed: bool) -> String {
    let cut = format!("masked {masked} scope {scope:?} keyed {keyed}");
    super::kept::Kept::new(Path::new(""), &[archive_sha256, &cut])
        .salt()
        .to_string()
}

/// The shared folder's default: `cluster/` in the cache folder (right when the
/// executors run on this machine; a real cluster names a shared mount).
pub fn default_data(cache_dir: Option<&Path>) -> PathBuf {
    match cache_dir {
        Some(dir) => dir.join("cluster"),
        None => std::env::temp_dir().join("tiexin-cluster"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_read_as_written() {
        let data = PathBuf::from("/srv/shared");
        assert_eq!(
            Engine::parse("local", data.clone(), None).unwrap(),
            Engine::Local
        );
        assert_eq!(
            Engine::parse("ballista://sched.example:50050/", data.clone(), Some(16)).unwrap(),
            Engine::Ballista {
                address: "sched.example:50050".into(),
                data: data.clone(),
                partitions: 16,
            }
        );
        let Engine::Ballista { partitions, .. } =
            Engine::parse("ballista://10.0.0.1:50050", data.clone(), None).unwrap()
        else {
            panic!("not a cluster");
        };
        assert_eq!(partitions, super::super::session::partitions());
        for bad in [
            "ballista://sched",
            "ballista://:50050",
            "ballista://h:port",
            "spark://h:1",
        ] {
            let e = Engine::parse(bad, data.clone(), None)
                .unwrap_err()
                .to_string();
            assert!(e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn the_same_archive_and_cut_give_the_same_key() {
        let a = archive_key("abc", true, Some("U3701"), true);
        assert_eq!(a, archive_key("abc", true, Some("U3701"), true));
        assert_ne!(a, archive_key("abc", false, Some("U3701"), true));
        assert_ne!(a, archive_key("abc", true, None, true));
        assert_ne!(a, archive_key("abd", true, Some("U3701"), true));
        assert_ne!(a, archive_key("abc", true, Some("U3701"), false));
    }
}
