//! Rectifications (整改报告, accountability.md): the corrections the unions report for
//! their major findings, and the checks of them by a union at county level or above.
//!
//! Which findings are there to correct? Many major findings arise where nothing was
//! planted (two quarters in a row that happen to miss their visits, households kept by
//! a contact who left, a payment after an exit, …) and several repeat from quarter to
//! quarter under keys that depend on each rule's exact conditions. Recording keys at
//! the plant sites would miss those, and K1 would then fire for most major findings;
//! recomputing them here would copy every rule's SQL into Rust. So the generator asks
//! the engine itself: once every other table is written, it loads the archive (without
//! the validated cache), runs the rules that can give a major finding for every quarter
//! from the first filing (2021Q1) to the end of the history (the archive holds no
//! rectification yet, so K1 does not run), and answers each distinct major finding.
//! This pass holds the archive in memory, as every tiexin command that computes
//! findings does; the tables before it are streamed.
//!
//! Each major finding (rule, subject_id, occurred_on) is due by d(f) = pe + 60 of the
//! first quarter it appears in. Of those due within the history: 3% are never reported
//! (K1), 3% reported and never verified (K1), 2% verified on time by a township union
//! (K1; findings of township and grassroots unions only), 8% verified after d(f) (K1;
//! still unverified if that falls after the history), 2% verified on d(f) itself (no
//! K1), the rest reported 3–40 days after the quarter and verified within 20 days by the
//! union's county (or, for a union at county level or above, the union above it).
//! Findings of the last quarter (d(f) after the history) are not reported yet. About
//! 0.2% of the findings get a second row that answers no finding: its occurred_on is
//! the day before the finding's.
//! Rows are numbered `ZG0000001`, … in the order they were reported.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Date32Type;

use super::calendar::{day, quarter_end, quarter_of};
use super::plant::{Planter, Rule};
use super::rng::Rng;
use super::tree::{Level, Tree, END};
use super::writer::{TableWriter, V};
use super::Format;
use crate::analysis::findings;
use crate::error::{Error, Result};
use crate::ingest::{schema, Archive, LoadOptions, Quiet};
use crate::sql::{Catalog, Period, Session};

const TAG_RECTIFICATION: u64 = 9;

/// The first day a finding can occur on: households are filed from 2021.
const FIRST: i32 = day(2021, 1, 1);

/// Rules whose every row is minor: not run, since only major findings are corrected.
const MINOR_ONLY: &[&str] = &["V1", "V5", "A2", "R1", "S1"];

/// What was done, by rule.
const ACTIONS: &[(&str, &str)] = &[
    ("V2", "补做入户走访并上传佐证材料"),
    ("V3", "核实走访记录并更正"),
    ("V4", "核实集中走访记录并补做走访"),
    ("A1", "为该户指定联系人"),
    ("A3", "为该户重新指定联系人"),
    ("C1", "核实比对反馈并上传核实结论"),
    ("C2", "将该户移出在档档案"),
    ("E1", "补办职工本人签字"),
    ("E2", "报县级工会重新审批"),
    ("E3", "补办建档审批手续"),
    ("F1", "追回资金"),
    ("F2", "追回重复发放资金"),
    ("F3", "补办资金发放审批手续"),
    ("F4", "追回违规发放资金"),
    ("F5", "停发在编人员补贴并追回"),
    ("R2", "办结职工诉求并回访"),
    ("I1", "完成检查发现问题整改"),
    ("S2", "协调相关部门办结转介事项"),
    ("U1", "选定联络指导员"),
];

/// One major finding to correct: its union and the end of the first quarter it is in.
struct Due {
    union: String,
    pe: i32,
}

type Key = (String, String, i32);

/// One rectification row.
struct Row {
    key: Key,
    reported: i32,
    verified: Option<(usize, i32)>,
}

/// Writes `<out>/rectifications.<ext>` for the archive already written in `out`;
/// returns the number of rows.
pub fn write(
    tree: &Tree,
    seed: u64,
    format: Format,
    out: &Path,
    plan: &mut Planter,
) -> Result<u64> {
    let keys = major_findings(out)?;
    let index: HashMap<&str, usize> = tree
        .unions
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let mut rng = Rng::stream(seed, TAG_RECTIFICATION, 0);
    let mut rows = Vec::with_capacity(keys.len());
    for (key, due) in &keys {
        let u = index.get(due.union.as_str()).copied().unwrap_or(0);
        if let Some(row) = answer(tree, &mut rng, plan, key, due.pe, u) {
            if plan.want(Rule::RectificationUnmatched, &mut rng, 0.002) {
                let other = (key.0.clone(), key.1.clone(), key.2 - 1);
                if !keys.contains_key(&other) {
                    plan.mark(Rule::RectificationUnmatched);
                    rows.push(Row {
                        key: other,
                        reported: row.reported,
                        verified: row.verified,
                    });
                }
            }
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| (a.reported, &a.key).cmp(&(b.reported, &b.key)));

    let table = schema::table("rectifications")
        .ok_or_else(|| Error::Internal("generate: no rectifications table".into()))?;
    let mut w = TableWriter::create(out, table, format)?;
    for (i, r) in rows.iter().enumerate() {
        let id = format!("ZG{:07}", i + 1);
        let action = ACTIONS.iter().find(|a| a.0 == r.key.0).map(|a| a.1);
        w.row(&[
            V::S(&id),
            V::S(&r.key.0),
            V::S(&r.key.1),
            V::Date(r.key.2),
            V::Date(r.reported),
            r.verified.map_or(V::Null, |v| V::S(&tree.unions[v.0].id)),
            V::date(r.verified.map(|v| v.1)),
            action.map_or(V::Null, V::S),
        ])?;
    }
    w.finish()
}

/// The rectification of one major finding of union `u` first found in the quarter
/// ending `pe`, or `None` when it is not reported (within the history).
fn answer(
    tree: &Tree,
    rng: &mut Rng,
    plan: &mut Planter,
    key: &Key,
    pe: i32,
    u: usize,
) -> Option<Row> {
    let deadline = pe + 60;
    let union = &tree.unions[u];
    let compliant = match union.level {
        Level::Grassroots | Level::Township => union.county,
        _ => union.upper,
    };
    let township = match union.level {
        Level::Grassroots => Some(union.township),
        Level::Township => Some(u),
        _ => None,
    };
    let due = deadline <= END;
    let row = |reported: i32, verified: Option<(usize, i32)>| {
        (reported <= END).then(|| Row {
            key: key.clone(),
            reported,
            verified: verified.filter(|v| v.1 <= END),
        })
    };
    let on_time = |rng: &mut Rng, reported: i32| {
        rng.range(reported as i64 + 1, (reported + 20).min(deadline) as i64) as i32
    };
    if due && plan.want(Rule::K1, rng, 0.03) {
        plan.mark(Rule::K1);
        return None;
    }
    let reported = pe + rng.range(3, 40) as i32;
    if due && plan.want(Rule::RectificationUnverified, rng, 0.03) {
        plan.mark(Rule::RectificationUnverified);
        return row(reported, None);
    }
    if let Some(t) = township.filter(|_| due) {
        if plan.want(Rule::RectifiedByTownship, rng, 0.02) {
            plan.mark(Rule::RectifiedByTownship);
            let v = on_time(rng, reported);
            return row(reported, Some((t, v)));
        }
    }
    if due && plan.want(Rule::RectifiedLate, rng, 0.08) {
        plan.mark(Rule::RectifiedLate);
        let late = if rng.chance(0.1) {
            1
        } else {
            rng.range(2, 90) as i32
        };
        return row(reported, Some((compliant, deadline + late)));
    }
    if due && plan.want(Rule::RectifiedOnDeadline, rng, 0.02) {
        plan.mark(Rule::RectifiedOnDeadline);
        return row(reported, Some((compliant, deadline)));
    }
    let v = on_time(rng, reported);
    row(reported, Some((compliant, v)))
}

/// Every distinct major finding of the archive in `dir` (rule, subject_id,
/// occurred_on), with the union and quarter end of its first occurrence.
fn major_findings(dir: &Path) -> Result<BTreeMap<Key, Due>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let archive = Archive::load(dir, &LoadOptions::default(), &Quiet)?;
        let session = Session::from_archive(archive, Catalog::builtin()).await?;
        let mut keys = BTreeMap::new();
        for q in quarter_of(FIRST)..=quarter_of(END) {
            let period = Period::quarter(q.div_euclid(4), (q.rem_euclid(4) + 1) as u8);
            let batch = findings::of_rules(&session, &period, |r| {
                r.rule() != "K1" && !MINOR_ONLY.contains(&r.rule())
            })
            .await?;
            collect(&findings::majors(&batch)?, quarter_end(q), &mut keys)?;
        }
        Ok(keys)
    })
}

/// Adds the findings of `batch` (of the quarter ending `pe`) not seen before.
fn collect(batch: &RecordBatch, pe: i32, keys: &mut BTreeMap<Key, Due>) -> Result<()> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| Error::Internal(format!("generate: findings have no {name}")))
    };
    let (rule, union, subject) = (
        column("rule")?.as_string::<i32>(),
        column("union_id")?.as_string::<i32>(),
        column("subject_id")?.as_string::<i32>(),
    );
    let occurred = column("occurred_on")?.as_primitive::<Date32Type>();
    for r in 0..batch.num_rows() {
        if rule.is_null(r) || subject.is_null(r) || occurred.is_null(r) || union.is_null(r) {
            continue;
        }
        let key = (
            rule.value(r).to_string(),
            subject.value(r).to_string(),
            occurred.value(r),
        );
        keys.entry(key).or_insert_with(|| Due {
            union: union.value(r).to_string(),
            pe,
        });
    }
    Ok(())
}
