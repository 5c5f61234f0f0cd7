//! `tiexin shortlist`: the year's award shortlist in rank order, and the public notice.

use super::args::{OutputFormat, ShortlistArgs, ShortlistFormat};
use super::output;
use crate::analysis::shortlist::{self, Params};
use crate::documents::{committee, document_date};
use crate::error::{Error, Result};
use crate::sql::xlsx::About;
use crate::sql::Period;

/// Runs `tiexin shortlist`.
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
    let pdf = args.format == Some(ShortlistFormat::Pdf);
    let xlsx = args.format == Some(ShortlistFormat::Xlsx);
    if xlsx && args.out.is_none() {
        return Err(Error::Usage(
            "--format xlsx needs --out FILE.xlsx: a workbook is not written to the terminal".into(),
        ));
    }
    if pdf && args.out.is_none() {
        return Err(Error::Usage(
            "--format pdf needs --out FILE.pdf: a PDF is not written to the terminal".into(),
        ));
    }
    if !pdf && (args.date.is_some() || args.number.is_some()) {
        return Err(Error::Usage(
            "--date and --number are for the committee's document: add --format pdf --out FILE.pdf"
                .into(),
        ));
    }
    let date = document_date(args.date.as_deref())?;
    super::check_outputs(
        &args.archive,
        &[args.out.as_deref(), args.notice.as_deref()],
    )?;
    let (s, config) = super::open_session(&args.archive).await?;
    let mut params = Params::from_config(&config.shortlist, args.archive.config.as_deref())?;
    if let Some(n) = args.size {
        params.size =
            usize::try_from(n).map_err(|_| Error::Usage(format!("--size {n}: too large")))?;
    }
    if let Some(m) = args.min_per_city {
        params.min_per_city = m == 1;
    }
    super::status(&format!("computing the award shortlist of {year}…"));
    if pdf {
        let doc = shortlist::document(&s, year, &params).await?;
        if let Some(path) = &args.notice {
            output::write_file(path, &shortlist::notice_csv(&doc.nominees)?)?;
        }
        let cfg = config.document(None);
        super::status("typesetting the committee's document…");
        let c = committee::build(&s, &cfg, &doc, date, args.number)?;
        let r = committee::render(&c)?;
        let out = args
            .out
            .as_deref()
            .unwrap_or(std::path::Path::new("shortlist.pdf"));
        output::write_file(out, &r.pdf)?;
        super::warn_rendering(out, &r);
        let sources = crate::documents::appendix::companion_path(out);
        output::write_file(&sources, &c.appendix.render(c.date, &c.ident)?.pdf)?;
        say!(
            "wrote {} ({} pages, {} KB), {}: {} nominees of {} eligible contacts",
            out.display(),
            r.pages,
            r.pdf.len().div_ceil(1024),
            c.data.meta.number,
            doc.nominees.len(),
            doc.eligible
        );
        return Ok(0);
    }
    let rows = shortlist::shortlist(&s, year, &params).await?;
    if let Some(path) = &args.notice {
        output::write_file(path, &shortlist::notice_csv(&rows)?)?;
    }
    let format = args.format.map(|f| match f {
        ShortlistFormat::Table => OutputFormat::Table,
        ShortlistFormat::Json => OutputFormat::Json,
        ShortlistFormat::Xlsx => OutputFormat::Xlsx,
        _ => OutputFormat::Csv,
    });
    output::emit_table(
        &shortlist::tabular(&rows),
        output::Target {
            format,
            out: args.out.as_deref(),
            columns: &args.columns,
        },
        || output::Book {
            sheet: "推荐名单",
            labels: &[("name", "姓名")],
            about: About::new(
                &format!("{year}年度困难职工贴心人推荐名单（tiexin shortlist）"),
                Some(year.to_string()),
                &s.archive,
                &s.catalog,
                &["views", "quarter", "findings", "shortlist"],
            ),
        },
    )?;
    Ok(0)
}
