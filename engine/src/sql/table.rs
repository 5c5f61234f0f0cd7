//! Query results as tables of cells, and their writers for machines: CSV with a header
//! row, and JSON (an array of objects). The terminal rendering is the CLI's
//! (`cli::output`); scheduled jobs attach these writers' files to e-mails.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int64Type,
    SchemaRef, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{Map, Value as Json};

use crate::calendar;
use crate::error::{Error, Result};

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value (SQL NULL): an empty CSV cell, JSON `null`.
    Null,
    /// A whole number.
    Int(i64),
    /// Text, dates (`YYYY-MM-DD`) and booleans.
    Text(String),
    /// An exact decimal, already formatted (money: `12.50`).
    Decimal(String),
    /// A fraction in [0,1]: a percentage on a terminal, a plain decimal elsewhere.
    Rate(f64),
}

impl Cell {
    /// The value as CSV writes it: plain decimals, never an exponent, NULL empty.
    pub fn plain(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Text(s) | Cell::Decimal(s) => s.clone(),
            // Rust's Display for f64 never uses an exponent.
            Cell::Rate(r) => format!("{r}"),
        }
    }

    /// The value as people read it: rates as percentages, NULL as "—".
    pub fn human(&self) -> String {
        match self {
            Cell::Null => "—".to_string(),
            Cell::Rate(r) => format!("{:.1}%", r * 100.0),
            other => other.plain(),
        }
    }

    fn json(&self) -> Json {
        match self {
            Cell::Null => Json::Null,
            Cell::Int(i) => Json::from(*i),
            Cell::Text(s) => Json::from(s.as_str()),
            Cell::Decimal(s) => s
                .parse::<f64>()
                .map(Json::from)
                .unwrap_or(Json::from(s.as_str())),
            Cell::Rate(r) => Json::from(*r),
        }
    }

    /// Whether a terminal aligns the value to the right (numbers).
    pub fn right_aligned(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

/// A table: named columns and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Tabular {
    /// The column names, in order.
    pub columns: Vec<String>,
    /// The rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Tabular {
    /// The rows as maps from column name to cell.
    pub fn records(&self) -> Vec<std::collections::BTreeMap<&str, &Cell>> {
        self.rows
            .iter()
            .map(|r| {
                self.columns
                    .iter()
                    .map(String::as_str)
                    .zip(r.iter())
                    .collect()
            })
            .collect()
    }

    /// CSV with a header row.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        w.write_record(&self.columns).map_err(io)?;
        for r in &self.rows {
            w.write_record(r.iter().map(Cell::plain)).map_err(io)?;
        }
        w.into_inner()
            .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
    }

    /// A JSON array of objects keyed by column name, pretty-printed, ending in a newline.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let rows: Vec<Json> = self
            .rows
            .iter()
            .map(|r| {
                let obj: Map<String, Json> = self
                    .columns
                    .iter()
                    .cloned()
                    .zip(r.iter().map(Cell::json))
                    .collect();
                Json::Object(obj)
            })
            .collect();
        let mut s = serde_json::to_vec_pretty(&rows).map_err(|e| Error::Internal(e.to_string()))?;
        s.push(b'\n');
        Ok(s)
    }

    /// A result of the engine's queries as cells: integers, text, dates as
    /// `YYYY-MM-DD`, money as exact decimals, and `Float64` columns as rates, except
    /// `median_days_to_exit`.
    pub fn from_batch(batch: &RecordBatch) -> Result<Tabular> {
        let schema = batch.schema();
        let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut rows = vec![Vec::with_capacity(columns.len()); batch.num_rows()];
        for (i, field) in schema.fields().iter().enumerate() {
            let a = batch.column(i);
            for (r, row) in rows.iter_mut().enumerate() {
                row.push(figure(a, field.name(), r)?);
            }
        }
        Ok(Tabular { columns, rows })
    }

    /// Any query result (an inspector's) as cells: integers, text, dates as
    /// `YYYY-MM-DD`, decimals and floats written plainly (never with an exponent), NULL
    /// as [`Cell::Null`].
    pub fn from_batches(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Tabular> {
        let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut rows = Vec::new();
        for b in batches {
            let cols: Vec<Vec<Cell>> = b.columns().iter().map(cells).collect::<Result<Vec<_>>>()?;
            for r in 0..b.num_rows() {
                rows.push(cols.iter().map(|c| c[r].clone()).collect());
            }
        }
        Ok(Tabular { columns, rows })
    }
}

/// One cell of an engine result (see [`Tabular::from_batch`]).
fn figure(a: &ArrayRef, name: &str, r: usize) -> Result<Cell> {
    if a.is_null(r) {
        return Ok(Cell::Null);
    }
    Ok(match a.data_type() {
        DataType::Utf8 => Cell::Text(a.as_string::<i32>().value(r).to_string()),
        DataType::Utf8View => Cell::Text(a.as_string_view().value(r).to_string()),
        DataType::LargeUtf8 => Cell::Text(a.as_string::<i64>().value(r).to_string()),
        DataType::Int64 => Cell::Int(a.as_primitive::<Int64Type>().value(r)),
        DataType::UInt64 => Cell::Int(a.as_primitive::<UInt64Type>().value(r) as i64),
        DataType::Date32 => Cell::Text(calendar::iso(a.as_primitive::<Date32Type>().value(r))),
        DataType::Decimal128(_, _) => {
            Cell::Decimal(a.as_primitive::<Decimal128Type>().value_as_string(r))
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(r);
            if name == "median_days_to_exit" {
                Cell::Decimal(format!("{v}"))
            } else {
                Cell::Rate(v)
            }
        }
        DataType::Boolean => Cell::Text(a.as_boolean().value(r).to_string()),
        other => {
            return Err(Error::Internal(format!(
                "column {name} has the unexpected type {other}"
            )))
        }
    })
}

/// A float written plainly, never with an exponent.
pub fn plain_float(v: f64) -> Cell {
    if v.is_finite() {
        Cell::Decimal(format!("{v}"))
    } else {
        Cell::Text(format!("{v}"))
    }
}

/// One column of any result (see [`Tabular::from_batches`]).
fn cells(a: &ArrayRef) -> Result<Vec<Cell>> {
    let n = a.len();
    let each = |f: &dyn Fn(usize) -> Cell| -> Vec<Cell> {
        (0..n)
            .map(|r| if a.is_null(r) { Cell::Null } else { f(r) })
            .collect()
    };
    Ok(match a.data_type() {
        DataType::Null => vec![Cell::Null; n],
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let s = cast(a, &DataType::Utf8)?;
            let s = s.as_string::<i32>();
            each(&|r| Cell::Text(s.value(r).to_string()))
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
            let i = cast(a, &DataType::Int64)?;
            let i = i.as_primitive::<Int64Type>();
            each(&|r| Cell::Int(i.value(r)))
        }
        DataType::UInt64 => {
            let u = a.as_primitive::<UInt64Type>();
            each(&|r| {
                let v = u.value(r);
                i64::try_from(v)
                    .map(Cell::Int)
                    .unwrap_or(Cell::Decimal(v.to_string()))
            })
        }
        DataType::Float64 => {
            let f = a.as_primitive::<Float64Type>();
            each(&|r| plain_float(f.value(r)))
        }
        DataType::Float32 => {
            let f = a.as_primitive::<Float32Type>();
            each(&|r| {
                let v = f.value(r);
                if v.is_finite() {
                    Cell::Decimal(format!("{v}"))
                } else {
                    Cell::Text(format!("{v}"))
                }
            })
        }
        DataType::Decimal128(_, _) => {
            let d = a.as_primitive::<Decimal128Type>();
            each(&|r| Cell::Decimal(d.value_as_string(r)))
        }
        DataType::Date32 => {
            let d = a.as_primitive::<Date32Type>();
            each(&|r| Cell::Text(calendar::iso(d.value(r))))
        }
        DataType::Date64 => {
            let d = a.as_primitive::<Date64Type>();
            each(&|r| Cell::Text(calendar::iso(d.value(r).div_euclid(86_400_000) as i32)))
        }
        DataType::Boolean => {
            let b = a.as_boolean();
            each(&|r| Cell::Text(b.value(r).to_string()))
        }
        _ => {
            let f = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())?;
            each(&|r| Cell::Text(f.value(r).to_string()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Tabular {
        Tabular {
            columns: vec!["name".into(), "rate".into(), "money".into()],
            rows: vec![
                vec![
                    Cell::Text("济南市总工会".into()),
                    Cell::Rate(0.875),
                    Cell::Decimal("12.50".into()),
                ],
                vec![
                    Cell::Text("abc".into()),
                    Cell::Null,
                    Cell::Decimal("0.00".into()),
                ],
            ],
        }
    }

    #[test]
    fn csv_and_json_carry_plain_decimals() {
        let c = String::from_utf8(sample().to_csv().unwrap()).unwrap();
        assert_eq!(c, "name,rate,money\n济南市总工会,0.875,12.50\nabc,,0.00\n");
        let j: Json = serde_json::from_slice(&sample().to_json().unwrap()).unwrap();
        assert_eq!(j[0]["rate"], 0.875);
        assert_eq!(j[1]["rate"], Json::Null);
        assert_eq!(Cell::Rate(1e-7).plain(), "0.0000001");
    }

    #[test]
    fn floats_never_use_an_exponent() {
        assert_eq!(plain_float(1e-7), Cell::Decimal("0.0000001".into()));
        assert_eq!(
            plain_float(1e21),
            Cell::Decimal("1000000000000000000000".into())
        );
    }
}
