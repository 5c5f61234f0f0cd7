//! One module per page of the console.

pub mod audits;
pub mod corrections;
pub mod documents;
pub mod findings;
pub mod nominee;
mod records;
pub mod shortlist;
pub mod union;
