//! Findings of a quarter: every rule of metrics.md, one SQL file each under
//! `queries/findings/`, run with the quarter's days bound as parameters and gathered
//! into one table sorted by rule, union_id, subject_id, occurred_on.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::{
    cast, concat_batches, lexsort_to_indices, take_record_batch, SortColumn,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;

use crate::catalog::{self, Catalog};
use crate::error::{Error, Result};
use crate::metrics::{collect, run_with};
use crate::output::Tabular;
use crate::period::Period;

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

/// Every finding of `quarter`, from the embedded rules.
pub async fn findings(ctx: &SessionContext, quarter: &Period) -> Result<RecordBatch> {
    findings_with(ctx, &Catalog::builtin(), quarter).await
}

/// [`findings`] with the SQL of `catalog`.
pub async fn findings_with(
    ctx: &SessionContext,
    catalog: &Catalog,
    quarter: &Period,
) -> Result<RecordBatch> {
    if !quarter.is_quarter() {
        return Err(Error::Usage(format!(
            "findings are computed per quarter: give a period like {}Q1, not {quarter}",
            quarter.year()
        )));
    }
    prepare_quarter(ctx, catalog, quarter).await?;
    let schema = schema();
    let mut all = Vec::new();
    for q in catalog::FINDINGS {
        let batch = collect(run_with(ctx, catalog, q, quarter).await?, q).await?;
        crate::metrics::check_columns(&batch, q, COLUMNS)?;
        let columns = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        all.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    let batch = concat_batches(&schema, &all)?;
    let sort: Vec<SortColumn> = ["rule", "union_id", "subject_id", "occurred_on"]
        .iter()
        .map(|c| SortColumn {
            values: batch.column(schema.index_of(c).unwrap_or(0)).clone(),
            options: None,
        })
        .collect();
    let order = lexsort_to_indices(&sort, None)?;
    Ok(take_record_batch(&batch, &order)?)
}

/// Registers the tables of `queries/quarter/` for `quarter` (the rules read them).
pub async fn prepare_quarter(
    ctx: &SessionContext,
    catalog: &Catalog,
    quarter: &Period,
) -> Result<()> {
    for q in catalog::QUARTER {
        crate::metrics::materialize(ctx, catalog, q, Some(quarter)).await?;
    }
    Ok(())
}

/// Finding rows as cells for output.
pub fn tabular(batch: &RecordBatch) -> Result<Tabular> {
    crate::metrics::tabular(batch)
}
