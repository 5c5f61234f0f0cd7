//! Ingest: the archive from files to validated Arrow tables (archive.md).
//!
//! [`schema`] describes the tables as data; [`values`] and [`rows`] check every cell and
//! row; [`checks`] makes the cross-row checks that warn; [`csv`] and [`parquet`] read the
//! two file forms through one [`columns`] mapping; [`cache`] keeps validated tables; and
//! [`archive`] ties them together as an [`Archive`]. Nothing here knows SQL.

pub mod archive;
pub mod cache;
pub mod checks;
mod columns;
mod csv;
pub mod issue;
mod parquet;
pub mod rows;
pub mod schema;
pub mod values;

pub use archive::{
    locate, sha256_bytes, sha256_file, Archive, Format, LoadOptions, LoadedTable, Progress, Quiet,
    Source,
};
pub use issue::{write_issues, Issue, ISSUE_HEADER};
