//! `tiexin metrics` and `tiexin findings` through the real binary: columns, filters,
//! formats and errors, on the bundled sample archive (sample-data/README.md).

mod common;

use common::*;
use tempfile::TempDir;

const METRIC_HEADER: &str = "union_id,name,level,period,due,visited,visit_compliance,base,exits,exits_compliant,exit_rate,exit_procedure_rate,median_days_to_exit,payments,funds_paid,funds_on_target,on_target_share,funds_flagged,budget,budget_execution,subsidies_paid,findings_major,findings_minor,rectifications_due,rectified_on_time,rectification_rate,referrals,referrals_closed_90,referral_closure_rate";

fn run_ok(tmp: &TempDir, args: &[&str]) -> Vec<Vec<String>> {
    let o = tiexin(tmp.path(), args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    csv_rows(&stdout(&o))
}

#[test]
fn metrics_union_and_depth_select_the_subtree() {
    let tmp = TempDir::new().unwrap();
    let all = run_ok(&tmp, &["metrics", "--period", "2026Q3", "--format", "csv"]);
    assert_eq!(all[0].join(","), METRIC_HEADER);
    assert_eq!(all.len() - 1, 18, "one row per union");
    let ids = |rows: &[Vec<String>]| rows[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    let depth0 = run_ok(
        &tmp,
        &[
            "metrics", "--period", "2026Q3", "--union", "U370102", "--depth", "0", "--format",
            "csv",
        ],
    );
    assert_eq!(ids(&depth0), ["U370102"]);
    let depth1 = run_ok(
        &tmp,
        &[
            "metrics", "--period", "2026Q3", "--union", "U370102", "--depth", "1", "--format",
            "csv",
        ],
    );
    assert_eq!(ids(&depth1), ["U370102", "U370102001", "U370102G2"]);
    let subtree = run_ok(
        &tmp,
        &[
            "metrics", "--period", "2026Q3", "--union", "U370102", "--format", "csv",
        ],
    );
    assert_eq!(
        ids(&subtree),
        ["U370102", "U370102001", "U370102001G1", "U370102G2"]
    );
    // The county's row is the same whichever way it is asked for (README: due 20, visited 19).
    let full = all.iter().find(|r| r[0] == "U370102").unwrap();
    assert_eq!(&depth0[1], full);
    assert_eq!(
        (full[4].as_str(), full[5].as_str(), full[6].as_str()),
        ("20", "19", "0.95")
    );
}

#[test]
fn metrics_json_is_an_array_of_objects_with_plain_numbers() {
    let tmp = TempDir::new().unwrap();
    let o = tiexin(
        tmp.path(),
        &[
            "metrics", "--period", "2026", "--union", "U37", "--depth", "0", "--format", "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &v.as_array().unwrap()[0];
    // sample-data/README.md: the province in 2026, 206 due and 195 visited.
    assert_eq!(row["due"], 206);
    assert_eq!(row["visited"], 195);
    assert!((row["visit_compliance"].as_f64().unwrap() - 195.0 / 206.0).abs() < 1e-9);
    assert_eq!(row["budget"], 700000.0);
}

#[test]
fn findings_filters_by_rule_severity_and_union() {
    let tmp = TempDir::new().unwrap();
    let v4 = run_ok(
        &tmp,
        &[
            "findings", "--period", "2026Q3", "--rule", "V4", "--format", "csv",
        ],
    );
    assert_eq!(
        v4[0].join(","),
        "rule,severity,union_id,subject_type,subject_id,contact_id,occurred_on,detail"
    );
    assert_eq!(v4.len(), 2, "one V4 finding: C14's seven visits on one day");
    assert_eq!(
        v4[1][..7],
        [
            "V4",
            "major",
            "U370102001",
            "contact",
            "C14",
            "C14",
            "2026-08-18"
        ]
    );

    let all = run_ok(&tmp, &["findings", "--period", "2026Q3", "--format", "csv"]);
    let major = run_ok(
        &tmp,
        &[
            "findings",
            "--period",
            "2026Q3",
            "--severity",
            "major",
            "--format",
            "csv",
        ],
    );
    // sample-data/README.md: 31 major and 12 minor findings in the province for 2026Q3.
    assert_eq!((all.len() - 1, major.len() - 1), (43, 31));
    assert!(major[1..].iter().all(|r| r[1] == "major"));
    let jinan = run_ok(
        &tmp,
        &[
            "findings", "--period", "2026Q3", "--union", "U3701", "--format", "csv",
        ],
    );
    assert!(jinan.len() > 1);
    assert!(
        jinan[1..].iter().all(|r| r[2].starts_with("U3701")),
        "{jinan:?}"
    );
}

#[test]
fn bad_periods_unions_and_rules_are_one_sentence_errors() {
    let tmp = TempDir::new().unwrap();
    for (args, says) in [
        (
            vec!["metrics", "--period", "2026Q5"],
            "period \"2026Q5\" is neither a quarter",
        ),
        (
            vec!["findings", "--period", "2026"],
            "findings are computed per quarter",
        ),
        (
            vec!["metrics", "--period", "2026", "--union", "NOPE"],
            "--union NOPE: no union",
        ),
        (
            vec!["findings", "--period", "2026Q3", "--rule", "V9"],
            "--rule V9: no such rule",
        ),
        (
            vec!["metrics", "--period", "2026", "--depth", "1"],
            "--depth needs --union",
        ),
    ] {
        let o = tiexin(tmp.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn rejected_rows_are_announced_by_every_computation() {
    let tmp = TempDir::new().unwrap();
    let archive = fixture("rejects");
    let o = tiexin(
        tmp.path(),
        &[
            "metrics",
            "--archive",
            archive.to_str().unwrap(),
            "--period",
            "2025Q1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: 22 rows of the archive were rejected"),
        "{}",
        stderr(&o)
    );
}

/// The rules' rows and the metrics are kept on disk (`$TIEXIN_CACHE_DIR/results`) and
/// taken by the next run over the same files and SQL, never by a run whose archive file
/// or query file changed: those give what a run without any cache gives.
#[test]
fn kept_results_serve_only_the_same_files_and_sql() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &archive);
    let archive = archive.to_str().unwrap();
    let cache = TempDir::new().unwrap();
    let command = |name: &'static str| {
        [
            name,
            "--period",
            "2026Q3",
            "--archive",
            archive,
            "--format",
            "csv",
        ]
    };
    let findings = command("findings");
    let first = run_ok(&cache, &findings);
    let kept = std::fs::read_dir(cache.path().join("results"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(kept > 20, "every rule's rows are kept: {kept} entries");
    assert_eq!(
        run_ok(&cache, &findings),
        first,
        "the second run gives the same rows"
    );
    let v1_rows = |rows: &[Vec<String>]| -> Vec<String> {
        rows.iter()
            .filter(|r| r[0] == "V1")
            .map(|r| r[1].clone())
            .collect()
    };
    assert!(!v1_rows(&first).is_empty() && v1_rows(&first).iter().all(|s| s == "minor"));

    // Another SQL text for V1: computed again, not taken from the kept rows.
    let qs = tmp.path().join("q");
    std::fs::create_dir_all(qs.join("findings")).unwrap();
    let v1 = std::fs::read_to_string(repo().join("queries/findings/V1_missed_visit.sql"))
        .unwrap()
        .replace("'minor' AS severity", "'major' AS severity")
        .replacen("-- V1 (minor)", "-- V1 (made major)", 1);
    std::fs::write(qs.join("findings/V1_missed_visit.sql"), v1).unwrap();
    let mut replaced = findings.to_vec();
    replaced.extend(["--queries", qs.to_str().unwrap()]);
    let other = run_ok(&cache, &replaced);
    assert_eq!(v1_rows(&other).len(), v1_rows(&first).len());
    assert!(v1_rows(&other).iter().all(|s| s == "major"));

    // A visits file without its visits: no household was visited.
    let visits = std::path::Path::new(archive).join("visits.csv");
    let header = std::fs::read_to_string(&visits)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(&visits, header + "\n").unwrap();
    let edited = run_ok(&cache, &findings);
    let mut fresh = findings.to_vec();
    fresh.push("--no-cache");
    assert_eq!(
        edited,
        run_ok(&cache, &fresh),
        "as computed without any cache"
    );
    // Two quarters without a visit: V2 for 47 households instead of 1 (V1 gives way).
    let v2 = |rows: &[Vec<String>]| rows.iter().filter(|r| r[0] == "V2").count();
    assert_eq!((v2(&first), v2(&edited)), (1, 47));
    let metrics = command("metrics");
    let m = run_ok(&cache, &metrics);
    let mut m_fresh = metrics.to_vec();
    m_fresh.push("--no-cache");
    assert_eq!(m, run_ok(&cache, &m_fresh));
    assert_eq!(
        run_ok(&cache, &metrics),
        m,
        "kept metrics equal the computed ones"
    );
    let root = m.iter().find(|r| r[0] == "U37").unwrap();
    assert_eq!(root[5], "0", "no household was visited: {root:?}");
}
