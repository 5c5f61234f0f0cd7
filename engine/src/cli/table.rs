//! The table people read at a terminal: Chinese column labels, the key columns first,
//! as many columns as fit the terminal's width (those left out are named under the
//! table), CJK characters two columns wide, control characters escaped. `--columns`
//! chooses the columns (and their order) in every format.

use super::output::{display_width, terminal_safe};
use crate::error::{Error, Result};
use crate::sql::table::{Cell, Tabular};
use crate::sql::xlsx::column_label;

/// The columns a terminal shows first, most telling first; the others follow in the
/// order of the command's output, as far as the width allows.
const KEY_COLUMNS: &[&str] = &[
    "rank",
    "union_id",
    "name",
    "table",
    "rule",
    "severity",
    "warning",
    "status",
    "subject_type",
    "subject_id",
    "contact_id",
    "occurred_on",
    "due_on",
    "days_left",
    "deadline",
    "score",
    "visit_compliance",
    "exit_rate",
    "on_target_share",
    "budget_execution",
    "findings_major",
    "findings_minor",
    "rectification_rate",
    "referral_closure_rate",
    "read",
    "accepted",
    "rejected",
    "warnings",
    "line",
    "column",
    "value",
    "reason",
];

/// How a table is laid out for a terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// The width to fit (`None`: every column, however wide).
    pub width: Option<usize>,
    /// Key columns first (the columns were not chosen with `--columns`).
    pub key_first: bool,
}

/// The columns named in `chosen` (names or Chinese labels), in that order; the table as
/// it is when `chosen` is empty. An unknown name is refused, naming the columns.
pub fn select(t: &Tabular, chosen: &[String]) -> Result<Tabular> {
    if chosen.is_empty() {
        return Ok(t.clone());
    }
    let mut idx = Vec::new();
    for want in chosen.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let i = t
            .columns
            .iter()
            .position(|c| c == want || column_label(c) == Some(want))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--columns: there is no column {want:?}; the columns are {}",
                    t.columns.join(", ")
                ))
            })?;
        idx.push(i);
    }
    Ok(Tabular {
        columns: idx.iter().map(|&i| t.columns[i].clone()).collect(),
        rows: t
            .rows
            .iter()
            .map(|r| idx.iter().map(|&i| r[i].clone()).collect())
            .collect(),
    })
}

/// The header a person reads: the Chinese label, or the name when there is none.
fn header(name: &str) -> String {
    terminal_safe(column_label(name).unwrap_or(name)).into_owned()
}

/// The order of the columns: key columns first when asked, then the rest.
fn order(t: &Tabular, key_first: bool) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    if key_first {
        for k in KEY_COLUMNS {
            if let Some(i) = t.columns.iter().position(|c| c == k) {
                out.push(i);
            }
        }
    }
    let rest: Vec<usize> = (0..t.columns.len()).filter(|i| !out.contains(i)).collect();
    out.extend(rest);
    out
}

/// The table aligned in columns. With a width, the columns that do not fit are left
/// out and named on a line under the table.
pub fn aligned(t: &Tabular, layout: Layout) -> String {
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| terminal_safe(&c.human()).into_owned())
                .collect()
        })
        .collect();
    let headers: Vec<String> = t.columns.iter().map(|c| header(c)).collect();
    let widths: Vec<usize> = (0..t.columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| display_width(&r[i]))
                .fold(display_width(&headers[i]), usize::max)
        })
        .collect();
    let right: Vec<bool> = (0..t.columns.len())
        .map(|i| {
            t.rows
                .iter()
                .any(|r| r.get(i).is_some_and(Cell::right_aligned) && !matches!(r[i], Cell::Null))
        })
        .collect();
    let mut shown = Vec::new();
    let mut left_out = Vec::new();
    let mut used = 0;
    for i in order(t, layout.key_first) {
        let need = widths[i] + if shown.is_empty() { 0 } else { 2 };
        match layout.width {
            Some(w) if !shown.is_empty() && used + need > w => left_out.push(i),
            _ => {
                used += need;
                shown.push(i);
            }
        }
    }
    let line = |vals: &dyn Fn(usize) -> String| {
        let parts: Vec<String> = shown
            .iter()
            .map(|&i| pad(&vals(i), widths[i], right[i]))
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&|i| headers[i].clone());
    out += &line(&|i| "-".repeat(widths[i]));
    for r in &cells {
        out += &line(&|i| r[i].clone());
    }
    if !left_out.is_empty() {
        let names: Vec<String> = left_out
            .iter()
            .take(6)
            .map(|&i| headers[i].clone())
            .collect();
        let more = if left_out.len() > 6 { "等" } else { "" };
        out += &format!(
            "（另有{}列未显示：{}{more}。用 --columns 选列，--format csv|json|xlsx 输出全部列）\n",
            left_out.len(),
            names.join("、")
        );
    }
    out
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Tabular {
        Tabular {
            columns: vec![
                "level".into(),
                "union_id".into(),
                "name".into(),
                "visit_compliance".into(),
            ],
            rows: vec![vec![
                Cell::Text("county".into()),
                Cell::Text("U370102".into()),
                Cell::Text("历下区总工会".into()),
                Cell::Rate(0.95),
            ]],
        }
    }

    #[test]
    fn key_columns_first_with_chinese_labels() {
        let text = aligned(
            &metrics(),
            Layout {
                width: None,
                key_first: true,
            },
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "工会编号  名称          季度家访率  层级");
        assert_eq!(lines[2], "U370102   历下区总工会       95.0%  county");
    }

    #[test]
    fn columns_that_do_not_fit_are_named_under_the_table() {
        let text = aligned(
            &metrics(),
            Layout {
                width: Some(24),
                key_first: true,
            },
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "工会编号  名称");
        assert!(lines
            .iter()
            .all(|l| display_width(l) <= 24 || l.starts_with('（')));
        assert_eq!(
            lines[3],
            "（另有2列未显示：季度家访率、层级。用 --columns 选列，--format csv|json|xlsx 输出全部列）"
        );
    }

    #[test]
    fn columns_are_chosen_by_name_or_label() {
        let t = select(&metrics(), &["季度家访率".into(), "union_id".into()]).unwrap();
        assert_eq!(t.columns, ["visit_compliance", "union_id"]);
        assert_eq!(t.rows[0][1], Cell::Text("U370102".into()));
        let e = select(&metrics(), &["nope".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("there is no column \"nope\""), "{e}");
    }
}
