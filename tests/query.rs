//! `tiexin query`: read-only, masked, scoped and audited, through the real binary.

mod common;

use std::process::{Command, Output};

use common::*;
use tempfile::TempDir;

fn query(tmp: &TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .arg("query")
        .args(["--format", "csv"])
        .args(args)
        .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
        .env("TIEXIN_STATE_DIR", tmp.path().join("state"))
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_STATE_HOME")
        .output()
        .unwrap()
}

#[test]
fn a_select_prints_csv() {
    let tmp = TempDir::new().unwrap();
    let o = query(&tmp, &["SELECT count(*) AS n FROM households"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "n\n59\n");
}

#[test]
fn hostile_statements_are_refused_and_write_nothing() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let p = out.to_str().unwrap();
    let corpus = [
        format!("COPY (SELECT 1) TO '{p}/a.csv'"),
        format!("COPY households TO '{p}/b.parquet'"),
        format!("CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '{p}/c.csv'"),
        format!("CREATE EXTERNAL TABLE y (a INT) STORED AS PARQUET LOCATION '{p}/'"),
        format!("INSERT INTO '{p}/d.csv' SELECT 1"),
        "CREATE TABLE z AS SELECT 1".into(),
        "CREATE TABLE z (a INT)".into(),
        "CREATE VIEW v AS SELECT * FROM households".into(),
        "CREATE OR REPLACE VIEW households AS SELECT 1".into(),
        "CREATE SCHEMA s".into(),
        "CREATE DATABASE d".into(),
        "CREATE FUNCTION f() RETURNS INT RETURN 1".into(),
        "DROP TABLE households".into(),
        "DROP VIEW valid_visit".into(),
        "DROP SCHEMA public".into(),
        "ALTER TABLE households RENAME TO h".into(),
        "INSERT INTO households SELECT * FROM households".into(),
        "INSERT INTO unions VALUES ('X','x','city',NULL,NULL)".into(),
        "UPDATE households SET members = 1".into(),
        "DELETE FROM households".into(),
        "TRUNCATE households".into(),
        "SET datafusion.execution.batch_size = 1".into(),
        "SET TIME ZONE 'UTC'".into(),
        "SELECT 1; SELECT 2".into(),
        "SELECT 1; DROP TABLE households".into(),
        "WITH w AS (SELECT 1) INSERT INTO households SELECT * FROM households".into(),
        "EXPLAIN ANALYZE INSERT INTO households SELECT * FROM households".into(),
        "EXPLAIN CREATE TABLE q AS SELECT 1".into(),
        "SELECT * FROM '/etc/passwd'".into(),
        format!("SELECT * FROM '{p}/../cache'"),
        "SELECT * FROM 'households.csv'".into(),
        "PREPARE s AS SELECT 1".into(),
        "DEALLOCATE s".into(),
        "BEGIN".into(),
        "SHOW ALL".into(),
    ];
    assert!(corpus.len() >= 30);
    for sql in &corpus {
        let o = query(&tmp, &[sql]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{sql}: {err}");
        assert!(
            err.starts_with("error: query refused: "),
            "not refused: {sql}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{sql}: {err}");
        let log = std::fs::read_to_string(tmp.path().join("state/audit.jsonl")).unwrap();
        let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
        assert_eq!(last["outcome"], "refused", "{sql}");
        assert_eq!(last["sql"], sql.as_str());
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "a hostile statement wrote a file"
    );
}

/// Every resident ID and phone number of the sample archive, in full.
fn personal_data() -> Vec<String> {
    let mut found = Vec::new();
    for (file, cols) in [
        ("households.csv", &["id_number", "phone"][..]),
        ("contacts.csv", &["phone"][..]),
    ] {
        let text = std::fs::read_to_string(repo().join("sample-data").join(file)).unwrap();
        let rows = csv_rows(text.trim_start_matches('\u{feff}'));
        for c in cols {
            let i = rows[0].iter().position(|h| h == c).unwrap();
            found.extend(
                rows[1..]
                    .iter()
                    .map(|r| r[i].trim().to_string())
                    .filter(|v| v.len() >= 11),
            );
        }
    }
    found
}

#[test]
fn personal_data_is_masked_in_every_output() {
    let tmp = TempDir::new().unwrap();
    let secrets = personal_data();
    assert!(secrets.len() > 59, "{}", secrets.len());
    let mut outputs = Vec::new();
    for sql in [
        "SELECT * FROM households ORDER BY household_id",
        "SELECT * FROM contacts ORDER BY contact_id",
        "SELECT substr(id_number, 1, 17) || substr(id_number, 18) AS x FROM households",
        "SELECT concat(phone, '') AS p, reverse(reverse(id_number)) AS i FROM households",
        "SELECT id_number FROM households WHERE id_number LIKE '3701%'",
    ] {
        let o = query(&tmp, &[sql]);
        assert_eq!(o.status.code(), Some(0), "{sql}: {}", stderr(&o));
        outputs.push(stdout(&o));
    }
    for cmd in [
        vec!["metrics", "--period", "2026Q3"],
        vec!["findings", "--period", "2026Q3"],
    ] {
        let o = tiexin(tmp.path(), &cmd);
        outputs.push(stdout(&o));
    }
    assert!(outputs[0].contains("370102********"), "{}", outputs[0]);
    for out in &outputs {
        for s in &secrets {
            assert!(!out.contains(s.as_str()), "{s} appears unmasked");
        }
    }
}

#[test]
fn a_scope_never_returns_rows_of_other_unions() {
    let tmp = TempDir::new().unwrap();
    let sql = "SELECT h.union_id, v.visit_id FROM visits v JOIN households h USING (household_id) \
               UNION ALL SELECT union_id, payment_id FROM disbursements \
               UNION ALL SELECT union_id, household_id FROM households \
               WHERE household_id IN (SELECT household_id FROM requests) ORDER BY 1, 2";
    let all = csv_rows(&stdout(&query(&tmp, &[sql])));
    let scoped_out = query(&tmp, &["--scope", "U3702", sql]);
    assert_eq!(scoped_out.status.code(), Some(0), "{}", stderr(&scoped_out));
    let scoped = csv_rows(&stdout(&scoped_out));
    assert!(scoped.len() > 1 && scoped.len() < all.len());
    for r in &scoped[1..] {
        assert!(r[0].starts_with("U3702"), "{r:?} is outside the scope");
        assert!(all.contains(r));
    }
    let units = csv_rows(&stdout(&query(
        &tmp,
        &["--scope", "U3702", "SELECT union_id FROM unions ORDER BY 1"],
    )));
    let ids: Vec<&str> = units[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        ids,
        [
            "U3702",
            "U370202",
            "U370202001",
            "U370202001G1",
            "U370202G2"
        ]
    );
    let bad = query(&tmp, &["--scope", "NOPE", "SELECT 1"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn every_query_is_audited_before_and_after() {
    let tmp = TempDir::new().unwrap();
    query(
        &tmp,
        &["--as", "inspector-li", "SELECT count(*) AS n FROM visits"],
    );
    query(&tmp, &["--as", "inspector-li", "DROP TABLE visits"]);
    query(
        &tmp,
        &["--as", "inspector-li", "SELECT no_such_column FROM visits"],
    );
    let log = std::fs::read_to_string(tmp.path().join("state").join("audit.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["started", "ok", "started", "refused", "started", "failed"]
    );
    assert!(lines.iter().all(|l| l["user"] == "inspector-li"));
    assert_eq!(lines[1]["rows"], 1);
    assert_eq!(lines[0]["id"], lines[1]["id"]);
}

#[test]
fn the_ready_audits_run_on_the_sample_archive() {
    let tmp = TempDir::new().unwrap();
    let dir = repo().join("queries").join("audits");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let o = query(&tmp, &["-f", path.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            stderr(&o)
        );
        n += 1;
    }
    assert!(n >= 8);
}

#[test]
fn time_and_memory_limits_stop_a_query_with_a_clear_message() {
    let tmp = TempDir::new().unwrap();
    let slow = tmp.path().join("slow.toml");
    std::fs::write(&slow, "query-time-limit = 0.5\n").unwrap();
    let o = query(
        &tmp,
        &[
            "--config",
            slow.to_str().unwrap(),
            "SELECT count(DISTINCT concat(a.visit_id, b.visit_id, c.visit_id)) AS n FROM visits a, visits b, visits c",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("stopped after 0.5 s, the time limit"),
        "{}",
        stderr(&o)
    );

    let small = tmp.path().join("small.toml");
    std::fs::write(&small, "query-memory-limit = 1000000\n").unwrap();
    let o = query(
        &tmp,
        &[
            "--config",
            small.to_str().unwrap(),
            "SELECT a.notes, b.notes FROM visits a, visits b ORDER BY 1, 2",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("needs more than 1000000 bytes of memory"),
        "{}",
        stderr(&o)
    );
}

/// Issue 11.5: with `$USER` and `$LOGNAME` unset, the audit log still says who ran the
/// query: the OS user id, and the account's name rather than "unknown".
#[test]
fn the_audit_log_records_the_os_user_id() {
    use std::os::unix::fs::MetadataExt;
    let tmp = TempDir::new().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(["query", "--format", "csv", "SELECT 1 AS one"])
        .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
        .env("TIEXIN_STATE_DIR", tmp.path().join("state"))
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let uid = std::fs::metadata("/proc/self").unwrap().uid();
    let log = std::fs::read_to_string(tmp.path().join("state").join("audit.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        assert_eq!(l["uid"], uid, "{l}");
        assert_ne!(l["user"], "unknown", "{l}");
    }
}
