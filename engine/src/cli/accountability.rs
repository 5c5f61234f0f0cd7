//! `tiexin warnings` and `tiexin rectify`: the early warnings as of a day, and the
//! correction status of a quarter's major findings (accountability.md).

use super::args::{RectifyArgs, WarningsArgs};
use super::output;
use crate::analysis::accountability;
use crate::documents::document_date;
use crate::error::{Error, Result};
use crate::sql::table::Tabular;
use crate::sql::tree;
use crate::sql::xlsx::About;
use crate::sql::Period;

/// A day given as `--as-of`, or today in China.
fn as_of(given: Option<&str>) -> Result<i32> {
    let (y, m, d) = document_date(given).map_err(|e| match (e, given) {
        (Error::Usage(m), Some(g)) => {
            Error::Usage(m.replace(&format!("--date {g:?}"), &format!("--as-of {g:?}")))
        }
        (e, _) => e,
    })?;
    Ok(crate::calendar::day(y, m as u32, d as u32))
}

/// Runs `tiexin warnings`.
pub async fn warnings(args: WarningsArgs) -> Result<i32> {
    let day = as_of(Some(&args.as_of))?;
    output::check_format(args.output.format, args.output.out.as_deref())?;
    if args.within.is_some_and(|n| n < 0) {
        return Err(Error::Usage(
            "--within: give a number of days, 0 or more".into(),
        ));
    }
    let (s, _) = super::open_session(&args.archive).await?;
    super::status(&format!("computing the warnings as of {}…", args.as_of));
    let mut batch = accountability::warnings(&s, day, args.within).await?;
    if let Some(root) = &args.union {
        let keep = tree::members(&s.archive, root, None)?;
        batch = tree::filter_rows(&batch, "union_id", |u| keep.contains(u))?;
    }
    output::emit_table(
        &Tabular::from_batch(&batch)?,
        args.output.format,
        args.output.out.as_deref(),
        || output::Book {
            sheet: "预警",
            labels: &[],
            about: About::new(
                &format!("截至{}的预警（tiexin warnings）", args.as_of),
                None,
                &s.archive,
                &s.catalog,
                &["views", "quarter", "findings", "accountability"],
            ),
        },
    )?;
    Ok(0)
}

/// Runs `tiexin rectify`.
pub async fn rectify(args: RectifyArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    if !period.is_quarter() {
        return Err(Error::Usage(format!(
            "--period {}: corrections are due per quarter; give one like {}Q3",
            args.period,
            period.year()
        )));
    }
    let day = as_of(args.as_of.as_deref())?;
    output::check_format(args.output.format, args.output.out.as_deref())?;
    let (s, _) = super::open_session(&args.archive).await?;
    super::status(&format!("computing the corrections of {period}…"));
    let mut batch = accountability::rectify(&s, &period, day).await?;
    if let Some(root) = &args.union {
        let keep = tree::members(&s.archive, root, None)?;
        batch = tree::filter_rows(&batch, "union_id", |u| keep.contains(u))?;
    }
    output::emit_table(
        &Tabular::from_batch(&batch)?,
        args.output.format,
        args.output.out.as_deref(),
        || output::Book {
            sheet: "整改情况",
            labels: &[],
            about: About::new(
                "重大问题整改情况（tiexin rectify）",
                Some(args.period.clone()),
                &s.archive,
                &s.catalog,
                &["views", "quarter", "findings", "accountability"],
            ),
        },
    )?;
    Ok(0)
}
