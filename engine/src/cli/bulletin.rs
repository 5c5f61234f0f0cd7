//! `tiexin bulletin`: the periodic bulletin (工作通报) of a union as PDF.

use super::args::BulletinArgs;
use crate::documents::bulletin::{self, Options};
use crate::documents::{appendix, document_date};
use crate::error::Result;
use crate::sql::Period;

/// Runs `tiexin bulletin`.
pub async fn run(args: BulletinArgs) -> Result<i32> {
    let period: Period = args.period.parse()?;
    let date = document_date(args.date.as_deref())?;
    super::check_outputs(&args.archive, &[Some(&args.out)])?;
    let (s, config) = super::open_session(&args.archive).await?;
    let cfg = config.document(config.bulletin.as_ref());
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
    super::output::write_file(&args.out, &rendered.pdf)?;
    super::warn_rendering(&args.out, &rendered);
    // Its attachment 数据来源与复核说明, beside it.
    let sources = appendix::companion_path(&args.out);
    let a = b.appendix.render(b.date, &b.ident)?;
    super::output::write_file(&sources, &a.pdf)?;
    say!("wrote {} ({} pages)", sources.display(), a.pages);
    say!(
        "wrote {} ({} pages, {} KB), {}",
        args.out.display(),
        rendered.pages,
        rendered.pdf.len().div_ceil(1024),
        b.data.meta.number
    );
    Ok(0)
}
