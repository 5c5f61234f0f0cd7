//! Planting the finding rules of metrics.md at low rates.
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
    /// A resident ID with a wrong check character (a validation warning).
    IdChecksum,
}

const RULES: usize = Rule::IdChecksum as usize + 1;

/// Which rules have been planted so far.
#[derive(Debug, Default)]
pub struct Planter {
    done: [bool; RULES],
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
