//! SQL: the catalogue of query files, sessions over the archive, the generic runner,
//! periods and their parameters, the union tree, tables of cells (and their workbooks
//! for people, [`xlsx`]), typed decoding of results, and the sandbox in which
//! inspectors' queries run.

pub mod catalog;
pub mod cluster;
#[cfg(feature = "ballista")]
mod cluster_remote;
pub mod decode;
pub mod kept;
pub mod keys;
pub mod lazy;
pub mod period;
pub mod run;
pub mod sandbox;
pub mod session;
pub mod table;
pub mod tree;
pub mod xlsx;

pub use catalog::{Catalog, Query};
pub use period::Period;
pub use run::Scope;
pub use session::Session;
