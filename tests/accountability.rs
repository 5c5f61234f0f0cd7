//! The accountability loop (accountability.md) through the real binary on the sample
//! archive: `tiexin warnings` and `tiexin rectify` against the figures worked out in
//! sample-data/README.md ("Accountability"), an archive that records none of it, and
//! the independent oracle.

mod common;

use common::*;
use tempfile::TempDir;

fn ok(tmp: &TempDir, args: &[&str]) -> String {
    let o = tiexin(tmp.path(), args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

const WARNINGS_0920: &str = "\
warning,union_id,subject_type,subject_id,contact_id,due_on,days_left
W2,U370202G2,request,R002,C05,2026-09-27,7
W1,U370102G2,household,H20,C06,2026-09-30,10
W1,U370202001G1,household,H46,C15,2026-09-30,10
W1,U370202001G1,household,H50,C15,2026-09-30,10
W1,U370202G2,household,H54,C19,2026-09-30,10
W1,U370202G2,household,H55,C19,2026-09-30,10
W1,U370202001G1,household,H57,C19,2026-09-30,10
W3,U370202001G1,crosscheck,K012,C15,2026-09-30,10
W5,U370102G2,referral,T03,C06,2026-09-30,10
W3,U370202001G1,crosscheck,K013,C15,2026-10-01,11
W5,U370102G2,referral,T04,C06,2026-10-01,11
";

const WARNINGS_1201: &str = "\
warning,union_id,subject_type,subject_id,contact_id,due_on,days_left
W5,U370102G2,referral,T09,C12,2026-12-10,9
W1,U370102G2,household,H21,C06,2026-12-31,30
W1,U370202G2,household,H53,,2026-12-31,30
";

#[test]
fn warnings_as_of_the_readme_days() {
    let tmp = TempDir::new().unwrap();
    let w = |extra: &[&str]| {
        let mut args = vec!["warnings", "--format", "csv"];
        args.extend_from_slice(extra);
        ok(&tmp, &args)
    };
    assert_eq!(w(&["--as-of", "2026-09-20"]), WARNINGS_0920);
    assert_eq!(w(&["--as-of", "2026-12-01"]), WARNINGS_1201);
    // W4: the corrections of 2026Q3 not yet verified on 2026-11-20.
    let w4: Vec<String> = csv_rows(&w(&["--as-of", "2026-11-20"]))[1..]
        .iter()
        .filter(|r| r[0] == "W4")
        .map(|r| format!("{} {} {}", r[3], r[5], r[6]))
        .collect();
    assert_eq!(
        w4,
        [
            "A3:H34:2026-09-30 2026-11-29 9",
            "C1:K012:2026-09-30 2026-11-29 9",
            "E3:H59:2026-09-12 2026-11-29 9",
            "F1:P0193:2026-09-08 2026-11-29 9",
            "F2:P0192:2026-09-05 2026-11-29 9",
            "F3:P0189:2026-09-01 2026-11-29 9"
        ]
    );
    // --within and --union keep what they say.
    let within = csv_rows(&w(&["--as-of", "2026-09-20", "--within", "7"]));
    assert_eq!(within.len(), 2, "{within:?}");
    assert_eq!(within[1][3], "R002");
    let jinan = csv_rows(&w(&["--as-of", "2026-09-20", "--union", "U3701"]));
    let ids: Vec<&str> = jinan[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(ids, ["H20", "T03", "T04"]);
    // A day that is not one is refused with one sentence.
    let o = tiexin(tmp.path(), &["warnings", "--as-of", "2026-02-30"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--as-of"), "{}", stderr(&o));
}

#[test]
fn rectify_reports_each_planted_correction() {
    let tmp = TempDir::new().unwrap();
    let rows = |asof: &str| {
        csv_rows(&ok(
            &tmp,
            &[
                "rectify", "--period", "2026Q3", "--as-of", asof, "--format", "csv",
            ],
        ))
    };
    let at = rows("2026-12-01");
    assert_eq!(
        at[0].join(","),
        "rule,union_id,subject_type,subject_id,contact_id,occurred_on,deadline,reported_on,verified_on,verified_by,status"
    );
    // The 30 major findings of 2026Q3 that are not K1, each due on 2026-11-29.
    assert_eq!(at.len() - 1, 30);
    assert!(at[1..].iter().all(|r| r[6] == "2026-11-29"));
    let status = |rows: &[Vec<String>], subject: &str| {
        rows.iter()
            .find(|r| r[3] == subject)
            .unwrap_or_else(|| panic!("{subject}"))
            .clone()
    };
    assert_eq!(
        status(&at, "H34")[10],
        "on_time",
        "verified on the deadline"
    );
    assert_eq!(
        status(&at, "P0192")[7..].join(","),
        "2026-11-10,2026-11-30,U3701,late"
    );
    assert_eq!(status(&at, "H59")[10], "unverified");
    assert_eq!(
        status(&at, "P0189")[7..].join(","),
        "2026-10-15,2026-10-20,U370102001,unverified",
        "verified by a township union"
    );
    assert_eq!(status(&at, "P0193")[7..].join(","), ",,,not_reported");
    let on_time = at[1..].iter().filter(|r| r[10] == "on_time").count();
    assert_eq!(on_time, 26);
    // Before the deadline, what is not yet verified on time is pending.
    let before = rows("2026-11-20");
    assert_eq!(status(&before, "P0193")[10], "pending");
    assert_eq!(status(&before, "H59")[10], "pending");
    assert_eq!(status(&before, "H32")[10], "on_time");
    let o = tiexin(tmp.path(), &["rectify", "--period", "2026"]);
    assert_eq!(o.status.code(), Some(2));
}

/// An archive that records no correction, referral or liaison gives the figures of
/// metrics.md unchanged, and the six columns are empty.
#[test]
fn an_archive_without_these_records_reads_as_before() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &dir);
    std::fs::remove_file(dir.join("rectifications.csv")).unwrap();
    std::fs::remove_file(dir.join("referrals.csv")).unwrap();
    let contacts = std::fs::read_to_string(dir.join("contacts.csv")).unwrap();
    let kept: Vec<&str> = contacts
        .lines()
        .filter(|l| !l.contains(",liaison,"))
        .collect();
    std::fs::write(dir.join("contacts.csv"), kept.join("\n") + "\n").unwrap();
    let d = dir.to_str().unwrap();
    let m = csv_rows(&ok(
        &tmp,
        &[
            "metrics",
            "--archive",
            d,
            "--period",
            "2026Q3",
            "--union",
            "U37",
            "--depth",
            "0",
        ],
    ));
    // sample-data/README.md before accountability.md: 28 major and 10 minor findings.
    assert_eq!(m[1][21..].join(","), "28,10,,,,,,");
    let f = csv_rows(&ok(
        &tmp,
        &["findings", "--archive", d, "--period", "2026Q3"],
    ));
    assert_eq!(f.len() - 1, 38);
    assert!(f[1..]
        .iter()
        .all(|r| !["K1", "S1", "S2", "U1"].contains(&r[0].as_str())));
    let w = csv_rows(&ok(
        &tmp,
        &["warnings", "--archive", d, "--as-of", "2026-11-20"],
    ));
    assert!(w[1..].iter().all(|r| r[0] != "W4" && r[0] != "W5"));
}

/// The engine and the independent oracle agree on the warnings and the corrections.
#[test]
fn warnings_and_rectify_agree_with_the_oracle() {
    let tmp = TempDir::new().unwrap();
    let sample = repo().join("sample-data");
    let archive: &std::ffi::OsStr = sample.as_os_str();
    for day in [
        "2026-01-15",
        "2026-07-01",
        "2026-08-29",
        "2026-09-20",
        "2026-11-20",
        "2026-11-29",
        "2026-12-01",
    ] {
        let want = oracle(&[
            "--archive".as_ref(),
            archive,
            "warnings".as_ref(),
            "--as-of".as_ref(),
            day.as_ref(),
        ]);
        let got = ok(&tmp, &["warnings", "--as-of", day, "--format", "csv"]);
        assert_eq!(got, want, "warnings as of {day}");
    }
    for (period, day) in [("2026Q2", "2026-08-30"), ("2026Q3", "2026-12-01")] {
        let want = oracle(&[
            "--archive".as_ref(),
            archive,
            "rectify".as_ref(),
            "--period".as_ref(),
            period.as_ref(),
            "--as-of".as_ref(),
            day.as_ref(),
        ]);
        let got = ok(
            &tmp,
            &[
                "rectify", "--period", period, "--as-of", day, "--format", "csv",
            ],
        );
        assert_eq!(got, want, "rectify {period} as of {day}");
    }
}

/// K1's previous-quarter majors skip the rules whose first line declares them minor,
/// and only those: V1 replaced by a major version (declaration dropped) has its 2026Q2
/// findings on H19 and H46 checked by K1 in 2026Q3; the same file still declaring
/// itself minor is refused, naming the file.
#[test]
fn k1_skips_only_the_rules_declared_minor() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("q/findings");
    std::fs::create_dir_all(&dir).unwrap();
    let v1 = std::fs::read_to_string(repo().join("queries/findings/V1_missed_visit.sql"))
        .unwrap()
        .replace("'minor' AS severity", "'major' AS severity");
    let file = dir.join("V1_missed_visit.sql");
    let qs = tmp.path().join("q");
    let qs = qs.to_str().unwrap();
    std::fs::write(&file, v1.replacen("-- V1 (minor)", "-- V1 (made major)", 1)).unwrap();
    let out = ok(&tmp, &["findings", "--period", "2026Q3", "--queries", qs]);
    let k1: Vec<&str> = out.lines().filter(|l| l.starts_with("K1,")).collect();
    assert_eq!(
        k1,
        [
            "K1,major,U370102,finding,F5:S043:2026-06-01,C16,2026-08-29,上季度重大问题逾期未整改",
            "K1,major,U370102G2,finding,V1:H19:2026-06-30,C06,2026-08-29,上季度重大问题逾期未整改",
            "K1,major,U370202001G1,finding,V1:H46:2026-06-30,C15,2026-08-29,上季度重大问题逾期未整改",
        ]
    );

    std::fs::write(&file, &v1).unwrap();
    let o = tiexin(
        tmp.path(),
        &["findings", "--period", "2026Q3", "--queries", qs],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{}: its first line declares a minor rule, but it gave a major finding",
            file.display()
        )),
        "{err}"
    );
}
