//! Writing a statement's rows as they come, batch by batch, so that a long result never
//! sits in memory: CSV and JSON are written row by row, to standard output or to a
//! temporary file renamed into place at the end; a terminal's table holds at most its
//! cap of rows.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::args::OutputFormat;
use super::output;
use crate::error::{Error, Result};
use crate::sql::sandbox::{self, Failure, Rows};
use crate::sql::table::{Cell, Tabular};
use crate::sql::xlsx::{self, About, Sheet};

/// What was written.
pub struct Written {
    /// Rows the statement returned.
    pub rows: usize,
    /// Rows left out of a capped terminal table.
    pub left_out: usize,
}

/// The destination: a file being written beside its final path, or standard output.
enum Sink {
    File {
        tmp: tempfile::NamedTempFile,
        path: std::path::PathBuf,
    },
    Stdout(std::io::Stdout),
}

impl Sink {
    fn writer(&mut self) -> Box<dyn Write + '_> {
        match self {
            Sink::File { tmp, .. } => Box::new(BufWriter::new(tmp.as_file_mut())),
            Sink::Stdout(s) => Box::new(BufWriter::new(s.lock())),
        }
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::File { tmp, path } => {
                // A temporary file is private (0600); the output gets the usual mode.
                use std::os::unix::fs::PermissionsExt;
                // SAFETY: umask only swaps the process's file-creation mask.
                let mask = unsafe {
                    let m = libc::umask(0o022);
                    libc::umask(m);
                    m
                };
                let mode = 0o666 & !(mask as u32);
                tmp.as_file()
                    .set_permissions(std::fs::Permissions::from_mode(mode))
                    .map_err(|e| Error::io(&path, e))?;
                tmp.persist(&path)
                    .map(|_| ())
                    .map_err(|e| Error::io(&path, e.error))
            }
            Sink::Stdout(s) => s
                .lock()
                .flush()
                .map_err(|e| Error::io("standard output", e)),
        }
    }
}

/// Writes `rows` in `format` (default: a table on a terminal, CSV otherwise) to `out`
/// or standard output; a table holds at most `cap` rows (the rest are counted). A
/// workbook (`--format xlsx`) holds every row in memory, at most a sheet's, with the
/// sheet 说明 of `about`.
pub async fn write(
    mut rows: Rows,
    format: Option<OutputFormat>,
    out: Option<&Path>,
    cap: Option<usize>,
    about: &About,
) -> std::result::Result<Written, Failure> {
    let failed = sandbox::failed;
    let format = format.unwrap_or(if cap.is_some() {
        OutputFormat::Table
    } else {
        OutputFormat::Csv
    });
    let mut sink = match out {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp =
                tempfile::NamedTempFile::new_in(dir).map_err(|e| failed(Error::io(path, e)))?;
            Sink::File {
                tmp,
                path: path.to_path_buf(),
            }
        }
        None => Sink::Stdout(std::io::stdout()),
    };
    let io = |e: std::io::Error| failed(Error::io(out.unwrap_or(Path::new("standard output")), e));
    let columns: Vec<String> = rows
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let schema = rows.schema.clone();
    let mut table = Tabular {
        columns: columns.clone(),
        rows: Vec::new(),
    };
    let (mut n, mut left_out) = (0usize, 0usize);
    {
        let mut w = sink.writer();
        match format {
            OutputFormat::Csv => {
                let mut c = csv::Writer::from_writer(&mut w);
                c.write_record(&columns)
                    .map_err(|e| failed(Error::Internal(format!("writing CSV: {e}"))))?;
                while let Some(batch) = rows.next().await {
                    let t = Tabular::from_batches(&schema, &[batch?]).map_err(failed)?;
                    for r in &t.rows {
                        c.write_record(r.iter().map(Cell::plain))
                            .map_err(|e| failed(Error::Internal(format!("writing CSV: {e}"))))?;
                    }
                    n += t.rows.len();
                }
                c.flush().map_err(io)?;
            }
            OutputFormat::Json => {
                w.write_all(b"[").map_err(io)?;
                while let Some(batch) = rows.next().await {
                    let t = Tabular::from_batches(&schema, &[batch?]).map_err(failed)?;
                    for r in &t.rows {
                        let one = Tabular {
                            columns: columns.clone(),
                            rows: vec![r.clone()],
                        };
                        let text = one.to_json().map_err(failed)?;
                        let obj = String::from_utf8_lossy(&text);
                        // `[\n  {…}\n]\n` of one row: its object, indented as in the whole.
                        let inner = obj.trim_end().trim_start_matches('[').trim_end_matches(']');
                        let inner = inner.trim_matches('\n');
                        w.write_all(if n == 0 { b"\n" } else { b",\n" })
                            .map_err(io)?;
                        w.write_all(inner.as_bytes()).map_err(io)?;
                        n += 1;
                    }
                }
                w.write_all(if n == 0 { b"]\n" } else { b"\n]\n" })
                    .map_err(io)?;
            }
            OutputFormat::Xlsx => {
                while let Some(batch) = rows.next().await {
                    let t = Tabular::from_batches(&schema, &[batch?]).map_err(failed)?;
                    n += t.rows.len();
                    if n > xlsx::MAX_ROWS {
                        return Err(failed(Error::Usage(format!(
                            "the result has more than {} rows, more than a sheet holds; use --format csv",
                            xlsx::MAX_ROWS
                        ))));
                    }
                    table.rows.extend(t.rows);
                }
                let sheet = Sheet {
                    name: "查询结果",
                    table: &table,
                    labels: &[],
                };
                let bytes = xlsx::workbook(&[sheet], about).map_err(failed)?;
                w.write_all(&bytes).map_err(io)?;
            }
            OutputFormat::Table => {
                while let Some(batch) = rows.next().await {
                    let t = Tabular::from_batches(&schema, &[batch?]).map_err(failed)?;
                    n += t.rows.len();
                    for r in t.rows {
                        if cap.is_some_and(|c| table.rows.len() >= c) {
                            left_out += 1;
                        } else {
                            table.rows.push(r);
                        }
                    }
                }
                let text = output::render(&table, OutputFormat::Table).map_err(failed)?;
                w.write_all(&text).map_err(io)?;
            }
        }
        w.flush().map_err(io)?;
    }
    sink.finish().map_err(failed)?;
    Ok(Written { rows: n, left_out })
}
