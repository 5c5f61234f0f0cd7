//! Benchmark of issue 6: 1,000 supervisory circulars from a generated archive, rendered
//! and sent through the outbox to a real SMTP server on 127.0.0.1
//! (tests/smtp/server.py, aiosmtpd): SQL, rendering, queueing and sending timed apart,
//! and peak RSS.
//!
//! usage: TIEXIN_BENCH_ARCHIVE=/tmp/tiexin-bench/h1000000-parquet cargo bench --bench circulars
//! (TIEXIN_BENCH_N, default 1000; TIEXIN_BENCH_PERIOD, default 2026Q3.) Circulars of
//! unions without an address go to `<union_id>@bench.example.cn`, and criticism is
//! queued as not held, so that all N are sent.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tiexin::delivery::outbox::Outbox;
use tiexin::delivery::smtp::{deliver, SmtpConfig, TlsMode};
use tiexin::documents::circulars::{self, Settings};
use tiexin::documents::settings::DocumentConfig;
use tiexin::sql::period::Period;
use tiexin::sql::Session;

#[tokio::main]
async fn main() {
    let Some(args) = common::archive() else {
        return;
    };
    let n: usize = std::env::var("TIEXIN_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let period: Period = std::env::var("TIEXIN_BENCH_PERIOD")
        .unwrap_or("2026Q3".into())
        .parse()
        .expect("a quarter");
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let s = Session::open(&args, &tiexin::ingest::Quiet)
        .await
        .expect("the archive loads");
    println!("load + prepare: {:.2} s", started.elapsed().as_secs_f64());

    let doc = DocumentConfig {
        state_dir: Some(tmp.path().join("state")),
        ..Default::default()
    };
    let set = Settings {
        doc: &doc,
        criticism_threshold: circulars::DEFAULT_CRITICISM_THRESHOLD,
    };
    let t = Instant::now();
    let all = circulars::build(&s, &set, &period, (2026, 11, 28))
        .await
        .expect("circulars");
    let sql = t.elapsed().as_secs_f64();
    let unions = all.len();
    let list: Vec<_> = all.into_iter().take(n).collect();
    println!(
        "findings and circular data of {period}: {sql:.2} s ({unions} unions with major findings; taking {})",
        list.len()
    );

    let t = Instant::now();
    let mut pdfs = Vec::with_capacity(list.len());
    for c in &list {
        pdfs.push(circulars::render(c).expect("render").pdf);
    }
    let render = t.elapsed().as_secs_f64();
    let bytes: usize = pdfs.iter().map(Vec::len).sum();
    println!(
        "render: {render:.2} s = {:.1} PDFs/s, mean PDF {:.0} KiB",
        list.len() as f64 / render,
        bytes as f64 / list.len().max(1) as f64 / 1024.0
    );

    // A real SMTP server on 127.0.0.1.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
    let mut server = Command::new("python3")
        .arg(script)
        .args(["--port", &port.to_string(), "--raw-only", "--dir"])
        .arg(tmp.path().join("mail"))
        .stdout(Stdio::null())
        .spawn()
        .expect("python3 tests/smtp/server.py (pip install aiosmtpd)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the SMTP server does not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let t = Instant::now();
    let outbox = Outbox::open(&tmp.path().join("state/tiexin.sqlite")).unwrap();
    for (c, pdf) in list.iter().zip(&pdfs) {
        let to =
            c.to.clone()
                .unwrap_or_else(|| format!("{}@bench.example.cn", c.union_id.to_lowercase()));
        let mut m = tiexin::delivery::messages::circular_to(c, &to, "bench", pdf, "bench").unwrap();
        m.held = false;
        outbox.enqueue(m).unwrap();
    }
    let queue = t.elapsed().as_secs_f64();
    let mut smtp = SmtpConfig::new("127.0.0.1", port, TlsMode::None, "bench@example.cn");
    smtp.max_concurrency = Some(4);
    smtp.timeout_seconds = Some(30.0);
    let t = Instant::now();
    let summary = deliver(&outbox, &smtp, Arc::new(AtomicBool::new(false)))
        .await
        .expect("deliver");
    let send = t.elapsed().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "queue: {queue:.2} s; send: {send:.2} s ({})",
        summary.line()
    );
    println!(
        "{} circulars rendered and sent: {:.2} s (SQL {sql:.2} + render {render:.2} + queue {queue:.2} + send {send:.2}); total with loading {:.2} s; peak RSS {:.0} MiB",
        list.len(),
        sql + render + queue + send,
        started.elapsed().as_secs_f64(),
        common::peak_rss_mib()
    );
}
