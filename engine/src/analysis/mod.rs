//! Analysis: what the policy asks, computed over a [`crate::sql::Session`]: the metrics
//! of every union subtree, the findings of every rule, the rules' names and duties,
//! and the award shortlist.

pub mod accountability;
pub mod findings;
pub mod metrics;
pub mod rules;
pub mod shortlist;
