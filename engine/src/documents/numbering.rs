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
