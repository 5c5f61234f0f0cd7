//! Row-level validation: every record of a table passes through [`TableBuilder::push`],
//! which either appends it to typed Arrow columns or rejects it with a reason.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, RecordBatch,
    StringBuilder,
};
use foldhash::fast::FixedState;

use super::cells::{self, Input, Reading};
use super::lines::Lines;
use super::values::Value;
use super::{labels, Issue};
use crate::error::{Error, Result};
use crate::ingest::schema::{ColType, Table, MONEY_PRECISION, MONEY_SCALE};

/// The widest table (households) has ten columns.
pub const MAX_COLS: usize = 10;

/// Rows per Arrow batch handed to DataFusion.
const BATCH_ROWS: usize = 65_536;

enum ColumnBuilder {
    Str(StringBuilder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Money(Decimal128Builder),
}

impl ColumnBuilder {
    /// A builder sized for a full batch, so that appending never reallocates.
    fn new(ty: ColType) -> Self {
        const BYTES_PER_STR: usize = 16;
        match ty {
            ColType::Id | ColType::Text | ColType::Enum(_) | ColType::Month => ColumnBuilder::Str(
                StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * BYTES_PER_STR),
            ),
            ColType::Date => ColumnBuilder::Date(Date32Builder::with_capacity(BATCH_ROWS)),
            ColType::Bool => ColumnBuilder::Bool(BooleanBuilder::with_capacity(BATCH_ROWS)),
            ColType::Int => ColumnBuilder::Int(Int64Builder::with_capacity(BATCH_ROWS)),
            ColType::Money => ColumnBuilder::Money(money_builder()),
        }
    }

    fn append(&mut self, v: Value) {
        match (self, v) {
            (ColumnBuilder::Str(b), Value::Str(s)) => b.append_value(s),
            (ColumnBuilder::Str(b), _) => b.append_null(),
            (ColumnBuilder::Date(b), Value::Date(d)) => b.append_value(d),
            (ColumnBuilder::Date(b), _) => b.append_null(),
            (ColumnBuilder::Bool(b), Value::Bool(x)) => b.append_value(x),
            (ColumnBuilder::Bool(b), _) => b.append_null(),
            (ColumnBuilder::Int(b), Value::Int(i)) => b.append_value(i),
            (ColumnBuilder::Int(b), _) => b.append_null(),
            (ColumnBuilder::Money(b), Value::Money(c)) => b.append_value(c),
            (ColumnBuilder::Money(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Str(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::Int(b) => Arc::new(b.finish()),
            ColumnBuilder::Money(b) => Arc::new(b.finish()),
        }
    }
}

fn money_builder() -> Decimal128Builder {
    Decimal128Builder::with_capacity(BATCH_ROWS)
        .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)
        .expect("the money type is a valid decimal")
}

/// The unique keys accepted so far: a hash → the first row's index, with the key bytes
/// kept in one arena so that a hash collision is told apart from a duplicate.
#[derive(Default)]
struct KeyIndex<S = FixedState> {
    hasher: S,
    by_hash: HashMap<u64, u32, FixedState>,
    collided: HashMap<Vec<u8>, u32, FixedState>,
    arena: Vec<u8>,
    ends: Vec<usize>,
}

impl<S: BuildHasher> KeyIndex<S> {
    fn key(&self, row: u32) -> &[u8] {
        let row = row as usize;
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.arena[start..self.ends[row]]
    }

    /// The row that already holds `key`, or `None` after recording `key` as the next row.
    fn first_or_insert(&mut self, key: &[u8]) -> Option<u32> {
        let row = self.ends.len() as u32;
        match self.by_hash.entry(self.hasher.hash_one(key)) {
            Entry::Vacant(e) => {
                e.insert(row);
            }
            Entry::Occupied(e) => {
                let holder = *e.get();
                if self.key(holder) == key {
                    return Some(holder);
                }
                // A different key with the same hash.
                if let Some(&first) = self.collided.get(key) {
                    return Some(first);
                }
                self.collided.insert(key.to_vec(), row);
            }
        }
        self.arena.extend_from_slice(key);
        self.ends.push(self.arena.len());
        None
    }
}

/// Accumulates the accepted rows of one table as Arrow batches.
pub struct TableBuilder {
    table: &'static Table,
    file: String,
    readings: Vec<Reading>,
    columns: Vec<ColumnBuilder>,
    key_cols: Vec<usize>,
    ordered: Option<(usize, usize)>,
    keys: KeyIndex,
    key_buf: Vec<u8>,
    in_batch: usize,
    batches: Vec<RecordBatch>,
    /// The line of every accepted row, in order.
    pub lines: Lines,
    /// Rows read (accepted + rejected).
    pub read: u64,
    /// One issue per rejected row so far.
    pub rejects: Vec<Issue>,
}

/// One table's accepted rows, ready for DataFusion.
pub struct Built {
    /// The accepted rows, as Arrow batches with the table's schema.
    pub batches: Vec<RecordBatch>,
    /// The line of every accepted row, in order.
    pub lines: Lines,
    /// Rows read (accepted + rejected).
    pub read: u64,
    /// One issue per rejected row.
    pub rejects: Vec<Issue>,
}

impl TableBuilder {
    /// `file` is the name used in messages (`visits.csv`).
    pub fn new(table: &'static Table, file: impl Into<String>) -> Self {
        let index = |name: &str| {
            table
                .column(name)
                .map(|(i, _)| i)
                .expect("schema names its own columns")
        };
        TableBuilder {
            table,
            file: file.into(),
            readings: table
                .columns
                .iter()
                .map(|c| Reading {
                    column: c,
                    labels: labels::enum_labels(table.name, c.name),
                    date1904: false,
                })
                .collect(),
            columns: table
                .columns
                .iter()
                .map(|c| ColumnBuilder::new(c.ty))
                .collect(),
            key_cols: table.key.iter().map(|k| index(k)).collect(),
            ordered: table.ordered_dates.map(|(a, b)| (index(a), index(b))),
            keys: KeyIndex::default(),
            key_buf: Vec::new(),
            in_batch: 0,
            batches: Vec::new(),
            lines: Lines::new(),
            read: 0,
            rejects: Vec::new(),
        }
    }

    /// The table being built.
    pub fn table(&self) -> &'static Table {
        self.table
    }

    /// Rejects a whole record before its cells are looked at (wrong field count, …).
    pub fn reject(&mut self, line: u64, column: &str, value: &str, reason: String) {
        self.read += 1;
        self.rejects.push(Issue::new(
            self.table.name,
            Some(line),
            column,
            value,
            reason,
        ));
    }

    /// Whether the workbook being read counts its date numbers from 1904.
    pub fn set_date1904(&mut self, date1904: bool) {
        for r in &mut self.readings {
            r.date1904 = date1904;
        }
    }

    /// Checks one record and appends it, or rejects it. `fields[i]` is the raw cell of
    /// the table's column `i` (`None` when the file lacks that column). Raw bytes that
    /// are not UTF-8 reject the row.
    pub fn push(&mut self, line: u64, fields: &[Option<&[u8]>]) -> Result<()> {
        let mut cells: [Option<Input>; MAX_COLS] = [None; MAX_COLS];
        for (c, f) in cells.iter_mut().zip(fields) {
            *c = f.map(Input::Text);
        }
        self.push_cells(line, &cells[..fields.len()])
    }

    /// [`TableBuilder::push`] for the cells of any source (a workbook's numbers, dates,
    /// booleans and errors too).
    pub fn push_cells(&mut self, line: u64, fields: &[Option<Input>]) -> Result<()> {
        let mut parsed: [Value; MAX_COLS] = std::array::from_fn(|_| Value::Null);
        for (i, (reading, slot)) in self.readings.iter().zip(parsed.iter_mut()).enumerate() {
            match cells::check(reading, fields.get(i).copied().flatten()) {
                Ok(v) => *slot = v,
                Err((value, reason)) => {
                    self.reject(line, reading.column.name, &value, reason);
                    return Ok(());
                }
            }
        }
        if let Some((from, to)) = self.ordered {
            if let (Value::Date(a), Value::Date(b)) = (&parsed[from], &parsed[to]) {
                let (a, b) = (*a, *b);
                if b < a {
                    let (f, t) = (self.table.columns[from].name, self.table.columns[to].name);
                    let reason = format!(
                        "{t} {} is before {f} {}",
                        crate::calendar::iso(b),
                        crate::calendar::iso(a)
                    );
                    self.reject(line, t, &crate::calendar::iso(b), reason);
                    return Ok(());
                }
            }
        }
        if !self.key_cols.is_empty() {
            let mut key = std::mem::take(&mut self.key_buf);
            key_bytes(&self.key_cols, &parsed, &mut key);
            let first = self.keys.first_or_insert(&key);
            self.key_buf = key;
            if let Some(first) = first {
                let key = &self.key_buf;
                let first_line = self.lines.get(first as usize).ok_or_else(|| {
                    Error::Internal(format!("{}: no line for row {first}", self.file))
                })?;
                let name = self.table.key.join(", ");
                let shown = String::from_utf8_lossy(key).replace('\u{1f}', ", ");
                let reason = format!("duplicate {name} (first at line {first_line})");
                self.reject(line, &name, &shown, reason);
                return Ok(());
            }
        }
        let line = u32::try_from(line)
            .map_err(|_| Error::Unreadable(format!("{}: more than 4 billion lines", self.file)))?;
        self.read += 1;
        self.lines.push(line);
        for (b, v) in self.columns.iter_mut().zip(parsed) {
            b.append(v);
        }
        self.in_batch += 1;
        if self.in_batch == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.in_batch == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        // Fresh, full-size builders for the next batch (finishing leaves them empty).
        self.columns = self
            .table
            .columns
            .iter()
            .map(|c| ColumnBuilder::new(c.ty))
            .collect();
        self.batches
            .push(RecordBatch::try_new(self.table.arrow_schema(), arrays)?);
        self.in_batch = 0;
        Ok(())
    }

    /// Flushes the last batch and returns the accepted rows and the rejects.
    pub fn finish(mut self) -> Result<Built> {
        self.flush()?;
        Ok(Built {
            batches: self.batches,
            lines: self.lines,
            read: self.read,
            rejects: self.rejects,
        })
    }
}

fn key_bytes(cols: &[usize], parsed: &[Value], key: &mut Vec<u8>) {
    key.clear();
    for (n, &i) in cols.iter().enumerate() {
        if n > 0 {
            key.push(0x1f);
        }
        match &parsed[i] {
            Value::Str(s) => key.extend_from_slice(s.as_bytes()),
            Value::Int(v) => key.extend_from_slice(v.to_string().as_bytes()),
            Value::Date(d) => key.extend_from_slice(crate::calendar::iso(*d).as_bytes()),
            other => key.extend_from_slice(format!("{other:?}").as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Decimal128Type;

    fn row<'a>(cells: &[&'a str]) -> Vec<Option<&'a [u8]>> {
        cells.iter().map(|c| Some(c.as_bytes())).collect()
    }

    #[test]
    fn accepts_typed_rows_and_rejects_each_reason_once() {
        let t = schema::table("disbursements").unwrap();
        let mut b = TableBuilder::new(t, "disbursements.csv");
        // payment_id, union_id, household_id, category, amount, paid_on, approved_on, source
        b.push(
            2,
            &row(&[
                "P1",
                " U1 ",
                "",
                "living",
                "100.5",
                "2026-07-01",
                "",
                "fiscal",
            ]),
        )
        .unwrap();
        b.push(
            3,
            &row(&["P2", "U1", "H1", "food", "100", "2026-07-01", "", "fiscal"]),
        )
        .unwrap();
        b.push(
            4,
            &row(&["P3", "U1", "H1", "living", "0", "2026-07-01", "", "fiscal"]),
        )
        .unwrap();
        b.push(
            5,
            &row(&[
                "P4",
                "U1",
                "H1",
                "living",
                "1.005",
                "2026-07-01",
                "",
                "fiscal",
            ]),
        )
        .unwrap();
        b.push(
            6,
            &row(&["P1", "U1", "H1", "living", "1", "2026-07-01", "", "fiscal"]),
        )
        .unwrap();
        b.push(
            7,
            &row(&["P5", "", "H1", "living", "1", "2026-07-01", "", "fiscal"]),
        )
        .unwrap();
        b.push(
            8,
            &row(&["P6", "U1", "H1", "living", "1", "2026-02-30", "", "fiscal"]),
        )
        .unwrap();
        let built = b.finish().unwrap();
        assert_eq!(built.read, 7);
        assert_eq!(built.lines.to_vec(), [2]);
        let reasons: Vec<_> = built
            .rejects
            .iter()
            .map(|r| (r.line, r.column.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (
                    Some(3),
                    "category",
                    "not one of living/medical/education/employment/housing/emergency (or 生活救助、医疗救助、助学、就业、住房、临时救助)"
                ),
                (Some(4), "amount", "amount must be greater than 0"),
                (Some(5), "amount", "money with more than 2 decimals"),
                (
                    Some(6),
                    "payment_id",
                    "duplicate payment_id (first at line 2)"
                ),
                (Some(7), "union_id", "required value is missing"),
                (Some(8), "paid_on", "no such day: 2026-02-30"),
            ]
        );
        let batch = &built.batches[0];
        assert_eq!(
            batch.column(1).as_string::<i32>().value(0),
            "U1",
            "ids are trimmed"
        );
        assert!(batch.column(2).is_null(0), "empty cell is NULL");
        assert_eq!(
            batch.column(4).as_primitive::<Decimal128Type>().value(0),
            10050
        );
    }

    /// intake.md: a code in any letter case or its Chinese label is the code.
    #[test]
    fn codes_in_any_case_and_labels_are_stored_as_codes() {
        let t = schema::table("disbursements").unwrap();
        let mut b = TableBuilder::new(t, "disbursements.csv");
        let cells = ["P1", "U1", "H1", "Living", "¥1,000", "2026/7/1", "", "财政"];
        b.push(2, &row(&cells)).unwrap();
        let built = b.finish().unwrap();
        assert!(built.rejects.is_empty(), "{:?}", built.rejects);
        let batch = &built.batches[0];
        assert_eq!(batch.column(3).as_string::<i32>().value(0), "living");
        assert_eq!(batch.column(7).as_string::<i32>().value(0), "fiscal");
    }

    #[test]
    fn composite_key_and_date_order() {
        let budgets = schema::table("budgets").unwrap();
        let mut b = TableBuilder::new(budgets, "budgets.csv");
        b.push(2, &row(&["U1", "2026", "10"])).unwrap();
        b.push(3, &row(&["U1", "2025", "10"])).unwrap();
        b.push(4, &row(&["U1", "+2026", "10"])).unwrap();
        let built = b.finish().unwrap();
        assert_eq!(built.lines.to_vec(), [2, 3]);
        assert_eq!(
            built.rejects[0].reason,
            "duplicate union_id, year (first at line 2)"
        );

        let assignments = schema::table("assignments").unwrap();
        let mut b = TableBuilder::new(assignments, "assignments.csv");
        b.push(2, &row(&["H1", "C1", "2026-02-01", "2026-01-31"]))
            .unwrap();
        b.push(3, &row(&["H1", "C1", "2026-02-01", "2026-02-01"]))
            .unwrap();
        let built = b.finish().unwrap();
        assert_eq!(built.lines.to_vec(), [3]);
        assert_eq!(built.rejects[0].column, "to_date");
    }

    #[test]
    fn text_is_not_trimmed_and_utf8_is_required() {
        let t = schema::table("trainings").unwrap();
        let mut b = TableBuilder::new(t, "trainings.csv");
        b.push(
            2,
            &[Some(b"C1"), Some(b"2026-03-01"), Some(" 政策 ".as_bytes())],
        )
        .unwrap();
        b.push(3, &[Some(b"C1"), Some(b"2026-03-01"), Some(b"\xff\xfe")])
            .unwrap();
        let built = b.finish().unwrap();
        assert_eq!(
            built.batches[0].column(2).as_string::<i32>().value(0),
            " 政策 "
        );
        assert_eq!(built.rejects[0].reason, "not valid UTF-8");
    }

    #[test]
    fn key_index_tells_collisions_from_duplicates() {
        let mut k: KeyIndex = KeyIndex::default();
        for i in 0..10_000 {
            let key = format!("V{i}");
            assert_eq!(k.first_or_insert(key.as_bytes()), None);
        }
        assert_eq!(k.first_or_insert(b"V1234"), Some(1234));
        assert_eq!(k.first_or_insert(b"V10000"), None);
        assert_eq!(k.first_or_insert(b"V10000"), Some(10_000));

        // Every key hashes alike: duplicates are still found, distinct keys still kept.
        let mut same: KeyIndex<std::hash::BuildHasherDefault<Constant>> = KeyIndex::default();
        for i in 0..100 {
            assert_eq!(same.first_or_insert(format!("K{i}").as_bytes()), None);
        }
        assert_eq!(same.first_or_insert(b"K0"), Some(0));
        assert_eq!(same.first_or_insert(b"K42"), Some(42));
    }

    #[derive(Default)]
    struct Constant;
    impl std::hash::Hasher for Constant {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }
}
