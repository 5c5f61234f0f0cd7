//! Findings of a quarter: every rule of metrics.md, one SQL file each under
//! `queries/findings/`, run with the quarter's days bound as parameters and gathered
//! into one table sorted by rule, union_id, subject_id, occurred_on.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::{
    cast, concat_batches, lexsort_to_indices, take_record_batch, SortColumn,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::error::{Error, Result};
use crate::sql::catalog::{self, Query};
use crate::sql::run::check_columns;
use crate::sql::{Period, Scope, Session};

/// The columns of a finding row, in order.
pub const COLUMNS: &[&str] = &[
    "rule",
    "severity",
    "union_id",
    "subject_type",
    "subject_id",
    "contact_id",
    "occurred_on",
    "detail",
];

/// The schema every rule's rows are brought to.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .map(|&c| {
                let ty = if c == "occurred_on" {
                    DataType::Date32
                } else {
                    DataType::Utf8
                };
                Field::new(c, ty, true)
            })
            .collect::<Vec<_>>(),
    ))
}

/// The findings of one quarter, with the major findings of the quarter before it that
/// K1 checked (when the archive records rectifications).
pub struct Quarter {
    /// Every finding of the quarter, sorted by rule, union_id, subject_id, occurred_on.
    pub findings: RecordBatch,
    /// The major findings (not K1) of the previous quarter; `None` when the archive
    /// records no rectification, so that K1 does not run.
    pub previous_majors: Option<RecordBatch>,
}

/// Every finding of `quarter`, sorted by rule, union_id, subject_id, occurred_on.
pub async fn findings(s: &Session, quarter: &Period) -> Result<RecordBatch> {
    Ok(of_quarter(s, quarter).await?.findings)
}

/// Every finding of `quarter`, and the previous quarter's major findings K1 read.
pub async fn of_quarter(s: &Session, quarter: &Period) -> Result<Quarter> {
    of_quarter_until(s, quarter, quarter.last_day()).await
}

/// [`of_quarter`] as of day `cut`: the rules run with `$pe` = the earlier of the
/// quarter's last day and `cut` ([`Period::params_until`]), so a quarter that has not
/// ended by `cut` gives the findings of its days up to `cut` (V1 and V2 wait for the
/// quarter's end, K1 for the deadline d(f); queries/README.md).
pub async fn of_quarter_until(s: &Session, quarter: &Period, cut: i32) -> Result<Quarter> {
    check_quarter(quarter)?;
    let previous = previous_majors(s, quarter).await?;
    with_previous(s, quarter, cut, previous).await
}

/// The findings of `quarter` as of `cut`, K1 reading `previous`, sorted.
async fn with_previous(
    s: &Session,
    quarter: &Period,
    cut: i32,
    previous: Option<RecordBatch>,
) -> Result<Quarter> {
    let batch = run_rules(s, quarter, cut, |_| true, previous.as_ref()).await?;
    let schema = batch.schema();
    let sort: Vec<SortColumn> = ["rule", "union_id", "subject_id", "occurred_on"]
        .iter()
        .map(|c| {
            Ok(SortColumn {
                values: batch.column(schema.index_of(c)?).clone(),
                options: None,
            })
        })
        .collect::<Result<_>>()?;
    let order = lexsort_to_indices(&sort, None)?;
    Ok(Quarter {
        findings: take_record_batch(&batch, &order)?,
        previous_majors: previous,
    })
}

/// Whether the archive records at least one rectification (K1, W4 and the
/// rectification columns run only then).
pub fn records_rectifications(s: &Session) -> bool {
    s.archive
        .table("rectifications")
        .is_some_and(|t| t.accepted() > 0)
}

/// The major findings of the quarter before `quarter` by every rule but K1, or `None`
/// when the archive records no rectification.
pub async fn previous_majors(s: &Session, quarter: &Period) -> Result<Option<RecordBatch>> {
    if !records_rectifications(s) {
        return Ok(None);
    }
    let prev = quarter.previous_quarter();
    let all = run_rules(s, &prev, prev.last_day(), |q| gives_majors(s, q), None).await?;
    Ok(Some(majors(&all)?))
}

/// The major findings of `quarter` as of `cut`, as [`of_quarter_until`] gives them but
/// without running the rules that give only minor ones (K1 reads the previous quarter's
/// majors, as there). Each rule's rows are kept as [`run_rules`] keeps them, so a later
/// full run of the quarter reads them.
pub async fn majors_until(s: &Session, quarter: &Period, cut: i32) -> Result<RecordBatch> {
    check_quarter(quarter)?;
    let previous = previous_majors(s, quarter).await?;
    let keep = |q: &Query| q.rule() == "K1" || gives_majors(s, q);
    majors(&run_rules(s, quarter, cut, keep, previous.as_ref()).await?)
}

/// Whether `q` is one of the rules [`previous_majors`] runs: every rule but K1 that can
/// give a major finding (a rule that declares itself minor gives none: run_rules
/// checks it).
pub fn gives_majors(s: &Session, q: &Query) -> bool {
    q.rule() != "K1" && !s.catalog.declares_minor(q)
}

/// The rows of a findings batch whose severity is major.
pub fn majors(batch: &RecordBatch) -> Result<RecordBatch> {
    crate::sql::tree::filter_rows(batch, "severity", |s| s == "major")
}

fn check_quarter(quarter: &Period) -> Result<()> {
    if !quarter.is_quarter() {
        return Err(Error::Usage(format!(
            "findings are computed per quarter: give a period like {}Q1, not {quarter}",
            quarter.year()
        )));
    }
    Ok(())
}

/// The findings of the rules `keep` selects, in rule order, each rule's file run
/// exactly as [`findings`] runs it (same SQL, same quarter tables, same columns).
pub async fn of_rules(
    s: &Session,
    quarter: &Period,
    keep: impl Fn(&Query) -> bool,
) -> Result<RecordBatch> {
    check_quarter(quarter)?;
    let k1 = catalog::rule("K1").is_some_and(&keep);
    let previous = if k1 {
        previous_majors(s, quarter).await?
    } else {
        None
    };
    run_rules(s, quarter, quarter.last_day(), keep, previous.as_ref()).await
}

/// Runs the selected rules of `quarter` as of `cut` in one scope holding the quarter's
/// tables and `previous_majors` (empty when `None`). Each rule's rows are kept
/// ([`Session::remember`]): they depend only on the quarter and the cut, so a later
/// computation (the next quarter's previous majors, the bulletin's two periods, the
/// shortlist's quarters, a later run over the same files) takes them instead of running
/// the rule again. K1 reads `previous`, which every caller takes from
/// [`previous_majors`] of the same quarter, itself made of kept rows: so K1's rows too
/// depend only on the quarter and the cut.
async fn run_rules(
    s: &Session,
    quarter: &Period,
    cut: i32,
    keep: impl Fn(&Query) -> bool,
    previous: Option<&RecordBatch>,
) -> Result<RecordBatch> {
    let schema = schema();
    let mut scope: Option<Scope> = None;
    let mut all = Vec::new();
    for q in catalog::FINDINGS.iter().filter(|q| keep(q)) {
        let day = crate::calendar::iso(quarter.cut(cut));
        let key = format!("findings/{}.sql {quarter} {day}", q.name);
        if let Some(kept) = s.remembered(&key) {
            all.push(kept);
            continue;
        }
        let scope = match &mut scope {
            Some(scope) => scope,
            None => scope.insert(quarter_scope(s, quarter, cut, previous).await?),
        };
        let batch = scope.collect(q, Some(quarter.params_until(cut))).await?;
        check_columns(&batch, q, COLUMNS)?;
        let columns = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let batch = RecordBatch::try_new(schema.clone(), columns)?;
        if s.catalog.declares_minor(q) && majors(&batch)?.num_rows() > 0 {
            let file = match s.catalog.replacement(q) {
                Some(r) => r.path.display().to_string(),
                None => q.path(),
            };
            return Err(Error::Query(format!(
                "{file}: its first line declares a minor rule, but it gave a major \
                 finding; correct the severity or the first line"
            )));
        }
        s.remember(key, &batch);
        all.push(batch);
    }
    Ok(concat_batches(&schema, &all)?)
}

/// A scope holding the tables the rules of `quarter` read as of `cut`, and
/// `previous_majors` (empty when `None`).
async fn quarter_scope(
    s: &Session,
    quarter: &Period,
    cut: i32,
    previous: Option<&RecordBatch>,
) -> Result<Scope> {
    let scope = s.scope()?;
    prepare_quarter_until(&scope, quarter, cut).await?;
    scope.register(
        "previous_majors",
        previous
            .cloned()
            .unwrap_or_else(|| RecordBatch::new_empty(schema())),
    )?;
    Ok(scope)
}

/// Registers the tables of `queries/quarter/` for `quarter` in `scope` (the rules read
/// them).
pub async fn prepare_quarter(scope: &Scope, quarter: &Period) -> Result<()> {
    prepare_quarter_until(scope, quarter, quarter.last_day()).await
}

/// [`prepare_quarter`] as of `cut` (`$pe` = the earlier of the quarter's last day and
/// `cut`).
pub async fn prepare_quarter_until(scope: &Scope, quarter: &Period, cut: i32) -> Result<()> {
    for q in catalog::QUARTER {
        scope
            .materialize(q, Some(quarter.params_until(cut)))
            .await?;
    }
    Ok(())
}
