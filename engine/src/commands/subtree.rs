//! `--union` and `--depth`: keeping the rows that belong to one union's subtree.

use std::collections::HashSet;

use datafusion::arrow::array::{AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::Int64Type;

use crate::archive::Archive;
use crate::error::{Error, Result};
use crate::metrics::union_closure;

/// The unions of `root`'s subtree at most `depth` levels below it (all levels when
/// `None`). An unknown union is a usage error naming it.
pub fn members(archive: &Archive, root: &str, depth: Option<u32>) -> Result<HashSet<String>> {
    let closure = union_closure(archive)?;
    let (anc, desc) = (
        closure.column(0).as_string::<i32>(),
        closure.column(1).as_string::<i32>(),
    );
    let d = closure.column(2).as_primitive::<Int64Type>();
    let set: HashSet<String> = (0..closure.num_rows())
        .filter(|&i| anc.value(i) == root && depth.is_none_or(|n| d.value(i) <= i64::from(n)))
        .map(|i| desc.value(i).to_string())
        .collect();
    if set.is_empty() {
        return Err(Error::Usage(format!(
            "--union {root}: no union with this union_id in the archive"
        )));
    }
    Ok(set)
}

/// The rows of `batch` whose text column `column` satisfies `keep`.
pub fn filter_rows(
    batch: &RecordBatch,
    column: &str,
    keep: impl Fn(&str) -> bool,
) -> Result<RecordBatch> {
    let idx = batch.schema().index_of(column)?;
    let values = batch.column(idx).as_string::<i32>();
    let mask: BooleanArray = values.iter().map(|v| Some(v.is_some_and(&keep))).collect();
    Ok(filter_record_batch(batch, &mask)?)
}
