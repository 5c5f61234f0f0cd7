//! What the commands write: never onto the archive being read, cells that a spreadsheet
//! would run as formulas escaped in the files meant for people (and kept exactly in
//! the machine outputs), and archive text shown escaped on a terminal.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use tempfile::TempDir;

/// Every file of `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn sample_copy(tmp: &TempDir) -> PathBuf {
    let archive = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &archive);
    archive
}

/// Replaces the name of each `(id, name)` in `table` (the name is the second column).
fn rename(archive: &Path, table: &str, names: &[(&str, &str)]) {
    let path = archive.join(format!("{table}.csv"));
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<String> = text
        .lines()
        .map(|row| {
            let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
            for (id, name) in names {
                if cells[0].trim_start_matches('\u{feff}') == *id {
                    cells[1] = format!("\"{}\"", name.replace('"', "\"\""));
                }
            }
            cells.join(",")
        })
        .collect();
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
}

#[test]
fn no_output_is_written_onto_the_archive_being_read() {
    let tmp = TempDir::new().unwrap();
    let archive = sample_copy(&tmp);
    let a = archive.to_str().unwrap().to_string();
    let inside = |name: &str| archive.join(name).to_str().unwrap().to_string();
    let link = tmp.path().join("link.csv");
    std::os::unix::fs::symlink(archive.join("households.csv"), &link).unwrap();
    let link = link.to_str().unwrap().to_string();
    let before = files(&archive);
    let cases: Vec<Vec<String>> = vec![
        vec!["validate".into(), "--rejects".into(), inside("visits.csv")],
        vec!["validate".into(), "--warnings".into(), inside("unions.csv")],
        vec!["validate".into(), "--out".into(), inside("counts.csv")],
        vec![
            "metrics".into(),
            "--period".into(),
            "2026Q3".into(),
            "--out".into(),
            inside("unions.csv"),
        ],
        vec![
            "findings".into(),
            "--period".into(),
            "2026Q3".into(),
            "--out".into(),
            link.clone(),
        ],
        vec![
            "query".into(),
            "SELECT 1 AS one".into(),
            "--out".into(),
            inside("budgets.parquet"),
        ],
        vec![
            "shortlist".into(),
            "--year".into(),
            "2026".into(),
            "--notice".into(),
            inside("notice.csv"),
        ],
        vec![
            "bulletin".into(),
            "--period".into(),
            "2026Q3".into(),
            "--out".into(),
            inside("bulletin.pdf"),
        ],
        vec![
            "circulars".into(),
            "--period".into(),
            "2026Q3".into(),
            "--out".into(),
            a.clone(),
        ],
    ];
    for mut args in cases {
        args.extend(["--archive".to_string(), a.clone()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = tiexin_in(tmp.path(), "tester", &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one sentence: {err}");
        assert!(err.contains("archive"), "{args:?}: {err}");
        assert!(files(&archive) == before, "{args:?} changed the archive");
    }
}

/// A failed write leaves no truncated file: each PDF is written to a temporary file and
/// renamed into place (the probe found a truncated circular when the disk filled up).
#[test]
fn a_failed_write_leaves_no_truncated_file() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    // At most 40 KB per file (a circular is larger), with the signal ignored so that the
    // write fails with EFBIG as on a full disk.
    let script = format!(
        "trap '' XFSZ; ulimit -f 40; exec '{}' circulars --period 2026Q3 --date 2026-11-28 --out '{}'",
        env!("CARGO_BIN_EXE_tiexin"),
        out.display()
    );
    let o = std::process::Command::new("bash")
        .args(["-c", &script])
        .env("TIEXIN_CACHE_DIR", tmp.path().join("cache"))
        .env("TIEXIN_STATE_DIR", tmp.path().join("state"))
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("too large"), "{err}");
    let left: Vec<String> = files(&out).into_keys().collect();
    assert_eq!(left, Vec::<String>::new(), "{err}");
}

/// Cells beginning with = + - @ (or a tab or CR) get a leading ' in the public notice
/// and circulars.csv (OWASP), and are kept exactly in the machine outputs.
#[test]
fn formulas_are_escaped_for_spreadsheets_and_kept_in_machine_outputs() {
    let tmp = TempDir::new().unwrap();
    let archive = sample_copy(&tmp);
    let formula = "=HYPERLINK(\"http://x.example\",\"点\")";
    rename(&archive, "contacts", &[("C01", formula)]);
    rename(
        &archive,
        "unions",
        &[
            ("U370102001G1", "+cmd|' /C calc'!A0"),
            ("U370102", "@SUM(1+1)"),
            ("U370102001", "-2+3"),
            ("U370102G2", "\t=1+1"),
        ],
    );
    let a = archive.to_str().unwrap();
    let notice = tmp.path().join("notice.csv");
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &[
            "shortlist",
            "--archive",
            a,
            "--year",
            "2026",
            "--size",
            "2",
            "--format",
            "csv",
            "--notice",
            notice.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = csv_rows(&std::fs::read_to_string(&notice).unwrap());
    assert_eq!(
        rows[1],
        ["1", &format!("'{formula}"), "'+cmd|' /C calc'!A0"]
    );
    // The shortlist itself is a machine output: kept exactly.
    let list = csv_rows(&stdout(&o));
    assert!(list[1].iter().any(|c| c == formula), "{:?}", list[1]);

    let out = tmp.path().join("out");
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &[
            "circulars",
            "--archive",
            a,
            "--period",
            "2026Q3",
            "--date",
            "2026-11-28",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let index = csv_rows(&std::fs::read_to_string(out.join("circulars.csv")).unwrap());
    let name = |id: &str| index.iter().find(|r| r[0] == id).unwrap()[1].clone();
    assert_eq!(name("U370102"), "'@SUM(1+1)");
    assert_eq!(name("U370102001"), "'-2+3");
    assert_eq!(name("U370102G2"), "'\t=1+1");
    assert_eq!(name("U370102001G1"), "'+cmd|' /C calc'!A0");
    assert_eq!(name("U370202"), "市南区总工会", "other names are unchanged");

    let o = tiexin_in(
        tmp.path(),
        "tester",
        &[
            "metrics",
            "--archive",
            a,
            "--period",
            "2026Q3",
            "--format",
            "csv",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let metrics = csv_rows(&stdout(&o));
    let name = |id: &str| metrics.iter().find(|r| r[0] == id).unwrap()[1].clone();
    assert_eq!(name("U370102"), "@SUM(1+1)");
    assert_eq!(name("U370102001"), "-2+3");

    // A rejected value is written as it was read.
    let mut visits = std::fs::read_to_string(archive.join("visits.csv")).unwrap();
    visits.push_str("=1+2,H001,C01,2026-07-01,1,0,2026-07-01,\n");
    std::fs::write(archive.join("visits.csv"), visits).unwrap();
    let rejects = tmp.path().join("rejects.csv");
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &[
            "validate",
            "--archive",
            a,
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = csv_rows(&std::fs::read_to_string(&rejects).unwrap());
    assert!(r.iter().any(|r| r[3] == "=1+2"), "{r:?}");
}

/// Control characters of archive text (ESC, CR, …) are shown escaped in a table on a
/// terminal, and kept exactly in CSV.
#[test]
fn control_characters_are_escaped_in_tables_and_kept_in_csv() {
    let tmp = TempDir::new().unwrap();
    let archive = sample_copy(&tmp);
    rename(
        &archive,
        "unions",
        &[("U370202", "市南\u{1b}[2J\r区\u{9b}1m")],
    );
    let a = archive.to_str().unwrap();
    let run = |format: &str| {
        let o = tiexin_in(
            tmp.path(),
            "tester",
            &[
                "metrics",
                "--archive",
                a,
                "--period",
                "2026Q3",
                "--union",
                "U370202",
                "--depth",
                "0",
                "--format",
                format,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let table = run("table");
    assert!(table.contains("市南\\u{1b}[2J\\r区\\u{9b}1m"), "{table}");
    assert!(
        !table.chars().any(|c| c.is_control() && c != '\n'),
        "{table:?}"
    );
    let csv = csv_rows(&run("csv"));
    assert_eq!(csv[1][1], "市南\u{1b}[2J\r区\u{9b}1m");

    // Messages on standard error too: a header named with control characters (twice;
    // it matches no column, so both are ignored with a warning, intake.md "Headers",
    // and every row, one field short of the header, is rejected).
    let contacts = std::fs::read_to_string(archive.join("contacts.csv")).unwrap();
    let contacts = contacts.replacen("left_on", "x\u{1b}]0;title\u{7},x\u{1b}]0;title\u{7}", 1);
    std::fs::write(archive.join("contacts.csv"), contacts).unwrap();
    let o = tiexin_in(tmp.path(), "tester", &["validate", "--archive", a]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("column x\\u{1b}]0;title\\u{7}: column is not part of the archive format"),
        "{err}"
    );
    assert!(err.contains("x\\u{1b}]0;title\\u{7}"), "{err:?}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
}
