//! The workbook of a scheduled document's figures, attached beside its PDF when the
//! job asks for it (`options.xlsx = true`): for a bulletin, the metrics of the period
//! for its union and the unions directly below, and the findings of the period in its
//! subtree; for a circular, the union's major findings of the quarter. The workbooks are
//! those of `--format xlsx` ([`crate::sql::xlsx`]): Chinese column labels, the sheet
//! 说明 with the period, the archive's SHA-256 and the query files.

use datafusion::arrow::array::RecordBatch;

use crate::analysis::metrics;
use crate::delivery::outbox::Attachment;
use crate::documents::circulars::Circular;
use crate::error::{Error, Result};
use crate::sql::table::Tabular;
use crate::sql::tree::{self, Unions};
use crate::sql::xlsx::{self, About, Sheet};
use crate::sql::{Period, Session};

/// The query folders behind a bulletin's figures.
const BULLETIN_QUERIES: &[&str] = &["views", "quarter", "metrics", "findings"];

/// The workbook of the bulletin of `union` (the root when `None`) for `period` as of
/// `cut` (the bulletin's date: its figures run to that day or the period's end), named
/// like the PDF (`….xlsx`).
pub async fn bulletin(
    s: &Session,
    period: &Period,
    cut: i32,
    union: Option<&str>,
    pdf_name: &str,
) -> Result<Attachment> {
    let root = match union {
        Some(u) => u.to_string(),
        None => Unions::of(&s.archive)?
            .root
            .ok_or_else(|| Error::Unreadable("the union tree has no root".into()))?,
    };
    let figures = metrics::compute_until(s, period, cut).await?;
    let near = tree::members(&s.archive, &root, Some(1))?;
    let all = tree::members(&s.archive, &root, None)?;
    let m = tree::filter_rows(&figures.metrics, "union_id", |u| near.contains(u))?;
    let f = tree::filter_rows(&figures.findings, "union_id", |u| all.contains(u))?;
    let title = format!("{}的数字", pdf_name.trim_end_matches(".pdf"));
    let about = About::new(
        &title,
        Some(period.to_string()),
        &s.archive,
        &s.catalog,
        BULLETIN_QUERIES,
    );
    book(&[("各级工会指标", &m), ("问题清单", &f)], &about, pdf_name)
}

/// The workbook of a circular: the union's major findings of the quarter, out of
/// `findings` (the quarter's findings).
pub fn circular(s: &Session, findings: &RecordBatch, c: &Circular) -> Result<Attachment> {
    let mine = tree::filter_rows(findings, "union_id", |u| u == c.union_id)?;
    let majors = tree::filter_rows(&mine, "severity", |x| x == "major")?;
    let name = c.attachment_name();
    let title = format!("{}的重大问题", name.trim_end_matches(".pdf"));
    let about = About::new(
        &title,
        Some(c.period.to_string()),
        &s.archive,
        &s.catalog,
        &["views", "quarter", "findings"],
    );
    book(&[("重大问题", &majors)], &about, &name)
}

fn book(sheets: &[(&str, &RecordBatch)], about: &About, pdf_name: &str) -> Result<Attachment> {
    let tables = sheets
        .iter()
        .map(|(_, b)| Tabular::from_batch(b))
        .collect::<Result<Vec<_>>>()?;
    let sheets: Vec<Sheet> = sheets
        .iter()
        .zip(&tables)
        .map(|((name, _), table)| Sheet {
            name,
            table,
            labels: &[],
        })
        .collect();
    let stem = pdf_name.strip_suffix(".pdf").unwrap_or(pdf_name);
    Ok(Attachment {
        name: format!("{stem}.xlsx"),
        bytes: xlsx::workbook(&sheets, about)?,
    })
}
