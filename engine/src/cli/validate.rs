//! `tiexin validate`: counts per table, rejects and warnings files, exit 0/1.

use std::path::Path;

use super::args::{OutputFormat, ValidateArgs};
use super::output;
use crate::error::{Error, Result};
use crate::ingest::{write_issues, Archive, Issue, ISSUE_HEADER};
use crate::sql::table::{Cell, Tabular};
use crate::sql::xlsx::{About, Sheet};

/// Runs `tiexin validate`.
pub fn run(args: ValidateArgs) -> Result<i32> {
    output::check_format(args.output.format, args.output.out.as_deref())?;
    super::check_outputs(
        &args.archive,
        &[
            args.output.out.as_deref(),
            args.rejects.as_deref(),
            args.warnings.as_deref(),
        ],
    )?;
    let (archive, _config) = super::load_archive(&args.archive)?;
    let rejects: Vec<&Issue> = archive.tables.iter().flat_map(|t| &t.rejects).collect();
    let warnings: Vec<&Issue> = archive
        .tables
        .iter()
        .flat_map(|t| archive.warnings_of(t.table.name))
        .chain(archive.warnings.iter().filter(|w| w.table.is_empty()))
        .collect();
    if args.output.format == Some(OutputFormat::Xlsx) {
        let (counts, rejected, warned) = (counts(&archive), issues(&rejects), issues(&warnings));
        let sheets = [
            Sheet {
                name: "各表读取情况",
                table: &counts,
                labels: &[],
            },
            Sheet {
                name: "拒收行",
                table: &rejected,
                labels: &[],
            },
            Sheet {
                name: "警告",
                table: &warned,
                labels: &[],
            },
        ];
        let about = About::new(
            "档案检查结果（tiexin validate）",
            None,
            &archive,
            &crate::sql::Catalog::builtin(),
            &[],
        );
        output::write_workbook(&sheets, &about, args.output.out.as_deref())?;
    } else {
        output::emit(
            &counts(&archive),
            args.output.format,
            args.output.out.as_deref(),
        )?;
    }
    if let Some(p) = &args.rejects {
        write_file(p, &rejects)?;
    }
    if let Some(p) = &args.warnings {
        write_file(p, &warnings)?;
    }
    summarize(
        "rejected row",
        &rejects,
        args.rejects.is_none().then_some("--rejects FILE"),
    );
    summarize(
        "warning",
        &warnings,
        args.warnings.is_none().then_some("--warnings FILE"),
    );
    Ok(if rejects.is_empty() { 0 } else { 1 })
}

pub(super) fn counts(archive: &Archive) -> Tabular {
    let columns = ["table", "file", "read", "accepted", "rejected", "warnings"];
    let rows = archive
        .tables
        .iter()
        .map(|t| {
            vec![
                Cell::Text(t.table.name.to_string()),
                t.source
                    .as_ref()
                    .map(|s| Cell::Text(s.file_name()))
                    .unwrap_or(Cell::Null),
                Cell::Int(t.read as i64),
                Cell::Int(t.accepted() as i64),
                Cell::Int(t.rejects.len() as i64),
                Cell::Int(archive.warnings_of(t.table.name).count() as i64),
            ]
        })
        .collect();
    Tabular {
        columns: columns.map(String::from).to_vec(),
        rows,
    }
}

/// Rejects or warnings as a table (the columns of the rejects file).
fn issues(list: &[&Issue]) -> Tabular {
    let text = |s: &str| {
        if s.is_empty() {
            Cell::Null
        } else {
            Cell::Text(s.to_string())
        }
    };
    Tabular {
        columns: ISSUE_HEADER.map(String::from).to_vec(),
        rows: list
            .iter()
            .map(|i| {
                vec![
                    text(&i.table),
                    i.line.map(|l| Cell::Int(l as i64)).unwrap_or(Cell::Null),
                    text(&i.column),
                    text(&i.value),
                    text(&i.reason),
                ]
            })
            .collect(),
    }
}

pub(super) fn write_file(path: &Path, issues: &[&Issue]) -> Result<()> {
    let mut f = output::create_file(path)?;
    write_issues(&mut f, issues).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    f.commit()
}

/// The first few issues on standard error, so nothing goes unnoticed.
fn summarize(what: &str, issues: &[&Issue], hint: Option<&str>) {
    const SHOWN: usize = 5;
    // Sheets that hold no table were shown while the archive loaded.
    let issues: Vec<&Issue> = issues
        .iter()
        .copied()
        .filter(|i| !i.table.is_empty())
        .collect();
    for i in issues.iter().take(SHOWN) {
        let line = i.line.map(|l| format!(" line {l}")).unwrap_or_default();
        let column = if i.column.is_empty() {
            String::new()
        } else {
            format!(", column {}", i.column)
        };
        let message = format!("{what}: {}{line}{column}: {}", i.table, i.reason);
        eprintln!("{}", output::terminal_safe(&message));
    }
    if issues.len() > SHOWN {
        let more = issues.len() - SHOWN;
        match hint {
            Some(h) => eprintln!("… and {more} more {what}s (write them all with {h})"),
            None => eprintln!("… and {more} more {what}s"),
        }
    }
}
