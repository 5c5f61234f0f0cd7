//! `tiexin generate`: a deterministic synthetic province for demos, tests and benchmarks.
//!
//! The same options always give byte-identical files: the generator uses its own PRNG
//! (`rng`), derives one random stream per union, contact and household from the seed,
//! and writes on one thread. Only the union tree and the contacts are held in memory;
//! households and everything that hangs off them are streamed to the table writers, so a
//! million households fit in bounded memory.
//!
//! Every finding rule of metrics.md and accountability.md is planted at a low rate
//! (`plant`); the output validates without rejects under archive.md. The only dangling
//! references are the payments to unknown households (F1). The rectifications come
//! last: they answer the major findings that the engine computes on the tables written
//! before them (`rectifications`). That pass loads the archive, as every command that
//! computes findings does, so its memory grows with the archive; its rows do not
//! depend on how the engine schedules its threads (the findings are gathered by key).

use crate::calendar;
mod contact_records;
mod households;
mod liaisons;
mod names;
mod plant;
mod rectifications;
mod resident_id;
mod rng;
mod tree;
mod union_records;
mod writer;

#[cfg(test)]
mod tests;

use std::path::Path;

use crate::error::{Error, Result};

/// The file format of the generated tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One `.csv` file per table.
    Csv,
    /// One `.parquet` file per table.
    Parquet,
}

/// What to generate: how many households, from which seed, in which format.
#[derive(Debug, Clone)]
pub struct Options {
    /// The number of households to generate.
    pub households: u64,
    /// The seed of every random stream; the same seed gives the same files.
    pub seed: u64,
    /// The file format of the tables.
    pub format: Format,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Rows written per table, in `schema::TABLES` order.
    pub rows: Vec<(&'static str, u64)>,
}

/// How often `progress` is told the number of households done.
const PROGRESS_EVERY: u64 = 10_000;

/// Writes a synthetic archive of `opts.households` households into `out` (created if
/// missing). Each table file appears only when complete; an existing one is replaced,
/// and a table file of the other format is removed, so that the folder holds exactly
/// the generated archive's tables. `progress` receives the number of households
/// generated so far, every 10,000 households and at the end; the rectifications are
/// written after that.
pub fn generate(opts: &Options, out: &Path, progress: &mut dyn FnMut(u64)) -> Result<Summary> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut tree = tree::Tree::build(opts.seed, opts.households);
    let mut archive = writer::Archive::create(out, opts.format)?;
    let mut plan = plant::Planter::default();
    liaisons::appoint(&mut tree, opts.seed, &mut plan);

    tree.write_unions(archive.writer(writer::T::Unions))?;
    tree.write_contacts(archive.writer(writer::T::Contacts))?;
    contact_records::write(&tree, opts.seed, &mut plan, &mut archive)?;
    union_records::write_budgets(&tree, opts.seed, &mut archive)?;
    union_records::write_inspections(&tree, opts.seed, &mut plan, &mut archive)?;

    let mut gen = households::Households::new(&tree, opts.seed, plan);
    let mut done = 0u64;
    for &g in &tree.grassroots {
        let mut block = gen.begin_union(g);
        for _ in 0..tree.unions[g].households {
            gen.household(&mut archive, &mut block, done)?;
            done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) {
                progress(done);
            }
        }
        gen.end_union(&mut archive, block)?;
    }
    if !done.is_multiple_of(PROGRESS_EVERY) {
        progress(done);
    }
    let mut plan = gen.plan;
    // Every table but the rectifications is complete (that one is empty so far).
    let mut rows = archive.finish()?;
    let n = rectifications::write(&tree, opts.seed, opts.format, out, &mut plan)?;
    for r in rows.iter_mut().filter(|r| r.0 == "rectifications") {
        r.1 = n;
    }
    Ok(Summary { rows })
}
