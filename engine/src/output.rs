//! Tabular output for every command: an aligned table for people (CJK characters are
//! two columns wide), CSV with a header row, or JSON (an array of objects).

use std::io::{IsTerminal, Write};
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::cli::OutputFormat;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    /// An exact decimal, already formatted (money: `12.50`).
    Decimal(String),
    /// A fraction in [0,1]: a percentage on a terminal, a plain decimal elsewhere.
    Rate(f64),
}

impl Cell {
    fn plain(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Text(s) | Cell::Decimal(s) => s.clone(),
            // Rust's Display for f64 never uses an exponent.
            Cell::Rate(r) => format!("{r}"),
        }
    }

    fn human(&self) -> String {
        match self {
            Cell::Null => "—".to_string(),
            Cell::Rate(r) => format!("{:.1}%", r * 100.0),
            other => other.plain(),
        }
    }

    fn json(&self) -> Json {
        match self {
            Cell::Null => Json::Null,
            Cell::Int(i) => Json::from(*i),
            Cell::Text(s) => Json::from(s.as_str()),
            Cell::Decimal(s) => s
                .parse::<f64>()
                .map(Json::from)
                .unwrap_or(Json::from(s.as_str())),
            Cell::Rate(r) => Json::from(*r),
        }
    }

    fn right_aligned(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

pub struct Tabular {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
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

impl Tabular {
    /// The rows as maps from column name to cell.
    pub fn records(&self) -> Vec<std::collections::BTreeMap<&str, &Cell>> {
        self.rows
            .iter()
            .map(|r| {
                self.columns
                    .iter()
                    .map(String::as_str)
                    .zip(r.iter())
                    .collect()
            })
            .collect()
    }

    pub fn render(&self, format: OutputFormat) -> Result<Vec<u8>> {
        match format {
            OutputFormat::Table => Ok(self.table().into_bytes()),
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                let io = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
                w.write_record(&self.columns).map_err(io)?;
                for r in &self.rows {
                    w.write_record(r.iter().map(Cell::plain)).map_err(io)?;
                }
                w.into_inner()
                    .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
            }
            OutputFormat::Json => {
                let rows: Vec<Json> = self
                    .rows
                    .iter()
                    .map(|r| {
                        let obj: Map<String, Json> = self
                            .columns
                            .iter()
                            .cloned()
                            .zip(r.iter().map(Cell::json))
                            .collect();
                        Json::Object(obj)
                    })
                    .collect();
                let mut s =
                    serde_json::to_vec_pretty(&rows).map_err(|e| Error::Internal(e.to_string()))?;
                s.push(b'\n');
                Ok(s)
            }
        }
    }

    fn table(&self) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::human).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| display_width(c)).collect();
        for r in &cells {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(display_width(c));
            }
        }
        let right: Vec<bool> = (0..self.columns.len())
            .map(|i| {
                self.rows.iter().any(|r| {
                    r.get(i).is_some_and(Cell::right_aligned) && !matches!(r[i], Cell::Null)
                })
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
        let mut out = line(&self.columns);
        out += &line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
        for r in &cells {
            out += &line(r);
        }
        out
    }

    /// Writes to `out` (a file) or standard output, in `format` or the default: a table
    /// on a terminal, CSV otherwise.
    pub fn emit(&self, format: Option<OutputFormat>, out: Option<&Path>) -> Result<()> {
        let to_terminal = out.is_none() && std::io::stdout().is_terminal();
        let format = format.unwrap_or(if to_terminal {
            OutputFormat::Table
        } else {
            OutputFormat::Csv
        });
        let bytes = self.render(format)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Tabular {
        Tabular {
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
        }
    }

    #[test]
    fn cjk_columns_align() {
        let t = String::from_utf8(sample().render(OutputFormat::Table).unwrap()).unwrap();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[2], "济南市总工会  87.5%  12.50");
        assert_eq!(lines[3], "abc               —   0.00");
        assert_eq!(display_width(lines[2]), display_width(lines[3]));
    }

    #[test]
    fn csv_and_json_carry_plain_decimals() {
        let c = String::from_utf8(sample().render(OutputFormat::Csv).unwrap()).unwrap();
        assert_eq!(c, "name,rate,money\n济南市总工会,0.875,12.50\nabc,,0.00\n");
        let j: Json =
            serde_json::from_slice(&sample().render(OutputFormat::Json).unwrap()).unwrap();
        assert_eq!(j[0]["rate"], 0.875);
        assert_eq!(j[1]["rate"], Json::Null);
        assert_eq!(Cell::Rate(1e-7).plain(), "0.0000001");
    }
}
