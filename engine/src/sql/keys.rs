//! Integer join keys (issue 16): beside every `household_id` and `contact_id` column of
//! the archive's tables, a column `household_key` or `contact_key` holding a dense
//! integer per id, so that the rules join 4-byte integers where they joined strings;
//! and beside `visits.visit_id`, `visit_key`, its row's position, so that the ~10M valid
//! visits a session holds need no text.
//!
//! The keys number the ids of one archive: the households get 0, 1, … in their table's
//! order, the contacts in the byte order of their ids (so the lowest key of some
//! contacts is the lowest contact_id: `queries/quarter/assigned_on_pe.sql` takes the
//! minimum of integers, not of text), and an id that only another table names (a
//! payment to a household not in the archive, F1) the next number, in the order the
//! tables and rows name it. So two rows have the same key exactly when they have the
//! same id, and a missing id has no key (NULL): every join, `NOT EXISTS` and `NOT IN`
//! on the keys gives what it gave on the ids. The keys are not ids: the rules output and
//! sort by the ids; a key means nothing outside the run that numbered it.
//!
//! Numbering 26M ids takes about a second at 1M households, so the keys are kept in the
//! cache folder beside the validated tables, one Arrow file per table, keyed by the
//! SHA-256 of the archive's files, and read back memory-mapped.
//!
//! Only the engine's own sessions ([`crate::sql::Session`]) see the keys; `tiexin query`
//! and the console's audits see the archive's columns as archive.md gives them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::buffer::ScalarBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::ipc::writer::FileWriter;

use super::sandbox::scope::Table;
use crate::error::{Error, Result};
use crate::files::AtomicFile;
use crate::ingest::{cache, Archive};

/// How the ids of a keyed column are numbered.
#[derive(Clone, Copy, PartialEq)]
enum Numbering {
    /// The ids of the table they name first, in its order.
    TableOrder,
    /// The ids of the table they name first, in their byte order.
    IdOrder,
    /// Only that table has the column: its rows by their position, without a dictionary
    /// (its ids are unique: archive.md rejects every later row with the same id).
    Position,
}

/// The keyed id columns: the id column, its key column, the table whose rows the ids
/// name (numbered first), and how.
const KEYED: &[(&str, &str, &str, Numbering)] = &[
    (
        "household_id",
        "household_key",
        "households",
        Numbering::TableOrder,
    ),
    ("contact_id", "contact_key", "contacts", Numbering::IdOrder),
    ("visit_id", "visit_key", "visits", Numbering::Position),
];

/// Bump when the numbering changes.
const LAYOUT: u32 = 3;

/// The archive's tables ([`super::sandbox::scope::archive_tables`]) with their key
/// columns appended, read from `cache_dir` when an earlier run numbered the same files.
pub fn keyed(archive: &Archive, cache_dir: Option<&Path>) -> Result<Vec<Table>> {
    let tables = super::sandbox::scope::archive_tables(archive)?;
    let sha = archive.sha256();
    let mut numbered: Option<Vec<Vec<Vec<ArrayRef>>>> = None;
    let mut out = Vec::with_capacity(tables.len());
    for (i, (name, schema, batches)) in tables.iter().enumerate() {
        let cols = key_columns(name, schema);
        if cols.is_empty() {
            out.push((*name, schema.clone(), batches.clone()));
            continue;
        }
        let key_schema = Arc::new(Schema::new(
            cols.iter()
                .map(|(_, k)| Field::new(*k, DataType::Int32, true))
                .collect::<Vec<_>>(),
        ));
        let path = cache_dir.map(|d| entry(d, name, &sha));
        let stored = path.as_deref().and_then(|p| read(p, &key_schema, batches));
        let keys = match stored {
            Some(k) => k,
            None => {
                let all = match &mut numbered {
                    Some(n) => n,
                    None => {
                        let started = std::time::Instant::now();
                        let n = number(&tables)?;
                        super::run::report_time(started, "numbered", "engine/src/sql/keys.rs");
                        numbered.insert(n)
                    }
                };
                let keys = std::mem::take(&mut all[i]);
                if let Some(p) = &path {
                    let started = std::time::Instant::now();
                    write(p, &key_schema, &keys);
                    super::run::report_time(started, "stored", &format!("keys of {name}"));
                }
                keys
            }
        };
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.extend(key_schema.fields().iter().map(|f| f.as_ref().clone()));
        let full: SchemaRef = Arc::new(Schema::new(fields));
        let batches = batches
            .iter()
            .zip(keys)
            .map(|(b, k)| {
                let mut columns = b.columns().to_vec();
                columns.extend(k);
                Ok(RecordBatch::try_new(full.clone(), columns)?)
            })
            .collect::<Result<Vec<_>>>()?;
        out.push((*name, full, batches));
    }
    if let (Some(dir), Some(_)) = (cache_dir, numbered) {
        cache::prune(dir);
    }
    Ok(out)
}

/// The id columns of table `name` (of `schema`) that get a key, with their key column's
/// name.
fn key_columns(name: &str, schema: &Schema) -> Vec<(&'static str, &'static str)> {
    KEYED
        .iter()
        .filter(|(id, _, primary, numbering)| {
            let typed = schema
                .field_with_name(id)
                .is_ok_and(|f| f.data_type() == &DataType::Utf8);
            typed && (*numbering != Numbering::Position || name == *primary)
        })
        .map(|(id, key, _, _)| (*id, *key))
        .collect()
}

/// The key arrays of every table: per table, per batch, one array per key column.
fn number(tables: &[Table]) -> Result<Vec<Vec<Vec<ArrayRef>>>> {
    let mut out: Vec<Vec<Vec<ArrayRef>>> = tables
        .iter()
        .map(|(_, _, b)| vec![Vec::new(); b.len()])
        .collect();
    for (id, _, named, numbering) in KEYED {
        if *numbering == Numbering::Position {
            by_position(tables, &mut out, id, named)?;
            continue;
        }
        let primary = tables.iter().filter(|(n, _, _)| n == named);
        let mut ids: Vec<&str> = Vec::new();
        for b in primary.flat_map(|(_, _, b)| b) {
            let column = b.column(b.schema().index_of(id)?).as_string::<i32>();
            ids.extend(column.iter().flatten());
        }
        if *numbering == Numbering::IdOrder {
            ids.sort_unstable();
        }
        let mut dict = Dictionary::default();
        for v in ids {
            let next = i32::try_from(dict.len())
                .map_err(|_| Error::Internal(format!("over 2^31 ids in {named}")))?;
            dict.entry(v).or_insert(next);
        }
        let mut jobs: Vec<(usize, usize, &StringArray)> = Vec::new();
        for (t, (name, schema, batches)) in tables.iter().enumerate() {
            if !key_columns(name, schema).iter().any(|(c, _)| c == id) {
                continue;
            }
            let at = schema.index_of(id)?;
            for (j, b) in batches.iter().enumerate() {
                jobs.push((t, j, b.column(at).as_string::<i32>()));
            }
        }
        // Looked up on every core, the dictionary only read; then the ids it lacks get
        // the next numbers, in the order of the tables and their rows.
        let looked = looked_up(&dict, &jobs);
        for ((t, j, ids), mut keys) in jobs.into_iter().zip(looked) {
            for (r, k) in keys.iter_mut().enumerate() {
                if *k == MISSING && !ids.is_null(r) {
                    let next = i32::try_from(dict.len())
                        .map_err(|_| Error::Internal(format!("over 2^31 ids in {id}")))?;
                    *k = *dict.entry(ids.value(r)).or_insert(next);
                }
            }
            let array = Int32Array::new(ScalarBuffer::from(keys), ids.nulls().cloned());
            out[t][j].push(Arc::new(array));
        }
    }
    Ok(out)
}

/// A key not yet given: the id is not in the dictionary.
const MISSING: i32 = -1;

type Dictionary<'a> = HashMap<&'a str, i32, foldhash::fast::FixedState>;

/// The keys of each job's ids in `dict` ([`MISSING`] where it has none), the jobs shared
/// out among the cores.
fn looked_up(dict: &Dictionary, jobs: &[(usize, usize, &StringArray)]) -> Vec<Vec<i32>> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, jobs.len().max(1));
    let mut shares: Vec<Vec<Vec<i32>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    jobs.iter()
                        .skip(w)
                        .step_by(workers)
                        .map(|(_, _, ids)| lookup(dict, ids))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut out = Vec::with_capacity(jobs.len());
    let mut taken: Vec<std::vec::IntoIter<Vec<i32>>> =
        shares.drain(..).map(Vec::into_iter).collect();
    for i in 0..jobs.len() {
        out.push(taken[i % workers].next().unwrap_or_default());
    }
    out
}

/// The keys of `ids` in `dict`. Rows of one household (or contact) often follow each
/// other (a household's visits): a row takes the previous row's key without a lookup.
fn lookup(dict: &Dictionary, ids: &StringArray) -> Vec<i32> {
    let mut keys = Vec::with_capacity(ids.len());
    let mut last: Option<(&str, i32)> = None;
    for r in 0..ids.len() {
        if ids.is_null(r) {
            keys.push(0);
            continue;
        }
        let v = ids.value(r);
        let k = match last {
            Some((previous, k)) if previous == v => k,
            _ => dict.get(v).copied().unwrap_or(MISSING),
        };
        last = Some((v, k));
        keys.push(k);
    }
    keys
}

/// Numbers the rows of table `named` by their position, as the keys of its column `id`.
fn by_position(
    tables: &[Table],
    out: &mut [Vec<Vec<ArrayRef>>],
    id: &str,
    named: &str,
) -> Result<()> {
    let mut next: i32 = 0;
    for (t, (name, schema, batches)) in tables.iter().enumerate() {
        if *name != named || !key_columns(name, schema).iter().any(|(c, _)| *c == id) {
            continue;
        }
        let at = schema.index_of(id)?;
        for (j, b) in batches.iter().enumerate() {
            let n = i32::try_from(b.num_rows())
                .ok()
                .and_then(|n| next.checked_add(n).map(|end| (n, end)))
                .ok_or_else(|| Error::Internal(format!("over 2^31 rows in {named}")))?;
            let keys: Vec<i32> = (next..n.1).collect();
            next = n.1;
            let nulls = b.column(at).nulls().cloned();
            out[t][j].push(Arc::new(Int32Array::new(ScalarBuffer::from(keys), nulls)));
        }
    }
    Ok(())
}

fn entry(dir: &Path, table: &str, sha: &str) -> PathBuf {
    dir.join(format!(
        "keys-{table}-{sha}-v{}-{LAYOUT}.arrow",
        cache::version()
    ))
}

/// The stored keys of a table, if they match its batches row for row.
fn read(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Option<Vec<Vec<ArrayRef>>> {
    let stored = crate::ingest::mapped::read(path, schema)?;
    cache::mark_used(path);
    let aligned = stored.len() == batches.len()
        && stored
            .iter()
            .zip(batches)
            .all(|(k, b)| k.num_rows() == b.num_rows());
    aligned.then(|| stored.into_iter().map(|k| k.columns().to_vec()).collect())
}

/// Stores a table's keys, one IPC batch per table batch. Failing to write is not an
/// error: the next run numbers them again.
fn write(path: &Path, schema: &SchemaRef, keys: &[Vec<ArrayRef>]) {
    let put = || -> Option<()> {
        std::fs::create_dir_all(path.parent()?).ok()?;
        let file = AtomicFile::create(path).ok()?;
        let mut w = FileWriter::try_new(file, schema).ok()?;
        for k in keys {
            w.write(&RecordBatch::try_new(schema.clone(), k.clone()).ok()?)
                .ok()?;
        }
        w.into_inner().ok()?.commit().ok()
    };
    let _ = put();
}

#[cfg(test)]
mod tests;
