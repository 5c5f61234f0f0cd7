//! The figures of a bulletin: the period-wide ones computed once for every union
//! ([`prepare`]), and the bulletin's own queries of `queries/bulletin/` for one union
//! ([`of_union`]), each decoded into a typed row.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use datafusion::arrow::array::{Date32Array, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::common::ParamValues;
use datafusion::scalar::ScalarValue;

use crate::analysis::metrics;
use crate::error::{Error, Result};
use crate::sql::catalog::{named as query, Query};
use crate::sql::decode::Decoder;
use crate::sql::run::{check_columns, with_union};
use crate::sql::tree::Unions;
use crate::sql::{Period, Session};

/// The period's figures for every union, computed once and shared by the bulletins of
/// many unions (the province's and each county's, say).
pub struct Prepared {
    /// The period.
    pub period: Period,
    /// The day the figures run to: the period's last day, or the document's date when
    /// that is earlier ([`Period::cut`]).
    pub cut: i32,
    /// The period before it.
    pub prev: Period,
    /// The day the previous period's figures run to: its last day, or for a period cut
    /// before its end the same point of the period before ([`previous_cut`]).
    pub prev_cut: i32,
    /// The metrics of the period, by union_id.
    pub now: Arc<ByUnion>,
    /// The figures of the previous period it is compared with, by union_id.
    pub before: Arc<BTreeMap<String, metrics::Earlier>>,
    /// The last eight quarters, each with its visit compliance in percent by union_id
    /// (`None` for a quarter not drawn: before the archive's first visit, or not ended
    /// by the cut-off); [`Prepared::trend`] gives one union's.
    quarters: Vec<(Period, Option<Arc<Compliance>>)>,
    /// The unions of the archive.
    pub unions: Arc<Unions>,
    /// The period's metrics, as `bulletin_metrics` of the bulletin's own queries.
    metrics: RecordBatch,
    /// The period's findings, as their `period_findings`; `None` once dropped
    /// ([`Prepared::without_findings`]).
    findings: Option<RecordBatch>,
}

/// One period's metrics rows by union_id.
pub type ByUnion = BTreeMap<String, metrics::Row>;

/// One quarter's visit compliance in percent by union_id (`None`: no household due).
type Compliance = HashMap<String, Option<f64>>;

impl Prepared {
    /// The same figures without the period's findings, which only [`of_union`] reads
    /// (111,012 rows, 11 MB as CSV, for 2026Q3 of the generated 1M-household archive;
    /// a year has its four quarters'): for a caller keeping many periods for their
    /// pages, which prepares a period again to write its document.
    pub fn without_findings(self) -> Prepared {
        Prepared {
            findings: None,
            ..self
        }
    }

    /// `union`'s visit compliance over the last eight quarters, as (quarter, percent);
    /// `None` where there is no rate to draw.
    pub fn trend(&self, union: &str) -> Vec<(String, Option<f64>)> {
        self.quarters
            .iter()
            .map(|(q, rates)| {
                let rate = rates.as_ref().and_then(|r| r.get(union).copied().flatten());
                (q.to_string(), rate)
            })
            .collect()
    }
}

/// What the figures of several periods have in common, kept by a caller preparing
/// many periods (the console) so that each period holds only its own: the union tree,
/// each period's metrics rows (one period's `now` is the next one's `before`) and each
/// quarter's visit compliance (one quarter is on eight periods' charts).
#[derive(Default)]
pub struct Shared {
    unions: OnceLock<Arc<Unions>>,
    rows: Mutex<HashMap<(Period, i32), Arc<ByUnion>>>,
    compliance: Mutex<HashMap<Period, Arc<Compliance>>>,
    /// Whether the previous period's figures are its whole metrics rows (the console,
    /// which keeps every period's and compares minor findings too), rather than only
    /// what a bulletin compares ([`metrics::earlier_until`], which runs no minor rule).
    whole_before: bool,
}

impl Shared {
    /// Sharing `unions`, the archive's union tree, for a caller keeping many periods:
    /// the previous period's figures are its whole metrics rows.
    pub fn with_unions(unions: Arc<Unions>) -> Shared {
        Shared {
            unions: OnceLock::from(unions),
            whole_before: true,
            ..Shared::default()
        }
    }

    fn unions(&self, s: &Session) -> Result<Arc<Unions>> {
        if let Some(u) = self.unions.get() {
            return Ok(u.clone());
        }
        let u = Arc::new(Unions::of(&s.archive)?);
        Ok(self.unions.get_or_init(|| u).clone())
    }

    /// The metrics rows of `period` as of `cut`, and its figures when they had to be
    /// computed.
    async fn rows(
        &self,
        s: &Session,
        period: &Period,
        cut: i32,
    ) -> Result<(Arc<ByUnion>, Option<metrics::Figures>)> {
        let kept = lock(&self.rows).get(&(*period, cut)).cloned();
        if let Some(rows) = kept {
            return Ok((rows, None));
        }
        let figures = metrics::compute_until(s, period, cut).await?;
        let rows = Arc::new(by_union(metrics::rows(&figures.metrics)?));
        let rows = lock(&self.rows)
            .entry((*period, cut))
            .or_insert(rows)
            .clone();
        Ok((rows, Some(figures)))
    }

    /// The figures of `period` as of `cut` that the next period is compared with.
    async fn earlier(
        &self,
        s: &Session,
        period: &Period,
        cut: i32,
    ) -> Result<Arc<BTreeMap<String, metrics::Earlier>>> {
        let rows = match self.whole_before {
            true => {
                let (rows, _) = self.rows(s, period, cut).await?;
                rows.values().map(metrics::Earlier::of).collect()
            }
            false => metrics::earlier_until(s, period, cut).await?,
        };
        Ok(Arc::new(
            rows.into_iter().map(|r| (r.union_id.clone(), r)).collect(),
        ))
    }

    /// The visit compliance of each of `quarters` (at most eight, in order): kept, or
    /// computed, the quarters not kept computing together by `queries/bulletin/trend.sql`
    /// (one quarter alone by `queries/metrics/visit_compliance.sql`), their rows kept
    /// under each quarter's [`metrics::part_key`] for the metrics to read.
    async fn compliances(&self, s: &Session, quarters: &[Period]) -> Result<Vec<Arc<Compliance>>> {
        let vc = query("metrics", "visit_compliance")?;
        let key = |q: &Period| metrics::part_key(vc, q, q.last_day());
        let missing: Vec<Period> = quarters
            .iter()
            .filter(|q| !lock(&self.compliance).contains_key(q) && s.remembered(&key(q)).is_none())
            .copied()
            .collect();
        if let (Some(first), Some(last)) = (missing.first(), missing.last()) {
            if first != last {
                let trend = query("bulletin", "trend")?;
                let params = ParamValues::from(vec![
                    ("ps", ScalarValue::Date32(Some(first.first_day()))),
                    ("pe", ScalarValue::Date32(Some(last.last_day()))),
                ]);
                let batch = s.lanes()?.collect(trend, Some(params)).await?;
                for (q, rows) in by_quarter(&batch, trend, first, last)? {
                    if s.remembered(&key(&q)).is_none() {
                        s.remember(key(&q), &rows);
                    }
                }
            }
        }
        futures::future::try_join_all(quarters.iter().map(|q| self.compliance(s, q))).await
    }

    async fn compliance(&self, s: &Session, quarter: &Period) -> Result<Arc<Compliance>> {
        let kept = lock(&self.compliance).get(quarter).cloned();
        if let Some(rates) = kept {
            return Ok(rates);
        }
        let vc = query("metrics", "visit_compliance")?;
        let key = metrics::part_key(vc, quarter, quarter.last_day());
        let batch = s
            .remembered_or(key, || async {
                s.lanes()?.collect(vc, Some(quarter.params())).await
            })
            .await?;
        let d = Decoder::new(&batch, vc);
        let (ids, due, visited) = (d.text("union_id")?, d.int("due")?, d.int("visited")?);
        let mut rates = Compliance::new();
        for r in 0..d.rows() {
            let (u, due, visited) = (ids.req(r)?, due.req(r)?, visited.req(r)?);
            rates.insert(u, (due > 0).then(|| visited as f64 * 100.0 / due as f64));
        }
        Ok(lock(&self.compliance)
            .entry(*quarter)
            .or_insert(Arc::new(rates))
            .clone())
    }
}

/// The rows of `trend.sql` (`batch`, run from `first` to `last`) split into each
/// quarter's, with the columns of `visit_compliance.sql` (union_id, due, visited); a
/// quarter with no household due gets no row, as that file gives it. The file has eight
/// quarters' places: a quarter after the eighth gets none here (and is computed alone).
fn by_quarter(
    batch: &RecordBatch,
    trend: &Query,
    first: &Period,
    last: &Period,
) -> Result<Vec<(Period, RecordBatch)>> {
    check_columns(batch, trend, &["qs", "union_id", "due", "visited"])?;
    let rows = batch.project(&[1, 2, 3])?;
    let mut out = Vec::new();
    let mut q = *first;
    loop {
        let start = Date32Array::new_scalar(q.first_day());
        let mask = eq(batch.column(0), &start)?;
        out.push((q, filter_record_batch(&rows, &mask)?));
        if q == *last || out.len() == 8 {
            return Ok(out);
        }
        q = q.next_quarter();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The period before `p`: the previous quarter, or the previous year.
pub fn previous(p: &Period) -> Period {
    match p {
        Period::Year(y) => Period::Year(y - 1),
        q => q.previous_quarter(),
    }
}

/// The eight quarters ending with the last quarter of `p`.
pub fn last_eight_quarters(p: &Period) -> Vec<Period> {
    let mut q = match p {
        Period::Year(y) => Period::quarter(*y, 4),
        q => *q,
    };
    let mut out = vec![q];
    for _ in 0..7 {
        q = q.previous_quarter();
        out.push(q);
    }
    out.reverse();
    out
}

fn by_union(rows: Vec<metrics::Row>) -> ByUnion {
    rows.into_iter().map(|r| (r.union_id.clone(), r)).collect()
}

/// The same point of the previous period `prev` as `cut` is of `period`: its last day
/// when `cut` is `period`'s; else, for a year, the same month and day a year before (28
/// February for 29 February), for a quarter as many days after its first day.
pub fn previous_cut(period: &Period, cut: i32, prev: &Period) -> i32 {
    if cut >= period.last_day() {
        return prev.last_day();
    }
    let day = match period {
        Period::Year(_) => {
            let (y, m, d) = crate::calendar::civil(cut);
            let d = if (m, d) == (2, 29) { 28 } else { d };
            crate::calendar::day(y - 1, m, d)
        }
        q => prev.first_day() + (cut - q.first_day()),
    };
    prev.cut(day)
}

/// The quarters of `period` that have ended by `cut` (a quarter not yet ended is not
/// yet due for its visit).
pub fn ended_quarters(period: &Period, cut: i32) -> Vec<Period> {
    period
        .quarters()
        .into_iter()
        .filter(|q| q.last_day() <= cut)
        .collect()
}

/// Runs the period-wide queries for the whole period (through its last day).
pub async fn prepare(s: &Session, period: &Period) -> Result<Prepared> {
    prepare_until(s, period, period.last_day()).await
}

/// Runs the period-wide queries as of `date` (days since 1970-01-01, the document's
/// date): the metrics of the period and of the one before, and visit compliance for
/// each of the last eight quarters. The figures run to [`Period::cut`]`(date)`.
pub async fn prepare_until(s: &Session, period: &Period, date: i32) -> Result<Prepared> {
    if date < period.first_day() {
        return Err(Error::Usage(format!(
            "the document's date {} is before {period} begins: there is nothing to report yet",
            crate::calendar::iso(date)
        )));
    }
    prepare_shared(s, period, date, &Shared::default()).await
}

/// [`prepare_until`], taking what `shared` already holds and keeping there what it
/// computes.
pub async fn prepare_shared(
    s: &Session,
    period: &Period,
    date: i32,
    shared: &Shared,
) -> Result<Prepared> {
    let cut = period.cut(date);
    let unions = shared.unions(s)?;
    let prev = previous(period);
    let prev_cut = previous_cut(period, cut, &prev);
    let fv = query("bulletin", "first_visit")?;
    let batch = s.scope()?.collect(fv, None).await?;
    let first_visit = Decoder::new(&batch, fv).date("first_visit")?.get(0);
    // The chart's quarters, the period before and the period itself are computed side
    // by side (their queries take turns on the session's lanes; Session::lanes).
    let chart = async {
        let eight = last_eight_quarters(period);
        // Before the archive's first visit there is no rate to draw, nor for a quarter
        // that has not ended by the cut-off.
        let drawn: Vec<Period> = eight
            .iter()
            .filter(|q| first_visit.is_some_and(|f| q.last_day() >= f) && q.last_day() <= cut)
            .copied()
            .collect();
        let mut rates = shared.compliances(s, &drawn).await?.into_iter();
        Ok::<_, Error>(
            eight
                .into_iter()
                .map(|q| (q, drawn.contains(&q).then(|| rates.next()).flatten()))
                .collect::<Vec<_>>(),
        )
    };
    let (quarters, before, (now, figures)) = futures::try_join!(
        chart,
        shared.earlier(s, &prev, prev_cut),
        shared.rows(s, period, cut)
    )?;
    let figures = match figures {
        Some(f) => f,
        None => metrics::compute_until(s, period, cut).await?,
    };
    Ok(Prepared {
        period: *period,
        cut,
        prev,
        prev_cut,
        now,
        before,
        quarters,
        unions,
        metrics: figures.metrics,
        findings: Some(figures.findings),
    })
}

/// A union directly below, with its figures (`queries/bulletin/child_ranking.sql`).
pub struct ChildRank {
    /// 1 = best.
    pub position: i64,
    /// The union.
    pub union_id: String,
    /// Its name.
    pub name: String,
    /// Its visit compliance.
    pub visit_compliance: Option<f64>,
    /// Its exit rate.
    pub exit_rate: Option<f64>,
    /// Its exit procedure rate.
    pub exit_procedure_rate: Option<f64>,
    /// Its share of funds on target.
    pub on_target_share: Option<f64>,
    /// Its budget execution.
    pub budget_execution: Option<f64>,
    /// Its major findings.
    pub findings_major: i64,
    /// Its minor findings.
    pub findings_minor: i64,
    /// Major findings due for correction in the period (`None`: no correction recorded).
    pub rectifications_due: Option<i64>,
    /// Of those, rectified on time.
    pub rectified_on_time: Option<i64>,
    /// rectified_on_time / rectifications_due.
    pub rectification_rate: Option<f64>,
}

/// A union of the subtree with corrections overdue (K1) in the period
/// (`queries/bulletin/overdue.sql`).
pub struct Overdue {
    /// The union's name.
    pub name: String,
    /// How many corrections are overdue.
    pub overdue: i64,
}

/// One category of payments (`queries/bulletin/funds_by_category.sql`).
pub struct FundCategory {
    /// The Chinese label.
    pub label: String,
    /// Payments made.
    pub payments: i64,
    /// Their sum, exact.
    pub amount: String,
    /// Its part of the period's total.
    pub share: Option<f64>,
}

/// Major findings of one rule belonging to one union directly below (or the union
/// itself) (`queries/bulletin/major_findings.sql`).
pub struct MajorCount {
    /// The rule (`V2`).
    pub rule: String,
    /// The union directly below.
    pub child_id: String,
    /// How many.
    pub findings: i64,
}

/// What the bulletin's own queries give for one union.
pub struct OfUnion {
    /// The unions directly below, best first.
    pub ranking: Vec<ChildRank>,
    /// Funds by category.
    pub funds: Vec<FundCategory>,
    /// Major findings by rule and child union.
    pub majors: Vec<MajorCount>,
    /// The unions with overdue corrections, most first.
    pub overdue: Vec<Overdue>,
}

/// Runs `queries/bulletin/` for `union`, in a scope holding the period's metrics as
/// `bulletin_metrics` and its findings as `period_findings`.
pub async fn of_union(s: &Session, p: &Prepared, union: &str) -> Result<OfUnion> {
    let scope = s.scope()?;
    let findings = p.findings.clone().ok_or_else(|| {
        Error::Internal(format!(
            "the figures of {} were prepared without their findings",
            p.period
        ))
    })?;
    scope.register("bulletin_metrics", p.metrics.clone())?;
    scope.register(metrics::PERIOD_FINDINGS, findings)?;
    let params = || Some(with_union(&p.period, p.cut, union));

    let q = query("bulletin", "child_ranking")?;
    let batch: RecordBatch = scope.collect(q, params()).await?;
    let d = Decoder::new(&batch, q);
    let (pos, id, name) = (d.int("position")?, d.text("union_id")?, d.text("name")?);
    let (vc, er, epr) = (
        d.float("visit_compliance")?,
        d.float("exit_rate")?,
        d.float("exit_procedure_rate")?,
    );
    let (ots, be) = (d.float("on_target_share")?, d.float("budget_execution")?);
    let (major, minor) = (d.int("findings_major")?, d.int("findings_minor")?);
    let (due, on_time) = (d.int("rectifications_due")?, d.int("rectified_on_time")?);
    let rect_rate = d.float("rectification_rate")?;
    let ranking = (0..d.rows())
        .map(|r| {
            Ok(ChildRank {
                position: pos.req(r)?,
                union_id: id.req(r)?,
                name: name.req(r)?,
                visit_compliance: vc.get(r),
                exit_rate: er.get(r),
                exit_procedure_rate: epr.get(r),
                on_target_share: ots.get(r),
                budget_execution: be.get(r),
                findings_major: major.req(r)?,
                findings_minor: minor.req(r)?,
                rectifications_due: due.get(r),
                rectified_on_time: on_time.get(r),
                rectification_rate: rect_rate.get(r),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let q = query("bulletin", "funds_by_category")?;
    let batch = scope.collect(q, params()).await?;
    let d = Decoder::new(&batch, q);
    let (label, payments) = (d.text("label")?, d.int("payments")?);
    let (amount, share) = (d.decimal("amount")?, d.float("share")?);
    let funds = (0..d.rows())
        .map(|r| {
            Ok(FundCategory {
                label: label.req(r)?,
                payments: payments.req(r)?,
                amount: amount.req(r)?,
                share: share.get(r),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let q = query("bulletin", "major_findings")?;
    let batch = scope.collect(q, params()).await?;
    let d = Decoder::new(&batch, q);
    let (rule, child, n) = (d.text("rule")?, d.text("child_id")?, d.int("findings")?);
    let majors = (0..d.rows())
        .map(|r| {
            Ok(MajorCount {
                rule: rule.req(r)?,
                child_id: child.req(r)?,
                findings: n.req(r)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let q = query("bulletin", "overdue")?;
    let batch = scope.collect(q, params()).await?;
    let d = Decoder::new(&batch, q);
    let (name, n) = (d.text("name")?, d.int("overdue")?);
    let overdue = (0..d.rows())
        .map(|r| {
            Ok(Overdue {
                name: name.req(r)?,
                overdue: n.req(r)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(OfUnion {
        ranking,
        funds,
        majors,
        overdue,
    })
}
