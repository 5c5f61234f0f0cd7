//! Findings of a quarter: every rule of metrics.md, one SQL file each under
//! `queries/findings/`, run with the quarter's days bound as parameters and gathered
//! into one table sorted by rule, union_id, subject_id, occurred_on.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, RecordBatch};
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
    let (previous, batch) = with_previous(s, quarter, cut, |_| true).await?;
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

/// The previous quarter's majors ([`previous_majors`]) and the findings of the rules
/// `keep` selects of `quarter` as of `cut`. Only K1 reads those majors: the other rules
/// run while they are computed (their rules and these in the session's lanes), and K1
/// as soon as they are, beside the rules still running (after them, K1 came last in
/// the queue for a lane, behind whatever the others' figures had queued meanwhile).
async fn with_previous(
    s: &Session,
    quarter: &Period,
    cut: i32,
    keep: impl Fn(&Query) -> bool,
) -> Result<(Option<RecordBatch>, RecordBatch)> {
    let k1 = |q: &Query| q.rule() == "K1";
    let runs_k1 = catalog::FINDINGS.iter().any(|q| keep(q) && k1(q));
    let (others, (previous, last)) = futures::try_join!(
        run_rules(s, quarter, cut, |q| keep(q) && !k1(q), None),
        async {
            let previous = match runs_k1 {
                true => previous_majors(s, quarter).await?,
                false => None,
            };
            let last = run_rules(s, quarter, cut, |q| keep(q) && k1(q), previous.as_ref()).await?;
            Ok::<_, Error>((previous, last))
        },
    )?;
    // K1's rows in their place among the others' (in code order).
    let rules = others.column(0).as_string::<i32>();
    let at = (0..others.num_rows())
        .find(|&r| rules.value(r) > "K1")
        .unwrap_or(others.num_rows());
    let batch = concat_batches(
        &schema(),
        [
            &others.slice(0, at),
            &last,
            &others.slice(at, others.num_rows() - at),
        ],
    )?;
    Ok((previous, batch))
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
    let keep = |q: &Query| q.rule() == "K1" || gives_majors(s, q);
    majors(&with_previous(s, quarter, cut, keep).await?.1)
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

/// The findings of the rules `keep` selects, in code order, each rule's file run
/// exactly as [`findings`] runs it (same SQL, same quarter tables, same columns).
pub async fn of_rules(
    s: &Session,
    quarter: &Period,
    keep: impl Fn(&Query) -> bool,
) -> Result<RecordBatch> {
    check_quarter(quarter)?;
    Ok(with_previous(s, quarter, quarter.last_day(), &keep)
        .await?
        .1)
}

/// Runs the selected rules of `quarter` as of `cut` side by side in one scope of the
/// session's lanes ([`Session::lanes`]) holding the quarter's tables and
/// `previous_majors` (empty when `None`), and gives their rows in rule order. Each rule's
/// rows are kept ([`Session::remembered_or`]): they depend only on the quarter and the cut, so a
/// later computation (the next quarter's previous majors, the bulletin's two periods,
/// the shortlist's quarters, a later run over the same files) takes them instead of
/// running the rule again, and one asking for them meanwhile waits for them. K1 reads
/// `previous`, which every caller takes from [`previous_majors`] of the same quarter,
/// itself made of kept rows: so K1's rows too depend only on the quarter and the cut.
async fn run_rules(
    s: &Session,
    quarter: &Period,
    cut: i32,
    keep: impl Fn(&Query) -> bool,
    previous: Option<&RecordBatch>,
) -> Result<RecordBatch> {
    let day = crate::calendar::iso(quarter.cut(cut));
    let chosen: Vec<&'static Query> = catalog::FINDINGS.iter().filter(|q| keep(q)).collect();
    // Made by the first rule this call computes itself: none when every rule is kept
    // or under way in another computation (which then makes its own).
    let scope = tokio::sync::OnceCell::new();
    let all = futures::future::try_join_all(chosen.iter().map(|&q| {
        let key = format!("findings/{}.sql {quarter} {day}", q.name);
        let (scope, chosen) = (&scope, &chosen);
        s.remembered_or(key, move || async move {
            let scope = scope
                .get_or_try_init(|| quarter_scope(s, quarter, cut, chosen, previous))
                .await?;
            rule_rows(s, scope, quarter, cut, q).await
        })
    }))
    .await?;
    Ok(concat_batches(&schema(), &all)?)
}

/// The rows of rule `q` of `quarter` as of `cut`, brought to the findings' schema; a
/// rule whose file declares it minor may give no major finding.
async fn rule_rows(
    s: &Session,
    scope: &Scope,
    quarter: &Period,
    cut: i32,
    q: &'static Query,
) -> Result<RecordBatch> {
    let batch = scope.collect(q, Some(quarter.params_until(cut))).await?;
    check_columns(&batch, q, COLUMNS)?;
    let schema = schema();
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast(c, f.data_type()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let batch = RecordBatch::try_new(schema, columns)?;
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
    Ok(batch)
}

/// A scope of lanes holding the tables of `queries/quarter/` that `rules` read for
/// `quarter` as of `cut`, and `previous_majors` (empty when `None`).
async fn quarter_scope(
    s: &Session,
    quarter: &Period,
    cut: i32,
    rules: &[&'static Query],
    previous: Option<&RecordBatch>,
) -> Result<Scope> {
    let scope = s.lanes()?;
    // K1 reads none of them: its scope holds only `previous_majors`.
    let read = |q: &Query| rules.iter().any(|r| s.catalog.sql(r).contains(q.name));
    materialize_quarter(&scope, quarter, cut, read).await?;
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
    materialize_quarter(scope, quarter, cut, |_| true).await
}

/// Materializes in `scope` the tables of `queries/quarter/` that `read` selects, for
/// `quarter` as of `cut`, side by side (each on a lane; none reads another).
async fn materialize_quarter(
    scope: &Scope,
    quarter: &Period,
    cut: i32,
    read: impl Fn(&Query) -> bool,
) -> Result<()> {
    let tables = catalog::QUARTER.iter().filter(|q| read(q));
    futures::future::try_join_all(
        tables.map(|q| scope.materialize(q, Some(quarter.params_until(cut)))),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use datafusion::arrow::array::{AsArray, RecordBatch};

    use crate::sql::session::Settings;
    use crate::sql::{Period, Session};

    async fn sample() -> Session {
        let settings = Settings {
            archive: Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
            ..Default::default()
        };
        Session::open(&settings, &crate::ingest::Quiet)
            .await
            .unwrap()
    }

    fn rules(batch: &RecordBatch) -> Vec<String> {
        let c = batch.column(0).as_string::<i32>();
        c.iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect()
    }

    /// The rules of a quarter run side by side, K1 after the previous quarter's majors
    /// it reads: [`super::of_rules`] still gives their rows in code order, K1's between
    /// I1's and R1's, and as many as the sorted findings of the quarter (2026Q3 of the
    /// sample: 43, one of them K1, as `tiexin findings` printed them before).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rules_run_side_by_side_give_their_rows_in_code_order() {
        let s = sample().await;
        let q = Period::quarter(2026, 3);
        let ordered = rules(&super::of_rules(&s, &q, |_| true).await.unwrap());
        assert_eq!(ordered.len(), 43);
        let mut sorted = ordered.clone();
        sorted.sort();
        assert_eq!(ordered, sorted);
        assert_eq!(ordered.iter().filter(|r| *r == "K1").count(), 1);
        let all = super::findings(&s, &q).await.unwrap();
        assert_eq!(rules(&all), sorted);
    }

    /// Two computations asking for the same rows at once compute them once
    /// ([`Session::remembered_or`]); both get them, and a later ask takes the kept rows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_asked_for_twice_at_once_are_computed_once() {
        let s = sample().await;
        let q = Period::quarter(2026, 3);
        let runs = AtomicUsize::new(0);
        let compute = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            super::findings(&s, &q).await
        };
        let key = || "test: the findings of 2026Q3".to_string();
        let (a, b) = futures::try_join!(
            s.remembered_or(key(), compute),
            s.remembered_or(key(), compute)
        )
        .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!((a.num_rows(), b.num_rows()), (43, 43));
        let c = s.remembered_or(key(), compute).await.unwrap();
        assert_eq!((runs.load(Ordering::SeqCst), c.num_rows()), (1, 43));
    }
}
