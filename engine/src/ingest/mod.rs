//! Ingest: the archive from files to validated Arrow tables (archive.md).
//!
//! [`schema`] describes the tables as data and [`labels`] their Chinese names; [`values`],
//! [`typed`], [`cells`] and [`rows`] check every cell and row, as people type them
//! (intake.md); [`checks`] makes the cross-row checks that warn; [`sources`] finds each
//! table's file or sheet, and [`csv`] (UTF-8 or GB18030: [`encoding`]), [`parquet`] and
//! [`xlsx`] read them through one [`columns`] mapping; [`cache`] keeps validated tables
//! (memory-mapped: [`mapped`]) and [`known`] the hashes of unchanged files;
//! and [`archive`] ties them together as an [`Archive`]. Nothing here knows SQL.

pub mod archive;
pub mod cache;
pub mod cells;
pub mod checks;
mod columns;
mod csv;
pub mod encoding;
pub mod issue;
pub mod known;
pub mod labels;
pub mod lines;
pub(crate) mod mapped;
mod parquet;
pub mod rows;
pub mod schema;
pub mod sources;
pub mod template;
pub mod typed;
pub mod values;
pub mod xlsx;

pub use archive::{
    sha256_bytes, sha256_file, Archive, Format, LoadOptions, LoadedTable, Progress, Quiet, Source,
};
pub use issue::{write_issues, Issue, ISSUE_HEADER};
pub use sources::locate;
