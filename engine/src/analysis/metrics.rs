//! Metrics of metrics.md per union subtree and period, computed by the SQL of
//! `queries/metrics/` over the archive tables, the views of `queries/views/` and the
//! closure of the union tree.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Date32Array, RecordBatch};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::findings;
use crate::error::{Error, Result};
use crate::sql::catalog;
use crate::sql::decode::Decoder;
use crate::sql::run::{check_columns, Scope};
use crate::sql::{Period, Session};

/// The columns of the `metrics` output, in the order of metrics.md.
pub const COLUMNS: &[&str] = &[
    "union_id",
    "name",
    "level",
    "period",
    "due",
    "visited",
    "visit_compliance",
    "base",
    "exits",
    "exits_compliant",
    "exit_rate",
    "exit_procedure_rate",
    "median_days_to_exit",
    "payments",
    "funds_paid",
    "funds_on_target",
    "on_target_share",
    "funds_flagged",
    "budget",
    "budget_execution",
    "subsidies_paid",
    "findings_major",
    "findings_minor",
    "rectifications_due",
    "rectified_on_time",
    "rectification_rate",
    "referrals",
    "referrals_closed_90",
    "referral_closure_rate",
];

/// The name under which `queries/metrics/` read the findings of the period's quarters.
pub const PERIOD_FINDINGS: &str = "period_findings";

/// The name under which `queries/metrics/rectification.sql` reads the major findings
/// whose deadline d(f) falls in the period, with a column `deadline`.
pub const DUE_FINDINGS: &str = "due_findings";

/// The schema of [`DUE_FINDINGS`]: a finding and its deadline.
fn due_schema() -> SchemaRef {
    let mut fields: Vec<Field> = findings::schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("deadline", DataType::Date32, false));
    Arc::new(Schema::new(fields))
}

/// `batch` of findings with the column `deadline` = `day` on every row.
fn with_deadline(batch: &RecordBatch, day: i32) -> Result<RecordBatch> {
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(Date32Array::from(vec![day; batch.num_rows()])) as ArrayRef);
    Ok(RecordBatch::try_new(due_schema(), columns)?)
}

/// The figures of one period: the metrics and the findings they count.
pub struct Figures {
    /// One row per union ordered by union_id, with the columns of [`COLUMNS`].
    pub metrics: RecordBatch,
    /// The findings of the period's quarters (the columns of [`findings::COLUMNS`]).
    pub findings: RecordBatch,
}

/// The metrics of metrics.md for `period`, one row per union ordered by union_id.
pub async fn metrics(s: &Session, period: &Period) -> Result<RecordBatch> {
    Ok(compute(s, period).await?.metrics)
}

/// The metrics of `period` with the findings of its quarters. In the computation's own
/// scope, the findings are registered as `period_findings` and each per-subtree figure
/// as the table `metric_<file>`.
pub async fn compute(s: &Session, period: &Period) -> Result<Figures> {
    compute_until(s, period, period.last_day()).await
}

/// [`compute`] as of day `cut` (a bulletin dated inside its period): the figures run to
/// the earlier of `cut` and the period's last day. Quarters that start after it are left
/// out, one that has not ended gives its findings up to it, only quarters ended by it
/// are due for a visit, and a finding is due for correction when d(f) is on or before
/// it (queries/README.md, "A period that has not ended").
pub async fn compute_until(s: &Session, period: &Period, cut: i32) -> Result<Figures> {
    let cut = period.cut(cut);
    let mut found = Vec::new();
    let mut due = Vec::new();
    let quarters: Vec<Period> = period
        .quarters()
        .into_iter()
        .filter(|q| q.first_day() <= cut)
        .collect();
    // The quarters' rules run side by side; each runs once: the next quarter's K1 takes
    // their majors from the session, waiting for them if they are under way
    // (findings::run_rules).
    let all = futures::future::try_join_all(
        quarters
            .iter()
            .map(|q| findings::of_quarter_until(s, q, cut)),
    )
    .await?;
    for (q, quarter) in quarters.iter().zip(all) {
        found.push(quarter.findings);
        let deadline = q.previous_quarter().last_day() + 60;
        if let Some(prev) = quarter.previous_majors.filter(|_| deadline <= cut) {
            due.push(with_deadline(&prev, deadline)?);
        }
    }
    let found = concat_batches(&findings::schema(), &found)?;
    // The figures depend only on the period and the cut, like the findings they count.
    let key = format!("metrics {period} {}", crate::calendar::iso(cut));
    let metrics = s
        .remembered_or(key, || async {
            // The parts run side by side, each on one lane, then metrics.sql joins them.
            let scope = s.lanes()?;
            scope.register(PERIOD_FINDINGS, found.clone())?;
            scope.register(DUE_FINDINGS, concat_batches(&due_schema(), &due)?)?;
            let (last, parts) = catalog::METRICS
                .split_last()
                .ok_or_else(|| Error::Internal("no metric queries".into()))?;
            futures::future::try_join_all(
                parts
                    .iter()
                    .map(|q| register_part(s, &scope, q, period, cut)),
            )
            .await?;
            let batch = scope.collect(last, Some(period.params_until(cut))).await?;
            check_columns(&batch, last, COLUMNS)?;
            Ok(batch)
        })
        .await?;
    Ok(Figures {
        metrics,
        findings: found,
    })
}

/// The key under which the rows of the metric part `q` (a query of `queries/metrics/`)
/// for `period`, its figures running to `cut`, are kept in the session. The metrics
/// read a part kept there instead of computing it: a bulletin's chart keeps each of
/// eight quarters' `visit_compliance.sql`, run to the quarter's end.
pub fn part_key(q: &catalog::Query, period: &Period, cut: i32) -> String {
    format!(
        "{} {period} {}",
        q.path(),
        crate::calendar::iso(period.cut(cut))
    )
}

/// Registers the metric part `q` in `scope` as the table `metric_<file>` of `period` run
/// to `cut`: the rows kept under [`part_key`] when the session has them, else those the
/// file gives, computed now (so that the parts of one figure run side by side, each on
/// one lane, rather than inside the query joining them).
async fn register_part(
    s: &Session,
    scope: &Scope,
    q: &'static catalog::Query,
    period: &Period,
    cut: i32,
) -> Result<()> {
    let name = format!("metric_{}", q.name);
    match s.remembered(&part_key(q, period, cut)) {
        Some(rows) => scope.register(&name, rows),
        None => {
            scope
                .materialize_as(&name, q, Some(period.params_until(cut)))
                .await
        }
    }
}

/// The figures of an earlier period that a bulletin compares a period with
/// (`queries/bulletin/earlier.sql`), for one union.
#[derive(Debug, Clone, PartialEq)]
pub struct Earlier {
    /// The union.
    pub union_id: String,
    /// visited / due; `None` when nothing was due.
    pub visit_compliance: Option<f64>,
    /// exits / base.
    pub exit_rate: Option<f64>,
    /// Share of funds on target.
    pub on_target_share: Option<f64>,
    /// Major findings of the subtree.
    pub findings_major: i64,
    /// Minor findings of the subtree; `None` when they were not counted
    /// ([`earlier_until`] runs no minor rule).
    pub findings_minor: Option<i64>,
}

impl Earlier {
    /// The same figures, taken from a full metrics row.
    pub fn of(row: &Row) -> Earlier {
        Earlier {
            union_id: row.union_id.clone(),
            visit_compliance: row.visit_compliance,
            exit_rate: row.exit_rate,
            on_target_share: row.on_target_share,
            findings_major: row.findings_major,
            findings_minor: Some(row.findings_minor),
        }
    }
}

/// The figures of `period` as of `cut` that a bulletin compares the next period with,
/// one per union ordered by union_id: the same values as [`compute_until`]'s for those
/// columns, with only the rules that can give a major finding run
/// ([`findings::majors_until`]) and only the four metric files they come from.
pub async fn earlier_until(s: &Session, period: &Period, cut: i32) -> Result<Vec<Earlier>> {
    let cut = period.cut(cut);
    let q = catalog::named("bulletin", "earlier")?;
    let batch = s
        .remembered_or(part_key(q, period, cut), || async {
            let mut found = Vec::new();
            for quarter in period.quarters().iter().filter(|q| q.first_day() <= cut) {
                found.push(findings::majors_until(s, quarter, cut).await?);
            }
            let scope = s.lanes()?;
            scope.register(
                PERIOD_FINDINGS,
                concat_batches(&findings::schema(), &found)?,
            )?;
            futures::future::try_join_all(["visit_compliance", "exit_rate", "fund_usage"].map(
                |name| {
                    let scope = &scope;
                    async move {
                        let q = catalog::named("metrics", name)?;
                        register_part(s, scope, q, period, cut).await
                    }
                },
            ))
            .await?;
            // Counted over the major findings only: never the rows of the whole part
            // kept under its key.
            let review = catalog::named("metrics", "review_findings")?;
            scope
                .view(
                    "metric_review_findings",
                    review,
                    Some(period.params_until(cut)),
                )
                .await?;
            let batch = scope.collect(q, Some(period.params_until(cut))).await?;
            check_columns(&batch, q, EARLIER)?;
            Ok(batch)
        })
        .await?;
    let d = Decoder::new(&batch, q);
    let (union_id, major) = (d.text("union_id")?, d.int("findings_major")?);
    let (vc, er, ots) = (
        d.float("visit_compliance")?,
        d.float("exit_rate")?,
        d.float("on_target_share")?,
    );
    (0..d.rows())
        .map(|r| {
            Ok(Earlier {
                union_id: union_id.req(r)?,
                visit_compliance: vc.get(r),
                exit_rate: er.get(r),
                on_target_share: ots.get(r),
                findings_major: major.req(r)?,
                findings_minor: None,
            })
        })
        .collect()
}

/// The columns of `queries/bulletin/earlier.sql`.
const EARLIER: &[&str] = &[
    "union_id",
    "visit_compliance",
    "exit_rate",
    "on_target_share",
    "findings_major",
];

/// One row of the `metrics` output, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The union.
    pub union_id: String,
    /// Its name.
    pub name: String,
    /// Households due a visit (household-quarters for a year).
    pub due: i64,
    /// Of those, visited with a valid visit.
    pub visited: i64,
    /// visited / due; `None` when nothing was due.
    pub visit_compliance: Option<f64>,
    /// Households active at some point of the period.
    pub base: i64,
    /// Households that exited in the period.
    pub exits: i64,
    /// Of those, by the compliant procedure.
    pub exits_compliant: i64,
    /// exits / base.
    pub exit_rate: Option<f64>,
    /// exits_compliant / exits.
    pub exit_procedure_rate: Option<f64>,
    /// Payments made.
    pub payments: i64,
    /// Their sum, exact (`34790.00`).
    pub funds_paid: String,
    /// Share of funds on target.
    pub on_target_share: Option<f64>,
    /// Funds paid to date over the year's budget.
    pub budget_execution: Option<f64>,
    /// Major findings of the subtree.
    pub findings_major: i64,
    /// Minor findings of the subtree.
    pub findings_minor: i64,
    /// Major findings due for correction in the period (`None`: no correction recorded).
    pub rectifications_due: Option<i64>,
    /// Of those, rectified on time.
    pub rectified_on_time: Option<i64>,
    /// rectified_on_time / rectifications_due.
    pub rectification_rate: Option<f64>,
}

/// The rows of a `metrics` result (`queries/metrics/metrics.sql`), decoded.
pub fn rows(batch: &RecordBatch) -> Result<Vec<Row>> {
    let q = catalog::named("metrics", "metrics")?;
    let d = Decoder::new(batch, q);
    let (union_id, name) = (d.text("union_id")?, d.text("name")?);
    let (due, visited, base) = (d.int("due")?, d.int("visited")?, d.int("base")?);
    let (exits, exits_compliant) = (d.int("exits")?, d.int("exits_compliant")?);
    let (vc, er, epr) = (
        d.float("visit_compliance")?,
        d.float("exit_rate")?,
        d.float("exit_procedure_rate")?,
    );
    let (payments, funds_paid) = (d.int("payments")?, d.decimal("funds_paid")?);
    let (ots, be) = (d.float("on_target_share")?, d.float("budget_execution")?);
    let (major, minor) = (d.int("findings_major")?, d.int("findings_minor")?);
    let (rect_due, on_time) = (d.int("rectifications_due")?, d.int("rectified_on_time")?);
    let rect_rate = d.float("rectification_rate")?;
    (0..d.rows())
        .map(|r| {
            Ok(Row {
                union_id: union_id.req(r)?,
                name: name.req(r)?,
                due: due.req(r)?,
                visited: visited.req(r)?,
                visit_compliance: vc.get(r),
                base: base.req(r)?,
                exits: exits.req(r)?,
                exits_compliant: exits_compliant.req(r)?,
                exit_rate: er.get(r),
                exit_procedure_rate: epr.get(r),
                payments: payments.req(r)?,
                funds_paid: funds_paid.req(r)?,
                on_target_share: ots.get(r),
                budget_execution: be.get(r),
                findings_major: major.req(r)?,
                findings_minor: minor.req(r)?,
                rectifications_due: rect_due.get(r),
                rectified_on_time: on_time.get(r),
                rectification_rate: rect_rate.get(r),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int64Type;

    use super::*;
    use crate::sql::session::Settings;

    async fn sample() -> Session {
        let settings = Settings {
            archive: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
            cache_dir: None,
            ..Default::default()
        };
        Session::open(&settings, &crate::ingest::Quiet)
            .await
            .unwrap()
    }

    fn total(batch: &RecordBatch, column: &str) -> i64 {
        let c = batch.column_by_name(column).unwrap();
        c.as_primitive::<Int64Type>().iter().flatten().sum()
    }

    /// The figures a bulletin compares with ([`earlier_until`], no minor rule run) are
    /// the full metrics' own values of those columns: for a quarter, and for a year and
    /// a quarter cut before their end.
    #[tokio::test]
    async fn the_earlier_figures_are_the_metrics_own() {
        let cases = [
            (Period::quarter(2026, 2), crate::calendar::day(2026, 6, 30)),
            (Period::Year(2026), crate::calendar::day(2026, 10, 15)),
            (Period::quarter(2026, 3), crate::calendar::day(2026, 8, 15)),
        ];
        for (p, cut) in cases {
            let earlier = earlier_until(&sample().await, &p, cut).await.unwrap();
            let full = compute_until(&sample().await, &p, cut).await.unwrap();
            let full = rows(&full.metrics).unwrap();
            assert!(
                full.iter()
                    .any(|r| r.findings_major > 0 && r.findings_minor > 0),
                "{p}"
            );
            let expected: Vec<Earlier> = full
                .iter()
                .map(|r| Earlier {
                    findings_minor: None,
                    ..Earlier::of(r)
                })
                .collect();
            assert_eq!(earlier, expected, "{p} as of {}", crate::calendar::iso(cut));
        }
    }

    /// A whole quarter's metrics read the visit compliance kept under
    /// [`part_key`] (a bulletin's chart computed it) and equal the metrics
    /// computed without it.
    #[tokio::test]
    async fn a_quarters_metrics_read_its_kept_visit_compliance() {
        let q = Period::quarter(2026, 3);
        let alone = metrics(&sample().await, &q).await.unwrap();
        assert!(total(&alone, "due") > 0);

        let s = sample().await;
        let vc = catalog::get("metrics", "visit_compliance").unwrap();
        let rows = s
            .scope()
            .unwrap()
            .collect(vc, Some(q.params()))
            .await
            .unwrap();
        s.remember(part_key(vc, &q, q.last_day()), &rows);
        assert_eq!(metrics(&s, &q).await.unwrap(), alone);

        // What is kept is what they read: kept without rows, nothing is due.
        let s = sample().await;
        s.remember(part_key(vc, &q, q.last_day()), &rows.slice(0, 0));
        let read = metrics(&s, &q).await.unwrap();
        assert_eq!((total(&read, "due"), total(&read, "visited")), (0, 0));
        assert_eq!(total(&read, "exits"), total(&alone, "exits"));
    }
}
