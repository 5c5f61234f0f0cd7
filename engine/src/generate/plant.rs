//! Planting the finding rules of metrics.md and accountability.md at low rates.
//!
//! Each plant site asks `want(rule, rng, p)`: true with probability `p`, and always
//! true while the rule has not been planted yet, so that even a small archive carries
//! every rule at least once. The site calls `mark(rule)` once the trigger is written.
//!
//! | rule | where | rate |
//! |---|---|---|
//! | V1, V2 | a quarter's visit is missed (5%) or lacks valid evidence (5%); two quarters in a row skipped | ≈10% of household-quarters; V2 planted for 0.5% of households |
//! | V3 | a visit 5–60 days after the exit / 10–40 days before filing | 3% of exited households; 0.3% of households |
//! | V4 | one contact of a union visits ≥ 7 times on one day (topped up with repeat visits) | 2% per contact of the union, at most one per union |
//! | V5 | the visit is made by another contact of the union (or a county contact) | 1% of visits |
//! | A1 | the assignment ends and the next starts 100–200 days later | 0.7% of households |
//! | A2 | the old assignment runs on 100–180 days after the new one starts | 0.7% of households |
//! | A3 | a household is not reassigned when its contact leaves | 15% of those households |
//! | C1 | a flagged cross-check verified after 45–150 days, or never | 10% of flagged checks (3% are flagged) |
//! | C2 | a confirmed flag without the exit that normally follows within 3 weeks | 15% of confirmed flags |
//! | F1 | a payment to `HX…` (unknown) or to no household; a payment after the exit | 0.3% of payments; 2% of exited households |
//! | F2 | the same payment again 0–20 days later | 0.5% of payments |
//! | F3 | approved after payment, or never | 1% of payments |
//! | F4 | a payment after a confirmed flag was verified | 30% of confirmed flags |
//! | F5 | a civil servant receives 1–6 months of subsidies | 5% of civil servants |
//! | E1, E2 | an approved exit not signed by the worker / approved by a township or nobody | 1.5% of approved exits each |
//! | E3 | filing approved by a township (or NULL) | 1% of households |
//! | R1, R2 | a request open over a quarter end (8–29 days) / open 31–120 days or never resolved | 1.5% / 1% of requests |
//! | I1 | an inspection resolved after its quarter, or never | 2% of inspections |
//! | S1 | a referral not forwarded by a quarter end 15–60 days after it was raised (forwarded 1–20 days later, or never) | 4% of referrals (4% of active households get one a year) |
//! | S2 | a referral still open at the first quarter end 90 days after it (closed 1–60 days later, or never) | 3% of referrals |
//! | U1 | a county's liaison leaves in May–September 2026 with no successor | 2% of counties |
//! | K1 | a major finding never reported rectified (`K1`), reported but not verified, verified by a township union, or verified after d(f) | 3%, 3%, 2%, 8% of major findings |
//! | (near misses) | a referral raised 14 days before a quarter end or forwarded on it; one raised 89 days before a quarter end or closed on it; a liaison leaving on a quarter end or a successor appointed on it; a finding verified on d(f); a rectification of no finding | 1% of referrals, 1% of unions, 2% and 0.2% of major findings |
//! | (warning) | a resident ID with a wrong check character | 0.2% of households |

use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    V2,
    V3,
    V4,
    V5,
    A1,
    A2,
    A3,
    C1,
    C2,
    F1,
    F2,
    F3,
    F4,
    F5,
    E1,
    E2,
    E3,
    R1,
    R2,
    I1,
    S1,
    S2,
    U1,
    K1,
    /// A resident ID with a wrong check character (a validation warning).
    IdChecksum,
    /// Near miss of S1: raised 14 days before a quarter end, forwarded after it.
    S1RaisedDay14,
    /// Near miss of S1: 15 or more days open, forwarded on the quarter's last day.
    S1ForwardedOnQuarterEnd,
    /// Near miss of S2: raised 89 days before a quarter end, closed after it.
    S2RaisedDay89,
    /// Near miss of S2: 90 or more days open, closed on the quarter's last day.
    S2ClosedOnQuarterEnd,
    /// Near miss of U1: a liaison leaves on a quarter's last day (still serving on it).
    U1LeftOnQuarterEnd,
    /// Near miss of U1: a successor appointed on a quarter's last day.
    U1AppointedOnQuarterEnd,
    /// K1 by a rectification verified after d(f).
    RectifiedLate,
    /// K1 by a rectification reported but never verified.
    RectificationUnverified,
    /// K1 by a rectification verified by a township union (not a compliant approver).
    RectifiedByTownship,
    /// Near miss of K1: a correction verified on its deadline d(f).
    RectifiedOnDeadline,
    /// A rectification row that matches no finding (ignored by K1).
    RectificationUnmatched,
}

const RULES: usize = Rule::RectificationUnmatched as usize + 1;

/// Which rules have been planted so far.
#[derive(Debug)]
pub struct Planter {
    done: [bool; RULES],
}

impl Default for Planter {
    fn default() -> Self {
        Planter {
            done: [false; RULES],
        }
    }
}

impl Planter {
    pub fn want(&self, rule: Rule, rng: &mut Rng, p: f64) -> bool {
        let hit = rng.chance(p);
        hit || !self.done[rule as usize]
    }

    pub fn mark(&mut self, rule: Rule) {
        self.done[rule as usize] = true;
    }
}
