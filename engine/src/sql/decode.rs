//! Typed decoding of query results: a result's columns are read by name, with their
//! types checked, into values that documents and analyses use. A missing column, a
//! column of another type, or NULL where a value is required is an error naming the
//! query file, never a blank, a 0 or a default standing in for it.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Decimal128Type, Float64Type, Int64Type};

use super::catalog::Query;
use crate::error::{Error, Result};

/// The result of one query, to be read column by column.
pub struct Decoder<'a> {
    batch: &'a RecordBatch,
    file: String,
}

/// One column's values, with the query file and column name for errors.
pub struct Column<T> {
    file: String,
    name: String,
    values: Vec<Option<T>>,
}

impl<T: Clone> Column<T> {
    /// The value of row `r`; `None` for NULL.
    pub fn get(&self, r: usize) -> Option<T> {
        self.values.get(r).cloned().flatten()
    }

    /// The value of row `r`, which the query must give (an error naming the file,
    /// column and row when it is NULL).
    pub fn req(&self, r: usize) -> Result<T> {
        self.get(r).ok_or_else(|| {
            Error::Query(format!(
                "{} gives no value in column {} of row {}",
                self.file,
                self.name,
                r + 1
            ))
        })
    }
}

impl<'a> Decoder<'a> {
    /// The result `batch` of query `q`.
    pub fn new(batch: &'a RecordBatch, q: &Query) -> Decoder<'a> {
        Decoder {
            batch,
            file: q.path(),
        }
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    fn array(&self, name: &str, accept: fn(&DataType) -> bool, what: &str) -> Result<&ArrayRef> {
        let a = self
            .batch
            .column_by_name(name)
            .ok_or_else(|| Error::Query(format!("{} gives no column {name}", self.file)))?;
        if !accept(a.data_type()) {
            return Err(Error::Query(format!(
                "{} gives the column {name} as {}, not {what}",
                self.file,
                a.data_type()
            )));
        }
        Ok(a)
    }

    fn column<T>(&self, name: &str, values: Vec<Option<T>>) -> Column<T> {
        Column {
            file: self.file.clone(),
            name: name.to_string(),
            values,
        }
    }

    /// A text column.
    pub fn text(&self, name: &str) -> Result<Column<String>> {
        let a = self.array(
            name,
            |t| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
            "text",
        )?;
        let a = cast(a, &DataType::Utf8)?;
        let s = a.as_string::<i32>();
        Ok(self.column(name, s.iter().map(|v| v.map(str::to_string)).collect()))
    }

    /// A whole-number column (any integer type).
    pub fn int(&self, name: &str) -> Result<Column<i64>> {
        let a = self.array(name, DataType::is_integer, "a whole number")?;
        let a = cast(a, &DataType::Int64)?;
        let i = a.as_primitive::<Int64Type>();
        Ok(self.column(name, i.iter().collect()))
    }

    /// A floating-point column (rates).
    pub fn float(&self, name: &str) -> Result<Column<f64>> {
        let a = self.array(name, |t| matches!(t, DataType::Float64), "a rate (DOUBLE)")?;
        let f = a.as_primitive::<Float64Type>();
        Ok(self.column(name, f.iter().collect()))
    }

    /// An exact decimal column (money), as its text (`34790.00`).
    pub fn decimal(&self, name: &str) -> Result<Column<String>> {
        let a = self.array(
            name,
            |t| matches!(t, DataType::Decimal128(_, _)),
            "an exact decimal",
        )?;
        let d = a.as_primitive::<Decimal128Type>();
        let values = (0..d.len())
            .map(|r| d.is_valid(r).then(|| d.value_as_string(r)))
            .collect();
        Ok(self.column(name, values))
    }

    /// A true/false column.
    pub fn flag(&self, name: &str) -> Result<Column<bool>> {
        let a = self.array(name, |t| matches!(t, DataType::Boolean), "true/false")?;
        Ok(self.column(name, a.as_boolean().iter().collect()))
    }

    /// A date column, as days since 1970-01-01.
    pub fn date(&self, name: &str) -> Result<Column<i32>> {
        let a = self.array(name, |t| matches!(t, DataType::Date32), "a date")?;
        let d = a.as_primitive::<Date32Type>();
        Ok(self.column(name, d.iter().collect()))
    }
}
