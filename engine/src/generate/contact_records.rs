//! Records about contacts: yearly trainings and monthly transport/phone subsidies.

use super::calendar::{day, month_of, month_start, year};
use super::names;
use super::plant::{Planter, Rule};
use super::rng::Rng;
use super::tree::{Tree, END};
use super::writer::{Archive, T, V};
use crate::error::Result;

const TAG_CONTACT: u64 = 4;

/// The first month for which subsidies are on file.
const SUBSIDY_START: i32 = 2024 * 12;

pub fn write(tree: &Tree, seed: u64, plan: &mut Planter, out: &mut Archive) -> Result<()> {
    let mut subsidy = 0u64;
    let mut month = String::with_capacity(7);
    for (i, c) in tree.contacts.iter().enumerate() {
        let mut rng = Rng::stream(seed, TAG_CONTACT, i as u64);
        let last = c.left.unwrap_or(END).min(END);

        // Trainings: most contacts attend one course a year, some two.
        for y in year(c.appointed).max(2022)..=year(last) {
            let lo = c.appointed.max(day(y, 1, 1));
            let hi = last.min(day(y, 12, 31));
            if lo > hi {
                continue;
            }
            let n = usize::from(rng.chance(0.85)) + usize::from(rng.chance(0.25));
            for _ in 0..n {
                let d = rng.range(lo as i64, hi as i64) as i32;
                out.row(
                    T::Trainings,
                    &[V::S(&c.id), V::Date(d), V::S(rng.pick(names::COURSES))],
                )?;
            }
        }

        // Subsidies: about 15% of the contacts who may receive them, monthly from 2024;
        // a civil servant receiving a few months is the planted F5.
        let first = (month_of(c.appointed) + 1).max(SUBSIDY_START);
        let final_month = month_of(last);
        if first > final_month {
            continue;
        }
        let (from, to) = if c.civil_servant {
            if !plan.want(Rule::F5, &mut rng, 0.05) {
                continue;
            }
            plan.mark(Rule::F5);
            let from = rng.range(first as i64, final_month as i64) as i32;
            (from, (from + rng.range(0, 5) as i32).min(final_month))
        } else {
            if !rng.chance(0.15) {
                continue;
            }
            (first, final_month)
        };
        let payer = &tree.unions[tree.unions[c.union].county].id;
        let transport = rng.range(10, 30) * 1_000;
        let phone = rng.chance(0.5).then(|| rng.range(5, 10) * 1_000);
        for m in from..=to {
            debug_assert!(month_start(m) <= END);
            month.clear();
            month.push_str(&format!(
                "{:04}-{:02}",
                m.div_euclid(12),
                m.rem_euclid(12) + 1
            ));
            for (kind, amount) in [("transport", Some(transport)), ("phone", phone)] {
                let Some(amount) = amount else { continue };
                subsidy += 1;
                let id = format!("S{subsidy:08}");
                out.row(
                    T::Subsidies,
                    &[
                        V::S(&id),
                        V::S(&c.id),
                        V::S(payer),
                        V::S(&month),
                        V::S(kind),
                        V::Money(amount),
                    ],
                )?;
            }
        }
    }
    Ok(())
}
