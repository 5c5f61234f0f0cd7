//! The archive rows behind a finding: its subject's row and, when the subject is or
//! names a household, the household with its visits, assignments and payments in the
//! quarter; ID numbers and phones masked as in `tiexin query` unless the user has full
//! access.

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{concat_batches, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Date32Type};
use maud::{html, Markup};

use crate::error::{Error, Result};
use crate::ingest::{labels, schema, Archive};
use crate::sql::sandbox::mask;
use crate::sql::table::Tabular;
use crate::sql::tree::filter_rows;
use crate::sql::Period;

/// The table holding a finding's subject of this type.
pub fn table_of(subject_type: &str) -> Option<&'static str> {
    Some(match subject_type {
        "household" => "households",
        "visit" => "visits",
        "payment" => "disbursements",
        "exit" => "exits",
        "contact" => "contacts",
        "crosscheck" => "crosschecks",
        "inspection" => "inspections",
        "referral" => "referrals",
        "request" => "requests",
        "subsidy" => "subsidies",
        "union" => "unions",
        _ => return None,
    })
}

/// The rows of `table` whose `column` is `value` (and, with `days`, whose date column
/// `date` is in that range), masked unless `full`.
pub fn rows(
    archive: &Archive,
    table: &str,
    column: &str,
    value: &str,
    days: Option<(&str, i32, i32)>,
    full: bool,
) -> Result<Option<RecordBatch>> {
    let Some(t) = archive.table(table) else {
        return Ok(None);
    };
    let schema = t.table.arrow_schema();
    let mut out = Vec::new();
    for b in &t.batches {
        let mut b = filter_rows(b, column, |v| v == value)?;
        if let Some((date, from, to)) = days {
            let i = b.schema().index_of(date)?;
            if b.column(i).data_type() == &DataType::Date32 {
                let d = b.column(i).as_primitive::<Date32Type>();
                let keep: BooleanArray = d
                    .iter()
                    .map(|x| Some(x.is_some_and(|x| x >= from && x <= to)))
                    .collect();
                b = filter_record_batch(&b, &keep)?;
            }
        }
        if b.num_rows() > 0 {
            out.push(if full {
                b
            } else {
                mask::mask_batch(table, &b)?
            });
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    Ok(Some(concat_batches(&schema, &out)?))
}

/// One text cell of a batch.
pub fn text(batch: &RecordBatch, column: &str, row: usize) -> Option<String> {
    let i = batch.schema().index_of(column).ok()?;
    let a = batch.column(i).as_string_opt::<i32>()?;
    a.is_valid(row).then(|| a.value(row).to_string())
}

/// A batch of archive table `name` as an HTML table with its Chinese headers, under
/// the heading `label`.
pub fn table(name: &str, label: &str, batch: &RecordBatch) -> Result<Markup> {
    let t = Tabular::from_batch(batch)?;
    Ok(html! {
        h2 { (label) }
        div.scroll { table {
            thead { tr { @for c in &t.columns { th title=(c) { (labels::header(name, c).unwrap_or(c)) } } } }
            tbody { @for r in &t.rows { tr { @for (c, col) in r.iter().zip(&t.columns) { td { (shown(name, col, c.human())) } } } } }
        } }
    })
}

/// A cell as shown: a code of an enumeration column as its Chinese label.
fn shown(table: &str, column: &str, value: String) -> String {
    labels::enum_labels(table, column)
        .iter()
        .find(|(c, _)| *c == value)
        .and_then(|(_, l)| l.first())
        .map_or(value, |l| l.to_string())
}

/// What the detail page shows of a subject: the subject's row, then the household's
/// rows in the quarter. `in_scope` says whether a union may be shown.
pub fn subject(
    archive: &Archive,
    subject_type: &str,
    subject_id: &str,
    quarter: &Period,
    full: bool,
    in_scope: impl Fn(&str) -> bool,
) -> Result<Markup> {
    let Some(name) = table_of(subject_type) else {
        return Ok(html! { p.note { "此类问题（" (subject_type) "）没有可显示的档案记录。" } });
    };
    let t = schema::table(name).ok_or_else(|| Error::Internal(format!("no table {name}")))?;
    let Some(key) = t.key.first() else {
        return Ok(html! {});
    };
    let Some(row) = rows(archive, name, key, subject_id, None, full)? else {
        return Ok(html! { p.note { "档案中没有 " (subject_id) " 的记录。" } });
    };
    let mut parts = vec![table(
        name,
        &format!("{}（{}）", t.label, subject_id),
        &row,
    )?];
    let household = if name == "households" {
        Some(subject_id.to_string())
    } else {
        text(&row, "household_id", 0)
    };
    if let Some(h) = household {
        let Some(hh) = rows(archive, "households", "household_id", &h, None, full)? else {
            return Ok(html! { @for p in parts { (p) } });
        };
        match text(&hh, "union_id", 0) {
            Some(u) if in_scope(&u) => {}
            _ => {
                parts.push(html! { p.note { "该家庭不在您的权限范围内，不显示其档案。" } });
                return Ok(html! { @for p in parts { (p) } });
            }
        }
        if name != "households" {
            parts.push(table("households", &format!("困难职工家庭（{h}）"), &hh)?);
        }
        let (from, to) = (quarter.first_day(), quarter.last_day());
        let related = [
            ("visits", "visited_on", "本季度家访记录"),
            ("disbursements", "paid_on", "本季度资金发放"),
        ];
        for (table_name, date, label) in related {
            match rows(
                archive,
                table_name,
                "household_id",
                &h,
                Some((date, from, to)),
                full,
            )? {
                Some(b) => parts.push(table(table_name, label, &b)?),
                None => parts.push(html! { h2 { (label) } p.note { "无。" } }),
            }
        }
        if let Some(b) = rows(archive, "assignments", "household_id", &h, None, full)? {
            parts.push(table("assignments", "联系人分配", &b)?);
        }
    }
    Ok(html! { @for p in parts { (p) } })
}
