//! `tiexin validate` on fixtures with planted bad rows, run through the real binary.

mod common;

use common::*;
use tempfile::TempDir;

/// Every reject of tests/fixtures/rejects, worked out by hand from the files.
const EXPECTED_REJECTS: &str = r#"table,line,column,value,reason
unions,5,union_id,U 4,"id may only contain A-Z, a-z, 0-9, '_', '.' and '-'"
unions,6,level,城市,not one of province/city/county/township/grassroots (or 省、市、县(市、区)、乡镇(街道)、基层/企业)
unions,7,name,,required value is missing
unions,8,union_id,U3,duplicate union_id (first at line 4)
contacts,4,civil_servant,yes,not a boolean (true/false/1/0/是/否)
contacts,5,appointed_on,2021-02-29,no such day: 2021-02-29
contacts,6,appointed_on,2021-13-01,"not a date (YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 or YYYYMMDD)"
households,4,members,0,members must be at least 1
households,5,members,two,not a whole number
households,6,income_per_capita,100.123,money with more than 2 decimals
households,7,income_per_capita,-5,money must not be negative
households,8,id_number,,required value is missing
households,9,,,"has 9 fields, the header has 10"
assignments,3,to_date,2025-02-28,to_date 2025-02-28 is before from_date 2025-03-01
visits,3,photos,-1,photos must be at least 0
visits,6,visited_on,11/01/2025,"not a date (YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 or YYYYMMDD)"
disbursements,3,amount,0,amount must be greater than 0
disbursements,5,category,food,not one of living/medical/education/employment/housing/emergency (or 生活救助、医疗救助、助学、就业、住房、临时救助)
subsidies,3,month,2025-13,"not a month (YYYY-MM, YYYY/M or YYYY年M月)"
budgets,3,"union_id, year","U3, 2025","duplicate union_id, year (first at line 2)"
trainings,3,trained_on,2025-4-31,no such day: 2025-04-31
feedback,3,score,6,score must be between 1 and 5
"#;

#[test]
fn rejects_are_accounted_for_row_by_row() {
    let tmp = TempDir::new().unwrap();
    let rej = tmp.path().join("rejects.csv");
    let warn = tmp.path().join("warnings.csv");
    let archive = fixture("rejects");
    let out = tiexin(
        tmp.path(),
        &[
            "validate",
            "--archive",
            archive.to_str().unwrap(),
            "--format",
            "csv",
            "--rejects",
            rej.to_str().unwrap(),
            "--warnings",
            warn.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "rows were rejected: {}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&rej).unwrap(), EXPECTED_REJECTS);

    let counts = csv_rows(&stdout(&out));
    assert_eq!(
        counts[0],
        ["table", "file", "read", "accepted", "rejected", "warnings"]
    );
    let row = |t: &str| counts.iter().find(|r| r[0] == t).unwrap().clone();
    // read, accepted, rejected per table, counted by hand from the fixture files.
    for (table, read, accepted, rejected) in [
        ("unions", 7, 3, 4),
        ("contacts", 6, 3, 3),
        ("households", 8, 2, 6),
        ("assignments", 3, 2, 1),
        ("visits", 4, 2, 2),
        ("disbursements", 4, 2, 2),
        ("subsidies", 2, 1, 1),
        ("budgets", 2, 1, 1),
        ("trainings", 2, 1, 1),
        ("feedback", 2, 1, 1),
        ("exits", 0, 0, 0),
    ] {
        let r = row(table);
        assert_eq!(
            r[2..5],
            [read.to_string(), accepted.to_string(), rejected.to_string()],
            "{table}"
        );
    }
    for r in &counts[1..] {
        let n = |i: usize| r[i].parse::<u64>().unwrap();
        assert_eq!(n(2), n(3) + n(4), "read = accepted + rejected for {}", r[0]);
    }
    // The stderr summary points at the full list.
    assert!(stderr(&out).contains("rejected row: unions line 5, column union_id"));
}

#[test]
fn warnings_keep_the_row_and_line_numbers_survive_quoted_line_breaks() {
    let tmp = TempDir::new().unwrap();
    let warn = tmp.path().join("warnings.csv");
    let archive = fixture("rejects");
    let out = tiexin(
        tmp.path(),
        &[
            "validate",
            "--archive",
            archive.to_str().unwrap(),
            "--warnings",
            warn.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let rows = csv_rows(&std::fs::read_to_string(&warn).unwrap());
    let has = |table: &str, line: &str, column: &str, value: &str, reason: &str| {
        rows.iter().any(|r| {
            r[0] == table && r[1] == line && r[2] == column && r[3] == value && r[4] == reason
        })
    };
    // C6 starts on line 8 because C5's quoted name spans lines 6 and 7.
    assert!(
        has(
            "contacts",
            "8",
            "union_id",
            "U99",
            "unknown union: no such union_id in unions"
        ),
        "{rows:?}"
    );
    assert!(has(
        "households",
        "3",
        "id_number",
        "110105194912310021",
        "resident ID check character should be X"
    ));
    assert!(has(
        "assignments",
        "4",
        "household_id",
        "H9",
        "unknown household: no such household_id in households"
    ));
    // F1's case: a payment to an unknown household is kept (and warned about).
    assert!(has(
        "disbursements",
        "4",
        "household_id",
        "HX",
        "unknown household: no such household_id in households"
    ));
    assert!(has(
        "requests",
        "",
        "",
        "",
        "no requests.csv, requests.parquet or sheet requests (临时困难诉求): the table is empty"
    ));
}

#[test]
fn union_tree_problems_are_warnings() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("unions.csv"),
        "union_id,name,level,parent_id,email\n\
         P,省,province,,\n\
         C1,市,city,P,\n\
         K1,县,county,C1,\n\
         T1,镇,township,T2,\n\
         T2,镇,township,T1,\n\
         G1,企业,grassroots,T1,\n\
         P2,另一省,province,,\n\
         K2,县,county,NOPE,\n\
         C2,市,city,K1,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("contacts.csv"),
        "contact_id,name,union_id,role,civil_servant,appointed_on\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("households.csv"),
        "household_id,head_name,id_number,union_id,cause,members,filed_on\n",
    )
    .unwrap();
    let warn = tmp.path().join("w.csv");
    let out = tiexin(
        tmp.path(),
        &[
            "validate",
            "--archive",
            dir.to_str().unwrap(),
            "--warnings",
            warn.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings do not fail validation: {}",
        stderr(&out)
    );
    let rows = csv_rows(&std::fs::read_to_string(&warn).unwrap());
    let unions: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r[0] == "unions")
        .map(|r| (r[1].clone(), r[4].clone()))
        .collect();
    let want = [
        (
            "5",
            "parent is a township union, not of a higher level than township",
        ),
        ("5", "in a cycle of parents: T1 → T2 → T1"),
        (
            "6",
            "parent is a township union, not of a higher level than township",
        ),
        ("6", "in a cycle of parents: T1 → T2 → T1"),
        ("7", "does not reach the root union through its parents"),
        ("8", "a second root union (the root is P)"),
        ("9", "unknown union: no such union_id in unions"),
        (
            "10",
            "parent is a county union, not of a higher level than city",
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(l, r)| (l.to_string(), r.to_string()))
        .collect();
    let mut got = unions.clone();
    got.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got, want_sorted);
}

fn minimal_archive(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("unions.csv"),
        "union_id,name,level,parent_id,email\nP,省,province,,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("contacts.csv"),
        "contact_id,name,union_id,role,civil_servant,appointed_on\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("households.csv"),
        "household_id,head_name,id_number,union_id,cause,members,filed_on\n",
    )
    .unwrap();
}

#[test]
fn an_unreadable_archive_exits_2_with_one_sentence_naming_the_file() {
    let tmp = TempDir::new().unwrap();
    let run = |dir: &std::path::Path| {
        let out = tiexin(
            tmp.path(),
            &["validate", "--archive", dir.to_str().unwrap()],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "one sentence: {err}");
        assert!(!err.contains("panicked"));
        err
    };

    let missing = tmp.path().join("nowhere");
    assert!(run(&missing).contains("nowhere does not exist"));

    let dir = tmp.path().join("no-households");
    minimal_archive(&dir);
    std::fs::remove_file(dir.join("households.csv")).unwrap();
    let err = run(&dir);
    assert!(
        err.contains(
            "required table households is missing: no households.csv or households.parquet"
        ),
        "{err}"
    );

    let dir = tmp.path().join("both");
    minimal_archive(&dir);
    std::fs::write(dir.join("visits.csv"), "x\n").unwrap();
    std::fs::write(dir.join("visits.parquet"), "x").unwrap();
    assert!(run(&dir).contains("both visits.csv and visits.parquet"));

    let dir = tmp.path().join("no-column");
    minimal_archive(&dir);
    std::fs::write(
        dir.join("households.csv"),
        "household_id,head_name,union_id,cause,members,filed_on\n",
    )
    .unwrap();
    assert!(run(&dir).contains("households.csv: required column id_number is missing"));

    let dir = tmp.path().join("not-parquet");
    minimal_archive(&dir);
    std::fs::write(dir.join("visits.parquet"), "this is not parquet").unwrap();
    assert!(run(&dir).contains("visits.parquet cannot be read as Parquet"));
}

#[test]
fn bom_booleans_and_trimmed_values_are_read() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a");
    minimal_archive(&dir);
    std::fs::write(
        dir.join("contacts.csv"),
        "\u{feff}contact_id,name,union_id,role,civil_servant,appointed_on\n\
         C1,甲,P,full_time,TRUE,2020-01-01\n\
         C2,乙,P,full_time,False, 2020-01-01 \n\
         C3,丙,P,part_time,1,2020-01-01\n\
         C4,丁,P,part_time,0,2020-01-01\n",
    )
    .unwrap();
    let out = tiexin(
        tmp.path(),
        &[
            "validate",
            "--archive",
            dir.to_str().unwrap(),
            "--format",
            "csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let counts = csv_rows(&stdout(&out));
    let contacts = counts.iter().find(|r| r[0] == "contacts").unwrap();
    assert_eq!(contacts[2..5], ["4", "4", "0"]);
}

/// The bundled archive (the default `--archive`) is clean: no rejects, and exactly the
/// two warnings planted in it (sample-data/README.md).
#[test]
fn the_bundled_sample_archive_validates_cleanly() {
    let tmp = TempDir::new().unwrap();
    let warn = tmp.path().join("w.csv");
    let out = tiexin(
        tmp.path(),
        &[
            "validate",
            "--format",
            "csv",
            "--warnings",
            warn.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let counts = csv_rows(&stdout(&out));
    let accepted: Vec<(&str, &str, &str)> = counts[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        accepted,
        [
            ("unions", "unions.csv", "18"),
            ("contacts", "contacts.csv", "28"),
            ("households", "households.csv", "59"),
            ("assignments", "assignments.csv", "73"),
            ("visits", "visits.csv", "427"),
            ("crosschecks", "crosschecks.csv", "16"),
            ("exits", "exits.csv", "9"),
            ("disbursements", "disbursements.csv", "236"),
            ("subsidies", "subsidies.csv", "48"),
            ("budgets", "budgets.parquet", "10"),
            ("requests", "requests.csv", "9"),
            ("trainings", "trainings.csv", "19"),
            ("feedback", "feedback.csv", "14"),
            ("inspections", "inspections.csv", "5"),
            ("rectifications", "rectifications.csv", "47"),
            ("referrals", "referrals.csv", "9"),
        ]
    );
    assert!(counts[1..].iter().all(|r| r[2] == r[3] && r[4] == "0"));
    assert_eq!(
        std::fs::read_to_string(&warn).unwrap(),
        "table,line,column,value,reason\n\
         households,18,id_number,370202199102202751,resident ID check character should be 3\n\
         disbursements,185,household_id,H999,unknown household: no such household_id in households\n\
         referrals,9,household_id,H99,unknown household: no such household_id in households\n"
    );
}

/// A table whose file is not a regular file (a directory, a FIFO, a dangling symbolic
/// link, a loop of links) cannot be read: exit 2 naming it, never an empty table.
#[test]
fn a_table_that_is_not_a_regular_file_is_unreadable() {
    let tmp = TempDir::new().unwrap();
    type Make = fn(&std::path::Path);
    let cases: [(&str, Make); 4] = [
        ("directory", |p| std::fs::create_dir(p).unwrap()),
        ("fifo", |p| {
            let o = std::process::Command::new("mkfifo")
                .arg(p)
                .output()
                .unwrap();
            assert!(o.status.success(), "mkfifo");
        }),
        ("dangling", |p| {
            std::os::unix::fs::symlink(p.with_file_name("nothing.csv"), p).unwrap()
        }),
        ("loop", |p| {
            let other = p.with_file_name("other.csv");
            std::os::unix::fs::symlink(&other, p).unwrap();
            std::os::unix::fs::symlink(p, &other).unwrap();
        }),
    ];
    for (what, make) in cases {
        let dir = tmp.path().join(what);
        minimal_archive(&dir);
        make(&dir.join("visits.csv"));
        let out = tiexin(
            tmp.path(),
            &["validate", "--archive", dir.to_str().unwrap()],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: one sentence: {err}");
        assert!(err.contains("visits.csv"), "{what}: {err}");
        assert!(
            err.contains("not a regular file") || err.contains("symbolic link"),
            "{what}: {err}"
        );
    }
}
