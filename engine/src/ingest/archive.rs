//! The archive: one folder, one source per table (a CSV or Parquet file, or a sheet of
//! a workbook: [`super::sources`]), loaded into validated Arrow tables.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use sha2::{Digest, Sha256};

use super::encoding::{self, Encoding};
use super::lines::Lines;
use super::rows::TableBuilder;
use super::sources::{locate, Found};
use super::{cache, checks, csv, known, parquet, xlsx, Issue};
use crate::error::{Error, Result};
use crate::ingest::schema::Table;

pub use super::sources::Format;

/// The file a table was read from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file's path.
    pub path: PathBuf,
    /// CSV, Parquet or a workbook, by the file's extension.
    pub format: Format,
    /// The sheet holding the table, when the file is a workbook.
    pub sheet: Option<String>,
    /// The file's size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

impl Source {
    /// The file's name without its folder (`households.csv`), and the sheet of a
    /// workbook (`档案.xlsx#困难职工家庭档案`).
    pub fn file_name(&self) -> String {
        let file = csv::file_name(&self.path);
        match &self.sheet {
            Some(s) => format!("{file}#{s}"),
            None => file,
        }
    }
}

/// One table after loading and row validation.
pub struct LoadedTable {
    /// The table's definition in the archive format.
    pub table: &'static Table,
    /// `None` when the (optional) table's file is missing: the table is empty.
    pub source: Option<Source>,
    /// The accepted rows, as Arrow batches with the table's schema.
    pub batches: Vec<RecordBatch>,
    /// The line of every accepted row, in order.
    pub lines: Lines,
    /// Rows read; always `accepted() + rejects.len()`.
    pub read: u64,
    /// One issue per rejected row, saying why it was left out.
    pub rejects: Vec<Issue>,
    /// Warnings about this table found while reading it (header, missing file).
    pub warnings: Vec<Issue>,
    /// Whether the rows came from the validated cache.
    pub cached: bool,
}

impl LoadedTable {
    /// Rows accepted.
    pub fn accepted(&self) -> u64 {
        self.lines.len() as u64
    }

    /// `(line, value)` of a text column over every accepted row.
    pub fn strings<'a>(
        &'a self,
        column: &str,
    ) -> impl Iterator<Item = (u32, Option<&'a str>)> + 'a {
        let idx = self.table.column(column).map(|(i, _)| i);
        let mut lines = self.lines.iter();
        self.batches
            .iter()
            .flat_map(move |b| {
                let a = idx.and_then(|i| b.column(i).as_string_opt::<i32>());
                (0..b.num_rows()).map(move |r| a.and_then(|a| a.is_valid(r).then(|| a.value(r))))
            })
            .map(move |v| (lines.next().unwrap_or(0), v))
    }
}

/// A loaded, validated archive.
pub struct Archive {
    /// The archive folder.
    pub dir: PathBuf,
    /// In the order of the archive format.
    pub tables: Vec<LoadedTable>,
    /// Warnings that involve more than one row (references and the union tree), and,
    /// with an empty `table`, the sheets of workbooks that hold no table.
    pub warnings: Vec<Issue>,
}

/// Options for [`Archive::load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Where validated tables are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
}

/// Progress events of long work, for a display on a terminal, and warnings the user
/// must see.
pub trait Progress: Sync {
    /// Reading a table's file begins.
    fn table_started(&self, _file: &str) {}
    /// `rows` rows of `file` have been read so far.
    fn rows(&self, _file: &str, _rows: u64) {}
    /// A table is loaded.
    fn table_done(&self, _table: &LoadedTable) {}
    /// A step of longer work begins (`preparing the union tree…`).
    fn status(&self, _message: &str) {}
    /// Something the user must see even when nobody watches the progress (rows left
    /// out of every figure, an undeliverable circular).
    fn warn(&self, _message: &str) {}
}

/// A progress sink that shows nothing.
pub struct Quiet;
impl Progress for Quiet {}

impl Archive {
    /// Loads and validates every table of `dir` (in parallel), then runs the cross-table checks.
    pub fn load(dir: &Path, opts: &LoadOptions, progress: &dyn Progress) -> Result<Archive> {
        let located = locate(dir)?;
        for w in &located.warnings {
            progress.warn(&format!("{}: {}", w.value, w.reason));
        }
        let files = located.tables;
        let mut order: Vec<usize> = (0..files.len()).collect();
        // Largest files first, so the workers finish together.
        order
            .sort_by_key(|&i| std::cmp::Reverse(files[i].1.as_ref().map(|s| s.bytes).unwrap_or(0)));
        let queue = Mutex::new(order.into_iter());
        let results: Mutex<Vec<Option<Result<LoadedTable>>>> =
            Mutex::new((0..files.len()).map(|_| None).collect());
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .min(files.len());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some(i) = next else { break };
                    let (table, file) = &files[i];
                    let loaded = load_table(table, file.as_ref(), opts, progress);
                    if let Ok(t) = &loaded {
                        progress.table_done(t);
                    }
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(loaded);
                    }
                });
            }
        });
        let results = results
            .into_inner()
            .map_err(|_| Error::Internal("a loader thread panicked".into()))?;
        let mut tables = Vec::with_capacity(results.len());
        for r in results {
            tables.push(r.ok_or_else(|| Error::Internal("a table was not loaded".into()))??);
        }
        let mut warnings = located.warnings;
        warnings.extend(cross_row_checks(&tables, opts));
        Ok(Archive {
            dir: dir.to_path_buf(),
            tables,
            warnings,
        })
    }

    /// The table named `name` (`households`).
    pub fn table(&self, name: &str) -> Option<&LoadedTable> {
        self.tables.iter().find(|t| t.table.name == name)
    }

    /// Every warning of one table: from reading it and from the cross-row checks.
    pub fn warnings_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Issue> + 'a {
        let own = self
            .table(table)
            .map(|t| t.warnings.as_slice())
            .unwrap_or_default();
        own.iter()
            .chain(self.warnings.iter().filter(move |w| w.table == table))
    }

    /// The SHA-256 of the archive: of the lines `<SHA-256>  <file>` that `sha256sum`
    /// prints for every file read, one line per file, sorted by file name (so that
    /// `LC_ALL=C sha256sum $(ls FILES) | sha256sum` gives it).
    pub fn sha256(&self) -> String {
        manifest_sha256(&self.tables)
    }

    /// Rows rejected, over every table.
    pub fn rejected(&self) -> u64 {
        self.tables.iter().map(|t| t.rejects.len() as u64).sum()
    }
}

/// [`Archive::sha256`] of these tables.
fn manifest_sha256(tables: &[LoadedTable]) -> String {
    let mut files: Vec<(String, String)> = tables
        .iter()
        .filter_map(|t| t.source.as_ref())
        .map(|s| (csv::file_name(&s.path), s.sha256.clone()))
        .collect();
    files.sort();
    files.dedup();
    let manifest: String = files.iter().map(|(f, s)| format!("{s}  {f}\n")).collect();
    sha256_bytes(manifest.as_bytes())
}

/// The warnings of the checks that involve more than one row: references, the union
/// tree and resident-ID checksums. When every table came from the validated cache, the
/// warnings of the same files are taken from it too (they depend on nothing else).
fn cross_row_checks(tables: &[LoadedTable], opts: &LoadOptions) -> Vec<Issue> {
    let all_cached = tables.iter().all(|t| t.cached || t.source.is_none());
    let key = opts
        .cache_dir
        .as_ref()
        .map(|dir| (dir, manifest_sha256(tables)));
    if let Some((dir, key)) = key.as_ref().filter(|_| all_cached) {
        if let Some(w) = cache::get_checks(dir, key) {
            return w;
        }
    }
    let mut warnings = checks::references(tables);
    if let Some(unions) = tables.iter().find(|t| t.table.name == "unions") {
        warnings.extend(checks::union_tree(unions));
    }
    if let Some(h) = tables.iter().find(|t| t.table.name == "households") {
        warnings.extend(checks::resident_ids(h));
    }
    if let Some((dir, key)) = &key {
        cache::put_checks(dir, key, &warnings);
    }
    warnings
}

/// SHA-256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn load_table(
    table: &'static Table,
    found: Option<&Found>,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadedTable> {
    let Some(found) = found else {
        let reason = format!(
            "no {}.csv, {}.parquet or sheet {} ({}): the table is empty",
            table.name, table.name, table.name, table.label
        );
        return Ok(LoadedTable {
            table,
            source: None,
            batches: Vec::new(),
            lines: Lines::new(),
            read: 0,
            rejects: Vec::new(),
            warnings: vec![Issue::new(table.name, None, "", "", reason)],
            cached: false,
        });
    };
    let path = found.path.as_path();
    let file = found.label();
    progress.table_started(&file);
    let (sha256, encoding) = fingerprint(found, opts)?;
    let source = Source {
        path: path.to_path_buf(),
        format: found.format,
        sheet: found.sheet.clone(),
        bytes: found.bytes,
        sha256,
    };
    if let Some(dir) = &opts.cache_dir {
        if let Some(t) = cache::get(dir, table, &source) {
            return Ok(t);
        }
    }
    let mut builder = TableBuilder::new(table, file.clone());
    let report = |n| progress.rows(&file, n);
    let warnings = match (found.format, &found.book, &found.sheet) {
        (Format::Csv, ..) => csv::read(path, encoding, &mut builder, &report)?,
        (Format::Parquet, ..) => parquet::read(path, &mut builder, &report)?,
        (Format::Workbook, Some(book), Some(sheet)) => {
            let mut book = book
                .lock()
                .map_err(|_| Error::Internal("a workbook reader panicked".into()))?;
            xlsx::read(&mut book, sheet, &file, &mut builder, &report)?
        }
        (Format::Workbook, ..) => {
            return Err(Error::Internal(format!("{file}: the workbook is not open")))
        }
    };
    let built = builder.finish()?;
    let loaded = LoadedTable {
        table,
        source: Some(source),
        batches: built.batches,
        lines: built.lines,
        read: built.read,
        rejects: built.rejects,
        warnings,
        cached: false,
    };
    if let Some(dir) = &opts.cache_dir {
        cache::put(dir, &loaded);
    }
    Ok(loaded)
}

/// The SHA-256 of a table's file and the encoding it is read in: remembered in the
/// cache folder for a file unchanged since it was last hashed ([`known`]), else
/// computed (and remembered).
fn fingerprint(found: &Found, opts: &LoadOptions) -> Result<(String, Encoding)> {
    let path = found.path.as_path();
    let stat = opts.cache_dir.as_ref().zip(known::Stat::of(path));
    if let Some((dir, stat)) = &stat {
        if let Some(k) = known::get(dir, stat) {
            return Ok(k);
        }
    }
    let (sha256, encoding) = match found.format {
        Format::Csv => encoding::scan(path)?,
        _ => (sha256_file(path)?, Encoding::Utf8),
    };
    if let Some((dir, stat)) = &stat {
        known::put(dir, path, stat, &sha256, encoding);
    }
    Ok((sha256, encoding))
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
