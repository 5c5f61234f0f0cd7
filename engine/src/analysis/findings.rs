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

/// Every finding of `quarter`, sorted by rule, union_id, subject_id, occurred_on.
pub async fn findings(s: &Session, quarter: &Period) -> Result<RecordBatch> {
    let batch = of_rules(s, quarter, |_| true).await?;
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
    Ok(take_record_batch(&batch, &order)?)
}

/// The findings of the rules `keep` selects, in rule order, each rule's file run
/// exactly as [`findings`] runs it (same SQL, same quarter tables, same columns).
pub async fn of_rules(
    s: &Session,
    quarter: &Period,
    keep: impl Fn(&Query) -> bool,
) -> Result<RecordBatch> {
    if !quarter.is_quarter() {
        return Err(Error::Usage(format!(
            "findings are computed per quarter: give a period like {}Q1, not {quarter}",
            quarter.year()
        )));
    }
    let scope = s.scope()?;
    prepare_quarter(&scope, quarter).await?;
    let schema = schema();
    let mut all = Vec::new();
    for q in catalog::FINDINGS.iter().filter(|q| keep(q)) {
        let batch = scope.collect(q, Some(quarter.params())).await?;
        check_columns(&batch, q, COLUMNS)?;
        let columns = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        all.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok(concat_batches(&schema, &all)?)
}

/// Registers the tables of `queries/quarter/` for `quarter` in `scope` (the rules read
/// them).
pub async fn prepare_quarter(scope: &Scope, quarter: &Period) -> Result<()> {
    for q in catalog::QUARTER {
        scope.materialize(q, Some(quarter.params())).await?;
    }
    Ok(())
}
