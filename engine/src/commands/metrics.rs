//! `tiexin metrics`: one row per union with the metric columns, for a quarter or a year.

use crate::cli::MetricsArgs;
use crate::error::{Error, Result};
use crate::metrics;
use crate::period::Period;
use crate::session::Session;

use super::subtree;

pub async fn run(args: MetricsArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    if args.depth.is_some() && args.union.is_none() {
        return Err(Error::Usage(
            "--depth needs --union: the levels are counted below that union".into(),
        ));
    }
    let s = Session::open(&args.archive).await?;
    super::status(&format!(
        "computing the metrics of {period}…",
        period = args.period
    ));
    let mut batch = metrics::metrics_with(&s.ctx, &s.catalog, &period).await?;
    if let Some(root) = &args.union {
        let keep = subtree::members(&s.archive, root, args.depth)?;
        batch = subtree::filter_rows(&batch, "union_id", |u| keep.contains(u))?;
    }
    metrics::tabular(&batch)?.emit(args.output.format, args.output.out.as_deref())?;
    Ok(0)
}
