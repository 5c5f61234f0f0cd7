//! The tables of accountability.md in a generated province: liaisons, referrals and
//! rectifications. Their raw rows are read as the spec's rules read them (S1, S2, U1,
//! K1 and the near misses at the day boundaries), and the engine's findings of the
//! quarters concerned must agree, example by example.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Date32Type;

use super::{date, Tab};
use crate::analysis::{accountability, findings};
use crate::calendar::{day, quarter_end, quarter_of};
use crate::ingest::{Archive, LoadOptions, Quiet};
use crate::sql::{Catalog, Period, Session};

const END: i32 = crate::generate::tree::END;

/// The kinds of raw-row trigger `triggers` reports that must each occur.
pub const TRIGGERS: &[&str] = &[
    "S1",
    "S2",
    "U1",
    "K1: unverified",
    "K1: verified by a township",
    "K1: late",
    "S1 near: raised 14 days before",
    "S1 near: forwarded on pe",
    "S2 near: raised 89 days before",
    "S2 near: closed on pe",
    "U1 near: left on pe",
    "U1 near: appointed on pe",
    "K1 near: verified on d(f)",
    "rectification of no finding",
];

/// What the raw rows say of one finding in the quarter ending `pe`: it fires, or (a near
/// miss, or a rectification that answers no finding) it does not.
#[derive(Debug, Clone)]
pub struct Expect {
    what: &'static str,
    rule: String,
    pe: i32,
    subject: String,
    /// Compared too when given.
    occurred: Option<i32>,
    fires: bool,
}

/// The quarter ends of the history's findings (2021Q1 … 2026Q4).
fn quarter_ends() -> Vec<i32> {
    (quarter_of(day(2021, 1, 1))..=quarter_of(END))
        .map(quarter_end)
        .collect()
}

/// Counts each trigger of S1, S2, U1, K1 (and their near misses) in the raw rows of
/// the archive in `d` through `fire`; returns the first example of each kind.
pub fn triggers(d: &Path, fire: &mut dyn FnMut(&'static str)) -> Vec<Expect> {
    let mut examples: BTreeMap<&'static str, Expect> = BTreeMap::new();
    let mut note = |e: Expect, fire: &mut dyn FnMut(&'static str)| {
        fire(e.what);
        examples.entry(e.what).or_insert(e);
    };
    let ends = quarter_ends();
    let (unions, contacts) = (Tab::read(d, "unions"), Tab::read(d, "contacts"));
    let (assignments, referrals) = (Tab::read(d, "assignments"), Tab::read(d, "referrals"));
    let level: BTreeMap<&str, &str> = unions.iter().map(|u| (u["union_id"], u["level"])).collect();
    let compliant = |id: &str| matches!(level.get(id), Some(&("county" | "city" | "province")));

    // Referrals: S1, S2 and the near misses, for every quarter end.
    let mut assigned: BTreeMap<&str, Vec<(&str, i32, i32)>> = BTreeMap::new();
    for a in assignments.iter() {
        let to = date(a["to_date"]).unwrap_or(i32::MAX);
        let from = date(a["from_date"]).unwrap();
        assigned
            .entry(a["household_id"])
            .or_default()
            .push((a["contact_id"], from, to));
    }
    for r in referrals.iter() {
        let id = r["referral_id"].to_string();
        let referred = date(r["referred_on"]).unwrap();
        let (forwarded, closed) = (date(r["forwarded_on"]), date(r["closed_on"]));
        assert!(
            assigned[r["household_id"]]
                .iter()
                .any(|a| a.0 == r["contact_id"] && a.1 <= referred && referred <= a.2),
            "referral {id} is raised by the household's contact"
        );
        assert!(forwarded.is_none_or(|f| f >= referred) && closed.is_none_or(|c| c > referred));
        assert_eq!(r["outcome"].is_empty(), closed.is_none(), "referral {id}");
        for &pe in &ends {
            let open = closed.is_none_or(|c| c > pe);
            let s2 = referred <= pe - 90 && open;
            let s1 = !s2 && referred <= pe - 15 && forwarded.is_none_or(|f| f > pe) && open;
            let e = |what, rule: &str, fires| Expect {
                what,
                rule: rule.to_string(),
                pe,
                subject: id.clone(),
                occurred: None,
                fires,
            };
            if s2 {
                note(e("S2", "S2", true), fire);
            }
            if s1 {
                note(e("S1", "S1", true), fire);
            }
            if referred == pe - 14 && forwarded.is_none_or(|f| f > pe) && open {
                note(e("S1 near: raised 14 days before", "S1", false), fire);
            }
            if !s2 && referred <= pe - 15 && forwarded == Some(pe) {
                note(e("S1 near: forwarded on pe", "S1", false), fire);
            }
            if referred == pe - 89 && open {
                note(e("S2 near: raised 89 days before", "S2", false), fire);
            }
            if referred <= pe - 90 && closed == Some(pe) {
                note(e("S2 near: closed on pe", "S2", false), fire);
            }
        }
    }

    // Liaisons: one per union at county level or above, none elsewhere, no households.
    let mut liaisons: BTreeMap<&str, Vec<(i32, Option<i32>)>> = BTreeMap::new();
    for c in contacts.iter().filter(|c| c["role"] == "liaison") {
        assert!(
            compliant(c["union_id"]),
            "liaison {} of a township",
            c["contact_id"]
        );
        assert!(!assigned.values().flatten().any(|a| a.0 == c["contact_id"]));
        let (from, left) = (date(c["appointed_on"]).unwrap(), date(c["left_on"]));
        liaisons
            .entry(c["union_id"])
            .or_default()
            .push((from, left));
    }
    for u in unions.iter().filter(|u| compliant(u["union_id"])) {
        let id = u["union_id"];
        let named = liaisons
            .get(id)
            .unwrap_or_else(|| panic!("{id} has no liaison"));
        for &pe in &ends {
            let serving = named
                .iter()
                .any(|l| l.0 <= pe && l.1.is_none_or(|x| x >= pe));
            let e = |what, fires| Expect {
                what,
                rule: "U1".to_string(),
                pe,
                subject: id.to_string(),
                occurred: None,
                fires,
            };
            if !serving {
                note(e("U1", true), fire);
            }
            if serving && named.iter().any(|l| l.1 == Some(pe)) {
                note(e("U1 near: left on pe", false), fire);
            }
            if serving && named.iter().any(|l| l.0 == pe) {
                note(e("U1 near: appointed on pe", false), fire);
            }
        }
    }

    // Rectifications: verified late, not at all, or by a township (K1 in the quarter of
    // the deadline d(f) = pe + 60 of the finding's quarter), or on d(f) itself.
    let rectifications = Tab::read(d, "rectifications");
    let mut keys = BTreeSet::new();
    for r in rectifications.iter() {
        let occurred = date(r["occurred_on"]).unwrap();
        let key = (r["rule"], r["subject_id"], occurred);
        assert!(keys.insert(key), "one row per finding: {key:?}");
        let pe = quarter_end(quarter_of(occurred));
        let deadline = pe + 60;
        let reported = date(r["reported_on"]).unwrap();
        let verified = date(r["verified_on"]);
        assert!(reported > pe && reported <= END, "{r:?}");
        assert!(verified.is_none_or(|v| v > reported && v <= END), "{r:?}");
        assert_eq!(r["verified_by"].is_empty(), verified.is_none(), "{r:?}");
        let what = match verified {
            None => "K1: unverified",
            Some(_) if !compliant(r["verified_by"]) => "K1: verified by a township",
            Some(v) if v > deadline => "K1: late",
            Some(v) if v == deadline => "K1 near: verified on d(f)",
            Some(_) => "rectified on time",
        };
        let k1 = format!("{}:{}:{}", r["rule"], r["subject_id"], r["occurred_on"]);
        let fires = what.starts_with("K1:");
        if deadline <= END {
            note(
                Expect {
                    what,
                    rule: "K1".to_string(),
                    pe: quarter_end(quarter_of(deadline)),
                    subject: k1,
                    occurred: None,
                    fires,
                },
                fire,
            );
        }
    }
    // A row a day before another row of the same rule and subject: the generator's rows
    // that answer no finding are such (the finding's own row is the other).
    for (rule, subject, occurred) in &keys {
        if keys.contains(&(*rule, *subject, occurred + 1)) {
            note(
                Expect {
                    what: "rectification of no finding",
                    rule: rule.to_string(),
                    pe: quarter_end(quarter_of(*occurred)),
                    subject: subject.to_string(),
                    occurred: Some(*occurred),
                    fires: false,
                },
                fire,
            );
        }
    }
    examples.into_values().collect()
}

/// Runs `f` on a session over the archive in `d`.
fn with_session<T>(d: &Path, f: impl AsyncFnOnce(&Session) -> T) -> T {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let archive = Archive::load(d, &LoadOptions::default(), &Quiet).unwrap();
        let session = Session::from_archive(archive, Catalog::builtin())
            .await
            .unwrap();
        f(&session).await
    })
}

/// (rule, subject_id, occurred_on) of every row of a findings batch.
fn keys(batch: &RecordBatch) -> BTreeSet<(String, String, i32)> {
    let s = |c: &str| batch.column_by_name(c).unwrap().as_string::<i32>().clone();
    let (rule, subject) = (s("rule"), s("subject_id"));
    let occurred = batch
        .column_by_name("occurred_on")
        .unwrap()
        .as_primitive::<Date32Type>()
        .clone();
    (0..batch.num_rows())
        .filter(|&r| !subject.is_null(r))
        .map(|r| {
            (
                rule.value(r).to_string(),
                subject.value(r).to_string(),
                occurred.value(r),
            )
        })
        .collect()
}

/// The engine's findings agree with each raw-row example, and the corrections of the
/// major findings of 2025Q1–2026Q2 are mostly on time, some late, unverified or never
/// reported (as `tiexin rectify` reports them at the end of the history).
pub fn engine_agrees(d: &Path, examples: &[Expect]) {
    with_session(d, async |s: &Session| {
        let mut by_quarter: BTreeMap<i32, BTreeSet<(String, String, i32)>> = BTreeMap::new();
        for e in examples {
            if let std::collections::btree_map::Entry::Vacant(v) = by_quarter.entry(e.pe) {
                let batch = findings::findings(s, &Period::containing(e.pe))
                    .await
                    .unwrap();
                v.insert(keys(&batch));
            }
            let found = by_quarter[&e.pe]
                .iter()
                .any(|k| k.0 == e.rule && k.1 == e.subject && e.occurred.is_none_or(|o| o == k.2));
            assert_eq!(found, e.fires, "{e:?}");
        }
        let mut status: BTreeMap<String, usize> = BTreeMap::new();
        for q in 1..=6u8 {
            let period = Period::quarter(2025 + i32::from(q > 4), (q - 1) % 4 + 1);
            let batch = accountability::rectify(s, &period, END).await.unwrap();
            let col = batch.column_by_name("status").unwrap().as_string::<i32>();
            for v in col.iter().flatten() {
                *status.entry(v.to_string()).or_default() += 1;
            }
        }
        println!("rectify statuses 2025Q1–2026Q2: {status:?}");
        let total: usize = status.values().sum();
        assert!(status["on_time"] * 10 >= total * 7, "{status:?}");
        for s in ["late", "unverified", "not_reported"] {
            assert!(status.get(s).is_some_and(|&n| n > 0), "{s}: {status:?}");
            assert!(status[s] * 10 < total, "{s}: {status:?}");
        }
    });
}
