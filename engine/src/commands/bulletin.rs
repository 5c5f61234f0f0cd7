//! `tiexin bulletin`: the periodic bulletin (工作通报) of a union as PDF.

use crate::bulletin::{self, Options};
use crate::cli::BulletinArgs;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::session::Session;

pub async fn run(args: BulletinArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    let date = match &args.date {
        Some(d) => parse_date(d)?,
        None => today_in_china(),
    };
    let s = Session::open(&args.archive).await?;
    let mut cfg = s.config.bulletin.clone().unwrap_or_default();
    cfg.state_dir = crate::audit::state_dir(s.config.state_dir.as_deref());
    super::status(&format!("computing the figures of {period}…"));
    let b = bulletin::build(
        &s,
        &cfg,
        &Options {
            period,
            union: args.union.clone(),
            date,
            number: args.number,
        },
    )
    .await?;
    super::status("typesetting the bulletin…");
    let rendered = bulletin::render(&b)?;
    for w in &rendered.warnings {
        eprintln!("warning: {w}");
    }
    if !rendered.missing_glyphs.is_empty() {
        let chars: String = rendered.missing_glyphs.iter().collect();
        eprintln!("warning: no bundled font has the characters {chars:?}; they print as blanks");
    }
    std::fs::write(&args.out, &rendered.pdf).map_err(|e| Error::io(&args.out, e))?;
    eprintln!(
        "wrote {} ({} pages, {} KB), {}",
        args.out.display(),
        rendered.pages,
        rendered.pdf.len().div_ceil(1024),
        b.data.meta.number
    );
    Ok(0)
}

/// `YYYY-MM-DD` → (year, month, day); a usage error naming --date otherwise.
pub fn parse_date(s: &str) -> Result<(i32, u8, u8)> {
    let z =
        crate::validate::values::date(s).map_err(|e| Error::Usage(format!("--date {s:?}: {e}")))?;
    let (y, m, d) = crate::calendar::civil(z);
    Ok((y, m as u8, d as u8))
}

/// Today's date in China.
pub fn today_in_china() -> (i32, u8, u8) {
    use chrono::Datelike;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    (today.year(), today.month() as u8, today.day() as u8)
}
