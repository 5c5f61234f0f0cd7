//! Metrics of metrics.md per union subtree and period, computed by the SQL of
//! `queries/metrics/` over the archive tables, the views of `queries/views/` and one
//! closure of the union tree.
//!
//! [`prepare`] registers, once per session, the `union_closure(ancestor_id, union_id,
//! depth)` table and the views; [`metrics`] then gives one row per union.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Field, Float64Type, Int64Type, Schema, SchemaRef,
    UInt64Type,
};
use datafusion::datasource::MemTable;
use datafusion::prelude::{DataFrame, SessionContext};

use crate::archive::Archive;
use crate::calendar;
use crate::catalog::{self, Catalog, Query};
use crate::error::{Error, Result};
use crate::findings;
use crate::output::{Cell, Tabular};
use crate::period::Period;

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
];

/// The table the findings of the period's quarters are registered as, for
/// `review_findings` and `fund_usage`.
pub const PERIOD_FINDINGS: &str = "period_findings";

pub fn union_closure_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("ancestor_id", DataType::Utf8, false),
        Field::new("union_id", DataType::Utf8, false),
        Field::new("depth", DataType::Int64, false),
    ]))
}

/// The closure of the union tree (metrics.md, "The union tree"): `(u, u, 0)` for every
/// union, and `(a, u, k)` for every ancestor `a` reached after `k` linked steps. The
/// root is the first union in the file without a parent; a union whose chain of parents
/// does not reach it (unknown parent, cycle, second root) has no parent, and neither
/// has any union below it.
pub fn union_closure(archive: &Archive) -> Result<RecordBatch> {
    let unions = archive
        .table("unions")
        .ok_or_else(|| Error::Internal("the archive has no unions table".into()))?;
    let ids: Vec<&str> = unions.strings("union_id").filter_map(|(_, v)| v).collect();
    let parents: Vec<Option<&str>> = unions.strings("parent_id").map(|(_, v)| v).collect();
    let parent: HashMap<&str, Option<&str>> =
        ids.iter().copied().zip(parents.iter().copied()).collect();
    let root = ids
        .iter()
        .zip(&parents)
        .find(|(_, p)| p.is_none())
        .map(|(id, _)| *id);
    let (mut anc, mut desc, mut depth) = (Vec::new(), Vec::new(), Vec::new());
    for &u in &ids {
        anc.push(u);
        desc.push(u);
        depth.push(0i64);
        let mut chain = Vec::new();
        let mut seen = HashSet::from([u]);
        let mut cur = u;
        let linked = loop {
            if Some(cur) == root {
                break true;
            }
            match parent.get(cur).copied().flatten() {
                Some(p) if parent.contains_key(p) && seen.insert(p) => {
                    chain.push(p);
                    cur = p;
                }
                _ => break false,
            }
        };
        if linked {
            for (k, a) in chain.into_iter().enumerate() {
                anc.push(a);
                desc.push(u);
                depth.push(k as i64 + 1);
            }
        }
    }
    Ok(RecordBatch::try_new(
        union_closure_schema(),
        vec![
            Arc::new(StringArray::from(anc)) as ArrayRef,
            Arc::new(StringArray::from(desc)),
            Arc::new(Int64Array::from(depth)),
        ],
    )?)
}

/// Registers `union_closure` and the views of `queries/views/` in `ctx` (after
/// [`Archive::register`]). Call once per session, before [`metrics`] or
/// [`findings::findings`], and again if the archive tables are replaced.
pub async fn prepare(ctx: &SessionContext, archive: &Archive, catalog: &Catalog) -> Result<()> {
    let closure = union_closure(archive)?;
    replace_table(
        ctx,
        "union_closure",
        Arc::new(MemTable::try_new(closure.schema(), vec![vec![closure]])?),
    )?;
    // The views do not depend on the period: each is computed once here and kept in
    // memory, so the many queries that read them do not recompute their joins.
    for q in catalog::VIEWS {
        materialize(ctx, catalog, q, None).await?;
    }
    Ok(())
}

/// Runs `q` (with the period's parameters, if any) and registers its result, kept in
/// memory, as the table named after the file.
pub(crate) async fn materialize(
    ctx: &SessionContext,
    catalog: &Catalog,
    q: &'static Query,
    period: Option<&Period>,
) -> Result<()> {
    let failed = |e: datafusion::error::DataFusionError| Error::Query(format!("{}: {e}", q.path()));
    let df = match period {
        Some(p) => run_with(ctx, catalog, q, p).await?,
        None => run(ctx, catalog, q).await?,
    };
    let plan = df.create_physical_plan().await.map_err(failed)?;
    let schema = plan.schema();
    let parts = datafusion::physical_plan::collect_partitioned(plan, ctx.task_ctx())
        .await
        .map_err(failed)?;
    replace_table(ctx, q.name, Arc::new(MemTable::try_new(schema, parts)?))
}

fn replace_table(
    ctx: &SessionContext,
    name: &str,
    table: Arc<dyn datafusion::catalog::TableProvider>,
) -> Result<()> {
    ctx.deregister_table(name)?;
    ctx.register_table(name, table)?;
    Ok(())
}

/// Fails, naming the file, when a query's result does not have exactly `expected` columns.
pub(crate) fn check_columns(batch: &RecordBatch, q: &Query, expected: &[&str]) -> Result<()> {
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    if names == expected {
        return Ok(());
    }
    Err(Error::Query(format!(
        "{} gives the columns {} instead of {}",
        q.path(),
        names.join(", "),
        expected.join(", ")
    )))
}

/// Plans one query of the catalogue, naming its file in any error.
pub(crate) async fn run(
    ctx: &SessionContext,
    catalog: &Catalog,
    q: &'static Query,
) -> Result<DataFrame> {
    ctx.sql(catalog.sql(q))
        .await
        .map_err(|e| Error::Query(format!("{}: {e}", q.path())))
}

/// Plans one query with the period's parameters bound.
pub(crate) async fn run_with(
    ctx: &SessionContext,
    catalog: &Catalog,
    q: &'static Query,
    period: &Period,
) -> Result<DataFrame> {
    run(ctx, catalog, q)
        .await?
        .with_param_values(period.params())
        .map_err(|e| Error::Query(format!("{}: {e}", q.path())))
}

/// The metrics of metrics.md for `period`, one row per union ordered by union_id, with
/// the columns of [`COLUMNS`], from the embedded queries.
pub async fn metrics(ctx: &SessionContext, period: &Period) -> Result<RecordBatch> {
    metrics_with(ctx, &Catalog::builtin(), period).await
}

/// [`metrics`] with the SQL of `catalog`. Registers the period's findings as
/// `period_findings` and each per-subtree figure as `metric_<file>` on the way.
pub async fn metrics_with(
    ctx: &SessionContext,
    catalog: &Catalog,
    period: &Period,
) -> Result<RecordBatch> {
    let mut found = Vec::new();
    for q in period.quarters() {
        found.push(findings::findings_with(ctx, catalog, &q).await?);
    }
    let schema = findings::schema();
    let found = datafusion::arrow::compute::concat_batches(&schema, &found)?;
    replace_table(
        ctx,
        PERIOD_FINDINGS,
        Arc::new(MemTable::try_new(schema, vec![vec![found]])?),
    )?;
    let (last, parts) = catalog::METRICS
        .split_last()
        .ok_or_else(|| Error::Internal("no metric queries".into()))?;
    for q in parts {
        let df = run_with(ctx, catalog, q, period).await?;
        replace_table(ctx, &format!("metric_{}", q.name), df.into_view())?;
    }
    let df = run_with(ctx, catalog, last, period).await?;
    let batch = collect(df, last).await?;
    check_columns(&batch, last, COLUMNS)?;
    Ok(batch)
}

/// Runs a planned query of the catalogue to one batch (empty when it gives no row).
pub(crate) async fn collect(df: DataFrame, q: &Query) -> Result<RecordBatch> {
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let batches = df
        .collect()
        .await
        .map_err(|e| Error::Query(format!("{}: {e}", q.path())))?;
    Ok(datafusion::arrow::compute::concat_batches(
        &schema, &batches,
    )?)
}

/// A batch as cells for [`Tabular`]: integers, text, dates as `YYYY-MM-DD`, money as
/// exact decimals, and `Float64` columns as rates, except `median_days_to_exit`.
pub fn tabular(batch: &RecordBatch) -> Result<Tabular> {
    let schema = batch.schema();
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut rows = vec![Vec::with_capacity(columns.len()); batch.num_rows()];
    for (i, field) in schema.fields().iter().enumerate() {
        let a = batch.column(i);
        for (r, row) in rows.iter_mut().enumerate() {
            row.push(cell(a, field, r)?);
        }
    }
    Ok(Tabular { columns, rows })
}

fn cell(a: &ArrayRef, field: &Field, r: usize) -> Result<Cell> {
    if a.is_null(r) {
        return Ok(Cell::Null);
    }
    Ok(match a.data_type() {
        DataType::Utf8 => Cell::Text(a.as_string::<i32>().value(r).to_string()),
        DataType::Utf8View => Cell::Text(a.as_string_view().value(r).to_string()),
        DataType::LargeUtf8 => Cell::Text(a.as_string::<i64>().value(r).to_string()),
        DataType::Int64 => Cell::Int(a.as_primitive::<Int64Type>().value(r)),
        DataType::UInt64 => Cell::Int(a.as_primitive::<UInt64Type>().value(r) as i64),
        DataType::Date32 => Cell::Text(calendar::iso(a.as_primitive::<Date32Type>().value(r))),
        DataType::Decimal128(_, _) => {
            Cell::Decimal(a.as_primitive::<Decimal128Type>().value_as_string(r))
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(r);
            if field.name() == "median_days_to_exit" {
                Cell::Decimal(format!("{v}"))
            } else {
                Cell::Rate(v)
            }
        }
        DataType::Boolean => Cell::Text(a.as_boolean().value(r).to_string()),
        other => {
            return Err(Error::Internal(format!(
                "column {} has the unexpected type {other}",
                field.name()
            )))
        }
    })
}
