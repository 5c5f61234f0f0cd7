//! Results kept on disk between runs. A computation's rows are stored in the cache
//! folder under a key that names everything they depend on:
//! - the archive's files (the SHA-256 of each, as documents print them);
//! - the SQL the session runs (every query file's text, replaced ones included);
//! - what the session's tables are cut to (masking, `--scope`);
//! - this tiexin: its version and a fingerprint of the code under `engine/src/ingest`,
//!   `sql` and `analysis` (computed by `engine/build.rs`);
//! - the computation and its parameters (the rule's file, the quarter, the cut-off day).
//!
//! A change to any of them is another key, so a kept result is the result the
//! computation would give again. A damaged or unreadable entry is a miss, and failing to
//! write one is not an error: the next run computes again. Entries unused for 30 days
//! are removed when the session writes its first one.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Once;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;

use crate::files::AtomicFile;
use crate::ingest::archive::sha256_bytes;
use crate::ingest::cache::{mark_used, prune};
use crate::ingest::mapped;

/// The fingerprint of the code behind every figure this tiexin computes.
const FINGERPRINT: &str = env!("TIEXIN_RESULTS_FINGERPRINT");

/// A folder of kept results for one session (one archive, SQL and restriction).
#[derive(Debug)]
pub struct Kept {
    dir: PathBuf,
    salt: String,
    /// The folder is pruned once, on the first write, not on every one.
    pruned: Once,
}

impl Kept {
    /// The kept results in `dir` of a session described by `parts` (the archive's
    /// manifest SHA-256, the SQL it runs, its restriction).
    pub fn new(dir: &Path, parts: &[&str]) -> Kept {
        let mut text = format!("tiexin {} {FINGERPRINT}\n", env!("CARGO_PKG_VERSION"));
        for p in parts {
            // Each part's length first, so that no two lists of parts give one text.
            text.push_str(&format!("{}:{p}\n", p.len()));
        }
        Kept {
            dir: dir.to_path_buf(),
            salt: sha256_bytes(text.as_bytes()),
            pruned: Once::new(),
        }
    }

    /// The SHA-256 naming the session (its parts, this tiexin's version and code).
    pub fn salt(&self) -> &str {
        &self.salt
    }

    fn path(&self, key: &str) -> PathBuf {
        let name = sha256_bytes(format!("{}\n{key}", self.salt).as_bytes());
        self.dir.join(format!("{name}.arrow"))
    }

    /// The rows kept under `key`, if an intact entry is there.
    pub fn get(&self, key: &str) -> Option<RecordBatch> {
        let path = self.path(key);
        let reader = FileReader::try_new(File::open(&path).ok()?, None).ok()?;
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().ok()?;
        let batch = concat_batches(&schema, &batches).ok()?;
        mark_used(&path);
        Some(batch)
    }

    /// The same session's entries in the folder `folder` beside this one (the views,
    /// kept apart from the figures).
    pub fn beside(&self, folder: &str) -> Kept {
        let dir = match self.dir.parent() {
            Some(parent) => parent.join(folder),
            None => PathBuf::from(folder),
        };
        Kept {
            dir,
            salt: self.salt.clone(),
            pruned: Once::new(),
        }
    }

    /// The batches kept under `key` by [`Kept::put_batches`], read memory-mapped without
    /// copying, if an intact entry with `schema`'s columns is there.
    pub fn get_batches(&self, key: &str, schema: &SchemaRef) -> Option<Vec<RecordBatch>> {
        let path = self.path(key);
        let batches = mapped::read(&path, schema)?;
        mark_used(&path);
        Some(batches)
    }

    /// Keeps `batches` of `schema` under `key`, for [`Kept::get_batches`].
    pub fn put_batches(&self, key: &str, schema: &SchemaRef, batches: &[RecordBatch]) {
        let put = || -> Option<()> {
            std::fs::create_dir_all(&self.dir).ok()?;
            let file = AtomicFile::create(&self.path(key)).ok()?;
            // As in `put`, a file left damaged by a crash is a miss: not synced.
            mapped::write(file, schema, batches)?.commit_unsynced().ok()
        };
        let _ = put();
        self.pruned.call_once(|| prune(&self.dir));
    }

    /// Keeps `batch` under `key`.
    pub fn put(&self, key: &str, batch: &RecordBatch) {
        let _ = self.try_put(key, batch);
        self.pruned.call_once(|| prune(&self.dir));
    }

    fn try_put(&self, key: &str, batch: &RecordBatch) -> Option<()> {
        std::fs::create_dir_all(&self.dir).ok()?;
        let path = self.path(key);
        let file = AtomicFile::create(&path).ok()?;
        let mut w = FileWriter::try_new(file, &batch.schema()).ok()?;
        w.write(batch).ok()?;
        w.finish().ok()?;
        // An Arrow IPC file ends with a footer the reader checks: a file left damaged by a
        // crash is a miss, so the entry is not synced to disk.
        w.into_inner().ok()?.commit_unsynced().ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Date32Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch() -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("rule", DataType::Utf8, true),
            Field::new("occurred_on", DataType::Date32, true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from(vec![Some("V1"), None])),
                Arc::new(Date32Array::from(vec![Some(20_636), Some(20_727)])),
            ],
        )
        .unwrap()
    }

    /// A kept batch comes back equal under its key and the same session, and under no
    /// other key, session, or after its file is damaged.
    #[test]
    fn a_kept_result_is_found_only_under_its_own_key() {
        let dir = tempfile::tempdir().unwrap();
        let kept = Kept::new(dir.path(), &["abc", "select 1"]);
        assert_eq!(kept.get("findings/v1.sql 2026Q3 2026-09-30"), None);
        kept.put("findings/v1.sql 2026Q3 2026-09-30", &batch());
        assert_eq!(kept.get("findings/v1.sql 2026Q3 2026-09-30"), Some(batch()));
        assert_eq!(kept.get("findings/v1.sql 2026Q3 2026-08-15"), None);
        let other = Kept::new(dir.path(), &["abd", "select 1"]);
        assert_eq!(other.get("findings/v1.sql 2026Q3 2026-09-30"), None);
        // "ab" + "cselect 1" is not the same session as "abc" + "select 1".
        let shifted = Kept::new(dir.path(), &["ab", "cselect 1"]);
        assert_eq!(shifted.get("findings/v1.sql 2026Q3 2026-09-30"), None);
        let path = kept.path("findings/v1.sql 2026Q3 2026-09-30");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(kept.get("findings/v1.sql 2026Q3 2026-09-30"), None);
    }
}
