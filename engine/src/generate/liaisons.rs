//! Liaisons (联络指导员, accountability.md): the province, every city and every
//! county-level union (industry unions included) names one, appointed in 2019–2020,
//! before the first household is filed. About one in ten hands over to a successor during 2022–2026 (appointed on or
//! a few days before the day the predecessor leaves). Planted: U1 (a county whose
//! liaison leaves in mid-2026 without a successor, about 2% of the counties) and its two
//! near misses (a liaison leaving on a quarter's last day, succeeded the next day; a
//! successor appointed on a quarter's last day after the predecessor left within that
//! quarter), about 1% of the unions each.
//!
//! Liaisons are appended to `Tree::contacts` with ids `L00001`, … and are in no
//! `Union::contacts`, so no household is assigned to them and they make no visits.

use super::calendar::{day, quarter_end, quarter_of, quarter_start};
use super::names;
use super::plant::{Planter, Rule};
use super::rng::Rng;
use super::tree::{Contact, Level, Tree};

const TAG_LIAISON: u64 = 7;

/// Appoints the liaisons of every union at county level or above.
pub fn appoint(tree: &mut Tree, seed: u64, plan: &mut Planter) {
    let mut n = 0usize;
    for ui in 0..tree.unions.len() {
        let level = tree.unions[ui].level;
        if !matches!(level, Level::Province | Level::City | Level::County) {
            continue;
        }
        let mut rng = Rng::stream(seed, TAG_LIAISON, ui as u64);
        let first = rng.range(day(2019, 1, 1) as i64, day(2020, 12, 31) as i64) as i32;
        // (the first liaison's departure, the successor's appointment), if any.
        let handover: Option<(i32, Option<i32>)> =
            if level == Level::County && plan.want(Rule::U1, &mut rng, 0.02) {
                plan.mark(Rule::U1);
                let left = rng.range(day(2026, 5, 1) as i64, day(2026, 9, 29) as i64) as i32;
                Some((left, None))
            } else if plan.want(Rule::U1LeftOnQuarterEnd, &mut rng, 0.01) {
                plan.mark(Rule::U1LeftOnQuarterEnd);
                let q = rng.range(
                    quarter_of(day(2022, 4, 1)) as i64,
                    quarter_of(day(2026, 7, 1)) as i64,
                );
                let pe = quarter_end(q as i32);
                Some((pe, Some(pe + 1)))
            } else if plan.want(Rule::U1AppointedOnQuarterEnd, &mut rng, 0.01) {
                plan.mark(Rule::U1AppointedOnQuarterEnd);
                let q = rng.range(
                    quarter_of(day(2022, 4, 1)) as i64,
                    quarter_of(day(2026, 7, 1)) as i64,
                );
                let (ps, pe) = (quarter_start(q as i32), quarter_end(q as i32));
                let left = rng.range(ps as i64, pe as i64 - 1) as i32;
                Some((left, Some(pe)))
            } else if rng.chance(0.1) {
                let left = rng.range(day(2022, 1, 15) as i64, day(2026, 12, 20) as i64) as i32;
                Some((left, Some(left - rng.range(0, 14) as i32)))
            } else {
                None
            };
        let mut name = |appointed: i32, left: Option<i32>, rng: &mut Rng| {
            n += 1;
            let civil_servant = rng.chance(0.35);
            tree.contacts.push(Contact {
                id: format!("L{n:05}"),
                name: names::person(rng),
                union: ui,
                role: "liaison",
                civil_servant,
                phone: rng.chance(0.97).then(|| names::phone(rng)),
                appointed,
                left,
            });
        };
        match handover {
            None => name(first, None, &mut rng),
            Some((left, successor)) => {
                name(first, Some(left), &mut rng);
                if let Some(s) = successor {
                    name(s, None, &mut rng);
                }
            }
        }
    }
}
