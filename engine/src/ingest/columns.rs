//! Matching a file's columns to the table's: extra columns are ignored with a warning,
//! a missing optional column is all NULL with a warning, a missing required one is fatal.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::ingest::schema::Table;
use crate::ingest::Issue;

pub struct ColumnMap {
    /// For each column of the table, its position in the file.
    pub sources: Vec<Option<usize>>,
    pub warnings: Vec<Issue>,
}

/// Maps a header in time linear in its width (a file may have 100,000 columns).
pub fn map_header(table: &Table, file: &str, names: &[String]) -> Result<ColumnMap> {
    let mut position: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        if position.insert(n.as_str(), i).is_some() {
            return Err(Error::Unreadable(format!(
                "{file}: column {n} appears twice in the header"
            )));
        }
    }
    let mut warnings = Vec::new();
    let mut sources = Vec::with_capacity(table.columns.len());
    for c in table.columns {
        let pos = position.get(c.name).copied();
        if pos.is_none() {
            if c.required {
                return Err(Error::Unreadable(format!(
                    "{file}: required column {} is missing, so table {} cannot be loaded",
                    c.name, table.name
                )));
            }
            let reason = "column missing from the file; all its values are NULL";
            warnings.push(Issue::new(table.name, Some(1), c.name, "", reason));
        }
        sources.push(pos);
    }
    for n in names {
        if table.column(n).is_none() {
            let reason = "column is not part of the archive format; ignored";
            warnings.push(Issue::new(table.name, Some(1), n, "", reason));
        }
    }
    Ok(ColumnMap { sources, warnings })
}
