//! The accountability loop beyond a quarter's findings (accountability.md): the early
//! warnings as of a day, and the state of each major finding's correction. Each is one
//! SQL file of `queries/accountability/`; the previous quarter's major findings they
//! read come from the findings machinery.

use datafusion::arrow::array::{AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::Int64Type;

use super::findings;
use crate::error::Result;
use crate::sql::catalog;
use crate::sql::run::check_columns;
use crate::sql::{Period, Session};

/// The columns of `tiexin warnings`, in order.
pub const WARNING_COLUMNS: &[&str] = &[
    "warning",
    "union_id",
    "subject_type",
    "subject_id",
    "contact_id",
    "due_on",
    "days_left",
];

/// The columns of `tiexin rectify`, in order.
pub const RECTIFY_COLUMNS: &[&str] = &[
    "rule",
    "union_id",
    "subject_type",
    "subject_id",
    "contact_id",
    "occurred_on",
    "deadline",
    "reported_on",
    "verified_on",
    "verified_by",
    "status",
];

/// The early warnings as of `day` (days since 1970-01-01), ordered by due_on, warning,
/// subject_id; with `within`, only those due in at most that many days.
pub async fn warnings(s: &Session, day: i32, within: Option<i64>) -> Result<RecordBatch> {
    let quarter = Period::containing(day);
    let previous = findings::previous_majors(s, &quarter).await?;
    let scope = s.scope()?;
    scope.register(
        "previous_majors",
        previous.unwrap_or_else(|| RecordBatch::new_empty(findings::schema())),
    )?;
    let q = catalog::named("accountability", "warnings")?;
    let batch = scope.collect(q, Some(quarter.params_as_of(day))).await?;
    check_columns(&batch, q, WARNING_COLUMNS)?;
    let Some(n) = within else {
        return Ok(batch);
    };
    let left = batch
        .column_by_name("days_left")
        .map(|a| a.as_primitive::<Int64Type>().clone());
    let Some(left) = left else {
        return Ok(batch);
    };
    let keep: BooleanArray = left
        .iter()
        .map(|d| Some(d.is_some_and(|d| d <= n)))
        .collect();
    Ok(filter_record_batch(&batch, &keep)?)
}

/// The major findings (not K1) of `quarter` with their deadline and the state of their
/// correction as of `day`.
pub async fn rectify(s: &Session, quarter: &Period, day: i32) -> Result<RecordBatch> {
    let all = findings::findings(s, quarter).await?;
    let majors = crate::sql::tree::filter_rows(&findings::majors(&all)?, "rule", |r| r != "K1")?;
    let scope = s.scope()?;
    scope.register("quarter_majors", majors)?;
    let q = catalog::named("accountability", "rectify")?;
    let batch = scope.collect(q, Some(quarter.params_as_of(day))).await?;
    check_columns(&batch, q, RECTIFY_COLUMNS)?;
    Ok(batch)
}
