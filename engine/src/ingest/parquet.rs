//! Reading a table from Parquet: columns are matched by name and every value goes
//! through the same checks as a CSV cell, so both forms load identically. A Parquet
//! row's "line" is its 1-based row number plus one, the line it would have in CSV; a
//! row whose cells are all NULL or empty is not a row, but takes its line.

use std::fs::File;
use std::path::Path;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::columns::{map_header, ColumnMap};
use super::csv::file_name;
use crate::error::{Error, Result};
use crate::ingest::rows::{TableBuilder, MAX_COLS};
use crate::ingest::Issue;

pub fn read(path: &Path, builder: &mut TableBuilder, progress: &dyn Fn(u64)) -> Result<Vec<Issue>> {
    let name = file_name(path);
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Unreadable(format!("{name} cannot be read as Parquet: {e}"))
    };
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(&e))?;
    let names: Vec<String> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let ColumnMap { sources, warnings } = map_header(builder.table(), &name, &names)?;
    let reader = reader
        .with_batch_size(8192)
        .build()
        .map_err(|e| unreadable(&e))?;

    let mut line: u64 = 1;
    for batch in reader {
        let batch = batch.map_err(|e| unreadable(&e))?;
        let mut cells = Vec::with_capacity(sources.len());
        for (col, src) in builder.table().columns.iter().zip(&sources) {
            let Some(i) = src else {
                cells.push(None);
                continue;
            };
            let c = Cells::of(batch.column(*i)).map_err(|e| {
                Error::Unreadable(format!(
                    "{name}: column {} cannot be read as text: {e}",
                    col.name
                ))
            })?;
            cells.push(Some(c));
        }
        let blank = blank_rows(&batch, &sources, &cells);
        for (row, blank) in blank.into_iter().enumerate() {
            line += 1;
            if blank {
                continue;
            }
            let mut fields: [Option<&[u8]>; MAX_COLS] = [None; MAX_COLS];
            for (slot, c) in fields.iter_mut().zip(&cells) {
                *slot = c.as_ref().and_then(|c| c.get(row));
            }
            builder.push(line, &fields)?;
        }
        progress(builder.read);
    }
    Ok(warnings)
}

/// A column's cells as bytes: text for every type, except binary columns, whose bytes
/// are passed on as they are (so that bytes that are not UTF-8 are rejected as such).
enum Cells {
    Text(ArrayRef),
    Bytes(ArrayRef),
}

impl Cells {
    fn of(a: &ArrayRef) -> std::result::Result<Cells, ArrowError> {
        Ok(match a.data_type() {
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_) => Cells::Bytes(cast(a, &DataType::Binary)?),
            _ => Cells::Text(cast(a, &DataType::Utf8)?),
        })
    }

    fn get(&self, row: usize) -> Option<&[u8]> {
        match self {
            Cells::Text(a) => {
                let a = a.as_string::<i32>();
                a.is_valid(row).then(|| a.value(row).as_bytes())
            }
            Cells::Bytes(a) => {
                let a = a.as_binary::<i32>();
                a.is_valid(row).then(|| a.value(row))
            }
        }
    }
}

/// Whether each row of `batch` has only NULL or empty cells: such a row is not a row
/// (intake.md), though it takes its line. Columns of the file that the table does not
/// use count too.
fn blank_rows(
    batch: &RecordBatch,
    sources: &[Option<usize>],
    cells: &[Option<Cells>],
) -> Vec<bool> {
    let mut blank = vec![true; batch.num_rows()];
    let mut seen = vec![false; batch.num_columns()];
    for (src, c) in sources.iter().zip(cells) {
        if let (Some(i), Some(c)) = (src, c) {
            seen[*i] = true;
            for (row, b) in blank.iter_mut().enumerate() {
                *b &= c.get(row).is_none_or(<[u8]>::is_empty);
            }
        }
    }
    for (i, a) in batch.columns().iter().enumerate() {
        if seen[i] {
            continue;
        }
        let extra = Cells::of(a).ok();
        for (row, b) in blank.iter_mut().enumerate() {
            *b &= match &extra {
                Some(c) => c.get(row).is_none_or(<[u8]>::is_empty),
                None => a.is_null(row),
            };
        }
    }
    blank
}
