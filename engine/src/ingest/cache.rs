//! The validated cache: a table's accepted rows (as an Arrow IPC file, read back
//! memory-mapped without copying: [`mapped`]), their line numbers and its rejects,
//! keyed by the SHA-256 of the source file, the package version and a fingerprint of
//! the validation code (computed by `engine/build.rs` over
//! `engine/src/ingest/*.rs` and `calendar.rs`). A second load of an unchanged file skips
//! CSV parsing and validation; any change to the file's bytes, a new tiexin, or a
//! change to validation misses the cache. A damaged entry is a miss. The warnings of the
//! cross-row checks are kept too, keyed by the SHA-256 of all the archive's files.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::lines::Lines;
use super::{mapped, LoadedTable, Source};
use crate::files::{write_atomic, AtomicFile};
use crate::ingest::schema::Table;
use crate::ingest::Issue;

/// Bump when validation or the stored layout changes.
const LAYOUT: u32 = 3;

#[derive(Serialize, Deserialize)]
struct Sidecar {
    version: String,
    read: u64,
    /// The accepted rows' source lines, as runs ([`Lines::runs`]).
    lines: Vec<(u32, u32)>,
    rejects: Vec<Issue>,
    warnings: Vec<Issue>,
}

/// The fingerprint of the validation code this tiexin was built from.
const FINGERPRINT: &str = env!("TIEXIN_VALIDATION_FINGERPRINT");

/// What an entry must have been written by: package version, layout, validation code.
pub(crate) fn version() -> String {
    format!("{}-{LAYOUT}-{FINGERPRINT}", env!("CARGO_PKG_VERSION"))
}

fn entry(dir: &Path, table: &Table, source: &Source, version: &str) -> (PathBuf, PathBuf) {
    let stem = format!("{}-{}-v{version}", table.name, source.sha256);
    (
        dir.join(format!("{stem}.arrow")),
        dir.join(format!("{stem}.json")),
    )
}

/// The cached table for this source file, if `dir` holds an intact entry of this tiexin.
pub fn get(dir: &Path, table: &'static Table, source: &Source) -> Option<LoadedTable> {
    get_version(dir, table, source, &version())
}

fn get_version(
    dir: &Path,
    table: &'static Table,
    source: &Source,
    version: &str,
) -> Option<LoadedTable> {
    let (data, side) = entry(dir, table, source, version);
    let sidecar: Sidecar = serde_json::from_slice(&std::fs::read(&side).ok()?).ok()?;
    mark_used(&side);
    if sidecar.version != version {
        return None;
    }
    mark_used(&data);
    let batches = mapped::read(&data, &table.arrow_schema())?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let lines = Lines::from_runs(sidecar.lines, u32::try_from(rows).ok()?)?;
    if sidecar.read != rows as u64 + sidecar.rejects.len() as u64 {
        return None;
    }
    Some(LoadedTable {
        table,
        source: Some(source.clone()),
        batches,
        lines,
        read: sidecar.read,
        rejects: sidecar.rejects,
        warnings: sidecar.warnings,
        cached: true,
    })
}

/// Stores a freshly validated table. Failing to write the cache is not an error: the
/// next load validates again.
pub fn put(dir: &Path, t: &LoadedTable) {
    let Some(source) = &t.source else { return };
    let _ = try_put(dir, t, source, &version());
    prune(dir);
}

/// The cross-row warnings of the archive whose files have the manifest SHA-256 `key`
/// ([`crate::ingest::Archive::sha256`]), as this tiexin's checks gave them.
pub fn get_checks(dir: &Path, key: &str) -> Option<Vec<Issue>> {
    let path = checks_entry(dir, key);
    let warnings = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    mark_used(&path);
    Some(warnings)
}

/// Stores the cross-row warnings of the archive with manifest SHA-256 `key`.
pub fn put_checks(dir: &Path, key: &str, warnings: &[Issue]) {
    let path = checks_entry(dir, key);
    if let Ok(json) = serde_json::to_vec(warnings) {
        let _ = std::fs::create_dir_all(dir);
        let _ = write_atomic(&path, &json);
    }
}

fn checks_entry(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("checks-{key}-v{}.json", version()))
}

/// Marks a cache entry as used now, so that pruning keeps it ([`KEEP_UNUSED`]).
pub(crate) fn mark_used(path: &Path) {
    let _ = File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()));
}

/// Entries unused for this long are removed when a new one is written.
const KEEP_UNUSED: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Removes entries not used for [`KEEP_UNUSED`] (a hit refreshes an entry's time).
pub(crate) fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > KEEP_UNUSED);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn try_put(dir: &Path, t: &LoadedTable, source: &Source, version: &str) -> Option<()> {
    std::fs::create_dir_all(dir).ok()?;
    let (data, side) = entry(dir, t.table, source, version);
    let file = AtomicFile::create(&data).ok()?;
    let file = mapped::write(file, &t.table.arrow_schema(), &t.batches)?;
    let sidecar = Sidecar {
        version: version.to_string(),
        read: t.read,
        lines: t.lines.runs().to_vec(),
        rejects: t.rejects.clone(),
        warnings: t.warnings.clone(),
    };
    let json = serde_json::to_vec(&sidecar).ok()?;
    // The data first: a sidecar is only ever next to its complete data.
    file.commit().ok()?;
    write_atomic(&side, &json).ok()?;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema;

    fn table(source: &Source) -> LoadedTable {
        LoadedTable {
            table: schema::table("trainings").unwrap(),
            source: Some(source.clone()),
            batches: Vec::new(),
            lines: Lines::new(),
            read: 1,
            rejects: vec![Issue::new("trainings", Some(2), "contact_id", "", "x")],
            warnings: Vec::new(),
            cached: false,
        }
    }

    /// An entry written by other validation code (another fingerprint) is a miss, even
    /// for the same file and package version.
    #[test]
    fn a_changed_fingerprint_misses_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let source = Source {
            path: dir.path().join("trainings.csv"),
            format: super::super::Format::Csv,
            sheet: None,
            bytes: 10,
            sha256: "ab".repeat(32),
        };
        let t = table(&source);
        let ours = version();
        assert!(ours.ends_with(FINGERPRINT) && FINGERPRINT.len() == 16);
        let before = format!("{}-{LAYOUT}-0123456789abcdef", env!("CARGO_PKG_VERSION"));
        try_put(dir.path(), &t, &source, &before).unwrap();
        let hit = get_version(dir.path(), t.table, &source, &before).unwrap();
        assert!(hit.cached && hit.rejects == t.rejects);
        assert!(get_version(dir.path(), t.table, &source, &ours).is_none());
        assert!(get(dir.path(), t.table, &source).is_none());
        put(dir.path(), &t);
        assert!(get(dir.path(), t.table, &source).is_some());
    }
}
