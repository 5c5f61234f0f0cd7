//! Issue 11's holes in the sandbox, each reproduced through the real binary: replaced
//! query files run under the rules of `tiexin query`, and a user's statement is bounded
//! in memory, stack and time (planning included), refused with one sentence and audited.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use tempfile::TempDir;

fn run(tmp: &TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tiexin"))
        .args(args)
        .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
        .env("TIEXIN_STATE_DIR", tmp.path().join("state"))
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_STATE_HOME")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn config(tmp: &TempDir, text: &str) -> String {
    let p = tmp.path().join("limits.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn audit(tmp: &TempDir) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(tmp.path().join("state/audit.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every resident ID and phone number of the sample archive, in full.
fn secrets() -> Vec<String> {
    let mut out = Vec::new();
    for (file, cols) in [
        ("households.csv", &["id_number", "phone"][..]),
        ("contacts.csv", &["phone"][..]),
    ] {
        let text = std::fs::read_to_string(repo().join("sample-data").join(file)).unwrap();
        let rows = csv_rows(text.trim_start_matches('\u{feff}'));
        for c in cols {
            let i = rows[0].iter().position(|h| h == c).unwrap();
            out.extend(
                rows[1..]
                    .iter()
                    .map(|r| r[i].trim().to_string())
                    .filter(|v| v.len() >= 11),
            );
        }
    }
    out
}

fn replace(dir: &Path, file: &str, sql: &str) {
    let p = dir.join(file);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, sql).unwrap();
}

/// A replaced rule that selects personal data gets masked values, is audited with its
/// path and SHA-256, and cannot reach outside `--scope`.
#[test]
fn a_replaced_rule_sees_masked_tables_and_is_audited() {
    let tmp = TempDir::new().unwrap();
    let q = tmp.path().join("q");
    let v1 = repo().join("queries/findings/V1_missed_visit.sql");
    let leak = "-- leaks personal data\n\
        SELECT 'V1' AS rule, 'minor' AS severity, h.union_id, 'household' AS subject_type, \
        h.household_id AS subject_id, CAST(NULL AS VARCHAR) AS contact_id, \
        CAST($pe AS DATE) AS occurred_on, h.id_number || ' ' || coalesce(h.phone, '') AS detail \
        FROM households h";
    replace(&q, "findings/V1_missed_visit.sql", leak);
    assert!(v1.exists());
    let qs = q.to_str().unwrap();
    let o = run(&tmp, &["findings", "--period", "2026Q3", "--queries", qs]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("370102********"), "the leak ran: {out}");
    for s in secrets() {
        assert!(!out.contains(&s), "{s} printed unmasked");
    }
    let log = audit(&tmp);
    let line = log
        .iter()
        .find(|l| l["queries"].is_array())
        .expect("an audit line names the replaced files");
    let f = &line["queries"][0];
    assert!(f["path"]
        .as_str()
        .unwrap()
        .ends_with("findings/V1_missed_visit.sql"));
    assert_eq!(
        f["sha256"].as_str().unwrap(),
        tiexin::ingest::sha256_bytes(leak.as_bytes())
    );

    // Through `query --period --scope`: the findings table holds only the scope's
    // households, masked.
    let o = run(
        &tmp,
        &[
            "query",
            "--format",
            "csv",
            "--period",
            "2026Q3",
            "--scope",
            "U3702",
            "--queries",
            qs,
            "SELECT union_id, detail FROM findings WHERE rule = 'V1' ORDER BY 1, 2",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = csv_rows(&stdout(&o));
    assert!(rows.len() > 1, "{rows:?}");
    for r in &rows[1..] {
        assert!(r[0].starts_with("U3702"), "{r:?} is outside the scope");
    }
    for s in secrets() {
        assert!(!stdout(&o).contains(&s), "{s} printed unmasked");
    }
}

/// A replaced file is one read-only statement, checked like `tiexin query`.
#[test]
fn a_replaced_file_that_writes_or_reads_files_is_refused() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let p = out.to_str().unwrap();
    for (file, sql) in [
        (
            "views/valid_visit.sql",
            format!("-- x\nCOPY (SELECT * FROM households) TO '{p}/leak.csv'"),
        ),
        (
            "views/union_city.sql",
            "-- x\nCREATE EXTERNAL TABLE pw STORED AS CSV LOCATION '/etc/passwd'".to_string(),
        ),
        (
            "metrics/budget.sql",
            "-- x\nSELECT 1 AS union_id; DROP TABLE households".to_string(),
        ),
    ] {
        let q = tmp.path().join(format!("q-{}", file.replace('/', "-")));
        replace(&q, file, &sql);
        let o = run(
            &tmp,
            &[
                "metrics",
                "--period",
                "2026Q3",
                "--queries",
                q.to_str().unwrap(),
            ],
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains("query refused"), "{file}: {err}");
        assert!(err.contains(file), "{file} is named: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "a file was written"
    );
}

/// Documents made with replaced queries say so where they name their sources.
#[test]
fn a_bulletin_made_with_a_replaced_query_says_so() {
    let tmp = TempDir::new().unwrap();
    let q = tmp.path().join("q");
    let original =
        std::fs::read_to_string(repo().join("queries/bulletin/funds_by_category.sql")).unwrap();
    replace(
        &q,
        "bulletin/funds_by_category.sql",
        &format!("{original}\n"),
    );
    let pdf = tmp.path().join("b.pdf");
    let o = run(
        &tmp,
        &[
            "bulletin",
            "--period",
            "2026Q3",
            "--date",
            "2026-11-30",
            "--number",
            "1",
            "--queries",
            q.to_str().unwrap(),
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The traceability is the attachment 数据来源与复核说明, written beside the bulletin.
    let sources = tmp.path().join("b-数据来源与复核说明.pdf");
    let text = pdf_text(&std::fs::read(&sources).unwrap());
    assert!(
        text.contains("已替换") && text.contains("bulletin/funds_by_category.sql"),
        "the attachment says which query was replaced: {text}"
    );
}

/// One value larger than the limit (which DataFusion's pool does not count), a cross
/// join, and a long output: refused or streamed within `query-memory-limit`.
#[test]
fn the_memory_limit_holds_for_every_statement() {
    let tmp = TempDir::new().unwrap();
    let cfg = config(&tmp, "query-memory-limit = 268435456\n");
    for sql in [
        "SELECT length(repeat('x', 500000000)) AS n",
        "SELECT count(*) AS n FROM visits a, visits b, (SELECT repeat('y', 1000000) AS big) d WHERE length(d.big) > a.photos + b.photos",
    ] {
        let o = run(&tmp, &["query", "--config", &cfg, sql]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{sql}: {err}");
        assert!(
            err.contains("268435456 bytes") && err.contains("query-memory-limit"),
            "{sql}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let last = audit(&tmp).pop().unwrap();
        assert_eq!(last["outcome"], "refused", "{last}");
        assert!(last["message"].as_str().unwrap().contains("memory"), "{last}");
    }
    // Three million rows to a file stream through the writer instead of being held.
    let file = tmp.path().join("series.csv");
    let o = run(
        &tmp,
        &[
            "query",
            "--config",
            &cfg,
            "--format",
            "csv",
            "--out",
            file.to_str().unwrap(),
            "SELECT value, value * 2 AS twice, 'a fairly long text value for every row' AS t FROM generate_series(1, 3000000)",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 3_000_001);
    assert!(text.contains("\n3000000,6000000,a fairly long text value for every row\n"));
    assert_eq!(audit(&tmp).pop().unwrap()["rows"], 3_000_000);
}

/// Statements deep enough to overflow a stack are refused before planning, with one
/// sentence and an audit line of their outcome.
#[test]
fn deep_statements_are_refused_with_one_sentence() {
    let tmp = TempDir::new().unwrap();
    let plus = format!("SELECT {} AS n", vec!["1"; 2000].join("+"));
    let ors = format!(
        "SELECT count(*) AS n FROM households WHERE {}",
        (0..30_000)
            .map(|i| format!("members = {i}"))
            .collect::<Vec<_>>()
            .join(" OR ")
    );
    let unions = (0..5_000)
        .map(|i| format!("SELECT {i} AS n"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    for sql in [plus, ors, unions] {
        let f = tmp.path().join("deep.sql");
        std::fs::write(&f, &sql).unwrap();
        let o = run(&tmp, &["query", "-f", f.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{}", &sql[..60]);
        assert!(err.contains("query refused"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let last = audit(&tmp).pop().unwrap();
        assert_eq!(last["outcome"], "refused", "{last}");
    }
}

/// The time limit covers planning: CTEs that double at each step stop at the limit.
#[test]
fn the_time_limit_covers_planning() {
    let tmp = TempDir::new().unwrap();
    let cfg = config(&tmp, "query-time-limit = 3\n");
    let mut sql = String::from("WITH a0 AS (SELECT visit_id FROM visits)");
    for i in 1..=20 {
        sql += &format!(
            ", a{i} AS (SELECT x.visit_id FROM a{p} x UNION ALL SELECT y.visit_id FROM a{p} y)",
            p = i - 1
        );
    }
    sql += " SELECT count(*) AS n FROM a20";
    let t = Instant::now();
    let o = run(&tmp, &["query", "--config", &cfg, &sql]);
    let took = t.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("stopped after 3 s, the time limit"), "{err}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert_eq!(audit(&tmp).pop().unwrap()["outcome"], "timeout");
}
