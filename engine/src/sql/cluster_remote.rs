//! The cluster itself (feature `ballista`): contexts whose plans run on the scheduler,
//! and the Parquet folders its executors read.

use std::fs;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::SessionStateBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::cluster::{Published, Registered};
use crate::error::{Error, Result};

/// The tables split into several files, so that their scans spread over executors.
const LARGE: [&str; 3] = ["visits", "assignments", "disbursements"];

/// Rows per file of a large table (at least two files each).
const ROWS_PER_FILE: usize = 500_000;

/// A Ballista scheduler and the folder its executors read.
#[derive(Debug)]
pub struct Remote {
    url: String,
    address: String,
    data: PathBuf,
    scratch: PathBuf,
    next: AtomicUsize,
    partitions: usize,
}

impl Remote {
    /// Checks that the scheduler at `address` answers and that `data` can be written;
    /// the cluster's work is split into `partitions`.
    pub fn connect(address: &str, data: &Path, partitions: usize) -> Result<Remote> {
        let unreachable = |why: String| {
            Error::Usage(format!(
                "--engine ballista://{address}: cannot reach the Ballista scheduler ({why})"
            ))
        };
        let addrs: Vec<_> = address
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
        let reached = addrs
            .iter()
            .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(5)).is_ok());
        if !reached {
            return Err(unreachable("nothing answers at that address".into()));
        }
        let host = host_name();
        remove_stale_scratch(data, &host);
        let scratch = data.join(format!(
            "scratch-{host}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        fs::create_dir_all(&scratch).map_err(|e| {
            Error::Usage(format!(
                "cluster-data {}: cannot create a folder there ({e})",
                data.display()
            ))
        })?;
        Ok(Remote {
            url: format!("http://{address}"),
            address: address.to_string(),
            data: data.to_path_buf(),
            scratch,
            next: AtomicUsize::new(0),
            partitions: partitions.max(1),
        })
    }

    /// The scheduler's `host:port`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// How many partitions the cluster's work is split into (`cluster-partitions`).
    pub fn partitions(&self) -> usize {
        self.partitions
    }

    /// A context with `config` whose plans are sent to the scheduler. It holds no
    /// table yet.
    pub fn context(
        &self,
        config: SessionConfig,
        runtime: Arc<RuntimeEnv>,
    ) -> Result<SessionContext> {
        // The shuffles have as many partitions as the cluster is told, not this
        // machine's cores: that is how many tasks of a stage can run at once.
        // Ballista's static planner, not its adaptive one (AQE): a job whose executor
        // was killed while its stage ran stayed running for ever under AQE (the
        // scheduler: "Can't find active stage to update stage outputs"); the static
        // planner runs the lost tasks again elsewhere.
        let config = config
            .upgrade_for_ballista()
            .with_ballista_adaptive_query_planner(false)
            .with_target_partitions(self.partitions);
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .build()
            .upgrade_for_ballista(self.url.clone())?;
        Ok(SessionContext::new_with_state(state))
    }

    /// The archive tables of a session, published once under `key` (naming the files,
    /// the masking and the scope they were cut to): Parquet files the executors read.
    pub fn publish(&self, key: &str, tables: &[Published]) -> Result<Vec<Registered>> {
        let dir = self
            .data
            .join(format!("archive-{}", &key[..16.min(key.len())]));
        if !dir.join("COMPLETE").exists() {
            let part = self.data.join(format!(
                ".archive-{}.{}.part",
                &key[..16.min(key.len())],
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&part);
            for (name, schema, batches) in tables {
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                let files = if LARGE.contains(name) {
                    (rows / ROWS_PER_FILE).max(2)
                } else {
                    1
                };
                write_files(&part.join(name), schema, batches, files)?;
            }
            fs::write(part.join("COMPLETE"), key).map_err(|e| written(&part, e))?;
            // Another run may have published the same tables meanwhile: theirs stand.
            if fs::rename(&part, &dir).is_err() {
                let _ = fs::remove_dir_all(&part);
                if !dir.join("COMPLETE").exists() {
                    return Err(Error::State(format!(
                        "cannot publish the archive's tables to {}",
                        dir.display()
                    )));
                }
            }
        }
        tables
            .iter()
            .map(|(name, schema, _)| Ok((name.to_string(), listing(&dir.join(name), schema)?)))
            .collect()
    }

    /// The rows of a view published under `key` (naming the archive's tables and the
    /// SQL of the view and those it reads) by an earlier run, if any, as `schema`.
    pub fn view(&self, key: &str, schema: &SchemaRef) -> Result<Option<Arc<dyn TableProvider>>> {
        let dir = self
            .data
            .join(format!("view-{}", &key[..16.min(key.len())]));
        if !dir.join("COMPLETE").exists() {
            return Ok(None);
        }
        listing(&dir.join("rows"), schema).map(Some)
    }

    /// Publishes a view's rows under `key`, to be read as `schema` (the schema the view
    /// was planned with: a computed column may come out nullable where the plan says not).
    pub fn publish_view(
        &self,
        key: &str,
        schema: &SchemaRef,
        batches: &[RecordBatch],
    ) -> Result<Arc<dyn TableProvider>> {
        let short = &key[..16.min(key.len())];
        let dir = self.data.join(format!("view-{short}"));
        let part = self
            .data
            .join(format!(".view-{short}.{}.part", std::process::id()));
        let _ = fs::remove_dir_all(&part);
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        write_files(
            &part.join("rows"),
            schema,
            batches,
            (rows / ROWS_PER_FILE).max(2),
        )?;
        fs::write(part.join("COMPLETE"), key).map_err(|e| written(&part, e))?;
        // Another run may have published the same rows meanwhile: theirs stand.
        if fs::rename(&part, &dir).is_err() {
            let _ = fs::remove_dir_all(&part);
        }
        listing(&dir.join("rows"), schema)
    }

    /// A computation's table, written to this run's scratch folder.
    pub fn scratch(
        &self,
        name: &str,
        schema: SchemaRef,
        parts: &[Vec<RecordBatch>],
    ) -> Result<Arc<dyn TableProvider>> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let dir = self.scratch.join(format!("{n:05}-{name}"));
        let batches: Vec<RecordBatch> = parts.iter().flatten().cloned().collect();
        write_files(&dir, &schema, &batches, parts.len().max(1))?;
        listing(&dir, &schema)
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.scratch);
    }
}

/// This machine's name, as it names its runs' scratch folders in a shared folder
/// (`-` in place of anything but letters, digits and dots).
fn host_name() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

/// Removes the scratch folders that runs on this machine left behind when they were
/// killed (their process no longer exists). Folders of other machines, and of runs
/// still going, stay.
fn remove_stale_scratch(data: &Path, host: &str) {
    let Ok(entries) = fs::read_dir(data) else {
        return;
    };
    let prefix = format!("scratch-{host}-");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        // Exactly `<pid>-<time>`: a longer rest is another machine's whose name
        // starts with this one's.
        let Some((pid, time)) = rest.split_once('-') else {
            continue;
        };
        let (Ok(pid), Ok(_)) = (pid.parse::<u32>(), time.parse::<u128>()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn written(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::State(format!("cannot write {}: {e}", path.display()))
}

/// Writes `batches` as `files` Parquet files of about equal rows in `dir`.
fn write_files(
    dir: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    files: usize,
) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| written(dir, e))?;
    // The rows' own schema (a view's may differ from its plan's in nullability).
    let schema = &batches
        .first()
        .map(|b| b.schema())
        .unwrap_or(schema.clone());
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let per_file = rows.div_ceil(files).max(1);
    let props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .build();
    let mut index = 0;
    let open = |index: usize| -> Result<ArrowWriter<fs::File>> {
        let path = dir.join(format!("part-{index:04}.parquet"));
        let file = fs::File::create(&path).map_err(|e| written(&path, e))?;
        ArrowWriter::try_new(file, schema.clone(), Some(props.clone()))
            .map_err(|e| written(&path, e))
    };
    let mut writer = open(index)?;
    let mut in_file = 0;
    for batch in batches {
        let mut offset = 0;
        while offset < batch.num_rows() {
            if in_file == per_file {
                writer.close().map_err(|e| written(dir, e))?;
                index += 1;
                writer = open(index)?;
                in_file = 0;
            }
            let take = (per_file - in_file).min(batch.num_rows() - offset);
            writer
                .write(&batch.slice(offset, take))
                .map_err(|e| written(dir, e))?;
            offset += take;
            in_file += take;
        }
    }
    writer.close().map_err(|e| written(dir, e))?;
    Ok(())
}

/// The Parquet files of `dir` as a table of exactly `schema` (strings stay `Utf8`, as
/// the local tables have them).
fn listing(dir: &Path, schema: &SchemaRef) -> Result<Arc<dyn TableProvider>> {
    let text = format!("{}/", dir.display());
    let url = ListingTableUrl::parse(&text)?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema.clone());
    Ok(Arc::new(ListingTable::try_new(config)?))
}
