//! Reading tables from workbooks (intake.md, "Files" and "Lines in workbooks"): `.xlsx`
//! (and `.xlsm`, `.xlsb`), `.xls`, `.ods` and WPS `.et`, through `calamine`. A sheet's
//! first row holding something is its header; a row's line is its absolute row number
//! in the sheet; empty rows are not rows. A `.xlsx` sheet is streamed cell by cell, so
//! a sheet of a million rows is never held whole; the other formats are read as a range.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Sheets};

use super::cells::Input;
use super::columns::{map_header, ColumnMap};
use super::typed;
use crate::error::{Error, Result};
use crate::ingest::rows::{TableBuilder, MAX_COLS};
use crate::ingest::Issue;

/// An open workbook.
pub type Book = Sheets<BufReader<File>>;

/// One sheet of a workbook, in the workbook's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetInfo {
    /// The sheet's name as the workbook holds it.
    pub name: String,
    /// Whether it is a visible worksheet (not hidden, not a chart).
    pub visible: bool,
}

/// Opens a workbook; the error is one sentence naming the file and what to do.
pub fn open(path: &Path) -> Result<Book> {
    let name = super::csv::file_name(path);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let opened = match ext.as_str() {
        "xls" | "et" => calamine::open_workbook(path)
            .map(Sheets::Xls)
            .map_err(|e| e.to_string()),
        "xlsx" | "xlsm" => calamine::open_workbook(path)
            .map(Sheets::Xlsx)
            .map_err(|e| e.to_string()),
        "xlsb" => calamine::open_workbook(path)
            .map(Sheets::Xlsb)
            .map_err(|e| e.to_string()),
        "ods" => calamine::open_workbook(path)
            .map(Sheets::Ods)
            .map_err(|e| e.to_string()),
        _ => calamine::open_workbook_auto(path).map_err(|e| e.to_string()),
    };
    opened.map_err(|e| {
        let what = if ext == "et" {
            "a WPS .et workbook that tiexin cannot read (only .et files saved in the .xls format are read)"
        } else {
            "not a workbook tiexin can read"
        };
        Error::Unreadable(format!(
            "{name} is {what} ({e}); open it in Excel or WPS and save it as .xlsx"
        ))
    })
}

/// The sheets of a workbook.
pub fn sheets(book: &Book) -> Vec<SheetInfo> {
    book.sheets_metadata()
        .iter()
        .map(|s| SheetInfo {
            name: s.name.clone(),
            visible: s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet,
        })
        .collect()
}

/// Whether the workbook counts its date numbers from 1904.
fn date1904(book: &Book) -> bool {
    match book {
        Sheets::Xlsx(x) => x.has_1904_epoch(),
        Sheets::Xls(x) => x.has_1904_epoch(),
        _ => false,
    }
}

/// The cells of one row, by absolute column.
type Row<'a> = Vec<(u32, Input<'a>)>;

/// Feeds every row of the sheet `sheet` to `builder`; `label` names the file and sheet
/// in messages (`档案.xlsx#困难职工家庭档案`).
pub fn read(
    book: &mut Book,
    sheet: &str,
    label: &str,
    builder: &mut TableBuilder,
    progress: &dyn Fn(u64),
) -> Result<Vec<Issue>> {
    builder.set_date1904(date1904(book));
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Unreadable(format!(
            "{label} cannot be read: {e}; open it in Excel or WPS and save it again"
        ))
    };
    let mut sink = Sink::new(label, builder, progress);
    match book {
        Sheets::Xlsx(x) => {
            // Two threads: calamine unzips and parses the sheet's XML into batches of
            // owned rows while this thread types and checks the batch before.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Parsed>(4);
            let fed = std::thread::scope(|scope| {
                let reader = scope.spawn(move || parse_sheet(x, sheet, &tx));
                let mut fed = Ok(());
                for parsed in &rx {
                    let batch = match parsed {
                        Ok(b) => b,
                        Err(e) => {
                            fed = Err(unreadable(&e));
                            break;
                        }
                    };
                    if let Err(e) = batch.feed(&mut sink) {
                        fed = Err(e);
                        break;
                    }
                }
                // Dropping the receiver stops the reader at its next batch.
                drop(rx);
                let _ = reader.join();
                fed
            });
            fed?;
        }
        other => {
            let range = other.worksheet_range(sheet).map_err(|e| unreadable(&e))?;
            // A formula without a value reads as empty: find them in the formulas.
            let formulas = other.worksheet_formula(sheet).ok();
            let Some((r0, c0)) = range.start() else {
                return sink.finish();
            };
            for (i, cells) in range.rows().enumerate() {
                let r = r0 + i as u32;
                let row: Vec<(u32, Data)> = cells
                    .iter()
                    .enumerate()
                    .map(|(j, v)| {
                        let c = c0 + j as u32;
                        let formula = formulas
                            .as_ref()
                            .and_then(|f| f.get_value((r, c)))
                            .is_some_and(|f| !f.is_empty());
                        match v {
                            Data::Empty if formula => (c, Data::String("\u{0}formula".into())),
                            v => (c, v.clone()),
                        }
                    })
                    .collect();
                sink.row(r, &inputs(&row))?;
            }
        }
    }
    sink.finish()
}

/// The formula marker: a text that no cell can hold.
const FORMULA: &str = "\u{0}formula";

/// Rows of a sheet read ahead by the reader thread, or why reading stopped.
type Parsed = std::result::Result<Batch, String>;

/// Rows read per batch handed between the threads.
const BATCH_ROWS: usize = 4096;

/// A cell owned by a [`Batch`]: text is a range of the batch's bytes.
#[derive(Clone, Copy)]
enum Cell {
    Text(u32, u32),
    Number(f64),
    Date(f64),
    Bool(bool),
    Error(&'static str),
    Formula,
}

/// Consecutive rows of a sheet, owned, so that they can cross threads.
#[derive(Default)]
struct Batch {
    /// Each row's 0-based sheet row and the end of its cells in `cells`.
    rows: Vec<(u32, usize)>,
    /// The cells of every row, by absolute column.
    cells: Vec<(u32, Cell)>,
    /// The bytes of every text cell.
    text: Vec<u8>,
}

impl Batch {
    /// Ends the row at `r` (if it holds a cell).
    fn end_row(&mut self, r: u32) {
        let start = self.rows.last().map_or(0, |&(_, end)| end);
        if self.cells.len() > start {
            self.rows.push((r, self.cells.len()));
        }
    }

    /// Adds one cell of the current row.
    fn push(&mut self, c: u32, v: &DataRef, formula: bool) {
        let mut text = |t: &[u8]| {
            let from = self.text.len() as u32;
            self.text.extend_from_slice(t);
            Cell::Text(from, self.text.len() as u32)
        };
        let cell = match v {
            // A formula without a value reads as empty: the formula marks it.
            DataRef::Empty if formula => Cell::Formula,
            DataRef::Empty => text(b""),
            DataRef::SharedString(s) => text(s.as_bytes()),
            DataRef::String(s) | DataRef::DurationIso(s) => text(s.as_bytes()),
            DataRef::DateTimeIso(s) => match iso_date(s) {
                Some(Input::Date(d)) => Cell::Date(d),
                _ => text(s.as_bytes()),
            },
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(d) if d.is_duration() => Cell::Number(d.as_f64()),
            DataRef::DateTime(d) => Cell::Date(d.as_f64()),
            DataRef::Error(e) => Cell::Error(error_text(e)),
        };
        self.cells.push((c, cell));
    }

    /// Hands every row to `sink`, in order.
    fn feed(&self, sink: &mut Sink) -> Result<()> {
        let mut start = 0;
        let mut row: Row = Vec::new();
        for &(r, end) in &self.rows {
            row.clear();
            row.extend(self.cells[start..end].iter().map(|&(c, v)| {
                let input = match v {
                    Cell::Text(a, b) => Input::Text(&self.text[a as usize..b as usize]),
                    Cell::Number(f) => Input::Number(f),
                    Cell::Date(f) => Input::Date(f),
                    Cell::Bool(b) => Input::Bool(b),
                    Cell::Error(e) => Input::Error(e),
                    Cell::Formula => Input::Formula,
                };
                (c, input)
            }));
            sink.row(r, &row)?;
            start = end;
        }
        Ok(())
    }
}

/// Reads the cells of `sheet` into batches of rows sent to `tx`, until the sheet ends,
/// reading fails (sent as the last message) or the receiver is gone.
fn parse_sheet(
    x: &mut calamine::Xlsx<BufReader<File>>,
    sheet: &str,
    tx: &std::sync::mpsc::SyncSender<Parsed>,
) {
    let mut cells = match x.worksheet_cells_reader(sheet) {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Err(e.to_string()));
            return;
        }
    };
    let mut batch = Batch::default();
    let mut at = 0u32;
    loop {
        let cell = match cells.next_cell_with_formula_metadata() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                batch.end_row(at);
                let _ = tx.send(Ok(std::mem::take(&mut batch)));
                let _ = tx.send(Err(e.to_string()));
                return;
            }
        };
        if cell.pos.0 != at {
            batch.end_row(at);
            if batch.rows.len() >= BATCH_ROWS && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                return;
            }
        }
        at = cell.pos.0;
        batch.push(cell.pos.1, &cell.value, cell.formula.is_some());
    }
    batch.end_row(at);
    let _ = tx.send(Ok(batch));
}

fn input<'a>(v: &'a Data) -> Input<'a> {
    match v {
        Data::String(s) if s == FORMULA => Input::Formula,
        Data::String(s) => Input::Text(s.as_bytes()),
        Data::DateTimeIso(s) => iso_date(s).unwrap_or(Input::Text(s.as_bytes())),
        Data::DurationIso(s) => Input::Text(s.as_bytes()),
        Data::Int(i) => Input::Number(*i as f64),
        Data::Float(f) => Input::Number(*f),
        Data::Bool(b) => Input::Bool(*b),
        Data::DateTime(d) if d.is_duration() => Input::Number(d.as_f64()),
        Data::DateTime(d) => Input::Date(d.as_f64()),
        Data::Error(e) => Input::Error(error_text(e)),
        Data::Empty => Input::Text(b""),
    }
}

fn inputs(row: &[(u32, Data)]) -> Row<'_> {
    row.iter().map(|(c, v)| (*c, input(v))).collect()
}

fn error_text(e: &calamine::CellErrorType) -> &'static str {
    use calamine::CellErrorType::*;
    match e {
        Div0 => "#DIV/0!",
        NA => "#N/A",
        Name => "#NAME?",
        Null => "#NULL!",
        Num => "#NUM!",
        Ref => "#REF!",
        Value => "#VALUE!",
        GettingData => "#DATA!",
    }
}

/// An OpenDocument date cell (`2026-07-05`, `2026-07-05T08:00:00`) as an Excel serial
/// of the 1900 system, so that it reads as a date cell.
fn iso_date(s: &str) -> Option<Input<'static>> {
    let day = super::values::date(s.get(..10)?).ok()?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with('T')) {
        return None;
    }
    let serial = f64::from(day - crate::calendar::day(1899, 12, 30));
    (serial > 60.0).then_some(Input::Date(serial))
}

/// Rows on their way to the builder: the first row holding something is the header.
struct Sink<'b> {
    label: &'b str,
    builder: &'b mut TableBuilder,
    progress: &'b dyn Fn(u64),
    /// Absolute column of each header cell, and the table column it names.
    columns: Option<Vec<(u32, Option<usize>)>>,
    warnings: Vec<Issue>,
    /// Columns holding values under no header.
    unnamed: BTreeSet<u32>,
}

impl<'b> Sink<'b> {
    fn new(label: &'b str, builder: &'b mut TableBuilder, progress: &'b dyn Fn(u64)) -> Self {
        Sink {
            label,
            builder,
            progress,
            columns: None,
            warnings: Vec::new(),
            unnamed: BTreeSet::new(),
        }
    }

    /// The row at 0-based sheet row `r`.
    fn row(&mut self, r: u32, cells: &[(u32, Input)]) -> Result<()> {
        if cells.iter().all(|(_, v)| v.is_empty()) {
            return Ok(());
        }
        let Some(columns) = &self.columns else {
            return self.header(cells);
        };
        let mut fields: [Option<Input>; MAX_COLS] = [None; MAX_COLS];
        let n = self.builder.table().columns.len();
        for (c, v) in cells {
            match columns.binary_search_by_key(c, |(col, _)| *col) {
                Ok(i) => {
                    if let Some(t) = columns[i].1 {
                        fields[t] = Some(*v);
                    }
                }
                Err(_) if !v.is_empty() => {
                    self.unnamed.insert(*c);
                }
                Err(_) => {}
            }
        }
        // A column the sheet has but a row lacks is an empty cell.
        for (_, t) in columns {
            if let Some(t) = t {
                fields[*t].get_or_insert(Input::Text(b""));
            }
        }
        self.builder.push_cells(u64::from(r) + 1, &fields[..n])?;
        if self.builder.read.is_multiple_of(1_000_000) {
            (self.progress)(self.builder.read);
        }
        Ok(())
    }

    fn header(&mut self, cells: &[(u32, Input)]) -> Result<()> {
        let named: Vec<(u32, String)> = cells
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(c, v)| (*c, header_text(v)))
            .collect();
        let names: Vec<String> = named.iter().map(|(_, n)| n.clone()).collect();
        let ColumnMap { sources, warnings } = map_header(self.builder.table(), self.label, &names)?;
        let mut columns: Vec<(u32, Option<usize>)> =
            named.iter().map(|(c, _)| (*c, None)).collect();
        for (t, src) in sources.iter().enumerate() {
            if let Some(i) = src {
                columns[*i].1 = Some(t);
            }
        }
        self.columns = Some(columns);
        self.warnings = warnings;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<Issue>> {
        if self.columns.is_none() {
            return Err(Error::Unreadable(format!(
                "{} is empty: it has no header row",
                self.label
            )));
        }
        let table = self.builder.table().name;
        for c in &self.unnamed {
            let reason = "column has values but no header; ignored";
            self.warnings
                .push(Issue::new(table, Some(1), &column_letters(*c), "", reason));
        }
        (self.progress)(self.builder.read);
        Ok(self.warnings)
    }
}

/// A header cell as text.
fn header_text(v: &Input) -> String {
    match *v {
        Input::Text(t) => String::from_utf8_lossy(t).into_owned(),
        Input::Number(f) | Input::Date(f) => typed::number_shown(f),
        Input::Bool(b) => if b { "TRUE" } else { "FALSE" }.to_string(),
        Input::Error(e) => e.to_string(),
        Input::Formula => String::new(),
    }
}

/// The letters of a 0-based column (`A`, `Z`, `AA`).
pub fn column_letters(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_iso_dates() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(iso_date("2026-07-05"), Some(Input::Date(46208.0)));
        assert_eq!(iso_date("2026-07-05T08:00:00"), Some(Input::Date(46208.0)));
        assert_eq!(iso_date("2026-07"), None);
    }
}
