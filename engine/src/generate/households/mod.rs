//! Per-household histories: the archive record, its contact assignments, quarterly
//! visits, data cross-checks, exit, payments, requests, feedback and referrals.
//! Households are generated union by union and written as they are made; `records`
//! makes the assignment histories, visits, payments and requests of one household,
//! `referrals` its referrals.

mod records;
mod referrals;

use super::calendar::{day, quarter_end, quarter_of, quarter_start, year};
use super::names;
use super::plant::{Planter, Rule};
use super::resident_id;
use super::rng::Rng;
use super::tree::{Tree, END};
use super::writer::{Archive, T, V};
use crate::error::Result;
use crate::ingest::schema::{DEPARTMENTS, FLAGS};

/// The first day of the visit, payment and request history.
const HISTORY_START: i32 = day(2022, 1, 1);

/// Stream tags of `Rng::stream` (the tree uses 1).
const TAG_HOUSEHOLD: u64 = 2;
const TAG_UNION: u64 = 3;

const CAUSES: [(&str, u32); 6] = [
    ("illness", 35),
    ("disability", 15),
    ("unemployment", 20),
    ("education", 15),
    ("disaster", 3),
    ("other", 12),
];
const CATEGORY_WEIGHTS: [u32; 6] = [40, 20, 15, 8, 5, 12];
const SOURCE_WEIGHTS: [u32; 3] = [55, 30, 15];
const SCORE_WEIGHTS: [u32; 5] = [3, 5, 15, 37, 40];

/// Sequence numbers of the generated ids.
#[derive(Debug, Default)]
struct Seq {
    visit: u64,
    check: u64,
    exit: u64,
    payment: u64,
    request: u64,
    referral: u64,
}

/// State kept while the households of one grassroots union are generated: the planted
/// V4 day (a contact crams more than six visits into one day).
pub struct Block {
    union: usize,
    v4: Option<(usize, i32)>,
    v4_visits: u32,
    /// Households active on the V4 day, and whether the V4 contact is theirs.
    v4_pool: Vec<(String, bool)>,
}

/// One assignment row: contact index, from, to.
#[derive(Debug, Clone, Copy)]
struct Seg {
    c: usize,
    from: i32,
    to: Option<i32>,
}

fn assigned(segs: &[Seg], d: i32) -> Option<usize> {
    segs.iter()
        .rev()
        .find(|s| s.from <= d && s.to.is_none_or(|t| d <= t))
        .map(|s| s.c)
}

struct Exit {
    applied: i32,
    approved: Option<i32>,
}

pub struct Households<'a> {
    tree: &'a Tree,
    seed: u64,
    pub plan: Planter,
    seq: Seq,
}

fn rand_day(rng: &mut Rng, lo: i32, hi: i32) -> i32 {
    rng.range(lo as i64, hi as i64) as i32
}

/// A payment amount in cents for a category: mostly whole hundreds of yuan.
fn amount(rng: &mut Rng, category: &str) -> i64 {
    let (lo, hi) = match category {
        "living" => (5, 30),
        "medical" => (10, 200),
        "education" => (10, 50),
        "employment" => (5, 20),
        "housing" => (20, 100),
        _ => (5, 50),
    };
    let base = rng.range(lo, hi) * 10_000;
    if rng.chance(0.2) {
        base + rng.range(1, 9_999)
    } else {
        base
    }
}

impl<'a> Households<'a> {
    pub fn new(tree: &'a Tree, seed: u64, plan: Planter) -> Self {
        Households {
            tree,
            seed,
            plan,
            seq: Seq::default(),
        }
    }

    fn next_id(counter: &mut u64, prefix: char, width: usize) -> String {
        *counter += 1;
        format!("{prefix}{:0width$}", *counter)
    }

    /// Starts the households of grassroots union `g`; decides whether one of its
    /// contacts will have a crammed visiting day (V4, about 2% of the unions' contacts).
    pub fn begin_union(&mut self, g: usize) -> Block {
        let mut rng = Rng::stream(self.seed, TAG_UNION, g as u64);
        let u = &self.tree.unions[g];
        let mut block = Block {
            union: g,
            v4: None,
            v4_visits: 0,
            v4_pool: Vec::new(),
        };
        if u.households > 0 && !u.contacts.is_empty() {
            let p = 0.02 * u.contacts.len() as f64;
            if self.plan.want(Rule::V4, &mut rng, p) {
                let d = rand_day(&mut rng, day(2023, 1, 1), day(2026, 6, 30));
                let candidates: Vec<usize> = u
                    .contacts
                    .iter()
                    .copied()
                    .filter(|&c| self.tree.contacts[c].available(d))
                    .collect();
                if !candidates.is_empty() {
                    block.v4 = Some((rng.pick(&candidates), d));
                }
            }
        }
        block
    }

    /// Tops the V4 day up to seven visits with repeat visits to the day's households.
    pub fn end_union(&mut self, out: &mut Archive, block: Block) -> Result<()> {
        let Some((c, d)) = block.v4 else {
            return Ok(());
        };
        if block.v4_pool.is_empty() {
            return Ok(());
        }
        let own: Vec<&String> = block.v4_pool.iter().filter(|p| p.1).map(|p| &p.0).collect();
        let all: Vec<&String> = block.v4_pool.iter().map(|p| &p.0).collect();
        let pool = if own.is_empty() { all } else { own };
        let contact = &self.tree.contacts[c].id;
        for k in block.v4_visits..7 {
            let h = pool[k as usize % pool.len()];
            let id = Self::next_id(&mut self.seq.visit, 'V', 9);
            out.row(
                T::Visits,
                &[
                    V::S(&id),
                    V::S(h),
                    V::S(contact),
                    V::Date(d),
                    V::Int(1),
                    V::Int(0),
                    V::Date(d),
                    V::S("复访"),
                ],
            )?;
        }
        self.plan.mark(Rule::V4);
        Ok(())
    }

    /// Generates household number `index` (0-based) of the block's union.
    pub fn household(&mut self, out: &mut Archive, block: &mut Block, index: u64) -> Result<()> {
        let tree = self.tree;
        let mut rng = Rng::stream(self.seed, TAG_HOUSEHOLD, index);
        let g = block.union;
        let u = &tree.unions[g];
        let hid = format!("H{:08}", index + 1);

        // The archive record.
        let filed_year = 2021 + rng.weighted(&[25, 20, 17, 15, 13, 10]) as i32;
        let filed = rand_day(
            &mut rng,
            day(filed_year, 1, 1),
            day(filed_year, 12, 31).min(END - 20),
        );
        let head = names::person(&mut rng);
        let age = rng.range(25, 58) as i32;
        let born = rand_day(
            &mut rng,
            day(filed_year - age, 1, 1),
            day(filed_year - age, 12, 28),
        );
        let corrupt = self.plan.want(Rule::IdChecksum, &mut rng, 0.002);
        if corrupt {
            self.plan.mark(Rule::IdChecksum);
        }
        let id_number = resident_id::make(&mut rng, &u.area, born, corrupt);
        let phone = rng.chance(0.95).then(|| names::phone(&mut rng));
        let cause = CAUSES[rng.weighted(&CAUSES.map(|c| c.1))].0;
        let members = 1 + rng.weighted(&[8, 20, 30, 25, 12, 5]) as i64;
        let income = rng.chance(0.97).then(|| rng.range(30_000, 180_000));
        let approver = if self.plan.want(Rule::E3, &mut rng, 0.01) {
            self.plan.mark(Rule::E3);
            if rng.chance(0.25) {
                None
            } else {
                Some(u.township)
            }
        } else if rng.chance(0.85) {
            Some(u.county)
        } else {
            Some(u.upper)
        };
        out.row(
            T::Households,
            &[
                V::S(&hid),
                V::S(&head),
                V::S(&id_number),
                phone.as_deref().map_or(V::Null, V::S),
                V::S(&u.id),
                V::S(cause),
                V::Int(members),
                income.map_or(V::Null, V::Money),
                V::Date(filed),
                approver.map_or(V::Null, |a| V::S(&tree.unions[a].id)),
            ],
        )?;

        // Exit by improvement: about 2% per quarter (8% a year).
        let mut exit: Option<Exit> = None;
        for q in quarter_of(filed) + 1..=quarter_of(END) {
            if rng.chance(0.02) {
                let lo = quarter_start(q).max(filed + 30);
                let hi = quarter_end(q);
                if lo <= hi {
                    let applied = rand_day(&mut rng, lo, hi);
                    let approved = applied + rng.range(5, 40) as i32;
                    exit = Some(Exit {
                        applied,
                        approved: (approved <= END).then_some(approved),
                    });
                }
                break;
            }
        }

        // Cross-checks with market, housing and police records, about one a year.
        let stop = exit.as_ref().and_then(|e| e.approved).unwrap_or(END);
        let mut confirmed: Option<i32> = None;
        for y in year(filed).max(2022)..=2026 {
            if !rng.chance(0.9) {
                continue;
            }
            let lo = (filed + 1).max(day(y, 1, 1));
            let hi = day(y, 12, 31).min(stop);
            if lo > hi {
                break;
            }
            let received = rand_day(&mut rng, lo, hi);
            let dept = DEPARTMENTS[((y as u64) + index) as usize % DEPARTMENTS.len()];
            let (flag, verified, outcome) = if !rng.chance(0.03) {
                ("none", None, None)
            } else {
                let flag = rng.pick(&FLAGS[1..]);
                if received + 30 <= END && self.plan.want(Rule::C1, &mut rng, 0.1) {
                    self.plan.mark(Rule::C1);
                    let v = (!rng.chance(0.33))
                        .then(|| received + rng.range(45, 150) as i32)
                        .filter(|&v| v <= END);
                    (flag, v, v.map(|_| "cleared"))
                } else {
                    let v = received + rng.range(2, 25) as i32;
                    if v > END {
                        (flag, None, None)
                    } else if rng.chance(0.3) {
                        confirmed = Some(v);
                        (flag, Some(v), Some("confirmed"))
                    } else {
                        (flag, Some(v), Some("cleared"))
                    }
                }
            };
            let id = Self::next_id(&mut self.seq.check, 'K', 8);
            out.row(
                T::Crosschecks,
                &[
                    V::S(&id),
                    V::S(&hid),
                    V::S(dept),
                    V::Date(received),
                    V::S(flag),
                    V::date(verified),
                    outcome.map_or(V::Null, V::S),
                ],
            )?;
            if confirmed.is_some() {
                break;
            }
        }
        // A confirmed flag makes the household ineligible: it exits within three weeks
        // of the verification, except where C2 is planted.
        if let Some(v) = confirmed {
            if v + 30 <= END && self.plan.want(Rule::C2, &mut rng, 0.15) {
                self.plan.mark(Rule::C2);
            } else {
                let applied = v + rng.range(1, 5) as i32;
                let approved = applied + rng.range(3, 15) as i32;
                if exit
                    .as_ref()
                    .is_none_or(|e| e.approved.is_none_or(|a| a > approved))
                {
                    exit = Some(Exit {
                        applied,
                        approved: (approved <= END).then_some(approved),
                    });
                }
            }
        }
        let x = exit.as_ref().and_then(|e| e.approved);
        let end = x.unwrap_or(END);

        if let Some(e) = &exit {
            let id = Self::next_id(&mut self.seq.exit, 'E', 8);
            let (mut signed, mut by) = (true, None);
            if e.approved.is_some() {
                if self.plan.want(Rule::E1, &mut rng, 0.015) {
                    self.plan.mark(Rule::E1);
                    signed = false;
                }
                by = if self.plan.want(Rule::E2, &mut rng, 0.015) {
                    self.plan.mark(Rule::E2);
                    if rng.chance(0.25) {
                        None
                    } else {
                        Some(u.township)
                    }
                } else if rng.chance(0.8) {
                    Some(u.county)
                } else {
                    Some(u.upper)
                };
            }
            out.row(
                T::Exits,
                &[
                    V::S(&id),
                    V::S(&hid),
                    V::Date(e.applied),
                    V::Bool(signed),
                    by.map_or(V::Null, |b| V::S(&tree.unions[b].id)),
                    V::date(e.approved),
                ],
            )?;
        }

        let segs = self.assignments(&mut rng, g, filed, x);
        for s in &segs {
            out.row(
                T::Assignments,
                &[
                    V::S(&hid),
                    V::S(&tree.contacts[s.c].id),
                    V::Date(s.from),
                    V::date(s.to),
                ],
            )?;
        }

        // Two quarters in a row without a visit (V2), for about 0.5% of households.
        let first_due = (quarter_of(filed) + 1).max(quarter_of(HISTORY_START));
        let last_due = match x {
            Some(x) => quarter_of(x) - 1,
            None => quarter_of(END),
        };
        let mut skip = None;
        if last_due > first_due && self.plan.want(Rule::V2, &mut rng, 0.005) {
            self.plan.mark(Rule::V2);
            let q0 = first_due + rng.below((last_due - first_due) as u64) as i32;
            skip = Some(q0);
        }

        // The V4 day of this union.
        if let Some((c4, d4)) = block.v4 {
            if filed <= d4 && d4 <= end {
                block
                    .v4_pool
                    .push((hid.clone(), assigned(&segs, d4) == Some(c4)));
            }
        }

        let first_q = quarter_of(filed.max(HISTORY_START));
        for q in first_q..=quarter_of(end) {
            let lo = quarter_start(q).max(filed);
            let hi = quarter_end(q).min(end);
            if lo > hi {
                continue;
            }
            let skipped = skip.is_some_and(|q0| q == q0 || q == q0 + 1);
            if !skipped {
                self.visit(out, &mut rng, block, &hid, &segs, lo, hi)?;
            }
            // Payments (about 1.2 a year) while the household is active.
            let pay_hi = hi.min(end - 1);
            if lo <= pay_hi && rng.chance(0.3) {
                let d = rand_day(&mut rng, lo, pay_hi);
                self.payment(out, &mut rng, g, &hid, d)?;
            }
            // Temporary hardship requests.
            if lo <= pay_hi && rng.chance(0.12) {
                self.request(out, &mut rng, &hid, lo, pay_hi, quarter_end(q))?;
            }
            // Satisfaction ratings, about one a year.
            if lo <= pay_hi && rng.chance(0.22) {
                let d = rand_day(&mut rng, lo, pay_hi);
                if let Some(c) = assigned(&segs, d) {
                    let score = 1 + rng.weighted(&SCORE_WEIGHTS) as i64;
                    out.row(
                        T::Feedback,
                        &[
                            V::S(&hid),
                            V::S(&tree.contacts[c].id),
                            V::Date(d),
                            V::Int(score),
                        ],
                    )?;
                }
            }
        }

        // A payment after the confirmed ineligibility (F4).
        if let Some(v) = confirmed {
            let lim = end.min(v + 60) - 1;
            if v <= lim && self.plan.want(Rule::F4, &mut rng, 0.3) {
                self.plan.mark(Rule::F4);
                let d = rand_day(&mut rng, v, lim);
                self.payment(out, &mut rng, g, &hid, d)?;
            }
        }
        // A payment after the exit (F1: not active on paid_on).
        if let Some(x) = x {
            if x < END && rng.chance(0.02) {
                let d = rand_day(&mut rng, x + 1, (x + 60).min(END));
                self.payment(out, &mut rng, g, &hid, d)?;
            }
        }
        // A visit after the exit or before the filing (V3).
        let v3_day = match x {
            Some(x) if x + 5 <= END && self.plan.want(Rule::V3, &mut rng, 0.03) => {
                Some(rand_day(&mut rng, x + 5, (x + 60).min(END)))
            }
            _ if filed - 40 >= HISTORY_START && rng.chance(0.003) => {
                Some(rand_day(&mut rng, filed - 40, filed - 10))
            }
            _ => None,
        };
        if let Some(d) = v3_day {
            let c = segs.last().map_or(u.contacts[0], |s| s.c);
            let id = Self::next_id(&mut self.seq.visit, 'V', 9);
            out.row(
                T::Visits,
                &[
                    V::S(&id),
                    V::S(&hid),
                    V::S(&tree.contacts[c].id),
                    V::Date(d),
                    V::Int(2),
                    V::Int(0),
                    V::Date(d + 1),
                    V::Null,
                ],
            )?;
            self.plan.mark(Rule::V3);
        }
        self.referrals(out, index, &hid, &segs, filed, end)
    }
}
