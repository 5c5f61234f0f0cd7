//! Benchmark of the award shortlist (issue 5) on a large archive: the shortlist of a
//! year and the committee document (which ranks the contacts 9 times), with wall time
//! and peak memory.
//!
//! usage: TIEXIN_BENCH_ARCHIVE=/tmp/tiexin-bench/h1000000-parquet cargo bench --bench shortlist
//! (the archive comes from `bench/validate.sh`; the validated cache is used if warm).
//! `TIEXIN_BENCH_YEAR` chooses the year [default: 2026].

mod common;

use std::time::Instant;

use tiexin::analysis::shortlist::{self, Params};
use tiexin::sql::Session;

#[tokio::main]
async fn main() {
    let Some(args) = common::archive() else {
        return;
    };
    let year: i32 = std::env::var("TIEXIN_BENCH_YEAR")
        .unwrap_or("2026".into())
        .parse()
        .expect("a year");
    let t = Instant::now();
    let s = Session::open(&args, &tiexin::ingest::Quiet)
        .await
        .expect("the archive loads");
    let rows: u64 = s.archive.tables.iter().map(|t| t.accepted()).sum();
    let load = t.elapsed().as_secs_f64();
    println!("load and prepare: {rows} rows in {load:.2} s");

    // The findings the eligibility needs (the rules that can name a contact in a major
    // finding), for the year's four quarters; part of every shortlist.
    let t = Instant::now();
    let n = shortlist::eligibility_findings(&s, year)
        .await
        .expect("findings")
        .num_rows();
    println!(
        "findings for the eligibility, 4 quarters of {year} (also inside the shortlist): {n} rows in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let params = Params::default();
    let t = Instant::now();
    let list = shortlist::shortlist(&s, year, &params)
        .await
        .expect("the shortlist");
    let quota = list
        .iter()
        .filter(|e| e.via == Some(shortlist::Via::Quota))
        .count();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "shortlist {year}: {} nominees ({quota} by quota) in {secs:.2} s",
        list.len()
    );
    println!(
        "wall time of `tiexin shortlist` (load and prepare + shortlist): {:.2} s",
        load + secs
    );

    let t = Instant::now();
    let d = shortlist::document(&s, year, &params)
        .await
        .expect("the document");
    println!(
        "document {year}: {} contacts, {} eligible, {} excluded high scorers, sensitivity {:?} in {:.2} s",
        d.contacts,
        d.eligible,
        d.excluded.high_scorers.len(),
        d.sensitivity.iter().map(|r| r.changed).collect::<Vec<_>>(),
        t.elapsed().as_secs_f64()
    );
    println!("peak RSS: {:.0} MiB", common::peak_rss_mib());
}
