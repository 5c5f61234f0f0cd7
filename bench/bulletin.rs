//! Benchmark of issue 4: the province's bulletin on a large archive (SQL and rendering
//! timed apart, peak RSS, PDF size), then 200 county bulletins in the same process (the
//! fonts are parsed once), as PDFs per second.
//!
//! usage: TIEXIN_BENCH_ARCHIVE=/tmp/tiexin-bench/h1000000-parquet cargo bench --bench bulletin
//! (TIEXIN_BENCH_PERIOD, default 2026Q3; TIEXIN_BENCH_COUNTIES, default 200.)

mod common;

use std::time::Instant;

use tiexin::documents::bulletin::{self, Options};
use tiexin::documents::settings::DocumentConfig;
use tiexin::sql::period::Period;
use tiexin::sql::Session;

#[tokio::main]
async fn main() {
    let Some(args) = common::archive() else {
        return;
    };
    let period: Period = std::env::var("TIEXIN_BENCH_PERIOD")
        .unwrap_or("2026Q3".into())
        .parse()
        .expect("a period");
    let counties: usize = std::env::var("TIEXIN_BENCH_COUNTIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let state = tempfile::tempdir().unwrap();
    let cfg = DocumentConfig {
        state_dir: Some(state.path().to_path_buf()),
        ..Default::default()
    };
    let t = Instant::now();
    let s = Session::open(&args, &tiexin::ingest::Quiet)
        .await
        .expect("the archive loads");
    println!("load + prepare: {:.2} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let prepared = bulletin::prepare(&s, &period).await.expect("figures");
    let shared = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let opts = |union: Option<String>| Options {
        period,
        union,
        date: (2026, 11, 28),
        number: Some(1),
    };
    let b = bulletin::build_for(&s, &prepared, &cfg, &opts(None))
        .await
        .expect("province bulletin");
    let own = t.elapsed().as_secs_f64();
    println!(
        "province bulletin SQL: {:.2} s (period-wide figures {shared:.2} s + its own tables {own:.2} s)",
        shared + own
    );
    // The first render parses the fonts; the second is the steady state.
    for label in ["render (first, parses fonts)", "render (again)"] {
        let t = Instant::now();
        let r = bulletin::render(&b).expect("render");
        println!(
            "{label}: {:.3} s, {} pages, PDF {:.0} KiB",
            t.elapsed().as_secs_f64(),
            r.pages,
            r.pdf.len() as f64 / 1024.0
        );
    }
    println!(
        "peak RSS after the province bulletin: {:.0} MiB",
        common::peak_rss_mib()
    );

    // County bulletins: the unions of level county; if the archive has fewer than
    // asked, township unions make up the number (said in the output).
    let mut ids = Vec::new();
    let mut made_up = 0;
    for level in ["county", "township"] {
        let df = s
            .ctx
            .table("unions")
            .await
            .unwrap()
            .filter(datafusion::prelude::col("level").eq(datafusion::prelude::lit(level)))
            .unwrap();
        let mut these = Vec::new();
        for b in &df.collect().await.unwrap() {
            let idx = b.schema().index_of("union_id").unwrap();
            let a = datafusion::arrow::array::cast::AsArray::as_string::<i32>(b.column(idx));
            these.extend(a.iter().flatten().map(str::to_string));
        }
        these.sort();
        these.truncate(counties.saturating_sub(ids.len()));
        if level != "county" {
            made_up += these.len();
        }
        ids.extend(these);
    }
    println!(
        "{} bulletins below the province: {} county, {made_up} township",
        ids.len(),
        ids.len() - made_up
    );
    let (mut sql, mut render, mut bytes) = (0.0, 0.0, 0usize);
    for id in &ids {
        let t = Instant::now();
        let b = bulletin::build_for(&s, &prepared, &cfg, &opts(Some(id.clone())))
            .await
            .expect("bulletin");
        sql += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let r = bulletin::render(&b).expect("render");
        render += t.elapsed().as_secs_f64();
        bytes += r.pdf.len();
    }
    let n = ids.len() as f64;
    println!(
        "{} county/township bulletins: SQL {sql:.2} s, render {render:.2} s = {:.1} PDFs/s rendering ({:.1} PDFs/s with their SQL), mean PDF {:.0} KiB",
        ids.len(),
        n / render,
        n / (render + sql),
        bytes as f64 / n / 1024.0
    );
    println!("peak RSS: {:.0} MiB", common::peak_rss_mib());
}
