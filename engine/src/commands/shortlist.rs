//! `tiexin shortlist`: the year's award shortlist in rank order, and the public notice.

use crate::cli::ShortlistArgs;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::session::Session;
use crate::shortlist::{self, Params};

pub async fn run(args: ShortlistArgs) -> Result<i32> {
    let year = match args.year.parse::<Period>() {
        Ok(Period::Year(y)) => y,
        _ => {
            return Err(Error::Usage(format!(
                "--year {}: give a year like 2026",
                args.year
            )))
        }
    };
    if args.size == Some(0) {
        return Err(Error::Usage(
            "--size 0: the shortlist needs at least 1 nominee".into(),
        ));
    }
    let s = Session::open(&args.archive).await?;
    let mut params = Params::from_config(&s.config.shortlist, args.archive.config.as_deref())?;
    if let Some(n) = args.size {
        params.size =
            usize::try_from(n).map_err(|_| Error::Usage(format!("--size {n}: too large")))?;
    }
    if let Some(m) = args.min_per_city {
        params.min_per_city = m == 1;
    }
    super::status(&format!("computing the award shortlist of {year}…"));
    let rows = shortlist::shortlist(&s, year, &params).await?;
    if let Some(path) = &args.notice {
        let bytes = shortlist::notice_csv(&rows)?;
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))?;
    }
    shortlist::tabular(&rows).emit(args.output.format, args.output.out.as_deref())?;
    Ok(0)
}
