//! Reading a table from Parquet: columns are matched by name and every value goes
//! through the same checks as a CSV cell, so both forms load identically. A Parquet
//! row's "line" is its 1-based row number plus one, the line it would have in CSV.

use std::fs::File;
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
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
        let mut texts = Vec::with_capacity(sources.len());
        for (col, src) in builder.table().columns.iter().zip(&sources) {
            let Some(i) = src else {
                texts.push(None);
                continue;
            };
            let text = cast(batch.column(*i), &DataType::Utf8).map_err(|e| {
                Error::Unreadable(format!(
                    "{name}: column {} cannot be read as text: {e}",
                    col.name
                ))
            })?;
            texts.push(Some(text));
        }
        for row in 0..batch.num_rows() {
            line += 1;
            let mut fields: [Option<&[u8]>; MAX_COLS] = [None; MAX_COLS];
            for (slot, text) in fields.iter_mut().zip(&texts) {
                if let Some(a) = text {
                    let a = a.as_string::<i32>();
                    *slot = a.is_valid(row).then(|| a.value(row).as_bytes());
                }
            }
            builder.push(line, &fields)?;
        }
        progress(builder.read);
    }
    Ok(warnings)
}
