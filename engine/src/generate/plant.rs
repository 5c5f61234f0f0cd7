//! Planting the finding rules of metrics.md at low rates.
//!
//! Each plant site asks `want(rule, rng, p)`: true with probability `p`, and always
//! true while the rule has not been planted yet, so that even a small archive carries
//! every rule at least once. The site calls `mark(rule)` once the trigger is written.

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
