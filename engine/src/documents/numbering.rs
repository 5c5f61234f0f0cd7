//! Document numbers (发文字号, `鲁工帮〔2026〕12号`): a prefix from the configuration and a
//! counter per prefix and year, kept in the state directory (`doc-numbers.json`).
//! A document (its kind, period and union) keeps the number it was first given, so
//! rendering it again gives the same PDF.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Registry {
    /// `prefix|year` → the last number given.
    last: BTreeMap<String, u32>,
    /// `prefix|year|document key` → its number.
    given: BTreeMap<String, u32>,
}

/// `鲁工帮〔2026〕12号`.
pub fn format(prefix: &str, year: i32, number: u32) -> String {
    format!("{prefix}〔{year}〕{number}号")
}

/// The number of the document `key` (e.g. `bulletin|2026Q3|U37`) under `prefix` in
/// `year`: the one it was given before, else the next free one. Without a state
/// directory, every document is number 1 of its prefix and year.
pub fn number_for(state_dir: Option<&Path>, prefix: &str, year: i32, key: &str) -> Result<u32> {
    Ok(numbers_for(state_dir, prefix, year, &[key.to_string()])?[0])
}

/// [`number_for`] of many documents at once, in the order given (one read and one
/// write of the registry). Without a state directory they are numbered 1, 2, … in order.
pub fn numbers_for(
    state_dir: Option<&Path>,
    prefix: &str,
    year: i32,
    keys: &[String],
) -> Result<Vec<u32>> {
    let Some(dir) = state_dir else {
        return Ok((1..=keys.len() as u32).collect());
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("doc-numbers.json");
    let lock_path = dir.join("doc-numbers.lock");
    let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    let mut registry: Registry = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Config(format!(
                "{} is not a document-number registry tiexin can read: {e}",
                path.display()
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Registry::default(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let series = format!("{prefix}|{year}");
    let mut out = Vec::with_capacity(keys.len());
    let mut changed = false;
    for key in keys {
        let doc = format!("{series}|{key}");
        if let Some(n) = registry.given.get(&doc) {
            out.push(*n);
            continue;
        }
        let n = registry.last.get(&series).copied().unwrap_or(0) + 1;
        registry.last.insert(series.clone(), n);
        registry.given.insert(doc, n);
        out.push(n);
        changed = true;
    }
    if changed {
        let json = serde_json::to_vec_pretty(&registry)
            .map_err(|e| Error::Internal(format!("document numbers: {e}")))?;
        crate::files::write_atomic(&path, &json)?;
    }
    Ok(out)
}

/// One number given, as the registry of the state directory keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    /// The formatted number (`鲁工帮〔2026〕12号`).
    pub number: String,
    /// The prefix (`鲁工帮`).
    pub prefix: String,
    /// The number within its prefix and year.
    pub serial: u32,
    /// The year of the number.
    pub year: i32,
    /// The document's key (`bulletin|2026Q3|U37`, `criticism|2026Q3|U370102`,
    /// `shortlist|2026|100|1`): its kind first.
    pub key: String,
}

/// Every number given in the registry of `state_dir` (none when it has no registry),
/// by year, prefix and serial. Only reads: a registry being written is replaced whole.
pub fn given(state_dir: &Path) -> Result<Vec<Given>> {
    let path = state_dir.join("doc-numbers.json");
    let registry: Registry = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Config(format!(
                "{} is not a document-number registry tiexin can read: {e}",
                path.display()
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut out = Vec::new();
    for (doc, serial) in registry.given {
        // `prefix|year|key`; the key itself holds `|`.
        let mut parts = doc.splitn(3, '|');
        let (Some(prefix), Some(year), Some(key)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Config(format!(
                "{}: the entry {doc:?} is not prefix|year|document",
                path.display()
            )));
        };
        let year: i32 = year.parse().map_err(|_| {
            Error::Config(format!("{}: the entry {doc:?} has no year", path.display()))
        })?;
        out.push(Given {
            number: format(prefix, year, serial),
            prefix: prefix.to_string(),
            serial,
            year,
            key: key.to_string(),
        });
    }
    out.sort_by(|a, b| (a.year, &a.prefix, a.serial).cmp(&(b.year, &b.prefix, b.serial)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_given_are_listed_by_year_prefix_and_serial() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(given(dir.path()).unwrap(), Vec::new());
        let keys: Vec<String> = (1..=12).map(|i| format!("bulletin|2026Q3|U{i}")).collect();
        numbers_for(Some(dir.path()), "鲁工帮", 2026, &keys).unwrap();
        number_for(Some(dir.path()), "鲁工督", 2026, "criticism|2026Q3|U370102").unwrap();
        let g = given(dir.path()).unwrap();
        assert_eq!(g.len(), 13);
        assert_eq!(g[1].number, "鲁工帮〔2026〕2号");
        assert_eq!(g[1].key, "bulletin|2026Q3|U2");
        assert_eq!(g[11].number, "鲁工帮〔2026〕12号");
        assert_eq!(g[12].number, "鲁工督〔2026〕1号");
        assert_eq!(g[12].key, "criticism|2026Q3|U370102");
        std::fs::write(dir.path().join("doc-numbers.json"), "[]").unwrap();
        assert!(given(dir.path())
            .unwrap_err()
            .to_string()
            .contains("doc-numbers.json"));
    }
}
