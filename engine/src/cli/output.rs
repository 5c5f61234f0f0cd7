//! Tables on standard output or in a file: an aligned table for people at a terminal
//! (CJK characters are two columns wide, control characters shown escaped), else CSV or
//! JSON from [`Tabular`]'s writers. Every output file is written atomically and never
//! into the archive being read ([`protect_archive`], [`write_file`]).

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::args::OutputFormat;
use crate::error::{Error, Result};
use crate::files::{self, AtomicFile};
use crate::sql::table::{Cell, Tabular};
use crate::sql::xlsx::{self, About, Sheet};

/// The archive folders read by this process, and the files in them (both canonical):
/// no output may be written there.
static PROTECTED: Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// Outputs may no longer be written into the archive folder `dir` or onto any of its
/// files (wherever a link leads): a command's outputs never replace its inputs.
pub fn protect_archive(dir: &Path) {
    let Ok(canonical) = dir.canonicalize() else {
        return;
    };
    let files = std::fs::read_dir(&canonical)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.path().canonicalize().ok())
                .collect()
        })
        .unwrap_or_default();
    if let Ok(mut p) = PROTECTED.lock() {
        if !p.iter().any(|(d, _)| *d == canonical) {
            p.push((canonical, files));
        }
    }
}

/// Where writing `path` would put the bytes: the file a link leads to, else the path
/// in its folder's canonical form (`None` when the folder does not exist yet).
fn destination(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(path.file_name()?))
}

/// Refuses `path` as an output when it is in an archive folder being read or is one of
/// its files (compared by canonical path, so through links too).
pub fn check_output(path: &Path) -> Result<()> {
    let Some(dest) = destination(path) else {
        return Ok(());
    };
    let protected = PROTECTED.lock().map(|p| p.clone()).unwrap_or_default();
    for (dir, files) in &protected {
        let inside = dest.parent() == Some(dir.as_path()) || files.contains(&dest);
        if !inside && dest != *dir {
            continue;
        }
        let via = if std::path::absolute(path).is_ok_and(|a| a == dest) {
            String::new()
        } else {
            format!(" (it leads to {})", dest.display())
        };
        let what = if inside { "is in" } else { "is" };
        return Err(Error::Usage(format!(
            "{}{via} {what} the archive being read ({}): tiexin never writes its outputs there, so choose another place",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// Starts writing an output file: refused in the archive being read, written to a
/// temporary file and renamed into place by [`AtomicFile::commit`].
pub fn create_file(path: &Path) -> Result<AtomicFile> {
    check_output(path)?;
    AtomicFile::create(path)
}

/// Writes an output file whole: refused in the archive being read, written atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    check_output(path)?;
    files::write_atomic(path, bytes)
}

/// Text for a terminal: control characters (ESC, CR, …) of archive text are shown
/// escaped (`\u{1b}`, `\r`) instead of acting on the terminal.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Display width of a string on a terminal: East Asian wide and full-width characters
/// take two columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The table in `format`.
pub fn render(t: &Tabular, format: OutputFormat) -> Result<Vec<u8>> {
    match format {
        OutputFormat::Table => Ok(aligned(t).into_bytes()),
        OutputFormat::Csv => t.to_csv(),
        OutputFormat::Json => t.to_json(),
        OutputFormat::Xlsx => Err(Error::Usage(
            "--format xlsx is for validate, metrics, findings, shortlist, query, warnings and rectify".into(),
        )),
    }
}

/// `--format xlsx` needs `--out`: refused before any work otherwise.
pub fn check_format(format: Option<OutputFormat>, out: Option<&Path>) -> Result<()> {
    if format == Some(OutputFormat::Xlsx) && out.is_none() {
        return Err(Error::Usage(
            "--format xlsx needs --out FILE.xlsx: a workbook is not written to the terminal".into(),
        ));
    }
    Ok(())
}

/// Writes the workbook of `sheets` (and the sheet 说明 of `about`) to `out`.
pub fn write_workbook(sheets: &[Sheet], about: &About, out: Option<&Path>) -> Result<()> {
    check_format(Some(OutputFormat::Xlsx), out)?;
    let bytes = xlsx::workbook(sheets, about)?;
    write_file(out.unwrap_or(Path::new("out.xlsx")), &bytes)
}

/// What a command's workbook holds besides its table: the sheet's name, the Chinese
/// labels that differ from the usual ones, and the sheet 说明.
pub struct Book<'a> {
    /// The sheet's name.
    pub sheet: &'a str,
    /// Labels of columns that differ from [`xlsx::column_label`]'s.
    pub labels: &'a [(&'a str, &'a str)],
    /// What the sheet 说明 says.
    pub about: About,
}

/// [`emit`], or with `--format xlsx` the workbook of the table that `book` describes.
pub fn emit_table<'a>(
    t: &Tabular,
    format: Option<OutputFormat>,
    out: Option<&Path>,
    book: impl FnOnce() -> Book<'a>,
) -> Result<()> {
    if format != Some(OutputFormat::Xlsx) {
        return emit(t, format, out);
    }
    let b = book();
    let sheet = Sheet {
        name: b.sheet,
        table: t,
        labels: b.labels,
    };
    write_workbook(&[sheet], &b.about, out)
}

/// The table aligned in columns, for a terminal.
fn aligned(t: &Tabular) -> String {
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| terminal_safe(&c.human()).into_owned())
                .collect()
        })
        .collect();
    let columns: Vec<String> = t
        .columns
        .iter()
        .map(|c| terminal_safe(c).into_owned())
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| display_width(c)).collect();
    for r in &cells {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(display_width(c));
        }
    }
    let right: Vec<bool> = (0..t.columns.len())
        .map(|i| {
            t.rows
                .iter()
                .any(|r| r.get(i).is_some_and(Cell::right_aligned) && !matches!(r[i], Cell::Null))
        })
        .collect();
    let line = |vals: &[String]| {
        let parts: Vec<String> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| pad(v, widths[i], right[i]))
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&columns);
    out += &line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for r in &cells {
        out += &line(r);
    }
    out
}

/// Writes the table to `out` (a file) or standard output, in `format` or the default:
/// a table on a terminal, CSV otherwise.
pub fn emit(t: &Tabular, format: Option<OutputFormat>, out: Option<&Path>) -> Result<()> {
    let to_terminal = out.is_none() && std::io::stdout().is_terminal();
    let format = format.unwrap_or(if to_terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Csv
    });
    let bytes = render(t, format)?;
    match out {
        Some(p) => write_file(p, &bytes),
        None => {
            let mut so = std::io::stdout().lock();
            so.write_all(&bytes)
                .and_then(|_| so.flush())
                .map_err(|e| Error::io("standard output", e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_columns_align() {
        let t = Tabular {
            columns: vec!["name".into(), "rate".into(), "money".into()],
            rows: vec![
                vec![
                    Cell::Text("济南市总工会".into()),
                    Cell::Rate(0.875),
                    Cell::Decimal("12.50".into()),
                ],
                vec![
                    Cell::Text("abc".into()),
                    Cell::Null,
                    Cell::Decimal("0.00".into()),
                ],
            ],
        };
        let t = String::from_utf8(render(&t, OutputFormat::Table).unwrap()).unwrap();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[2], "济南市总工会  87.5%  12.50");
        assert_eq!(lines[3], "abc               —   0.00");
        assert_eq!(display_width(lines[2]), display_width(lines[3]));
    }

    #[test]
    fn control_characters_are_escaped_in_a_table_only() {
        let t = Tabular {
            columns: vec!["name\u{1b}".into()],
            rows: vec![vec![Cell::Text("a\u{1b}[2J\rb\tc\u{9b}\u{7f}".into())]],
        };
        let table = String::from_utf8(render(&t, OutputFormat::Table).unwrap()).unwrap();
        assert_eq!(
            table.lines().collect::<Vec<_>>(),
            [
                "name\\u{1b}",
                &"-".repeat(28),
                "a\\u{1b}[2J\\rb\\tc\\u{9b}\\u{7f}"
            ]
        );
        let csv = String::from_utf8(render(&t, OutputFormat::Csv).unwrap()).unwrap();
        assert!(csv.contains("a\u{1b}[2J\rb\tc\u{9b}\u{7f}"), "{csv:?}");
    }
}
