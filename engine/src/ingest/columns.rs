//! Matching a file's columns to the table's (intake.md, "Headers"): by English name or
//! Chinese header after NFKC normalisation ([`labels::column_by_header`]). Extra
//! columns are ignored with a warning, a missing optional column is all NULL with a
//! warning, a missing required one or two headers for one column are fatal.

use crate::error::{Error, Result};
use crate::ingest::labels;
use crate::ingest::schema::Table;
use crate::ingest::Issue;

pub struct ColumnMap {
    /// For each column of the table, its position in the file.
    pub sources: Vec<Option<usize>>,
    pub warnings: Vec<Issue>,
}

/// Maps a header in time linear in its width (a file may have 100,000 columns). `file`
/// names the file (and sheet) in messages.
pub fn map_header(table: &Table, file: &str, names: &[String]) -> Result<ColumnMap> {
    let mut sources: Vec<Option<usize>> = vec![None; table.columns.len()];
    let mut warnings = Vec::new();
    let mut extra = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let Some(c) = labels::column_by_header(table, n) else {
            extra.push(n);
            continue;
        };
        if let Some(first) = sources[c] {
            return Err(Error::Unreadable(format!(
                "{file}: the headers {:?} and {:?} both name column {} ({}); keep one of them",
                names[first],
                n,
                table.columns[c].name,
                labels::header(table.name, table.columns[c].name).unwrap_or("")
            )));
        }
        sources[c] = Some(i);
    }
    for (c, pos) in table.columns.iter().zip(&sources) {
        if pos.is_some() {
            continue;
        }
        let chinese = labels::header(table.name, c.name).unwrap_or("");
        if c.required {
            return Err(Error::Unreadable(format!(
                "{file}: required column {} is missing (its header is {} or {chinese}), so table {} cannot be loaded",
                c.name, c.name, table.name
            )));
        }
        let reason = "column missing from the file; all its values are NULL";
        warnings.push(Issue::new(table.name, Some(1), c.name, "", reason));
    }
    for n in extra {
        let reason = "column is not part of the archive format; ignored";
        warnings.push(Issue::new(table.name, Some(1), n, "", reason));
    }
    Ok(ColumnMap { sources, warnings })
}
