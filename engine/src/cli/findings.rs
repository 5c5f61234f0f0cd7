//! `tiexin findings`: the finding rows of a quarter, filtered by subtree, rule, severity.

use super::args::FindingsArgs;
use super::output;
use crate::analysis::findings;
use crate::error::{Error, Result};
use crate::sql::catalog;
use crate::sql::table::Tabular;
use crate::sql::tree;
use crate::sql::xlsx::About;
use crate::sql::Period;

/// Runs `tiexin findings`.
pub async fn run(args: FindingsArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    output::check_format(args.output.format, args.output.out.as_deref())?;
    if !period.is_quarter() {
        return Err(Error::Usage(format!(
            "--period {}: findings are computed per quarter; give one like {}Q3",
            args.period,
            period.year()
        )));
    }
    if let Some(r) = &args.rule {
        if catalog::rule(r).is_none() {
            return Err(Error::Usage(format!(
                "--rule {r}: no such rule (V1–V5, A1–A3, C1–C2, F1–F5, E1–E3, R1–R2, I1)"
            )));
        }
    }
    let (s, _) = super::open_session(&args.archive).await?;
    super::status(&format!(
        "computing the findings of {period}…",
        period = args.period
    ));
    let mut batch = findings::findings(&s, &period).await?;
    if let Some(root) = &args.union {
        let keep = tree::members(&s.archive, root, None)?;
        batch = tree::filter_rows(&batch, "union_id", |u| keep.contains(u))?;
    }
    if let Some(r) = &args.rule {
        batch = tree::filter_rows(&batch, "rule", |x| x == r)?;
    }
    if let Some(sev) = &args.severity {
        batch = tree::filter_rows(&batch, "severity", |x| x == sev)?;
    }
    output::emit_table(
        &Tabular::from_batch(&batch)?,
        args.output.format,
        args.output.out.as_deref(),
        || output::Book {
            sheet: "问题清单",
            labels: &[],
            about: About::new(
                "季度问题清单（tiexin findings）",
                Some(args.period.clone()),
                &s.archive,
                &s.catalog,
                &["views", "quarter", "findings"],
            ),
        },
    )?;
    Ok(0)
}
