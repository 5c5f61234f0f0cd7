//! Load on `tiexin serve` (issue 17): a bounded load generator on loopback.
//!
//!     TIEXIN_BENCH_ARCHIVE=/data/gen-1m cargo bench --bench serve
//!
//! `TIEXIN_BIN=PATH` serves with another build (then the client itself can be a debug
//! build: `cargo build --bench serve` and run `target/debug/deps/serve-*`, which does
//! not rebuild DataFusion with the release profile).
//!
//! Starts the release binary under `/usr/bin/time -v` on the archive (default: the
//! bundled sample), logs 20 clients in, and reports: the time from start to the first
//! page served; when each period of `tiexin::web::warm_plan` (as the server names
//! them) and the committee's figures of the year (the shortlist, each nominee's
//! records) were ready in the background; the first view of each of those periods and
//! of a period outside them (figures computed on the view: the time to the server's
//! first answer, which is the page saying what it computes when the figures take over
//! 1.5 s, and the time to the figures, asking again as that page's `Refresh` says, as
//! its browser does); then 20 concurrent clients making `TIEXIN_BENCH_REQUESTS` (default 100)
//! requests each over a mix of overview, union, findings and nominee pages: pages per
//! second, p50 and p95 latency per kind, and the server's peak RSS.
//!
//! `TIEXIN_BENCH_LOG=FILE` also writes the server's log there, each line after the
//! seconds since the start; with `TIEXIN_QUERY_TIMES=1` it names each query and its time.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 20;
const PASSWORD: &str = "bench-password";

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap()
}

fn login(c: &reqwest::blocking::Client, base: &str) {
    let form = c
        .get(format!("{base}/login"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let key = "name=\"csrf\" value=\"";
    let i = form.find(key).unwrap() + key.len();
    let csrf = &form[i..i + 64];
    c.post(format!("{base}/login"))
        .form(&[
            ("name", "bench"),
            ("password", PASSWORD),
            ("csrf", csrf),
            ("next", "/login"),
        ])
        .send()
        .unwrap();
}

fn get(c: &reqwest::blocking::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// A page as a browser sees it: asked again after the seconds of its `Refresh` header
/// while the server answers 202 with the page saying what it is computing. The time to
/// that first answer, the time to the page itself, and its status.
fn view(c: &reqwest::blocking::Client, url: &str) -> (Duration, Duration, u16) {
    let t = Instant::now();
    let ask = || {
        let r = c.get(url).send().unwrap();
        let refresh = r
            .headers()
            .get("refresh")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        (r.status().as_u16(), refresh)
    };
    let (mut st, mut refresh) = ask();
    let first = t.elapsed();
    while st == 202 {
        std::thread::sleep(Duration::from_secs(
            refresh.expect("a 202 page without Refresh"),
        ));
        (st, refresh) = ask();
    }
    (first, t.elapsed(), st)
}

fn links(html: &str, prefix: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|l| l.starts_with(prefix))
        .map(|l| l.replace("&amp;", "&"))
        .collect()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The tiexin that serves: `$TIEXIN_BIN`, or the one built with this benchmark.
fn bin() -> String {
    std::env::var("TIEXIN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tiexin").into())
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let requests: usize = std::env::var("TIEXIN_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let mut hash = Command::new(bin())
        .arg("passwd")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    hash.stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    let hash = String::from_utf8(hash.wait_with_output().unwrap().stdout).unwrap();
    let archive = std::env::var("TIEXIN_BENCH_ARCHIVE").ok();
    let root = std::env::var("TIEXIN_BENCH_ROOT").unwrap_or_else(|_| "U37".into());
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "state-dir = {:?}\n[[users]]\nname = \"bench\"\npassword-hash = {:?}\nrole = \"office\"\nscope = {root:?}\n",
            dir.path().join("state").display().to_string(),
            hash.trim()
        ),
    )
    .unwrap();
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v")
        .arg(bin())
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&cfg);
    if let Some(a) = &archive {
        cmd.args(["--archive", a]);
    }
    let start = Instant::now();
    let mut child = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut base = String::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        if let Some(i) = l.find("http://") {
            base = l[i..].split('/').take(3).collect::<Vec<_>>().join("/");
            break;
        }
    }
    let report = Arc::new(Mutex::new(Vec::<String>::new()));
    let r2 = report.clone();
    // With `TIEXIN_BENCH_LOG=FILE`, the server's log goes there too, each line after
    // the seconds since the start (with `TIEXIN_QUERY_TIMES=1`, each query's time).
    let mut log = std::env::var_os("TIEXIN_BENCH_LOG").map(|f| std::fs::File::create(f).unwrap());
    let reader = std::thread::spawn(move || {
        for l in lines.by_ref().map_while(Result::ok) {
            if let Some(f) = &mut log {
                use std::io::Write;
                writeln!(f, "{:8.3} {l}", start.elapsed().as_secs_f64()).unwrap();
            }
            r2.lock().unwrap().push(l);
        }
    });
    let c = client();
    login(&c, &base);
    // The first page served: the log-in page answers at once; the first page with
    // figures needs the archive loaded and the period computed.
    let period = loop {
        let r = c.get(format!("{base}/")).send().unwrap();
        if r.status().as_u16() == 200 {
            break r.url().path().rsplit('/').next().unwrap_or("").to_string();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let first_page = start.elapsed();
    let loaded_line = report
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.contains("ready after"))
        .cloned();
    // The figures computed in the background after the load (tiexin::web::warm_plan):
    // the default period's, the quarter's before it, the chart's quarters, the years, …
    let warmed = |p: &str| {
        report
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains(&format!("figures of {p} are ready (")))
            .cloned()
    };
    // The server names them, in order, when it starts on them.
    let announced = report
        .lock()
        .unwrap()
        .iter()
        .find_map(|l| {
            l.split("computing in the background, in this order: ")
                .nth(1)
                .map(str::to_string)
        })
        .expect("the server named no periods to compute in the background");
    let plan: Vec<String> = announced.trim().split(", ").map(str::to_string).collect();
    let planned: Vec<tiexin::sql::Period> = plan.iter().map(|p| p.parse().unwrap()).collect();
    // A period asked for before its turn, while the background work goes on: the
    // chart's oldest quarter (the eighth of the plan), computed on this view.
    let early_period = plan[7.min(plan.len() - 1)].clone();
    let early_asked = start.elapsed();
    let (early_first, early, st) = view(&c, &format!("{base}/u/{root}/{early_period}"));
    assert_eq!(st, 200);
    let t = Instant::now();
    // The committee's: the shortlist of the year and each nominee's records.
    let committee = |what: &str| {
        report
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains(&format!("the shortlist of {} {what}", &period[..4])))
            .cloned()
    };
    // When each was done, after the start.
    let (mut warm_all, mut committee_all) = (None, None);
    while (warm_all.is_none() || committee_all.is_none()) && t.elapsed() < Duration::from_secs(900)
    {
        if warm_all.is_none() && plan.iter().all(|p| warmed(p).is_some()) {
            warm_all = Some(start.elapsed());
        }
        if committee_all.is_none() && committee("and the records").is_some() {
            committee_all = Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (warm_all, committee_all) = (
        warm_all.expect("the periods were not computed in 900 s"),
        committee_all.expect("the committee's figures were not computed in 900 s"),
    );
    // Each period of the plan: computed in the background, so its first view is served.
    let mut first_views = Vec::new();
    for p in plan[1..].iter().filter(|p| **p != early_period) {
        let t = Instant::now();
        let (st, _) = get(&c, &format!("{base}/u/{root}/{p}"));
        first_views.push((p.clone(), t.elapsed()));
        assert_eq!(st, 200);
    }
    // A cold period: the quarter before the plan's oldest quarter, computed on this view.
    let oldest = planned
        .iter()
        .filter(|p| p.is_quarter())
        .min_by_key(|p| p.first_day())
        .unwrap();
    let cold_period = oldest.previous_quarter().to_string();
    let (cold_first, cold, st) = view(&c, &format!("{base}/u/{root}/{cold_period}"));
    assert_eq!(st, 200);

    // The URLs of the mix: the overview, unions below it, findings pages, nominees.
    let (_, overview) = get(&c, &format!("{base}/u/{root}/{period}"));
    let mut unions = links(&overview, "/u/");
    unions.retain(|l| l.ends_with(&period));
    let t = Instant::now();
    let (_, findings) = get(&c, &format!("{base}/findings?period={period}"));
    let findings_cold = t.elapsed();
    let year = &period[..4];
    let t = Instant::now();
    let (_, shortlist) = get(&c, &format!("{base}/shortlist/{year}"));
    let shortlist_cold = t.elapsed();
    let nominees: Vec<String> = links(&shortlist, &format!("/shortlist/{year}/"))
        .into_iter()
        .take(40)
        .collect();
    let mut findings_pages: Vec<String> = (1..=5)
        .map(|p| format!("/findings?period={period}&page={p}"))
        .collect();
    findings_pages.extend(unions.iter().take(10).map(|u| {
        format!(
            "/findings?period={period}&union={}",
            u.split('/').nth(2).unwrap()
        )
    }));
    let _ = findings;
    let mix: Vec<(&str, Vec<String>)> = vec![
        ("overview", vec![format!("/u/{root}/{period}")]),
        ("union", unions.clone()),
        ("findings", findings_pages),
        ("nominee", nominees),
    ];
    let mix = Arc::new(mix);
    let times = Arc::new(Mutex::new(Vec::<(usize, f64, u16)>::new()));
    let t = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|k| {
            let (mix, times, base) = (mix.clone(), times.clone(), base.clone());
            std::thread::spawn(move || {
                let c = client();
                login(&c, &base);
                for i in 0..requests {
                    let kind = (i + k) % mix.len();
                    let urls = &mix[kind].1;
                    if urls.is_empty() {
                        continue;
                    }
                    let url = &urls[(i * 7 + k * 13) % urls.len()];
                    let s = Instant::now();
                    let (st, _) = get(&c, &format!("{base}{url}"));
                    times
                        .lock()
                        .unwrap()
                        .push((kind, s.elapsed().as_secs_f64() * 1000.0, st));
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let wall = t.elapsed().as_secs_f64();
    let times = times.lock().unwrap();
    // Stop the server (SIGINT to tiexin, the child of time) so that time reports.
    let time_pid = child.id();
    let kids = std::fs::read_to_string(format!("/proc/{time_pid}/task/{time_pid}/children"))
        .unwrap_or_default();
    for pid in kids.split_whitespace() {
        let _ = Command::new("kill").args(["-INT", pid]).status();
    }
    child.wait().unwrap();
    reader.join().unwrap();
    let rss = report
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.contains("Maximum resident set size"))
        .cloned()
        .unwrap_or_default();

    println!(
        "archive: {}",
        archive.as_deref().unwrap_or("the bundled sample")
    );
    println!(
        "start to first page with figures: {:.2} s ({})",
        first_page.as_secs_f64(),
        loaded_line.unwrap_or_default().trim()
    );
    for p in &plan {
        println!(
            "in the background: {}",
            warmed(p).unwrap_or_default().trim()
        );
    }
    println!(
        "all {} periods computed {:.1} s after the start",
        plan.len(),
        warm_all.as_secs_f64()
    );
    for what in ["is ready", "and the records"] {
        println!(
            "in the background: {}",
            committee(what).unwrap_or_default().trim()
        );
    }
    println!(
        "the committee's figures computed {:.1} s after the start",
        committee_all.as_secs_f64()
    );
    println!(
        "first view of {early_period} asked for right after the first page ({:.2} s after the \
         start), before its turn (figures computed on the view): answered in {:.0} ms, \
         figures shown after {:.0} ms",
        early_asked.as_secs_f64(),
        early_first.as_secs_f64() * 1000.0,
        early.as_secs_f64() * 1000.0
    );
    for (p, took) in &first_views {
        println!(
            "first view of {p} (computed in the background): {:.0} ms",
            took.as_secs_f64() * 1000.0
        );
    }
    println!(
        "first view of a cold period ({cold_period}, figures computed on the view): answered in \
         {:.0} ms, figures shown after {:.0} ms",
        cold_first.as_secs_f64() * 1000.0,
        cold.as_secs_f64() * 1000.0
    );
    println!(
        "first view of the findings of {period}: {:.0} ms; of the shortlist of {year}: {:.0} ms (both computed in the background)",
        findings_cold.as_secs_f64() * 1000.0,
        shortlist_cold.as_secs_f64() * 1000.0
    );
    let bad = times.iter().filter(|t| t.2 != 200).count();
    println!(
        "{} requests by {CLIENTS} clients in {wall:.2} s: {:.1} pages/s, {bad} not 200",
        times.len(),
        times.len() as f64 / wall
    );
    let mut all: Vec<f64> = times.iter().map(|t| t.1).collect();
    println!(
        "  all       p50 {:7.1} ms  p95 {:7.1} ms",
        pct(&mut all, 0.5),
        pct(&mut all, 0.95)
    );
    for (k, (name, urls)) in mix.iter().enumerate() {
        let mut v: Vec<f64> = times.iter().filter(|t| t.0 == k).map(|t| t.1).collect();
        println!(
            "  {name:9} p50 {:7.1} ms  p95 {:7.1} ms  ({} requests over {} URLs)",
            pct(&mut v, 0.5),
            pct(&mut v, 0.95),
            v.len(),
            urls.len()
        );
    }
    // `time -v` gives KiB ("kbytes"); GiB beside it, so that no one converts by hand.
    let kib: Option<f64> = rss.rsplit(':').next().and_then(|n| n.trim().parse().ok());
    match kib {
        Some(k) => println!(
            "peak RSS of the server: {k} KiB = {:.2} GiB",
            k / 1024.0 / 1024.0
        ),
        None => println!("peak RSS of the server: {}", rss.trim()),
    }
}
