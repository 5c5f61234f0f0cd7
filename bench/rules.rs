//! Benchmark of the SQL of issue 3 on a large archive: each finding rule, all findings,
//! and the metrics of a quarter, with EXPLAIN ANALYZE of the slowest rule.
//!
//! usage: TIEXIN_BENCH_ARCHIVE=/tmp/tiexin-bench/h1000000-parquet cargo bench --bench rules
//! (the archive comes from `bench/validate.sh`; the validated cache is used if warm).

use std::path::PathBuf;
use std::time::Instant;

use tiexin::analysis::{findings, metrics};
use tiexin::ingest::{Archive, LoadOptions, Quiet};
use tiexin::sql::catalog::{self, Catalog};
use tiexin::sql::period::Period;
use tiexin::sql::Session;

#[tokio::main]
async fn main() {
    let Some(dir) = std::env::var_os("TIEXIN_BENCH_ARCHIVE") else {
        eprintln!("set TIEXIN_BENCH_ARCHIVE to a generated archive (see bench/validate.sh)");
        return;
    };
    let quarter: Period = std::env::var("TIEXIN_BENCH_PERIOD")
        .unwrap_or("2026Q3".into())
        .parse()
        .expect("a quarter");
    let t = Instant::now();
    let opts = LoadOptions {
        cache_dir: tiexin::dirs::cache_dir(),
    };
    let archive = Archive::load(&PathBuf::from(dir), &opts, &Quiet).expect("the archive loads");
    let rows: u64 = archive.tables.iter().map(|t| t.accepted()).sum();
    println!("load: {rows} rows in {:.2} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let cat = Catalog::builtin();
    let s = Session::from_archive(archive, cat.clone())
        .await
        .expect("prepare");
    println!(
        "prepare (closure and views): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let scope = s.scope().expect("a scope");
    findings::prepare_quarter(&scope, &quarter)
        .await
        .expect("quarter tables");
    let ctx = scope.ctx();
    let mut slowest = (0.0, None);
    for q in catalog::FINDINGS {
        let t = Instant::now();
        let df = ctx
            .sql(cat.sql(q))
            .await
            .unwrap()
            .with_param_values(quarter.params())
            .unwrap();
        let rows = df.count().await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        println!("  {:<40} {rows:>8} rows {secs:>7.2} s", q.path());
        if secs > slowest.0 {
            slowest = (secs, Some(q));
        }
    }
    let t = Instant::now();
    let f = findings::findings(&s, &quarter).await.unwrap();
    println!(
        "findings {quarter:?}: {} rows in {:.2} s",
        f.num_rows(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let m = metrics::metrics(&s, &quarter).await.unwrap();
    println!(
        "metrics {quarter:?}: {} rows in {:.2} s",
        m.num_rows(),
        t.elapsed().as_secs_f64()
    );

    if let (_, Some(q)) = slowest {
        println!("\nEXPLAIN ANALYZE of the slowest rule, {}:", q.path());
        let df = ctx
            .sql(cat.sql(q))
            .await
            .unwrap()
            .with_param_values(quarter.params())
            .unwrap();
        let plan = df.explain(false, true).unwrap().collect().await.unwrap();
        println!(
            "{}",
            datafusion::arrow::util::pretty::pretty_format_batches(&plan).unwrap()
        );
    }
}
