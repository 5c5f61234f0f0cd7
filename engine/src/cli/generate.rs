//! `tiexin generate`: a synthetic province, written table by table.

use std::path::Path;
use std::time::Instant;

use super::args::{FileFormat, GenerateArgs};
use crate::error::{Error, Result};
use crate::generate::{self, Format, Options};

pub fn run(args: GenerateArgs) -> Result<i32> {
    if args.households == 0 {
        return Err(Error::Usage("--households must be at least 1".into()));
    }
    if !args.force {
        refuse_non_empty(&args.out)?;
    }
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    let format = match args.format {
        FileFormat::Csv => Format::Csv,
        FileFormat::Parquet => Format::Parquet,
    };
    let opts = Options {
        households: args.households,
        seed: args.seed,
        format,
    };
    let total = args.households;
    let started = Instant::now();
    let mut progress = |done: u64| {
        super::terminal::progress(&format!(
            "  {done} / {total} households ({:.0}%)",
            done as f64 * 100.0 / total as f64
        ));
    };
    let summary = generate::generate(&opts, &args.out, &mut progress)?;
    let rows: u64 = summary.rows.iter().map(|(_, n)| n).sum();
    for (table, n) in &summary.rows {
        println!("{table}\t{n}");
    }
    say!(
        "wrote {rows} rows for {total} households to {} in {:.1} s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// Refuses to write into a folder that holds anything: its files (an archive, with
/// tables the new one may not replace) would be mixed with the generated ones.
fn refuse_non_empty(dir: &Path) -> Result<()> {
    let mut entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if entries.next().is_some() {
        return Err(Error::Usage(format!(
            "--out {} is not empty: generate into a new or empty folder, or add --force to replace its tables",
            dir.display()
        )));
    }
    Ok(())
}
