//! Referrals (需求转介, accountability.md) of one household: in about 1% of its active
//! quarters (4% of the households a year) its contact refers a need up to the county
//! union, which forwards it to a department within 0–10 days; the department grants or
//! refuses it within 90 days of the referral. Planted: S1, S2 and their near misses at
//! the day boundaries (see `plant`). The referrals are drawn from a stream of their
//! own, so the household's other records do not depend on them.

use super::*;

const TAG_REFERRAL: u64 = 8;

/// Needs (`schema::NEEDS`, in order), weighted, and the department each goes to.
const NEEDS: [(&str, u32, &str); 6] = [
    ("subsistence", 30, "civil_affairs"),
    ("medical", 25, "medical_insurance"),
    ("employment", 15, "human_resources"),
    ("schooling", 15, "education"),
    ("housing", 10, "housing"),
    ("other", 5, "other"),
];

/// The days of one referral (`forwarded` and `closed` may still fall after `END`).
struct Days {
    referred: i32,
    forwarded: Option<i32>,
    closed: Option<i32>,
}

/// Forwarded within 0–10 days (mostly 1–5), closed 7–80 days later but never more than
/// 90 days after the referral.
fn prompt(rng: &mut Rng, referred: i32) -> Days {
    let forwarded = referred
        + if rng.chance(0.8) {
            rng.range(1, 5)
        } else {
            rng.range(0, 10)
        } as i32;
    let closed = (forwarded + rng.range(7, 80) as i32).min(referred + 90);
    Days {
        referred,
        forwarded: Some(forwarded),
        closed: Some(closed),
    }
}

impl Households<'_> {
    /// Writes the referrals of household `hid` (number `index`), active from `filed`
    /// to `end`, raised by the contact assigned to it on the day.
    pub(super) fn referrals(
        &mut self,
        out: &mut Archive,
        index: u64,
        hid: &str,
        segs: &[Seg],
        filed: i32,
        end: i32,
    ) -> Result<()> {
        let mut rng = Rng::stream(self.seed, TAG_REFERRAL, index);
        for q in quarter_of(filed.max(HISTORY_START))..=quarter_of(end) {
            let lo = quarter_start(q).max(filed);
            let hi = quarter_end(q).min(end - 1);
            if lo > hi || !rng.chance(0.01) {
                continue;
            }
            let (days, planted) = self.days(&mut rng, lo, hi, quarter_end(q));
            let Some(c) = assigned(segs, days.referred) else {
                continue;
            };
            let need = NEEDS[rng.weighted(&NEEDS.map(|n| n.1))];
            let department = if rng.chance(0.9) {
                need.2
            } else {
                rng.pick(&["civil_affairs", "human_resources", "other"])
            };
            let forwarded = days.forwarded.filter(|&d| d <= END);
            let closed = days.closed.filter(|&d| d <= END);
            let outcome = closed.map(|_| {
                if rng.chance(0.75) {
                    "granted"
                } else {
                    "refused"
                }
            });
            let id = Self::next_id(&mut self.seq.referral, 'T', 8);
            out.row(
                T::Referrals,
                &[
                    V::S(&id),
                    V::S(hid),
                    V::S(&self.tree.contacts[c].id),
                    V::S(need.0),
                    V::S(department),
                    V::Date(days.referred),
                    V::date(forwarded),
                    outcome.map_or(V::Null, V::S),
                    V::date(closed),
                ],
            )?;
            if let Some(rule) = planted {
                self.plan.mark(rule);
            }
        }
        Ok(())
    }

    /// The days of a referral raised between `lo` and `hi` of a quarter ending `pe`,
    /// and the rule (or near miss) it plants.
    fn days(&self, rng: &mut Rng, lo: i32, hi: i32, pe: i32) -> (Days, Option<Rule>) {
        let plan = &self.plan;
        let referred = rand_day(rng, lo, hi);
        // The first quarter end at least 90 days after the referral.
        let pe90 = quarter_end(quarter_of(referred + 90));
        if pe90 <= END && plan.want(Rule::S2, rng, 0.03) {
            // Still open at pe90: closed 1–60 days later, or never.
            let mut d = prompt(rng, referred);
            d.closed = (!rng.chance(0.2)).then(|| pe90 + rng.range(1, 60) as i32);
            return (d, Some(Rule::S2));
        }
        let (s1_lo, s1_hi) = ((pe - 60).max(lo), (pe - 15).min(hi));
        if s1_lo <= s1_hi && pe < END && plan.want(Rule::S1, rng, 0.04) {
            // Not forwarded at pe, 15–60 days after the referral: forwarded 1–20 days
            // after pe (then closed within 90 days of the referral), or never.
            let referred = rand_day(rng, s1_lo, s1_hi);
            let forwarded = (!rng.chance(0.15)).then(|| pe + rng.range(1, 20) as i32);
            let closed = forwarded.map(|f| rand_day(rng, f + 1, referred + 90));
            let d = Days {
                referred,
                forwarded,
                closed,
            };
            return (d, Some(Rule::S1));
        }
        if lo <= pe - 14 && pe - 14 <= hi && plan.want(Rule::S1RaisedDay14, rng, 0.005) {
            // 14 days open at pe, forwarded after it: no S1.
            let referred = pe - 14;
            let forwarded = pe + rng.range(1, 5) as i32;
            let d = Days {
                referred,
                forwarded: Some(forwarded),
                closed: Some(rand_day(rng, forwarded + 1, referred + 90)),
            };
            return (d, Some(Rule::S1RaisedDay14));
        }
        let (f_lo, f_hi) = ((pe - 40).max(lo), (pe - 15).min(hi));
        if f_lo <= f_hi && plan.want(Rule::S1ForwardedOnQuarterEnd, rng, 0.005) {
            // 15–40 days open, forwarded on pe itself: no S1.
            let referred = rand_day(rng, f_lo, f_hi);
            let d = Days {
                referred,
                forwarded: Some(pe),
                closed: Some(rand_day(rng, pe + 1, referred + 90)),
            };
            return (d, Some(Rule::S1ForwardedOnQuarterEnd));
        }
        let e = quarter_end(quarter_of(lo + 89));
        if e - 89 <= hi && e <= END && plan.want(Rule::S2RaisedDay89, rng, 0.005) {
            // 89 days open at e, closed after it: no S2.
            let mut d = prompt(rng, e - 89);
            d.closed = Some(e + rng.range(1, 30) as i32);
            return (d, Some(Rule::S2RaisedDay89));
        }
        if pe90 <= END && plan.want(Rule::S2ClosedOnQuarterEnd, rng, 0.005) {
            // 90 or more days open at pe90, closed on pe90 itself: no S2.
            let mut d = prompt(rng, referred);
            d.closed = Some(pe90);
            return (d, Some(Rule::S2ClosedOnQuarterEnd));
        }
        (prompt(rng, referred), None)
    }
}
