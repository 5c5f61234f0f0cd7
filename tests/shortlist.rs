//! The award shortlist (metrics.md, "The award shortlist") on the bundled sample
//! archive, against the figures worked out by hand in sample-data/README.md
//! ("Contacts and what each one is for", "Shortlist 2026") and against the independent
//! oracle (tests/oracle/oracle.py).

mod common;

use std::path::{Path, PathBuf};

use common::{csv_rows, stderr, stdout, tiexin};
use tempfile::TempDir;
use tiexin::analysis::shortlist::{self, Document, Entry, Params, Ratio, Via, Weights};
use tiexin::sql::Session;

fn sample() -> PathBuf {
    common::repo().join("sample-data")
}

async fn session() -> Session {
    common::open_session(&sample()).await
}

async fn document(s: &Session, year: i32, params: Params) -> Document {
    shortlist::document(s, year, &params).await.unwrap()
}

fn params(size: usize, min_per_city: bool) -> Params {
    Params {
        size,
        min_per_city,
        ..Params::default()
    }
}

fn ids(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.contact_id.as_str()).collect()
}

fn ranks(entries: &[Entry]) -> Vec<u64> {
    entries.iter().map(|e| e.rank).collect()
}

/// `tiexin shortlist ARGS --format csv` on the sample: its rows, header included.
fn cli(args: &[&str]) -> Vec<Vec<String>> {
    let cache = TempDir::new().unwrap();
    let mut all = vec!["shortlist", "--format", "csv"];
    all.extend_from_slice(args);
    let o = tiexin(cache.path(), &all);
    assert!(o.status.success(), "{}", stderr(&o));
    csv_rows(&stdout(&o))
}

/// A contact's line of a document, as the output columns plus the masked phone.
fn line(e: &Entry) -> String {
    format!(
        "{} {} score {} v {} e {} r {} s {} h {}",
        e.rank,
        e.contact_id,
        e.score,
        e.visit_score,
        e.exit_score,
        e.request_score,
        e.satisfaction_score,
        e.households
    )
}

#[tokio::test]
async fn component_scores_of_the_sample_contacts() {
    let s = session().await;
    let d = document(&s, 2026, Params::default()).await;
    let all: Vec<&Entry> = d
        .nominees
        .iter()
        .chain(d.excluded.high_scorers.iter().map(|x| &x.entry))
        .collect();
    let find = |id: &str| line(all.iter().find(|e| e.contact_id == id).unwrap());
    // C01: 14 pairs all visited; E = 1 (H04 exits on ps) of 4 households; R001 in 7
    // days; feedback 5, 5. 50 + 5 + 15 + 15.
    assert_eq!(find("C01"), "1 C01 score 85 v 1 e 0.25 r 1 s 1 h 4");
    // C06: 12 of 16 pairs visited; E = 1 (H22, not in H(c)); feedback 5×3.
    // 37.5 + 5 + 15 + 15.
    assert_eq!(find("C06"), "7 C06 score 72.5 v 0.75 e 0.25 r 1 s 1 h 4");
    // C08: 9 pairs visited; R006 late (12 days), R007 in time (7); feedback 2.
    // 50 + 0 + 7.5 + 3.75 = 61.25 (in f64, 61.24999999999999).
    assert_eq!(find("C08"), "8 C08 score 61.25 v 1 e 0 r 0.5 s 0.25 h 3");
    // C19: 12 of 16 pairs visited (H53–H57), no exit, no request, no feedback.
    // 37.5 + 0 + 15 + 7.5.
    assert_eq!(find("C19"), "9 C19 score 60 v 0.75 e 0 r 1 s 0.5 h 4");
    // C12 (excluded, ranked 1st with eligibility ignored): H38 exits compliantly, so
    // e = 1/3: 50 + 20/3 + 15 + 15 = 86.666666… → 86.666667.
    assert_eq!(
        find("C12"),
        "1 C12 score 86.666667 v 1 e 0.333333333333 r 1 s 1 h 3"
    );
    // C15 (excluded): 9 households, v = 0.8, E = 1 (H48), no request in time (R008,
    // R009 open), no feedback: 40 + 20/9 + 0 + 7.5 = 49.7222… → 49.722222.
    assert_eq!(
        find("C15"),
        "19 C15 score 49.722222 v 0.8 e 0.111111111111 r 0 s 0.5 h 9"
    );
}

#[tokio::test]
async fn ties_are_broken_at_each_of_the_four_levels() {
    let s = session().await;
    let d = document(&s, 2026, Params::default()).await;
    assert_eq!(
        ids(&d.nominees),
        ["C01", "C07", "C05", "C02", "C03", "C04", "C06", "C08", "C19"]
    );
    assert_eq!(ranks(&d.nominees), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let at = |id: &str| d.nominees.iter().find(|e| e.contact_id == id).unwrap();
    // All five score 72.5.
    for id in ["C05", "C02", "C03", "C04", "C06"] {
        assert_eq!(at(id).score, "72.5", "{id}");
    }
    // 1. visit_score: C04 (1) before C06 (0.75).
    assert_eq!((at("C04").rank, at("C06").rank), (6, 7));
    // 2. households: C05 (4) before C02 (3), same visit_score.
    assert_eq!((at("C05").households, at("C02").households), (4, 3));
    assert_eq!((at("C05").rank, at("C02").rank), (3, 4));
    // 3. appointed_on: C02 (2024-01-10) before C03 (2024-05-06).
    assert_eq!((at("C02").rank, at("C03").rank), (4, 5));
    // 4. contact_id: C03 before C04, both appointed 2024-05-06 with 3 households.
    assert_eq!((at("C03").rank, at("C04").rank), (5, 6));
}

#[tokio::test]
async fn high_scorers_are_excluded_for_each_reason() {
    let s = session().await;
    let d = document(&s, 2026, Params::default()).await;
    let why = |id: &str| {
        let x = d
            .excluded
            .high_scorers
            .iter()
            .find(|x| x.entry.contact_id == id)
            .unwrap_or_else(|| panic!("{id} is among the excluded"));
        (
            x.entry.score.clone(),
            x.reasons.clone(),
            x.major_rules.clone(),
        )
    };
    let t = |v: &str| v.to_string();
    assert_eq!(why("C09"), (t("80"), vec!["appointment"], None));
    assert_eq!(why("C10"), (t("80"), vec!["left"], None));
    assert_eq!(why("C11"), (t("80"), vec!["households<3"], None));
    assert_eq!(why("C12"), (t("86.666667"), vec!["no training"], None));
    assert_eq!(why("C13"), (t("80"), vec!["major finding"], Some(t("I1"))));
    assert_eq!(why("C14"), (t("80"), vec!["major finding"], Some(t("V4"))));
    assert_eq!(
        why("C15"),
        (
            t("49.722222"),
            vec!["major finding"],
            Some(t("C1, R2, S2, V2, V3"))
        )
    );
    // C16: the subsidy of 2026Q2 (F5) and its correction verified late (K1 in 2026Q3).
    assert_eq!(why("C16").2, Some(t("F5, K1")));
    let c14 = d
        .excluded
        .high_scorers
        .iter()
        .find(|x| x.entry.contact_id == "C14")
        .unwrap();
    assert_eq!(c14.reasons_cn, ["有重大问题（单日家访次数异常）"]);
    // None of them is a nominee; the ten ineligible contacts by reason.
    assert!(d
        .nominees
        .iter()
        .all(|e| e.contact_id.as_str() < "C09" || e.contact_id == "C19"));
    assert_eq!(d.excluded.contacts, 10);
    let counts: Vec<(&str, usize)> = d
        .excluded
        .by_reason
        .iter()
        .map(|r| (r.reason, r.contacts))
        .collect();
    assert_eq!(
        counts,
        [
            ("appointment", 1),   // C09
            ("left", 2),          // C10, C17
            ("households<3", 1),  // C11
            ("no training", 2),   // C12, C18
            ("major finding", 4), // C13, C14, C15, C16
        ]
    );
    // Only those whose score would place them in the top N are listed, in the order of
    // the ranking that ignores eligibility: with N = 9, C12 86.67, then C10, C14, C13,
    // C09 at 80 (by appointed_on, C07 being 6th), C11 (80, 2 households) and C16
    // (72.5, 5 households); with N = 3, C12 and C10 (C01 is 2nd).
    let d9 = document(&s, 2026, params(9, true)).await;
    let listed: Vec<(u64, &str)> = d9
        .excluded
        .high_scorers
        .iter()
        .map(|x| (x.entry.rank, x.entry.contact_id.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (1, "C12"),
            (3, "C10"),
            (4, "C14"),
            (5, "C13"),
            (7, "C09"),
            (8, "C11"),
            (9, "C16")
        ]
    );
    let d3 = document(&s, 2026, params(3, true)).await;
    let listed: Vec<&str> = d3
        .excluded
        .high_scorers
        .iter()
        .map(|x| x.entry.contact_id.as_str())
        .collect();
    assert_eq!(listed, ["C12", "C10"]);
}

#[tokio::test]
async fn zibo_gets_in_only_through_the_quota() {
    let s = session().await;
    let d = document(&s, 2026, params(3, true)).await;
    assert_eq!(ranks(&d.nominees), [1, 3, 8]);
    assert_eq!(ids(&d.nominees), ["C01", "C05", "C08"]);
    assert!(d.nominees.iter().all(|e| e.via == Some(Via::Quota)));
    // Without the quota, C08 (rank 8) is not among the first 3.
    let merit = document(&s, 2026, params(3, false)).await;
    assert_eq!(ids(&merit.nominees), ["C01", "C07", "C05"]);
    assert!(merit.nominees.iter().all(|e| e.via == Some(Via::Merit)));
    // The chart: eligible against nominees per city, the contacts without a city last.
    let cities: Vec<(Option<&str>, usize, usize)> = d
        .cities
        .iter()
        .map(|c| (c.city_id.as_deref(), c.eligible, c.nominees))
        .collect();
    assert_eq!(
        cities,
        [
            (Some("U3701"), 4, 1),
            (Some("U3702"), 3, 1),
            (Some("U3703"), 1, 1),
            (None, 1, 0)
        ]
    );
    assert_eq!(d.cities[2].name.as_deref(), Some("淄博市总工会"));
    // The reserve: the next eligible by rank, not chosen.
    assert_eq!(ranks(&d.reserve), [2, 4, 5, 6, 7, 9]);
    assert!(d.reserve.iter().all(|e| e.via.is_none()));
    // Phones are masked; names of union and city are there for the document.
    let c01 = &d.nominees[0];
    assert_eq!(c01.phone.as_deref(), Some("138****0101"));
    assert_eq!(c01.union_name.as_deref(), Some("济南泉城纺织有限公司工会"));
    assert_eq!(c01.city_name.as_deref(), Some("济南市总工会"));
    // With size 5, C07 (no city) comes in on merit with C02.
    let d5 = document(&s, 2026, params(5, true)).await;
    let got: Vec<(u64, Option<Via>)> = d5.nominees.iter().map(|e| (e.rank, e.via)).collect();
    assert_eq!(
        got,
        [
            (1, Some(Via::Quota)),
            (2, Some(Via::Merit)),
            (3, Some(Via::Quota)),
            (4, Some(Via::Merit)),
            (8, Some(Via::Quota))
        ]
    );
}

#[tokio::test]
async fn a_city_without_eligible_contacts_is_charted_with_zero() {
    let s = session().await;
    // 2025: only C01 and C12 (both of Jinan) trained in 2025.
    let d = document(&s, 2025, Params::default()).await;
    assert_eq!(ids(&d.nominees), ["C01", "C12"]);
    let cities: Vec<(Option<&str>, usize, usize)> = d
        .cities
        .iter()
        .map(|c| (c.city_id.as_deref(), c.eligible, c.nominees))
        .collect();
    assert_eq!(
        cities,
        [
            (Some("U3701"), 2, 2),
            (Some("U3702"), 0, 0),
            (Some("U3703"), 0, 0)
        ]
    );
    assert!(d.reserve.is_empty());
}

#[tokio::test]
async fn sensitivity_of_the_weights() {
    let s = session().await;
    // Size 5 with the quota: base nominees C01, C05, C08 (quota), C07, C02 (merit).
    let d = document(&s, 2026, params(5, true)).await;
    let rows: Vec<(&str, &str, Option<usize>)> = d
        .sensitivity
        .iter()
        .map(|s| (s.weight, s.delta, s.changed))
        .collect();
    // By hand (C06 = v 0.75, e 0.25, r 1, s 1 against C02 = v 1, e 0, r 1, s 0.5):
    // visit −0.05 → (0.45, 0.22, 0.165, 0.165): C06 72.25 > C02 69.75, so C06 replaces
    // C02. exit +0.05 → (0.46875, 0.25, 0.140625, 0.140625): C06 69.53125 > 67.96875.
    // satisfaction +0.05 → others × 16/17: C06 1260/17 > C02 1210/17. request ±0.05
    // give C06 and C02 exactly the same score (1260/17 and 1205/17 each), which the
    // higher visit_score of C02 decides: no change.
    assert_eq!(
        rows,
        [
            ("visit", "+0.05", Some(0)),
            ("visit", "-0.05", Some(1)),
            ("exit", "+0.05", Some(1)),
            ("exit", "-0.05", Some(0)),
            ("request", "+0.05", Some(0)),
            ("request", "-0.05", Some(0)),
            ("satisfaction", "+0.05", Some(1)),
            ("satisfaction", "-0.05", Some(0)),
        ]
    );
    let w = d.sensitivity[1].weights.unwrap();
    assert_eq!(
        (w.visit, w.exit, w.request, w.satisfaction),
        (0.45, 0.22, 0.165, 0.165)
    );
    let sum: f64 = d.sensitivity[6]
        .weights
        .map(|w| w.visit + w.exit + w.request + w.satisfaction)
        .unwrap();
    assert!((sum - 1.0).abs() < 1e-12);

    // A weight of 0 cannot go down: that row is skipped, saying so.
    let zero = Params {
        size: 5,
        min_per_city: true,
        weights: Weights {
            visit: Ratio::new(3, 5).unwrap(),
            exit: Ratio::new(1, 5).unwrap(),
            request: Ratio::new(1, 5).unwrap(),
            satisfaction: Ratio::ZERO,
        },
    };
    let d = document(&s, 2026, zero).await;
    assert_eq!(d.sensitivity.len(), 8);
    let last = &d.sensitivity[7];
    assert_eq!(
        (last.weight, last.delta, last.changed),
        ("satisfaction", "-0.05", None)
    );
    assert!(last.weights.is_none());
    assert_eq!(
        last.note.as_deref(),
        Some("不适用：满意度权重为0，调低0.05将为负数")
    );
    assert!(d.sensitivity[..7].iter().all(|s| s.changed.is_some()));
}

#[tokio::test]
async fn the_document_is_deterministic() {
    let s = session().await;
    let a = shortlist::document(&s, 2026, &params(4, true))
        .await
        .unwrap();
    let b = shortlist::document(&s, 2026, &params(4, true))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!(a.year, 2026);
    assert_eq!((a.size, a.min_per_city), (4, 1));
    assert_eq!((a.contacts, a.eligible), (19, 9));
    assert_eq!(a.weights.visit, 0.5);
}

#[test]
fn cli_size_and_quota() {
    let rank_via = |rows: Vec<Vec<String>>| -> Vec<String> {
        rows[1..]
            .iter()
            .map(|r| format!("{} {}", r[0], r[11]))
            .collect()
    };
    let all = cli(&["--year", "2026"]);
    assert_eq!(
        all[0].join(","),
        "rank,contact_id,name,union_id,city_id,score,visit_score,exit_score,request_score,satisfaction_score,households,via"
    );
    assert_eq!(
        all[8].join(","),
        "8,C08,杨秀梅,U370302001G1,U3703,61.25,1,0,0.5,0.25,3,quota"
    );
    assert_eq!(all.len(), 10);
    assert_eq!(
        rank_via(cli(&["--year", "2026", "--size", "3"])),
        ["1 quota", "3 quota", "8 quota"]
    );
    assert_eq!(
        rank_via(cli(&["--year", "2026", "--size", "5"])),
        ["1 quota", "2 merit", "3 quota", "4 merit", "8 quota"]
    );
    assert_eq!(
        rank_via(cli(&[
            "--year",
            "2026",
            "--size",
            "3",
            "--min-per-city",
            "0"
        ])),
        ["1 merit", "2 merit", "3 merit"]
    );
}

#[test]
fn cli_config_gives_the_defaults_and_the_options_override_them() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("tiexin.toml");
    std::fs::write(&cfg, "[shortlist]\nsize = 3\nmin-per-city = 0\n").unwrap();
    let c = cfg.to_str().unwrap();
    let got: Vec<String> = cli(&["--year", "2026", "--config", c])[1..]
        .iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(got, ["C01", "C07", "C05"]);
    let got: Vec<String> = cli(&[
        "--year",
        "2026",
        "--config",
        c,
        "--size",
        "2",
        "--min-per-city",
        "1",
    ])[1..]
        .iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(got, ["C01", "C05"]);
    // Only the visit weight: 100 for every v = 1, ordered by households (C01, C05: 4)
    // and appointed_on; then C19 and C06 (v 0.75, 4 households) by appointed_on.
    std::fs::write(
        &cfg,
        "[shortlist]\nvisit = 1.0\nexit = 0\nrequest = 0\nsatisfaction = 0\n",
    )
    .unwrap();
    let rows = cli(&["--year", "2026", "--config", c]);
    let got: Vec<String> = rows[1..]
        .iter()
        .map(|r| format!("{} {}", r[1], r[5]))
        .collect();
    assert_eq!(
        got,
        [
            "C01 100", "C05 100", "C02 100", "C07 100", "C03 100", "C04 100", "C08 100", "C19 75",
            "C06 75"
        ]
    );
}

#[test]
fn invalid_configuration_and_options_exit_2_with_one_sentence() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("award.toml");
    let run = |toml: &str, extra: &[&str]| {
        std::fs::write(&cfg, toml).unwrap();
        let mut args = vec![
            "shortlist",
            "--year",
            "2026",
            "--config",
            cfg.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = tiexin(tmp.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{toml}");
        assert!(stdout(&o).is_empty());
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(!e.contains("panicked"), "{e}");
        e
    };
    let e = run("[shortlist]\nvisit = 0.6\n", &[]);
    assert!(e.contains("award.toml: [shortlist] the weights visit, exit, request and satisfaction must sum to 1, not 1.1"), "{e}");
    let e = run(
        "[shortlist]\nvisit = 0.8\nexit = -0.1\nrequest = 0.15\nsatisfaction = 0.15\n",
        &[],
    );
    assert!(
        e.contains("award.toml: [shortlist] exit must be a number of 0 or more, not -0.1"),
        "{e}"
    );
    let e = run("[shortlist]\nsize = 0\n", &[]);
    assert!(
        e.contains("award.toml: [shortlist] size must be at least 1, not 0"),
        "{e}"
    );
    let e = run("[shortlist]\nmin-per-city = 2\n", &[]);
    assert!(
        e.contains("[shortlist] min-per-city must be 0 or 1, not 2"),
        "{e}"
    );
    let e = run("[shortlist]\nweight-visit = 0.5\n", &[]);
    assert!(
        e.contains("award.toml") && e.contains("weight-visit"),
        "{e}"
    );
    let e = run("", &["--size", "0"]);
    assert!(e.contains("--size 0"), "{e}");
    let o = tiexin(
        tmp.path(),
        &["shortlist", "--year", "2026", "--min-per-city", "2"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--min-per-city"), "{}", stderr(&o));
    let o = tiexin(tmp.path(), &["shortlist", "--year", "2026Q3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--year 2026Q3"), "{}", stderr(&o));
}

#[test]
fn notice_lists_rank_name_and_union() {
    let tmp = TempDir::new().unwrap();
    let notice = tmp.path().join("公示名单.csv");
    let o = tiexin(
        tmp.path(),
        &[
            "shortlist",
            "--year",
            "2026",
            "--size",
            "5",
            "--format",
            "json",
            "--notice",
            notice.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&notice).unwrap(),
        "rank,name,union\n\
         1,孙丽华,济南泉城纺织有限公司工会\n\
         2,张德明,山东能源集团兴隆矿业有限公司工会\n\
         3,刘志强,青岛港湾物流有限公司工会\n\
         4,王建国,历下区环境卫生服务中心工会\n\
         8,杨秀梅,淄博华光陶瓷厂工会\n"
    );
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 5);
    assert_eq!(j[4]["score"], 61.25);
    assert_eq!(j[4]["via"], "quota");
    assert_eq!(j[1]["city_id"], serde_json::Value::Null);
}

/// The CLI's CSV is byte for byte what the independent oracle prints, for 2025 and
/// 2026 and the size and quota variants of the README.
#[test]
fn cli_agrees_with_the_python_oracle() {
    let sample_dir = sample();
    let oracle = |args: &[&str]| -> String {
        let mut all: Vec<&std::ffi::OsStr> = vec![
            "--archive".as_ref(),
            sample_dir.as_os_str(),
            "shortlist".as_ref(),
        ];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        common::oracle(&all)
    };
    let cache = TempDir::new().unwrap();
    for args in [
        &["--year", "2026"][..],
        &["--year", "2025"],
        &["--year", "2026", "--size", "3"],
        &["--year", "2026", "--size", "5"],
        &["--year", "2026", "--size", "3", "--min-per-city", "0"],
    ] {
        let want = oracle(args);
        let mut all = vec!["shortlist", "--format", "csv"];
        all.extend_from_slice(args);
        let o = tiexin(cache.path(), &all);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), want, "{args:?}");
    }
}

#[test]
fn the_queries_of_the_shortlist_are_files() {
    let names: Vec<String> = tiexin::sql::catalog::SHORTLIST
        .iter()
        .map(|q| q.path())
        .collect();
    for n in &names {
        assert!(Path::new(&common::repo()).join(n).is_file(), "{n}");
    }
    assert_eq!(names.len(), 7);
}

/// On a generated archive (every rule planted at a low rate, hundreds of contacts), the
/// CLI agrees with the independent oracle too, with and without the quota.
#[test]
fn generated_archive_agrees_with_the_python_oracle() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("province");
    let dir_s = dir.to_str().unwrap();
    let o = tiexin(
        tmp.path(),
        &[
            "generate",
            "--out",
            dir_s,
            "--households",
            "800",
            "--seed",
            "11",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for args in [
        &["--year", "2026"][..],
        &["--year", "2026", "--size", "12", "--min-per-city", "0"],
    ] {
        let mut all: Vec<&std::ffi::OsStr> =
            vec!["--archive".as_ref(), dir_s.as_ref(), "shortlist".as_ref()];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        let want = common::oracle(&all);
        let mut all = vec!["shortlist", "--archive", dir_s, "--format", "csv"];
        all.extend_from_slice(args);
        let o = tiexin(tmp.path(), &all);
        assert!(o.status.success(), "{}", stderr(&o));
        let got = stdout(&o);
        assert!(got.lines().count() > 10, "{got}");
        assert_eq!(got, want, "{args:?}");
    }
}

/// The shortlist runs only the rules that can give a major finding naming a contact;
/// their major rows with a contact are exactly those of the full findings of every
/// quarter (2025 and 2026 of the sample, where V2, V3, V4, C1, F5, R2 and I1 fire).
#[tokio::test]
async fn eligibility_uses_the_major_findings_of_the_findings_command() {
    use datafusion::arrow::array::RecordBatch;
    use datafusion::arrow::array::{Array, AsArray};
    fn majors(b: &RecordBatch) -> Vec<String> {
        let col = |n: &str| b.column_by_name(n).unwrap().as_string::<i32>().clone();
        let (rule, sev, subject, contact) = (
            col("rule"),
            col("severity"),
            col("subject_id"),
            col("contact_id"),
        );
        let mut out: Vec<String> = (0..b.num_rows())
            .filter(|&r| sev.value(r) == "major" && contact.is_valid(r))
            .map(|r| {
                format!(
                    "{} {} {}",
                    rule.value(r),
                    subject.value(r),
                    contact.value(r)
                )
            })
            .collect();
        out.sort();
        out
    }
    let s = session().await;
    for year in [2025, 2026] {
        let subset = shortlist::eligibility_findings(&s, year).await.unwrap();
        let mut full = Vec::new();
        for q in tiexin::sql::period::Period::Year(year).quarters() {
            full.push(tiexin::analysis::findings::findings(&s, &q).await.unwrap());
        }
        let full = datafusion::arrow::compute::concat_batches(
            &tiexin::analysis::findings::schema(),
            &full,
        )
        .unwrap();
        assert_eq!(majors(&subset), majors(&full), "{year}");
        if year == 2026 {
            let rules: std::collections::BTreeSet<String> = majors(&full)
                .iter()
                .map(|m| m.split(' ').next().unwrap().to_string())
                .collect();
            assert_eq!(
                rules.into_iter().collect::<Vec<_>>(),
                ["C1", "F5", "I1", "K1", "R2", "S2", "V2", "V3", "V4"]
            );
        }
    }
}

/// `--queries DIR` replaces a step of the shortlist like any other query file.
#[test]
fn a_step_can_be_replaced_by_an_inspectors_file() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("q");
    std::fs::create_dir_all(dir.join("shortlist")).unwrap();
    let step = tiexin::sql::catalog::SHORTLIST
        .iter()
        .find(|q| q.name == "satisfaction_score")
        .unwrap();
    let none = step
        .sql
        .replace("WHERE f.rated_on", "WHERE false AND f.rated_on");
    assert_ne!(none, step.sql);
    std::fs::write(dir.join("shortlist/satisfaction_score.sql"), none).unwrap();
    let rows = cli(&[
        "--year",
        "2026",
        "--size",
        "1",
        "--queries",
        dir.to_str().unwrap(),
    ]);
    // C01 without its feedback: s = 0.5, 50 + 5 + 15 + 7.5.
    assert_eq!(
        rows[1].join(","),
        "1,C01,孙丽华,U370102001G1,U3701,77.5,1,0.25,1,0.5,4,quota"
    );
}
