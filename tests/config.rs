//! The configuration file: every number has a range, checked when the file loads, and a
//! value outside it is refused with one sentence naming the key (never a panic, an
//! endless wait or the kernel's out-of-memory killer later).

mod common;

use common::{stderr, tiexin_in};

/// `tiexin outbox list` with `text` as the configuration: it loads the file and reads
/// no archive.
fn load(dir: &std::path::Path, text: &str) -> std::process::Output {
    let path = dir.join("c.toml");
    std::fs::write(&path, text).unwrap();
    tiexin_in(
        dir,
        "tester",
        &["outbox", "list", "--config", path.to_str().unwrap()],
    )
}

const SMTP: &str = "[smtp]\nhost = \"127.0.0.1\"\ntls = \"none\"\nfrom = \"a@example.org\"\n";

#[test]
fn numbers_out_of_range_are_refused_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<(String, &str)> = vec![
        ("grace-hours = 3e9\n".into(), "grace-hours"),
        ("grace-hours = -1\n".into(), "grace-hours"),
        ("query-time-limit = -1\n".into(), "query-time-limit"),
        ("query-time-limit = 0\n".into(), "query-time-limit"),
        ("query-time-limit = 1e12\n".into(), "query-time-limit"),
        ("query-time-limit = nan\n".into(), "query-time-limit"),
        ("query-memory-limit = 0\n".into(), "query-memory-limit"),
        (
            "query-memory-limit = 9000000000000000000\n".into(),
            "query-memory-limit",
        ),
        ("query-memory-limit = -1\n".into(), "query-memory-limit"),
        ("cluster-partitions = 0\n".into(), "cluster-partitions"),
        ("cluster-partitions = 5000\n".into(), "cluster-partitions"),
        ("cluster-partitions = -2\n".into(), "cluster-partitions"),
        (format!("{SMTP}timeout-seconds = 1e20\n"), "timeout-seconds"),
        (format!("{SMTP}timeout-seconds = 0\n"), "timeout-seconds"),
        (format!("{SMTP}max-concurrency = 1000000000\n"), "max-concurrency"),
        (format!("{SMTP}max-concurrency = 0\n"), "max-concurrency"),
        (format!("{SMTP}max-attempts = 4000000000\n"), "max-attempts"),
        (format!("{SMTP}backoff-seconds = 1e300\n"), "backoff-seconds"),
        (format!("{SMTP}backoff-seconds = -5\n"), "backoff-seconds"),
        (format!("{SMTP}port = 0\n"), "port"),
        (format!("{SMTP}port = 70000\n"), "port"),
        ("[shortlist]\nsize = 1000000000000\n".into(), "size"),
        ("[circulars]\ncriticism-threshold = 0\n".into(), "criticism-threshold"),
        (
            "[circulars]\ncriticism-threshold = 100000000\n".into(),
            "criticism-threshold",
        ),
        ("[circulars]\ndeadline-days = 0\n".into(), "deadline-days"),
        ("[circulars]\ndeadline-days = 4000000\n".into(), "deadline-days"),
        ("[bulletin]\ndeadline-days = -3\n".into(), "deadline-days"),
        (
            "[[jobs]]\nname = \"award\"\ncron = \"0 0 8 1 Oct *\"\nkind = \"shortlist\"\nrecipients = [\"c@example.org\"]\noptions = { size = 0 }\n".into(),
            "size",
        ),
        (
            "[[jobs]]\nname = \"award\"\ncron = \"0 0 8 1 Oct *\"\nkind = \"shortlist\"\nrecipients = [\"c@example.org\"]\noptions = { size = 4000000000 }\n".into(),
            "size",
        ),
    ];
    let mut wrong = vec![];
    for (text, key) in &cases {
        let out = load(tmp.path(), text);
        let err = stderr(&out);
        if out.status.code() != Some(2) || err.lines().count() != 1 || !err.contains(key) {
            wrong.push(format!(
                "{text:?}: exit {:?}, {err:?} (expected one sentence naming {key})",
                out.status.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The largest allowed values load.
    let out = load(
        tmp.path(),
        &format!(
            "grace-hours = 8760\nquery-time-limit = 86400\nquery-memory-limit = 1099511627776\ncluster-partitions = 4096\n\
             [circulars]\ncriticism-threshold = 1000\n\
             [shortlist]\nsize = 100000\n{SMTP}timeout-seconds = 3600\nmax-concurrency = 64\nmax-attempts = 100\nbackoff-seconds = 86400\nport = 65535\n"
        ),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The values that crashed: checked before anything runs.
#[test]
fn grace_hours_and_timeouts_that_crashed_are_refused_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("c.toml");
    std::fs::write(
        &path,
        "grace-hours = 3e9\n[[jobs]]\nname = \"q\"\ncron = \"0 0 8 1 Jan,Apr,Jul,Oct *\"\nkind = \"circulars\"\n",
    )
    .unwrap();
    let out = tiexin_in(
        tmp.path(),
        "tester",
        &["schedule", "--once", "--config", path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("grace-hours") && err.contains("8760"), "{err}");
}
