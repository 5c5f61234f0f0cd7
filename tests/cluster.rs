//! Cluster mode (feature `ballista`): a Ballista scheduler and two executors started as
//! separate processes on 127.0.0.1 (the `tiexin-scheduler` and `tiexin-executor`
//! binaries, built from the `ballista-scheduler` and `ballista-executor` crates) run
//! the same query files as local mode, and must give byte-identical output.
#![cfg(feature = "ballista")]

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::smtp::free_port;
use common::{stderr, stdout};

fn wait_for(port: u16, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not listen on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A new file `path` for a process's standard error (its log).
fn log(path: &Path) -> std::fs::File {
    std::fs::File::create(path).expect("a log file can be created")
}

/// The processes of a local cluster, killed when dropped.
struct Cluster {
    scheduler: Child,
    executors: Vec<Child>,
    port: u16,
}

impl Cluster {
    fn start(work: &Path) -> Cluster {
        let port = free_port();
        let scheduler = Command::new(env!("CARGO_BIN_EXE_tiexin-scheduler"))
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(log(&work.join("scheduler.log")))
            .spawn()
            .expect("tiexin-scheduler starts");
        wait_for(port, "the scheduler");
        let executors = (0..2)
            .map(|i| {
                let (flight, grpc) = (free_port(), free_port());
                let dir = work.join(format!("executor-{i}"));
                std::fs::create_dir_all(&dir).unwrap();
                let child = Command::new(env!("CARGO_BIN_EXE_tiexin-executor"))
                    .args(["--scheduler", &format!("127.0.0.1:{port}")])
                    .args(["--bind", "127.0.0.1", "--cores", "1"])
                    .args(["--port", &flight.to_string()])
                    .args(["--grpc-port", &grpc.to_string()])
                    .args(["--work-dir", dir.to_str().unwrap()])
                    .stdout(Stdio::null())
                    .stderr(log(&work.join(format!("executor-{i}.log"))))
                    .spawn()
                    .expect("tiexin-executor starts");
                wait_for(flight, "an executor");
                child
            })
            .collect();
        // The executors register with their first heartbeat.
        std::thread::sleep(Duration::from_secs(2));
        Cluster {
            scheduler,
            executors,
            port,
        }
    }

    fn engine(&self) -> String {
        format!("ballista://127.0.0.1:{}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in self.executors.iter_mut().chain([&mut self.scheduler]) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `tiexin args` with the cache folder `cache` and a state folder in it.
fn tiexin(cache: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tiexin"));
    c.args(args)
        .env("TIEXIN_CACHE_DIR", cache)
        .env("TIEXIN_STATE_DIR", cache.join("state"))
        .env_remove("XDG_CACHE_HOME");
    c
}

fn run(cache: &Path, args: &[&str]) -> Output {
    tiexin(cache, args)
        .output()
        .expect("the tiexin binary runs")
}

fn ok(o: Output, what: &str) -> Vec<u8> {
    assert!(o.status.success(), "{what}: {}", stderr(&o));
    o.stdout
}

fn generated(dir: &Path) -> PathBuf {
    let archive = dir.join("archive");
    let o = run(
        &dir.join("gen-cache"),
        &[
            "generate",
            "--out",
            archive.to_str().unwrap(),
            "--households",
            "3000",
            "--seed",
            "18",
        ],
    );
    assert!(o.status.success(), "generate: {}", stderr(&o));
    archive
}

#[test]
fn a_two_executor_cluster_gives_the_local_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = generated(tmp.path());
    let a = archive.to_str().unwrap();
    let cluster = Cluster::start(tmp.path());
    let engine = cluster.engine();
    // Local and cluster runs keep separate caches: nothing one computed is read by the
    // other (a cluster run reads and keeps no results anyway).
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    let commands: Vec<Vec<&str>> = vec![
        vec!["metrics", "--period", "2026Q3"],
        vec!["metrics", "--period", "2026"],
        vec!["findings", "--period", "2026Q3"],
        vec!["shortlist", "--year", "2026"],
        vec![
            "query",
            "SELECT household_id, id_number, phone FROM households ORDER BY household_id LIMIT 20",
        ],
        vec![
            "query",
            "--scope",
            "U3701",
            "SELECT union_id, COUNT(*) AS n FROM households GROUP BY union_id ORDER BY union_id",
        ],
    ];
    let mut local_findings = Vec::new();
    for args in &commands {
        let mut base: Vec<&str> = args.clone();
        base.extend(["--archive", a, "--format", "csv"]);
        let here = ok(run(&local, &base), &format!("local {args:?}"));
        if args[0] == "findings" {
            local_findings = here.clone();
        }
        let mut on_cluster = base.clone();
        on_cluster.extend(["--engine", &engine]);
        let there = ok(run(&remote, &on_cluster), &format!("cluster {args:?}"));
        assert!(here.len() > 40, "{args:?} gave almost nothing: {here:?}");
        assert_eq!(
            String::from_utf8_lossy(&here),
            String::from_utf8_lossy(&there),
            "{args:?}: the cluster's output differs from the local one"
        );
    }
    // Split into other numbers of partitions than the client's cores, the cluster's
    // work gives the same figures, in more tasks the more partitions.
    let finished = || -> usize {
        (0..2)
            .map(|i| {
                let log = tmp.path().join(format!("executor-{i}.log"));
                let text = std::fs::read_to_string(log).unwrap();
                text.matches("Finished task").count()
            })
            .sum()
    };
    let config = tmp.path().join("partitions.toml");
    let mut tasks = Vec::new();
    for n in [1, 5] {
        std::fs::write(&config, format!("cluster-partitions = {n}\n")).unwrap();
        let on_cluster = [
            "findings",
            "--period",
            "2026Q3",
            "--archive",
            a,
            "--format",
            "csv",
            "--engine",
            &engine,
            "--config",
            config.to_str().unwrap(),
        ];
        let before = finished();
        let there = ok(run(&remote, &on_cluster), "cluster findings");
        tasks.push(finished() - before);
        assert_eq!(
            String::from_utf8_lossy(&local_findings),
            String::from_utf8_lossy(&there),
            "cluster-partitions = {n}: other findings than local mode"
        );
    }
    assert!(
        tasks[1] > tasks[0],
        "tasks with 1 and 5 partitions: {tasks:?} (cluster-partitions not applied)"
    );
    // Both executors ran tasks, each logged with its time.
    for i in 0..2 {
        let text = std::fs::read_to_string(tmp.path().join(format!("executor-{i}.log"))).unwrap();
        let tasks = text.lines().filter(|l| l.contains("Finished task")).count();
        assert!(tasks >= 10, "executor {i} finished {tasks} tasks:\n{text}");
    }
    // The masked query published masked tables: no ID number of the archive is in them.
    let ids = household_ids(&archive);
    assert!(ids.len() > 1000, "{} ID numbers read", ids.len());
    let masked = published_with(&remote.join("cluster"), &ids);
    assert!(
        masked.iter().any(|(_, full)| *full == 0),
        "no published archive without the ID numbers: {masked:?}"
    );
}

/// The ID numbers of the generated households.
fn household_ids(archive: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(archive.join("households.csv")).unwrap();
    let rows = common::csv_rows(&text);
    let col = rows[0].iter().position(|c| c == "id_number").unwrap();
    rows[1..].iter().map(|r| r[col].clone()).collect()
}

/// For each published archive folder, how many of `ids` its households files hold.
fn published_with(data: &Path, ids: &[String]) -> Vec<(PathBuf, usize)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(data).unwrap() {
        let dir = entry.unwrap().path();
        if !dir
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("archive-")
        {
            continue;
        }
        let mut bytes = Vec::new();
        for f in std::fs::read_dir(dir.join("households")).unwrap() {
            std::fs::File::open(f.unwrap().path())
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
        }
        let text = String::from_utf8_lossy(&bytes);
        let full = ids.iter().filter(|id| text.contains(id.as_str())).count();
        out.push((dir, full));
    }
    out
}

#[test]
fn a_killed_executor_never_gives_wrong_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = generated(tmp.path());
    let a = archive.to_str().unwrap();
    let mut cluster = Cluster::start(tmp.path());
    let engine = cluster.engine();
    let args = [
        "shortlist",
        "--year",
        "2026",
        "--archive",
        a,
        "--format",
        "csv",
    ];
    let expected = ok(run(&tmp.path().join("local"), &args), "local shortlist");
    // Publish the tables first, so that the kill falls while queries run.
    let cache = tmp.path().join("remote");
    let mut warm: Vec<&str> = vec!["metrics", "--period", "2026Q1", "--archive", a];
    warm.extend(["--engine", &engine]);
    ok(run(&cache, &warm), "publishing run");

    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--engine", &engine]);
    // The executor is killed once it has started three tasks of this run: in the
    // middle of a query, not before or after.
    let log = tmp.path().join("executor-1.log");
    let before = std::fs::read_to_string(&log).unwrap().len();
    let child = tiexin(&cache, &full)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text[before..].matches("Execute task").count() >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "executor 1 started no three tasks of the shortlist within 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let victim = &mut cluster.executors[1];
    victim.kill().unwrap();
    victim.wait().unwrap();
    // The run must end, one way or the other: a query left waiting for ever on the lost
    // executor is a failure too.
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    let o = match rx.recv_timeout(Duration::from_secs(900)) {
        Ok(o) => o,
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("the shortlist neither finished nor failed within 15 minutes of the kill");
        }
    };
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "a panic: {err}");
    eprintln!(
        "after the kill the shortlist {}",
        if o.status.success() {
            "finished".to_string()
        } else {
            format!("failed: {}", err.lines().last().unwrap_or(""))
        }
    );
    if o.status.success() {
        assert_eq!(
            String::from_utf8_lossy(&expected),
            stdout(&o),
            "the shortlist finished after the kill with other figures"
        );
    } else {
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(o.stdout.is_empty(), "figures printed by a failed run");
        let line = err.lines().last().unwrap_or("");
        assert!(line.contains("shortlist") || line.contains(".sql"), "{err}");
    }
}
