//! `tiexin bulletin`: the periodic bulletin (工作通报) of a union as PDF.

use crate::bulletin::{self, Options};
use crate::cli::BulletinArgs;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::session::Session;

pub async fn run(args: BulletinArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    let date = crate::report::document_date(args.date.as_deref())?;
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
