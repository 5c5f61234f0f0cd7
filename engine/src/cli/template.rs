//! `tiexin template`: the workbook offices fill in (one sheet per table, Chinese
//! headers, drop-down lists, a first sheet 填表说明).

use super::args::TemplateArgs;
use super::output;
use crate::error::Result;
use crate::ingest::template;

/// Runs `tiexin template`.
pub fn run(args: TemplateArgs) -> Result<i32> {
    let bytes = template::template()?;
    output::write_file(&args.out, &bytes)?;
    eprintln!(
        "wrote {}: a sheet per table and 填表说明; fill it in, put it in the archive folder and run tiexin validate",
        args.out.display()
    );
    Ok(0)
}
