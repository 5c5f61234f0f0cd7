//! Tables on standard output or in a file: an aligned table for people at a terminal
//! (CJK characters are two columns wide), else CSV or JSON from [`Tabular`]'s writers.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::args::OutputFormat;
use crate::error::{Error, Result};
use crate::sql::table::{Cell, Tabular};

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
    }
}

/// The table aligned in columns, for a terminal.
fn aligned(t: &Tabular) -> String {
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::human).collect())
        .collect();
    let mut widths: Vec<usize> = t.columns.iter().map(|c| display_width(c)).collect();
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
    let mut out = line(&t.columns);
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
        Some(p) => std::fs::write(p, bytes).map_err(|e| Error::io(p, e)),
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
}
