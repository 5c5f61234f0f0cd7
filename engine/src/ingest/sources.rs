//! Where each table of an archive folder is (intake.md, "Files"): `<table>.csv`,
//! `<table>.parquet` or `<table>.xlsx` (its first sheet), named in English or Chinese,
//! or a sheet named after the table in any workbook of the folder. Extensions match in
//! any case; Office lock files (`~$…`) are skipped; sheets named `填表说明` or `说明`,
//! and hidden sheets, are ignored silently, other sheets that name no table with a
//! warning. Two sources for one table make the archive unreadable.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::labels::{self, nfkc};
use super::xlsx::{self, Book};
use super::Issue;
use crate::error::{Error, Result};
use crate::ingest::schema::{Table, TABLES};

/// The form of a table's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A CSV file.
    Csv,
    /// A Parquet file.
    Parquet,
    /// A sheet of a workbook (`.xlsx`, `.xls`, `.ods`, …).
    Workbook,
}

/// A table's source, found in the folder.
#[derive(Clone)]
pub struct Found {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its form.
    pub format: Format,
    /// The sheet that holds the table (workbooks only).
    pub sheet: Option<String>,
    /// The open workbook (workbooks only), shared by its sheets.
    pub book: Option<Arc<Mutex<Book>>>,
}

impl Found {
    /// The source as messages name it: `households.csv`, `档案.xlsx#困难职工家庭档案`.
    pub fn label(&self) -> String {
        let file = super::csv::file_name(&self.path);
        match &self.sheet {
            Some(s) => format!("{file}#{s}"),
            None => file,
        }
    }
}

/// Every table with its source (`None`: no source), and the warnings about sheets
/// that hold no table.
pub struct Located {
    /// In the order of the archive format.
    pub tables: Vec<(&'static Table, Option<Found>)>,
    /// Sheets ignored with a warning.
    pub warnings: Vec<Issue>,
}

/// Sheets that are never tables and are passed over without a word.
const NOTES: [&str; 2] = ["填表说明", "说明"];

/// Finds each table's source. Fails when the folder is missing, a required table has
/// no source, a table has two, or a workbook cannot be read.
pub fn locate(dir: &Path) -> Result<Located> {
    if !dir.is_dir() {
        return Err(Error::Unreadable(format!(
            "archive folder {} does not exist",
            dir.display()
        )));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    let mut found: Vec<Vec<Found>> = vec![Vec::new(); TABLES.len()];
    let mut warnings = Vec::new();
    let index = |t: &Table| TABLES.iter().position(|x| x.name == t.name).unwrap_or(0);
    for name in names {
        if name.starts_with("~$") {
            continue;
        }
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        let format = match ext.to_ascii_lowercase().as_str() {
            "csv" => Format::Csv,
            "parquet" => Format::Parquet,
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" | "et" => Format::Workbook,
            _ => continue,
        };
        let path = dir.join(&name);
        let table = labels::table_by_name(stem);
        if format != Format::Workbook {
            if let Some(t) = table {
                if present(&path, t.name)? {
                    found[index(t)].push(file(path, format, None, None)?);
                }
            }
            continue;
        }
        match present(&path, table.map(|t| t.name).unwrap_or("")) {
            Ok(true) => {}
            Err(e) if table.is_some() => return Err(e),
            _ => continue,
        }
        let book = xlsx::open(&path)?;
        let sheets = xlsx::sheets(&book);
        let book = Arc::new(Mutex::new(book));
        let mut first = table;
        for s in sheets {
            let plain = nfkc(&s.name).trim().to_string();
            if !s.visible || NOTES.contains(&plain.as_str()) {
                continue;
            }
            let holds = first.take().or_else(|| labels::table_by_name(&s.name));
            match holds {
                Some(t) => {
                    let f = file(path.clone(), format, Some(s.name), Some(book.clone()))?;
                    found[index(t)].push(f);
                }
                None => warnings.push(Issue::new(
                    "",
                    None,
                    "",
                    &format!("{name}#{}", s.name),
                    "the sheet is named after no table (name it after one, e.g. 困难职工家庭档案 or households); ignored",
                )),
            }
        }
    }
    let mut tables = Vec::with_capacity(TABLES.len());
    for (t, mut sources) in TABLES.iter().zip(found) {
        if sources.len() > 1 {
            return Err(Error::Unreadable(format!(
                "{} holds both {} and {} for table {} ({}); keep one of them",
                dir.display(),
                sources[0].label(),
                sources[1].label(),
                t.name,
                t.label
            )));
        }
        if sources.is_empty() && t.required {
            return Err(Error::Unreadable(format!(
                "required table {} is missing: no {}.csv or {}.parquet (nor .xlsx, nor a file or sheet named {}) in {}",
                t.name,
                t.name,
                t.name,
                t.label,
                dir.display()
            )));
        }
        tables.push((t, sources.pop()));
    }
    Ok(Located { tables, warnings })
}

fn file(
    path: PathBuf,
    format: Format,
    sheet: Option<String>,
    book: Option<Arc<Mutex<Book>>>,
) -> Result<Found> {
    let bytes = std::fs::metadata(&path)
        .map_err(|e| Error::io(&path, e))?
        .len();
    Ok(Found {
        path,
        bytes,
        format,
        sheet,
        book,
    })
}

/// Whether a table's file is there: `false` when nothing has its name, `true` for a
/// regular file (or a link to one), and an error naming it for anything else (a
/// directory, a FIFO, a device, a link to nothing or a loop of links), which would
/// otherwise be taken for a missing, empty table.
fn present(path: &Path, table: &str) -> Result<bool> {
    let name = super::csv::file_name(path);
    let folder = path.parent().unwrap_or(Path::new(".")).display();
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io(path, e)),
        Ok(_) => {}
    }
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::Unreadable(format!(
            "{name} in {folder} is a symbolic link that leads to no file ({e}), so table {table} cannot be read"
        ))
    })?;
    if meta.is_file() {
        return Ok(true);
    }
    let kind = if meta.is_dir() {
        "a directory"
    } else {
        special_kind(&meta.file_type())
    };
    Err(Error::Unreadable(format!(
        "{name} in {folder} is {kind}, not a regular file, so table {table} cannot be read"
    )))
}

/// What a file that is neither a regular file nor a directory is.
#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// What a file that is neither a regular file nor a directory is.
#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}
