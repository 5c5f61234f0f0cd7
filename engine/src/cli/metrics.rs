//! `tiexin metrics`: one row per union with the metric columns, for a quarter or a year.

use super::args::MetricsArgs;
use super::output;
use crate::analysis::metrics;
use crate::error::{Error, Result};
use crate::sql::table::Tabular;
use crate::sql::tree;
use crate::sql::xlsx::About;
use crate::sql::Period;

/// Runs `tiexin metrics`.
pub async fn run(args: MetricsArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    output::check_format(args.output.format, args.output.out.as_deref())?;
    if args.depth.is_some() && args.union.is_none() {
        return Err(Error::Usage(
            "--depth needs --union: the levels are counted below that union".into(),
        ));
    }
    let (s, _) = super::open_session(&args.archive).await?;
    super::status(&format!(
        "computing the metrics of {period}…",
        period = args.period
    ));
    let mut batch = metrics::metrics(&s, &period).await?;
    if let Some(root) = &args.union {
        let keep = tree::members(&s.archive, root, args.depth)?;
        batch = tree::filter_rows(&batch, "union_id", |u| keep.contains(u))?;
    }
    output::emit_table(
        &Tabular::from_batch(&batch)?,
        args.output.format,
        args.output.out.as_deref(),
        || output::Book {
            sheet: "各级工会指标",
            labels: &[],
            about: About::new(
                "各级工会指标（tiexin metrics）",
                Some(args.period.clone()),
                &s.archive,
                &s.catalog,
                &["views", "quarter", "metrics", "findings"],
            ),
        },
    )?;
    Ok(0)
}
