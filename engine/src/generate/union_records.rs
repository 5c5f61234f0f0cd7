//! Records about unions: yearly budgets (county level and above) and inspections.

use super::calendar::{day, quarter_end, quarter_of};
use super::names;
use super::plant::{Planter, Rule};
use super::rng::Rng;
use super::tree::{Level, Tree, END};
use super::writer::{Archive, T, V};
use crate::error::Result;

const TAG_BUDGET: u64 = 5;
const TAG_INSPECTION: u64 = 6;
const YEARS: std::ops::RangeInclusive<i32> = 2022..=2026;

/// Budgets per union and year for the province, cities, counties and industry unions,
/// sized by the households below them (yuan per household: county 3000, city 600,
/// province 300), rounded to thousands.
pub fn write_budgets(tree: &Tree, seed: u64, out: &mut Archive) -> Result<()> {
    let mut below = vec![0u64; tree.unions.len()];
    for &g in &tree.grassroots {
        let u = &tree.unions[g];
        let n = u.households as u64;
        below[u.county] += n;
        if u.upper != u.county {
            below[u.upper] += n;
        }
        if u.upper != 0 {
            below[0] += n;
        }
    }
    for (i, u) in tree.unions.iter().enumerate() {
        let (per, base) = match u.level {
            Level::Province => (300, 1_000_000),
            Level::City => (600, 200_000),
            Level::County => (3000, 50_000),
            _ => continue,
        };
        let mut rng = Rng::stream(seed, TAG_BUDGET, i as u64);
        for y in YEARS {
            let yuan = (below[i] * per + base) as f64 * (0.8 + 0.4 * rng.unit());
            let cents = (yuan / 1000.0).round() as i64 * 1000 * 100;
            out.row(
                T::Budgets,
                &[V::S(&u.id), V::Int(y as i64), V::Money(cents)],
            )?;
        }
    }
    Ok(())
}

/// Inspections: a yearly self-check of the province, every city and (mostly) every
/// county-level union, a census of them in
/// 2024, and spot checks of about 4% of the grassroots unions with households each
/// year. Most findings are resolved within their quarter; about 2% stay open past it
/// (I1).
pub fn write_inspections(
    tree: &Tree,
    seed: u64,
    plan: &mut Planter,
    out: &mut Archive,
) -> Result<()> {
    let mut n = 0u64;
    for (i, u) in tree.unions.iter().enumerate() {
        let mut rng = Rng::stream(seed, TAG_INSPECTION, i as u64);
        for y in YEARS {
            let kinds: &[&str] = match u.level {
                Level::County if y == 2024 => &["self_check", "census"],
                Level::County if rng.chance(0.9) => &["self_check"],
                Level::City | Level::Province => &["self_check"],
                Level::Grassroots if u.households > 0 && rng.chance(0.04) => &["spot_check"],
                _ => &[],
            };
            for kind in kinds {
                let on = rng.range(day(y, 1, 1) as i64, day(y, 12, 31) as i64) as i32;
                let major = rng.chance(0.15);
                let contact =
                    (!u.contacts.is_empty() && rng.chance(0.4)).then(|| rng.pick(&u.contacts));
                let pe = quarter_end(quarter_of(on));
                let resolved = if on < END && plan.want(Rule::I1, &mut rng, 0.02) {
                    plan.mark(Rule::I1);
                    if rng.chance(0.5) {
                        None
                    } else {
                        Some(pe + rng.range(1, 60) as i32)
                    }
                } else {
                    Some(rng.range(on as i64, pe as i64) as i32)
                };
                n += 1;
                let id = format!("I{n:07}");
                out.row(
                    T::Inspections,
                    &[
                        V::S(&id),
                        V::S(&u.id),
                        V::S(kind),
                        V::Date(on),
                        V::S(if major { "major" } else { "minor" }),
                        contact.map_or(V::Null, |c| V::S(&tree.contacts[c].id)),
                        V::S(rng.pick(names::INSPECTION_FINDINGS)),
                        V::date(resolved.filter(|&r| r <= END)),
                    ],
                )?;
            }
        }
    }
    Ok(())
}
