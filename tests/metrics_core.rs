//! The SQL core of metrics and findings: every rule of metrics.md fires on a planted
//! case and not on its near-miss (one small archive per rule, written to a temporary
//! folder), and the metrics of a small hand-computed archive.

mod common;

use std::path::Path;

use tempfile::TempDir;
use tiexin::analysis::{findings, metrics};
use tiexin::ingest::{Archive, LoadOptions, Quiet};
use tiexin::sql::catalog::{self, Catalog};
use tiexin::sql::period::Period;
use tiexin::sql::table::{Cell, Tabular};
use tiexin::sql::Session;

/// The union tree of every fixture: 山东 → 济南 → 历下 → 某街道 → two enterprises,
/// and a second county.
const UNIONS: &str = "\
P,山东省总工会,province,,
C1,济南市总工会,city,P,
K1,历下区总工会,county,C1,
K2,市中区总工会,county,C1,
T1,姚家街道工会,township,K1,
G1,甲公司工会,grassroots,T1,
G2,乙公司工会,grassroots,T1,
G3,丙公司工会,grassroots,K2,
";

/// c3 is a civil servant; c4 left on 2026-09-30, c5 on 2026-10-01.
const CONTACTS: &str = "\
c1,张一,G1,full_time,false,,2020-01-01,
c2,张二,G1,part_time,false,,2020-01-01,
c3,张三,K1,full_time,true,,2020-01-01,
c4,张四,G2,full_time,false,,2020-01-01,2026-09-30
c5,张五,G2,full_time,false,,2020-01-01,2026-10-01
";

/// Writes an archive: the default unions and contacts, then `tables` as
/// `(table, rows)` with the rows in the column order of the archive format.
fn archive(tables: &[(&str, &str)]) -> TempDir {
    let tmp = TempDir::new().unwrap();
    let mut all: Vec<(&str, &str)> = vec![("unions", UNIONS), ("contacts", CONTACTS)];
    if !tables.iter().any(|(t, _)| *t == "households") {
        all.push(("households", ""));
    }
    all.retain(|(t, _)| !tables.iter().any(|(u, _)| u == t));
    all.extend_from_slice(tables);
    for (name, rows) in all {
        let t = tiexin::ingest::schema::table(name).unwrap();
        let header: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
        let body = format!("{}\n{}", header.join(","), rows);
        std::fs::write(tmp.path().join(format!("{name}.csv")), body).unwrap();
    }
    tmp
}

/// A household row: id, union, filed_on, filing approver.
fn hh(id: &str, union: &str, filed_on: &str, approver: &str) -> String {
    format!("{id},户主{id},370102199001011234,,{union},illness,3,500.00,{filed_on},{approver}\n")
}

async fn session(dir: &Path) -> Session {
    session_with(dir, Catalog::builtin()).await
}

async fn session_with(dir: &Path, catalog: Catalog) -> Session {
    let a = Archive::load(dir, &LoadOptions::default(), &Quiet).unwrap();
    assert_eq!(a.rejected(), 0, "fixture rows are all valid");
    Session::from_archive(a, catalog).await.unwrap()
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Int(i) => i.to_string(),
        Cell::Text(s) | Cell::Decimal(s) => s.clone(),
        Cell::Rate(r) => format!("{r}"),
    }
}

/// One finding row as strings, by column.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    rule: String,
    severity: String,
    union_id: String,
    subject_type: String,
    subject_id: String,
    contact_id: String,
    occurred_on: String,
    detail: String,
}

async fn findings_of(dir: &Path, quarter: &str) -> Vec<Row> {
    let ctx = session(dir).await;
    let q: Period = quarter.parse().unwrap();
    let batch = findings::findings(&ctx, &q).await.unwrap();
    let t = Tabular::from_batch(&batch).unwrap();
    assert_eq!(t.columns, findings::COLUMNS);
    t.rows
        .iter()
        .map(|r| {
            let s: Vec<String> = r.iter().map(text).collect();
            Row {
                rule: s[0].clone(),
                severity: s[1].clone(),
                union_id: s[2].clone(),
                subject_type: s[3].clone(),
                subject_id: s[4].clone(),
                contact_id: s[5].clone(),
                occurred_on: s[6].clone(),
                detail: s[7].clone(),
            }
        })
        .collect()
}

/// The rows of one rule in 2026Q3.
async fn fired(dir: &TempDir, rule: &str) -> Vec<Row> {
    findings_of(dir.path(), "2026Q3")
        .await
        .into_iter()
        .filter(|r| r.rule == rule)
        .collect()
}

fn subjects(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.subject_id.as_str()).collect()
}

fn check(row: &Row, severity: &str, union: &str, kind: &str, contact: &str, on: &str) {
    assert_eq!(
        (
            row.severity.as_str(),
            row.union_id.as_str(),
            row.subject_type.as_str(),
            row.contact_id.as_str(),
            row.occurred_on.as_str()
        ),
        (severity, union, kind, contact, on),
        "{row:?}"
    );
    assert!(!row.detail.is_empty() && !row.detail.is_ascii(), "{row:?}");
}

// ---------------------------------------------------------------- visits

#[tokio::test]
async fn rule_v1_missed_visit() {
    let households = [
        hh("hit", "G1", "2026-01-15", "K1"),
        hh("near", "G1", "2026-01-15", "K1"),
        hh("new", "G1", "2026-07-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        (
            "visits",
            // hit: visited in Q2 (so not V2) and only an invalid visit in Q3 (uploaded
            // 31 days later); near: a valid visit uploaded exactly 30 days later.
            "v1,hit,c1,2026-05-10,1,0,2026-05-12,\n\
             v2,hit,c1,2026-07-01,1,0,2026-08-01,\n\
             v3,near,c1,2026-05-10,0,1,2026-05-10,\n\
             v4,near,c1,2026-08-01,0,1,2026-08-31,\n",
        ),
        (
            "assignments",
            "hit,c2,2026-01-15,\nhit,c1,2026-01-15,\nnear,c1,2026-01-15,\n",
        ),
    ]);
    let rows = fired(&a, "V1").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "minor", "G1", "household", "c1", "2026-09-30");
    assert_eq!(rows[0].detail, "2026年第3季度未入户走访");
    assert!(fired(&a, "V2").await.is_empty());
}

#[tokio::test]
async fn rule_v2_missed_two_quarters() {
    let households = [
        hh("hit", "G2", "2026-01-15", "K1"),
        hh("near", "G2", "2026-04-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        ("assignments", "hit,c4,2026-01-15,\nnear,c5,2026-04-01,\n"),
    ]);
    let rows = fired(&a, "V2").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "G2", "household", "c4", "2026-09-30");
    // The near-miss was not due in Q2 (filed on its first day): V1, not V2.
    assert_eq!(subjects(&fired(&a, "V1").await), ["near"]);
}

#[tokio::test]
async fn rule_v3_visit_outside_filing() {
    let households = [
        hh("late", "G1", "2026-08-01", "K1"),
        hh("gone", "G1", "2025-01-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        (
            "visits",
            "before,late,c1,2026-07-20,1,0,2026-07-20,\n\
             onfile,late,c1,2026-08-01,1,0,2026-08-01,\n\
             onexit,gone,c2,2026-08-15,1,0,2026-08-15,\n\
             after,gone,c2,2026-08-16,1,0,2026-08-16,\n",
        ),
        ("exits", "e1,gone,2026-08-01,true,K1,2026-08-15\n"),
    ]);
    let rows = fired(&a, "V3").await;
    assert_eq!(subjects(&rows), ["after", "before"]);
    check(&rows[0], "major", "G1", "visit", "c2", "2026-08-16");
    check(&rows[1], "major", "G1", "visit", "c1", "2026-07-20");
}

#[tokio::test]
async fn rule_v4_visits_clustered() {
    let mut visits = String::new();
    for i in 0..7 {
        visits += &format!("a{i},h1,c1,2026-08-03,1,0,2026-08-03,\n");
    }
    for i in 0..6 {
        visits += &format!("b{i},h1,c2,2026-08-04,1,0,2026-08-04,\n");
    }
    // A visit of an unknown household is ignored: c2 stays at 6.
    visits += "b6,nobody,c2,2026-08-04,1,0,2026-08-04,\n";
    let a = archive(&[
        ("households", &hh("h1", "G2", "2025-01-01", "K1")),
        ("visits", &visits),
    ]);
    let rows = fired(&a, "V4").await;
    assert_eq!(subjects(&rows), ["c1"]);
    check(&rows[0], "major", "G1", "contact", "c1", "2026-08-03");
}

#[tokio::test]
async fn rule_v5_unassigned_visitor() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        ("assignments", "h1,c1,2026-01-01,2026-07-31\n"),
        (
            "visits",
            "hit,h1,c1,2026-08-01,1,0,2026-08-01,\n\
             near,h1,c1,2026-07-31,1,0,2026-07-31,\n\
             other,h1,c2,2026-07-10,1,0,2026-07-10,\n",
        ),
    ]);
    let rows = fired(&a, "V5").await;
    assert_eq!(subjects(&rows), ["hit", "other"]);
    check(&rows[0], "minor", "G1", "visit", "c1", "2026-08-01");
    check(&rows[1], "minor", "G1", "visit", "c2", "2026-07-10");
}

// ---------------------------------------------------------------- assignments

#[tokio::test]
async fn rule_a1_no_contact() {
    let households = [
        hh("hit", "G1", "2025-01-01", "K1"),
        hh("near", "G1", "2025-01-01", "K1"),
        hh("exited", "G1", "2025-01-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        (
            "assignments",
            "hit,c1,2025-01-01,2026-09-29\nnear,c1,2025-01-01,2026-09-30\nhit,ghost,2025-01-01,\n",
        ),
        ("exits", "e1,exited,2026-09-01,true,K1,2026-09-30\n"),
    ]);
    let rows = fired(&a, "A1").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "G1", "household", "", "2026-09-30");
}

#[tokio::test]
async fn rule_a2_several_contacts() {
    let households = [
        hh("hit", "G1", "2025-01-01", "K1"),
        hh("near", "G1", "2025-01-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        (
            "assignments",
            "hit,c1,2025-01-01,\nhit,c2,2026-09-30,\nnear,c1,2025-01-01,\nnear,c1,2026-01-01,\nnear,c2,2025-01-01,2026-09-29\n",
        ),
    ]);
    let rows = fired(&a, "A2").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "minor", "G1", "household", "", "2026-09-30");
}

#[tokio::test]
async fn rule_a3_contact_left() {
    let households = [
        hh("hit", "G2", "2025-01-01", "K1"),
        hh("near", "G2", "2025-01-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        ("assignments", "hit,c4,2025-01-01,\nnear,c5,2025-01-01,\n"),
    ]);
    let rows = fired(&a, "A3").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "G2", "household", "", "2026-09-30");
}

// ---------------------------------------------------------------- cross-checks

#[tokio::test]
async fn rule_c1_crosscheck_unverified() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        ("assignments", "h1,c2,2025-01-01,\nh1,c1,2025-01-01,\n"),
        (
            "crosschecks",
            "hit,h1,housing,2026-08-31,property,,\n\
             late,h1,police,2026-01-01,vehicle,2026-10-01,confirmed\n\
             near,h1,housing,2026-09-01,property,,\n\
             none,h1,market,2026-01-01,none,,\n\
             done,h1,market,2026-01-01,business,2026-09-30,cleared\n",
        ),
    ]);
    let rows = fired(&a, "C1").await;
    assert_eq!(subjects(&rows), ["hit", "late"]);
    check(&rows[0], "major", "G1", "crosscheck", "c1", "2026-09-30");
    check(&rows[1], "major", "G1", "crosscheck", "c1", "2026-01-31");
}

#[tokio::test]
async fn rule_c2_confirmed_not_exited() {
    let households = [
        hh("hit", "G1", "2025-01-01", "K1"),
        hh("near", "G1", "2025-01-01", "K1"),
        hh("gone", "G1", "2025-01-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        (
            "crosschecks",
            "k1,hit,housing,2026-08-01,property,2026-08-31,confirmed\n\
             k2,near,housing,2026-08-01,property,2026-09-01,confirmed\n\
             k3,gone,housing,2026-04-01,property,2026-05-01,confirmed\n\
             k4,near,police,2026-01-01,vehicle,2026-02-01,cleared\n",
        ),
        ("exits", "e1,gone,2026-09-01,true,K1,2026-09-30\n"),
    ]);
    let rows = fired(&a, "C2").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "G1", "household", "", "2026-09-30");
}

// ---------------------------------------------------------------- funds

#[tokio::test]
async fn rule_f1_payment_off_archive() {
    let households = [
        hh("h1", "G1", "2026-08-01", "K1"),
        hh("gone", "G1", "2025-01-01", "K1"),
    ]
    .concat();
    let a = archive(&[
        ("households", &households),
        ("exits", "e1,gone,2026-07-01,true,K1,2026-07-10\n"),
        (
            "disbursements",
            "p_null,K1,,living,100.00,2026-07-05,2026-07-01,union_fund\n\
             p_unknown,K1,nobody,living,100.00,2026-07-05,2026-07-01,union_fund\n\
             p_exited,T1,gone,living,100.00,2026-07-10,2026-07-01,union_fund\n\
             p_early,T1,h1,living,100.00,2026-07-31,2026-07-01,union_fund\n\
             p_near,T1,h1,living,100.00,2026-08-01,2026-07-01,union_fund\n\
             p_before,T1,gone,living,100.00,2026-07-09,2026-07-01,union_fund\n",
        ),
    ]);
    let rows = fired(&a, "F1").await;
    assert_eq!(
        subjects(&rows),
        ["p_null", "p_unknown", "p_early", "p_exited"]
    );
    check(&rows[0], "major", "K1", "payment", "", "2026-07-05");
    check(&rows[2], "major", "T1", "payment", "", "2026-07-31");
}

#[tokio::test]
async fn rule_f2_duplicate_payment() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        (
            "disbursements",
            "p1,K1,h1,living,500.00,2026-06-15,2026-06-01,union_fund\n\
             p_hit,K1,h1,living,500.00,2026-07-15,2026-07-01,union_fund\n\
             p_near,K1,h1,living,500.00,2026-08-15,2026-08-01,union_fund\n\
             p_cat,K1,h1,medical,500.00,2026-07-16,2026-07-01,union_fund\n\
             p_amt,K1,h1,living,500.01,2026-07-16,2026-07-01,union_fund\n\
             s_a,K1,h1,emergency,100.00,2026-09-01,2026-09-01,fiscal\n\
             s_b,K1,h1,emergency,100.00,2026-09-01,2026-09-01,donation\n\
             n_a,K1,,emergency,100.00,2026-09-01,2026-09-01,fiscal\n\
             n_b,K1,,emergency,100.00,2026-09-01,2026-09-01,fiscal\n",
        ),
    ]);
    let rows = fired(&a, "F2").await;
    assert_eq!(subjects(&rows), ["p_hit", "s_b"]);
    check(&rows[0], "major", "K1", "payment", "", "2026-07-15");
}

#[tokio::test]
async fn rule_f3_payment_unapproved() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        (
            "disbursements",
            "never,K1,h1,living,10.00,2026-07-15,,union_fund\n\
             after,K1,h1,medical,10.00,2026-07-15,2026-07-16,union_fund\n\
             near,K1,h1,housing,10.00,2026-07-15,2026-07-15,union_fund\n\
             old,K1,h1,education,10.00,2026-06-30,,union_fund\n",
        ),
    ]);
    let rows = fired(&a, "F3").await;
    assert_eq!(subjects(&rows), ["after", "never"]);
    check(&rows[1], "major", "K1", "payment", "", "2026-07-15");
}

#[tokio::test]
async fn rule_f4_payment_ineligible() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        (
            "crosschecks",
            "k1,h1,market,2026-07-01,business,2026-08-01,confirmed\n",
        ),
        (
            "disbursements",
            "hit,T1,h1,living,10.00,2026-08-01,2026-08-01,union_fund\n\
             near,T1,h1,medical,10.00,2026-07-31,2026-07-31,union_fund\n",
        ),
    ]);
    let rows = fired(&a, "F4").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "T1", "payment", "", "2026-08-01");
}

#[tokio::test]
async fn rule_f5_subsidy_civil_servant() {
    let a = archive(&[(
        "subsidies",
        "hit,c3,K1,2026-07,transport,200.00\n\
         later,c3,K1,2026-10,transport,200.00\n\
         near,c1,G1,2026-08,phone,50.00\n",
    )]);
    let rows = fired(&a, "F5").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "K1", "subsidy", "c3", "2026-07-01");
}

// ---------------------------------------------------------------- exits and filing

#[tokio::test]
async fn rule_e1_exit_unsigned() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        (
            "exits",
            "hit,h1,2026-07-01,false,K1,2026-08-01\n\
             near,h1,2026-07-01,true,K1,2026-08-01\n\
             later,h1,2026-07-01,false,K1,2026-10-01\n\
             pending,h1,2026-07-01,false,K1,\n",
        ),
    ]);
    let rows = fired(&a, "E1").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "G1", "exit", "", "2026-08-01");
}

#[tokio::test]
async fn rule_e2_exit_approver() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        (
            "exits",
            "township,h1,2026-07-01,true,T1,2026-08-01\n\
             nobody,h1,2026-07-01,true,,2026-08-02\n\
             unknown,h1,2026-07-01,true,ZZ,2026-08-03\n\
             county,h1,2026-07-01,true,K1,2026-08-04\n\
             city,h1,2026-07-01,true,C1,2026-08-04\n\
             pending,h1,2026-07-01,true,T1,\n",
        ),
    ]);
    let rows = fired(&a, "E2").await;
    assert_eq!(subjects(&rows), ["nobody", "township", "unknown"]);
    check(&rows[0], "major", "G1", "exit", "", "2026-08-02");
}

#[tokio::test]
async fn rule_e3_filing_approver() {
    let households = [
        hh("none", "G1", "2026-07-01", ""),
        hh("grassroots", "G1", "2026-07-02", "G1"),
        hh("unknown", "G1", "2026-09-30", "ZZ"),
        hh("city", "G1", "2026-08-01", "C1"),
        hh("early", "G1", "2026-06-30", "G1"),
    ]
    .concat();
    let a = archive(&[("households", &households)]);
    let rows = fired(&a, "E3").await;
    assert_eq!(subjects(&rows), ["grassroots", "none", "unknown"]);
    check(&rows[2], "major", "G1", "household", "", "2026-09-30");
}

// ---------------------------------------------------------------- requests

#[tokio::test]
async fn rule_r1_request_late() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        ("assignments", "h1,c2,2025-01-01,\n"),
        (
            "requests",
            "hit,h1,2026-09-23,medical,\n\
             near,h1,2026-09-24,medical,\n\
             solved,h1,2026-09-01,medical,2026-09-30\n\
             old,h1,2026-08-31,medical,\n",
        ),
    ]);
    let rows = fired(&a, "R1").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "minor", "G1", "request", "c2", "2026-09-30");
    assert_eq!(subjects(&fired(&a, "R2").await), ["old"]);
}

#[tokio::test]
async fn rule_r2_request_overdue() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        (
            "requests",
            "hit,h1,2026-08-31,housing,2026-10-01\n\
             near,h1,2026-09-01,housing,\n\
             orphan,nobody,2026-01-01,housing,\n",
        ),
    ]);
    let rows = fired(&a, "R2").await;
    assert_eq!(subjects(&rows), ["hit"]);
    check(&rows[0], "major", "G1", "request", "", "2026-09-30");
    assert_eq!(subjects(&fired(&a, "R1").await), ["near"]);
}

// ---------------------------------------------------------------- inspections

#[tokio::test]
async fn rule_i1_inspection_open() {
    let a = archive(&[(
        "inspections",
        "hit,K1,spot_check,2026-05-01,major,c3,资金台账不全,\n\
         minor,G1,self_check,2026-09-30,minor,,走访照片缺失,2026-10-01\n\
         solved,G1,census,2026-05-01,major,,已整改,2026-09-30\n\
         later,G1,census,2026-10-01,major,,下季度,\n",
    )]);
    let rows = fired(&a, "I1").await;
    assert_eq!(subjects(&rows), ["minor", "hit"]);
    check(&rows[0], "minor", "G1", "inspection", "", "2026-09-30");
    check(&rows[1], "major", "K1", "inspection", "c3", "2026-05-01");
}

// ---------------------------------------------------------------- accountability.md

/// Four major findings of 2026Q2 (I1, resolved in July) and their corrections: d(f) =
/// 2026-06-30 + 60 days = 2026-08-29.
const Q2_INSPECTIONS: &str = "\
ontime,G1,spot_check,2026-05-01,major,c1,问题,2026-07-15
late,G1,spot_check,2026-05-01,major,c1,问题,2026-07-15
township,G1,spot_check,2026-05-01,major,c1,问题,2026-07-15
unverified,G1,spot_check,2026-05-01,major,c1,问题,2026-07-15
wrongday,G1,spot_check,2026-05-01,major,c1,问题,2026-07-15
";

#[tokio::test]
async fn rule_k1_rectification_overdue() {
    let rectifications = "\
r1,I1,ontime,2026-05-01,2026-08-01,K1,2026-08-29,整改
r2,I1,late,2026-05-01,2026-08-01,K1,2026-08-30,整改
r3,I1,township,2026-05-01,2026-08-01,T1,2026-08-01,整改
r4,I1,unverified,2026-05-01,2026-08-01,,,整改
r5,I1,wrongday,2026-05-02,2026-08-01,K1,2026-08-01,整改
";
    let a = archive(&[
        ("inspections", Q2_INSPECTIONS),
        ("rectifications", rectifications),
    ]);
    let rows = fired(&a, "K1").await;
    assert_eq!(
        subjects(&rows),
        [
            "I1:late:2026-05-01",
            "I1:township:2026-05-01",
            "I1:unverified:2026-05-01",
            "I1:wrongday:2026-05-01"
        ]
    );
    check(&rows[0], "major", "G1", "finding", "c1", "2026-08-29");
    // An archive that records no correction at all sees no K1.
    let none = archive(&[("inspections", Q2_INSPECTIONS)]);
    assert!(fired(&none, "K1").await.is_empty());
}

const REFERRALS: &str = "\
s2hit,h1,c1,medical,medical_insurance,2026-07-02,2026-07-05,,
s2near,h1,c1,medical,medical_insurance,2026-07-03,2026-07-05,,
s2closed,h1,c1,medical,medical_insurance,2026-06-01,,granted,2026-09-30
s1hit,h1,c2,subsistence,civil_affairs,2026-09-15,,,
s1near,h1,c2,subsistence,civil_affairs,2026-09-16,,,
s1fwd,h1,c2,subsistence,civil_affairs,2026-08-01,2026-10-01,,
s1old,h1,c2,subsistence,civil_affairs,2026-06-01,,,
orphan,nobody,c1,other,other,2026-01-01,,,
";

#[tokio::test]
async fn rule_s1_referral_not_forwarded() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        ("referrals", REFERRALS),
    ]);
    let rows = fired(&a, "S1").await;
    assert_eq!(subjects(&rows), ["s1fwd", "s1hit"]);
    check(&rows[1], "minor", "G1", "referral", "c2", "2026-09-30");
}

#[tokio::test]
async fn rule_s2_referral_not_closed() {
    let a = archive(&[
        ("households", &hh("h1", "G1", "2025-01-01", "K1")),
        ("referrals", REFERRALS),
    ]);
    let rows = fired(&a, "S2").await;
    assert_eq!(subjects(&rows), ["s1old", "s2hit"]);
    check(&rows[1], "major", "G1", "referral", "c1", "2026-09-30");
}

#[tokio::test]
async fn rule_u1_no_liaison() {
    let contacts = format!(
        "{CONTACTS}\
l_p,省联络,P,liaison,false,,2020-01-01,
l_c1,市联络,C1,liaison,false,,2026-09-30,
l_k1,县联络,K1,liaison,false,,2020-01-01,2026-09-29
l_k2,区联络,K2,liaison,false,,2026-10-01,
"
    );
    let a = archive(&[("contacts", &contacts)]);
    let rows = fired(&a, "U1").await;
    assert_eq!(subjects(&rows), ["K1", "K2"]);
    check(&rows[0], "major", "K1", "union", "", "2026-09-30");
    // An archive that names no liaison at all sees no U1.
    assert!(fired(&archive(&[]), "U1").await.is_empty());
}

// ---------------------------------------------------------------- the catalogue

/// Every file under `queries/findings` has a test here named after its rule
/// (`rule_v1_…`), and every rule of the spec has a file.
#[test]
fn every_rule_file_has_a_test() {
    let source = include_str!("metrics_core.rs");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/findings");
    let mut files = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        files += 1;
        let rule = stem.split('_').next().unwrap().to_lowercase();
        let test = format!("async fn rule_{}_", rule);
        assert!(source.contains(&test), "{name} has no test `{test}…`");
        assert!(catalog::rule(&rule.to_uppercase()).is_some(), "{name}");
    }
    assert_eq!(files, 25);
}

// ---------------------------------------------------------------- sample-data

fn sample() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

async fn metrics_rows(dir: &Path, period: &str) -> Vec<Vec<String>> {
    let ctx = session(dir).await;
    let p: Period = period.parse().unwrap();
    let batch = metrics::metrics(&ctx, &p).await.unwrap();
    let t = Tabular::from_batch(&batch).unwrap();
    assert_eq!(t.columns, metrics::COLUMNS);
    t.rows
        .iter()
        .map(|r| r.iter().map(text).collect())
        .collect()
}

/// Two cells agree: equal text, or numbers within 1e-9 (rates are printed to 12
/// decimals in README and by the oracle).
fn same(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9,
        _ => a == b,
    }
}

fn assert_rows(got: &[String], want: &str, what: &str) {
    let want: Vec<&str> = want.split(',').collect();
    assert_eq!(got.len(), want.len(), "{what}: {got:?}");
    for ((g, w), c) in got.iter().zip(&want).zip(metrics::COLUMNS) {
        assert!(same(g, w), "{what} {c}: got {g:?}, expected {w:?}");
    }
}

fn row<'a>(rows: &'a [Vec<String>], union: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == union)
        .unwrap_or_else(|| panic!("no row for {union}"))
}

/// The full rows of sample-data/README.md ("Full metrics rows"), worked out by hand:
/// the province and the 历下区 county in 2026Q3 and 2026, and the union with nothing
/// due or paid.
#[tokio::test]
async fn sample_metrics_province_and_county_every_column() {
    let q3 = metrics_rows(&sample(), "2026Q3").await;
    let year = metrics_rows(&sample(), "2026").await;
    assert_rows(row(&q3, "U37"), "U37,山东省总工会,province,2026Q3,48,42,0.875,58,6,3,0.103448275862,0.5,741,62,34790.00,32560.00,0.935901121012,9530.00,700000.00,0.119842857143,2000.00,31,12,1,0,0,5,3,0.6", "U37 2026Q3");
    assert_rows(row(&q3, "U370102"), "U370102,历下区总工会,county,2026Q3,20,19,0.95,25,3,2,0.12,0.666666666667,746,31,15690.00,15240.00,0.971319311663,4750.00,60000.00,0.581166666667,500.00,15,2,1,0,0,2,2,1", "U370102 2026Q3");
    assert_rows(row(&q3, "U370302G2"), "U370302G2,淄博新材料科技有限公司工会,grassroots,2026Q3,0,0,,1,0,0,0,,,0,0.00,0.00,,0.00,0.00,,0.00,0,0,0,0,,0,0,", "U370302G2 2026Q3");
    assert_rows(row(&year, "U37"), "U37,山东省总工会,province,2026,206,195,0.946601941748,59,7,4,0.118644067797,0.571428571429,736,203,102980.00,100750.00,0.978345309769,9530.00,700000.00,0.147114285714,5150.00,46,19,31,26,0.838709677419,8,4,0.5", "U37 2026");
    assert_rows(row(&year, "U370102"), "U370102,历下区总工会,county,2026,88,84,0.954545454545,26,4,3,0.153846153846,0.75,715.5,98,42860.00,42410.00,0.989500699953,4750.00,60000.00,0.714333333333,1550.00,20,6,15,10,0.666666666667,4,3,0.75", "U370102 2026");
    // One row per union, ordered by union_id.
    let ids: Vec<&str> = q3.iter().map(|r| r[0].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert_eq!(ids.len(), 18);
}

/// The headline table of sample-data/README.md for every union (due, visited,
/// visit_compliance, base, exits, exits_compliant, payments, funds_paid,
/// funds_flagged, budget, budget_execution, major, minor).
#[tokio::test]
async fn sample_metrics_headlines_of_every_union() {
    const Q3: &str = "\
U37 48 42 0.875 58 6 3 62 34790.00 9530.00 700000.00 0.119842857143 31 12
U3701 20 19 0.95 25 3 2 31 15690.00 4750.00 150000.00 0.239133333333 15 2
U370102 20 19 0.95 25 3 2 31 15690.00 4750.00 60000.00 0.581166666667 15 2
U370102001 12 12 1 14 1 1 18 7640.00 800.00 0.00 - 7 0
U370102001G1 12 12 1 14 1 1 18 7640.00 800.00 0.00 - 6 0
U370102G2 8 7 0.875 11 2 1 12 7600.00 3500.00 0.00 - 5 2
U3702 18 13 0.722222222222 22 3 1 21 14160.00 4780.00 130000.00 0.216923076923 15 8
U370202 18 13 0.722222222222 22 3 1 21 14160.00 4780.00 50000.00 0.564 15 8
U370202001 9 6 0.666666666667 11 1 1 12 7500.00 1180.00 0.00 - 8 4
U370202001G1 9 6 0.666666666667 11 1 1 12 7500.00 1180.00 0.00 - 8 4
U370202G2 9 7 0.777777777778 11 2 0 6 2640.00 0.00 0.00 - 5 4
U3703 7 7 1 8 0 0 7 3620.00 0.00 80000.00 0.13575 1 2
U370302 7 7 1 8 0 0 7 3620.00 0.00 30000.00 0.362 1 2
U370302001 7 7 1 7 0 0 7 3620.00 0.00 0.00 - 0 1
U370302001G1 7 7 1 7 0 0 7 3620.00 0.00 0.00 - 0 1
U370302G2 0 0 - 1 0 0 0 0.00 0.00 0.00 - 0 0
U37HY 3 3 1 3 0 0 3 1320.00 0.00 40000.00 0.099 0 0
U37HYG1 3 3 1 3 0 0 3 1320.00 0.00 0.00 - 0 0
";
    const YEAR: &str = "\
U37 206 195 0.946601941748 59 7 4 203 102980.00 9530.00 700000.00 0.147114285714 46 19
U3701 88 84 0.954545454545 26 4 3 99 43860.00 4750.00 150000.00 0.2924 20 6
U370102 88 84 0.954545454545 26 4 3 98 42860.00 4750.00 60000.00 0.714333333333 20 6
U370102001 51 51 1 14 1 1 56 23240.00 800.00 0.00 - 8 0
U370102001G1 51 51 1 14 1 1 56 23240.00 800.00 0.00 - 7 0
U370102G2 37 33 0.891891891892 12 3 2 41 19170.00 3500.00 0.00 - 7 6
U3702 77 70 0.909090909091 22 3 1 63 34360.00 4780.00 130000.00 0.264307692308 23 10
U370202 77 70 0.909090909091 22 3 1 63 34360.00 4780.00 50000.00 0.6872 23 10
U370202001 37 33 0.891891891892 11 1 1 35 19160.00 1180.00 0.00 - 12 5
U370202001G1 37 33 0.891891891892 11 1 1 35 19160.00 1180.00 0.00 - 12 5
U370202G2 40 37 0.925 11 2 0 25 11180.00 0.00 0.00 - 9 5
U3703 29 29 1 8 0 0 28 14480.00 0.00 80000.00 0.181 3 3
U370302 29 29 1 8 0 0 28 14480.00 0.00 30000.00 0.482666666667 3 3
U370302001 28 28 1 7 0 0 28 14480.00 0.00 0.00 - 1 1
U370302001G1 28 28 1 7 0 0 28 14480.00 0.00 0.00 - 1 1
U370302G2 1 1 1 1 0 0 0 0.00 0.00 0.00 - 0 0
U37HY 12 12 1 3 0 0 12 5280.00 0.00 40000.00 0.132 0 0
U37HYG1 12 12 1 3 0 0 12 5280.00 0.00 0.00 - 0 0
";
    let cols = [
        "union_id",
        "due",
        "visited",
        "visit_compliance",
        "base",
        "exits",
        "exits_compliant",
        "payments",
        "funds_paid",
        "funds_flagged",
        "budget",
        "budget_execution",
        "findings_major",
        "findings_minor",
    ];
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| metrics::COLUMNS.iter().position(|m| m == c).unwrap())
        .collect();
    for (period, table) in [("2026Q3", Q3), ("2026", YEAR)] {
        let rows = metrics_rows(&sample(), period).await;
        let expected: Vec<&str> = table.lines().collect();
        assert_eq!(rows.len(), expected.len(), "{period}");
        for (got, want) in rows.iter().zip(expected) {
            for ((w, &i), c) in want.split(' ').zip(&idx).zip(cols) {
                let w = if w == "-" { "" } else { w };
                assert!(
                    same(&got[i], w),
                    "{period} {} {c}: got {:?}, expected {w:?}",
                    got[0],
                    got[i]
                );
            }
        }
    }
}

/// The 43 findings of 2026Q3 listed in sample-data/README.md, in order.
#[tokio::test]
async fn sample_findings_2026q3() {
    const EXPECTED: &str = "\
A1,major,U370202G2,household,H53,,2026-09-30
A2,minor,U370202G2,household,H55,,2026-09-30
A3,major,U370102001G1,household,H32,,2026-09-30
A3,major,U370102001G1,household,H33,,2026-09-30
A3,major,U370102001G1,household,H34,,2026-09-30
C1,major,U370202001G1,crosscheck,K012,C15,2026-09-30
C2,major,U370202G2,household,H55,,2026-09-30
E1,major,U370102G2,exit,X04,,2026-08-25
E2,major,U370102G2,exit,X05,,2026-09-15
E2,major,U370202G2,exit,X07,,2026-09-10
E2,major,U370202G2,exit,X08,,2026-07-15
E3,major,U370102001G1,household,H58,,2026-08-05
E3,major,U370102G2,household,H59,,2026-09-12
F1,major,U370102,payment,P0193,,2026-09-08
F1,major,U370202,payment,P0184,,2026-08-12
F1,major,U370202001G1,payment,P0181,,2026-08-09
F1,major,U370202001G1,payment,P0187,,2026-08-20
F2,major,U370102001G1,payment,P0180,,2026-08-09
F2,major,U370102001G1,payment,P0192,,2026-09-05
F3,major,U370102G2,payment,P0185,,2026-08-15
F3,major,U370102G2,payment,P0189,,2026-09-01
F4,major,U370202,payment,P0190,,2026-09-01
F5,major,U370102,subsidy,S044,C16,2026-07-01
I1,major,U370202G2,inspection,I002,C13,2026-08-05
I1,minor,U370302,inspection,I004,,2026-09-30
K1,major,U370102,finding,F5:S043:2026-06-01,C16,2026-08-29
R1,minor,U370202001G1,request,R009,C15,2026-09-08
R1,minor,U370302001G1,request,R006,C08,2026-09-30
R2,major,U370202001G1,request,R008,C15,2026-09-30
S1,minor,U370102G2,referral,T03,C06,2026-09-30
S1,minor,U370202001G1,referral,T02,C15,2026-07-18
S2,major,U370202001G1,referral,T01,C15,2026-08-30
U1,major,U370302,union,U370302,,2026-09-30
V1,minor,U370102G2,household,H20,C06,2026-09-30
V1,minor,U370202001G1,household,H50,C15,2026-09-30
V1,minor,U370202001G1,household,H57,C19,2026-09-30
V1,minor,U370202G2,household,H54,C19,2026-09-30
V1,minor,U370202G2,household,H55,C15,2026-09-30
V2,major,U370202001G1,household,H46,C15,2026-09-30
V3,major,U370202001G1,visit,V0353,C15,2026-08-09
V3,major,U370202001G1,visit,V0377,C15,2026-08-21
V4,major,U370102001,contact,C14,C14,2026-08-18
V5,minor,U370202G2,visit,V0318,C15,2026-08-01
";
    let got: Vec<String> = findings_of(&sample(), "2026Q3")
        .await
        .iter()
        .map(|r| {
            assert!(!r.detail.is_empty());
            [
                &r.rule,
                &r.severity,
                &r.union_id,
                &r.subject_type,
                &r.subject_id,
                &r.contact_id,
                &r.occurred_on,
            ]
            .map(|s| s.as_str())
            .join(",")
        })
        .collect();
    let want: Vec<&str> = EXPECTED.lines().collect();
    assert_eq!(got, want);
}

/// The other quarters of 2026 (sample-data/README.md, notes on the Q3 findings).
#[tokio::test]
async fn sample_findings_other_quarters_of_2026() {
    let key = |rows: Vec<Row>| -> Vec<String> {
        rows.into_iter()
            .map(|r| format!("{} {}", r.rule, r.subject_id))
            .collect()
    };
    assert_eq!(key(findings_of(&sample(), "2026Q1").await), ["V1 H18"]);
    assert_eq!(
        key(findings_of(&sample(), "2026Q2").await),
        ["F5 S043", "V1 H19", "V1 H46"]
    );
    let mut q4 = key(findings_of(&sample(), "2026Q4").await);
    q4.sort();
    assert_eq!(
        q4,
        [
            "A1 H53",
            "A3 H51",
            "C1 K012",
            "C2 H55",
            "C2 H56",
            "I1 I002",
            "I1 I004",
            "K1 E3:H59:2026-09-12",
            "K1 F1:P0193:2026-09-08",
            "K1 F2:P0192:2026-09-05",
            "K1 F3:P0189:2026-09-01",
            "R2 R008",
            "S1 T09",
            "S2 T01",
            "S2 T02",
            "U1 U370302",
            "V1 H21",
            "V1 H53"
        ]
    );
}

/// Where python3 and the oracle's dependencies are present, the engine agrees with
/// the independent oracle (tests/oracle/oracle.py) on every union, column and finding
/// for every quarter of 2025 and 2026 and both years.
#[tokio::test]
async fn sample_agrees_with_the_python_oracle() {
    let sample_dir = sample();
    let oracle = |args: &[&str]| -> Vec<Vec<String>> {
        let mut all: Vec<&std::ffi::OsStr> = vec!["--archive".as_ref(), sample_dir.as_os_str()];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        let out = common::oracle(&all);
        csv::ReaderBuilder::new()
            .from_reader(out.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    };
    let mut periods = vec!["2025".to_string(), "2026".to_string()];
    for y in [2025, 2026] {
        for q in 1..=4 {
            periods.push(format!("{y}Q{q}"));
        }
    }
    for p in &periods {
        let want = oracle(&["metrics", "--period", p]);
        let got = metrics_rows(&sample(), p).await;
        assert_eq!(got.len(), want.len(), "{p}");
        for (g, w) in got.iter().zip(&want) {
            for ((a, b), c) in g.iter().zip(w).zip(metrics::COLUMNS) {
                assert!(same(a, b), "{p} {} {c}: engine {a:?}, oracle {b:?}", g[0]);
            }
        }
        if p.contains('Q') {
            let want = oracle(&["findings", "--period", p]);
            let got: Vec<Vec<String>> = findings_of(&sample(), p)
                .await
                .into_iter()
                .map(|r| {
                    vec![
                        r.rule,
                        r.severity,
                        r.union_id,
                        r.subject_type,
                        r.subject_id,
                        r.contact_id,
                        r.occurred_on,
                    ]
                })
                .collect();
            let want: Vec<Vec<String>> = want
                .into_iter()
                .map(|mut r| {
                    r.truncate(7);
                    r
                })
                .collect();
            assert_eq!(got, want, "findings {p}");
        }
    }
}

// ---------------------------------------------------------------- the union tree

/// A tree with every way of not being linked: a second root, an unknown parent, a
/// union below an unlinked one, and a cycle; and an industry union with no city.
const ODD_UNIONS: &str = "\
P,山东省总工会,province,,
C1,济南市总工会,city,P,
K1,历下区总工会,county,C1,
G1,甲公司工会,grassroots,K1,
R2,第二个根,province,,
G9,无上级工会,grassroots,NOPE,
G8,下级工会,grassroots,G9,
Y1,环一,county,Y2,
Y2,环二,county,Y1,
HY,产业工会,county,P,
HG,产业基层工会,grassroots,HY,
";

#[tokio::test]
async fn union_closure_links_only_unions_that_reach_the_root() {
    let households: String = ["G1", "R2", "G9", "G8", "Y1", "HG"]
        .iter()
        .map(|u| hh(&format!("h{u}"), u, "2025-01-01", "K1"))
        .collect();
    let a = archive(&[("unions", ODD_UNIONS), ("households", &households)]);
    let loaded = Archive::load(a.path(), &LoadOptions::default(), &Quiet).unwrap();
    let closure = tiexin::sql::tree::union_closure(&loaded).unwrap();
    let t = Tabular::from_batch(&closure).unwrap();
    let mut pairs: Vec<String> = t
        .rows
        .iter()
        .map(|r| format!("{}>{}@{}", text(&r[0]), text(&r[1]), text(&r[2])))
        .collect();
    pairs.sort();
    let mut want = vec![
        "P>P@0", "C1>C1@0", "K1>K1@0", "G1>G1@0", "R2>R2@0", "G9>G9@0", "G8>G8@0", "Y1>Y1@0",
        "Y2>Y2@0", "HY>HY@0", "HG>HG@0", "P>C1@1", "C1>K1@1", "P>K1@2", "K1>G1@1", "C1>G1@2",
        "P>G1@3", "P>HY@1", "HY>HG@1", "P>HG@2",
    ];
    want.sort();
    assert_eq!(pairs, want);

    // Each union's base counts the households of its linked subtree only.
    let rows = metrics_rows(a.path(), "2026Q3").await;
    let base = |u: &str| {
        row(&rows, u)[metrics::COLUMNS.iter().position(|c| *c == "base").unwrap()].clone()
    };
    for (u, n) in [
        ("P", "2"),
        ("C1", "1"),
        ("K1", "1"),
        ("G1", "1"),
        ("R2", "1"),
        ("G9", "1"),
        ("G8", "1"),
        ("Y1", "1"),
        ("Y2", "0"),
        ("HY", "1"),
    ] {
        assert_eq!(base(u), n, "base of {u}");
    }

    // The city of a union: itself, its nearest city ancestor, or none.
    let ctx = session(a.path()).await;
    let batches = ctx
        .ctx
        .table("union_city")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut cities = Vec::new();
    for b in &batches {
        let t = Tabular::from_batch(b).unwrap();
        cities.extend(
            t.rows
                .iter()
                .map(|r| format!("{}:{}", text(&r[0]), text(&r[1]))),
        );
    }
    cities.sort();
    assert_eq!(
        cities,
        ["C1:C1", "G1:C1", "G8:", "G9:", "HG:", "HY:", "K1:C1", "P:", "R2:", "Y1:", "Y2:"]
    );
}

// ---------------------------------------------------------------- the catalogue and periods

#[tokio::test]
async fn findings_are_per_quarter_and_overrides_replace_rule_files() {
    let a = archive(&[("households", &hh("h1", "G1", "2026-08-01", ""))]);
    let ctx = session(a.path()).await;
    let e = findings::findings(&ctx, &"2026".parse().unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("per quarter"), "{e}");

    // An inspector's folder replaces E3 with a query that finds nothing.
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("findings")).unwrap();
    let e3 = catalog::rule("E3").unwrap();
    let quiet = e3
        .sql
        .replace("WHERE h.filed_on", "WHERE false AND h.filed_on");
    std::fs::write(dir.path().join("findings/E3_filing_approver.sql"), quiet).unwrap();
    let custom = Catalog::with_overrides(dir.path()).unwrap();
    let q: Period = "2026Q3".parse().unwrap();
    let builtin = findings::findings(&ctx, &q).await.unwrap();
    let replaced = findings::findings(&session_with(a.path(), custom).await, &q)
        .await
        .unwrap();
    assert_eq!(builtin.num_rows(), replaced.num_rows() + 1);

    // A file that replaces nothing is refused, naming it.
    std::fs::write(dir.path().join("findings/E9_typo.sql"), "SELECT 1").unwrap();
    let e = Catalog::with_overrides(dir.path()).unwrap_err().to_string();
    assert!(e.contains("E9_typo.sql"), "{e}");
}
