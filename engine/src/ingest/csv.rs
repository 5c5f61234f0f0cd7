//! Reading a table from CSV: UTF-8 (BOM tolerated), RFC 4180 quoting, header row.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::columns::{map_header, ColumnMap};
use crate::error::{Error, Result};
use crate::ingest::rows::{TableBuilder, MAX_COLS};
use crate::ingest::Issue;

/// Feeds every record of `path` to `builder`; header problems are returned as warnings
/// or, for a missing required column, as an error.
pub fn read(path: &Path, builder: &mut TableBuilder, progress: &dyn Fn(u64)) -> Result<Vec<Issue>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let name = file_name(path);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, file));
    let mut header = csv::ByteRecord::new();
    let unreadable = |e: csv::Error| Error::Unreadable(format!("{name} cannot be read: {e}"));
    if !reader.read_byte_record(&mut header).map_err(unreadable)? {
        return Err(Error::Unreadable(format!(
            "{name} is empty: it has no header row"
        )));
    }
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let s = String::from_utf8_lossy(f);
            let s = if i == 0 {
                s.trim_start_matches('\u{feff}')
            } else {
                &s
            };
            s.trim().to_string()
        })
        .collect();
    let ColumnMap { sources, warnings } = map_header(builder.table(), &name, &names)?;

    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(Error::Unreadable(format!(
                    "{name} line {line} cannot be read: {e}"
                )));
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != names.len() {
            let reason = format!(
                "has {} fields, the header has {}",
                record.len(),
                names.len()
            );
            builder.reject(line, "", "", reason);
            continue;
        }
        let mut fields: [Option<&[u8]>; MAX_COLS] = [None; MAX_COLS];
        for (slot, src) in fields.iter_mut().zip(&sources) {
            *slot = src.map(|i| &record[i]);
        }
        builder.push(line, &fields)?;
        if builder.read.is_multiple_of(1_000_000) {
            progress(builder.read);
        }
    }
    Ok(warnings)
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}
