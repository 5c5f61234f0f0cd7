//! One writer per table: CSV through the `csv` crate or Parquet through Arrow builders,
//! both following the column order and types of `schema::TABLES`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder,
    StringBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;

use super::calendar;
use super::Format;
use crate::error::{Error, Result};
use crate::files::AtomicFile;
use crate::ingest::schema::{ColType, Table, MONEY_PRECISION, MONEY_SCALE};

/// Rows per Arrow RecordBatch handed to the Parquet writer.
const BATCH_ROWS: usize = 65_536;
/// Rows per Parquet row group (the writer buffers one row group per table).
const ROW_GROUP_ROWS: usize = 4 * BATCH_ROWS;

/// One cell, typed as the archive format types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V<'a> {
    Null,
    /// Id, text, enumeration code or month.
    S(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
    Int(i64),
    Bool(bool),
    /// Cents.
    Money(i64),
}

impl V<'_> {
    /// An optional date.
    pub fn date(d: Option<i32>) -> Self {
        d.map_or(V::Null, V::Date)
    }

    fn fits(&self, ty: ColType) -> bool {
        match self {
            V::Null => true,
            V::S(_) => matches!(
                ty,
                ColType::Id | ColType::Text | ColType::Enum(_) | ColType::Month
            ),
            V::Date(_) => ty == ColType::Date,
            V::Int(_) => ty == ColType::Int,
            V::Bool(_) => ty == ColType::Bool,
            V::Money(c) => ty == ColType::Money && *c >= 0,
        }
    }
}

enum Column {
    Utf8(StringBuilder),
    Date(Date32Builder),
    Int(Int64Builder),
    Bool(BooleanBuilder),
    Money(Decimal128Builder),
}

impl Column {
    fn new(ty: ColType) -> Result<Self> {
        Ok(match ty {
            ColType::Id | ColType::Text | ColType::Enum(_) | ColType::Month => {
                Column::Utf8(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 12))
            }
            ColType::Date => Column::Date(Date32Builder::with_capacity(BATCH_ROWS)),
            ColType::Int => Column::Int(Int64Builder::with_capacity(BATCH_ROWS)),
            ColType::Bool => Column::Bool(BooleanBuilder::with_capacity(BATCH_ROWS)),
            ColType::Money => Column::Money(
                Decimal128Builder::with_capacity(BATCH_ROWS)
                    .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)?,
            ),
        })
    }

    fn push(&mut self, v: V) {
        match (self, v) {
            (Column::Utf8(b), V::S(s)) => b.append_value(s),
            (Column::Utf8(b), _) => b.append_null(),
            (Column::Date(b), V::Date(d)) => b.append_value(d),
            (Column::Date(b), _) => b.append_null(),
            (Column::Int(b), V::Int(n)) => b.append_value(n),
            (Column::Int(b), _) => b.append_null(),
            (Column::Bool(b), V::Bool(x)) => b.append_value(x),
            (Column::Bool(b), _) => b.append_null(),
            (Column::Money(b), V::Money(c)) => b.append_value(c as i128),
            (Column::Money(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Utf8(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Money(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Utf8(b) => b.len(),
            Column::Date(b) => b.len(),
            Column::Int(b) => b.len(),
            Column::Bool(b) => b.len(),
            Column::Money(b) => b.len(),
        }
    }
}

enum Sink {
    Csv {
        out: csv::Writer<AtomicFile>,
        scratch: String,
    },
    Parquet {
        out: ArrowWriter<AtomicFile>,
        schema: SchemaRef,
        columns: Vec<Column>,
    },
}

/// Writes the rows of one table to `<dir>/<table>.csv` or `<dir>/<table>.parquet`.
pub struct TableWriter {
    table: &'static Table,
    path: PathBuf,
    rows: u64,
    sink: Sink,
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

impl TableWriter {
    pub fn create(dir: &Path, table: &'static Table, format: Format) -> Result<Self> {
        let ext = match format {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        };
        let path = dir.join(format!("{}.{ext}", table.name));
        let file = AtomicFile::create(&path)?;
        let sink = match format {
            Format::Csv => {
                let mut out = csv::Writer::from_writer(file);
                out.write_record(table.columns.iter().map(|c| c.name))
                    .map_err(|e| Error::io(&path, e.into()))?;
                Sink::Csv {
                    out,
                    scratch: String::new(),
                }
            }
            Format::Parquet => {
                let schema = table.arrow_schema();
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .build();
                let out = ArrowWriter::try_new(file, schema.clone(), Some(props))
                    .map_err(|e| parquet_err(&path, e))?;
                let columns = table
                    .columns
                    .iter()
                    .map(|c| Column::new(c.ty))
                    .collect::<Result<Vec<_>>>()?;
                Sink::Parquet {
                    out,
                    schema,
                    columns,
                }
            }
        };
        Ok(TableWriter {
            table,
            path,
            rows: 0,
            sink,
        })
    }

    /// Appends one row; the values follow the table's column order.
    pub fn row(&mut self, values: &[V]) -> Result<()> {
        let cols = self.table.columns;
        if values.len() != cols.len() {
            return Err(Error::Internal(format!(
                "generate: {} row has {} values for {} columns",
                self.table.name,
                values.len(),
                cols.len()
            )));
        }
        for (v, c) in values.iter().zip(cols) {
            if !v.fits(c.ty) || (c.required && *v == V::Null) {
                return Err(Error::Internal(format!(
                    "generate: {}.{} cannot hold {v:?}",
                    self.table.name, c.name
                )));
            }
        }
        self.rows += 1;
        match &mut self.sink {
            Sink::Csv { out, scratch } => {
                for v in values {
                    scratch.clear();
                    let mut date = [0u8; 10];
                    let field: &[u8] = match *v {
                        V::Null => b"",
                        V::S(s) => s.as_bytes(),
                        V::Date(d) => calendar::format(d, &mut date),
                        V::Int(n) => {
                            let _ = write!(scratch, "{n}");
                            scratch.as_bytes()
                        }
                        V::Bool(b) => {
                            if b {
                                b"true"
                            } else {
                                b"false"
                            }
                        }
                        V::Money(c) => {
                            let _ = write!(scratch, "{}.{:02}", c / 100, c % 100);
                            scratch.as_bytes()
                        }
                    };
                    out.write_field(field)
                        .map_err(|e| Error::io(&self.path, e.into()))?;
                }
                out.write_record(None::<&[u8]>)
                    .map_err(|e| Error::io(&self.path, e.into()))?;
            }
            Sink::Parquet { columns, .. } => {
                for (col, v) in columns.iter_mut().zip(values) {
                    col.push(*v);
                }
                if columns[0].len() >= BATCH_ROWS {
                    self.flush()?;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if let Sink::Parquet {
            out,
            schema,
            columns,
        } = &mut self.sink
        {
            if columns[0].len() == 0 {
                return Ok(());
            }
            let arrays: Vec<ArrayRef> = columns.iter_mut().map(Column::finish).collect();
            let batch = RecordBatch::try_new(schema.clone(), arrays)?;
            out.write(&batch).map_err(|e| parquet_err(&self.path, e))?;
        }
        Ok(())
    }

    /// Flushes the file and renames it into place; returns the number of rows written.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        match self.sink {
            Sink::Csv { out, .. } => out
                .into_inner()
                .map_err(|e| Error::io(&self.path, std::io::Error::other(e.to_string())))?
                .commit()?,
            Sink::Parquet { out, .. } => out
                .into_inner()
                .map_err(|e| parquet_err(&self.path, e))?
                .commit()?,
        }
        Ok(self.rows)
    }
}

/// The tables of the archive, in `schema::TABLES` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T {
    Unions,
    Contacts,
    Households,
    Assignments,
    Visits,
    Crosschecks,
    Exits,
    Disbursements,
    Subsidies,
    Budgets,
    Requests,
    Trainings,
    Feedback,
    Inspections,
    Rectifications,
    Referrals,
}

const ORDER: [(T, &str); 16] = [
    (T::Unions, "unions"),
    (T::Contacts, "contacts"),
    (T::Households, "households"),
    (T::Assignments, "assignments"),
    (T::Visits, "visits"),
    (T::Crosschecks, "crosschecks"),
    (T::Exits, "exits"),
    (T::Disbursements, "disbursements"),
    (T::Subsidies, "subsidies"),
    (T::Budgets, "budgets"),
    (T::Requests, "requests"),
    (T::Trainings, "trainings"),
    (T::Feedback, "feedback"),
    (T::Inspections, "inspections"),
    (T::Rectifications, "rectifications"),
    (T::Referrals, "referrals"),
];

/// One writer per table of the archive.
pub struct Archive {
    writers: Vec<TableWriter>,
}

impl Archive {
    pub fn create(dir: &Path, format: Format) -> Result<Self> {
        let tables = crate::ingest::schema::TABLES;
        if tables.len() != ORDER.len()
            || tables
                .iter()
                .zip(ORDER)
                .any(|(t, (_, name))| t.name != name)
        {
            return Err(Error::Internal(
                "generate: schema::TABLES changed order".into(),
            ));
        }
        // A table's file in the other format would make the folder ambiguous (and the
        // generator reads the folder back to answer its findings).
        let other = match format {
            Format::Csv => "parquet",
            Format::Parquet => "csv",
        };
        for t in tables {
            let stale = dir.join(format!("{}.{other}", t.name));
            if std::fs::symlink_metadata(&stale).is_ok() {
                std::fs::remove_file(&stale).map_err(|e| Error::io(&stale, e))?;
            }
        }
        let writers = tables
            .iter()
            .map(|t| TableWriter::create(dir, t, format))
            .collect::<Result<Vec<_>>>()?;
        Ok(Archive { writers })
    }

    pub fn row(&mut self, t: T, values: &[V]) -> Result<()> {
        self.writers[t as usize].row(values)
    }

    pub fn writer(&mut self, t: T) -> &mut TableWriter {
        &mut self.writers[t as usize]
    }

    /// Closes every file; rows written per table, in `schema::TABLES` order.
    pub fn finish(self) -> Result<Vec<(&'static str, u64)>> {
        self.writers
            .into_iter()
            .map(|w| {
                let name = w.table.name;
                w.finish().map(|n| (name, n))
            })
            .collect()
    }
}
