//! tiexin (贴心): the accountability and evaluation engine of the hardship-contact system.
//!
//! The library is built in layers; each uses only the layers below it
//! (`docs/architecture.md` is the map, and `tests/layers.rs` fails on an upward import):
//!
//! | layer | what it holds |
//! |---|---|
//! | [`cli`] | clap arguments, terminal output, one module per command (thin: parse, call, print) |
//! | [`config`], [`generate`] | the TOML file assembled into each module's settings; the synthetic archive writer |
//! | [`web`] | `tiexin serve`: the web console (users, sessions, pages confined to a subtree) |
//! | [`delivery`] | the outbox, SMTP, the scheduler and what each scheduled job produces |
//! | [`documents`] | Typst PDFs: world, fonts, charts, numbering; bulletin, circulars, committee |
//! | [`analysis`] | metrics, findings, rules and the award shortlist |
//! | [`sql`] | the query catalogue, sessions, the generic runner, periods, the union tree, the sandbox |
//! | [`ingest`] | the archive: schema, values, rows, checks, CSV and Parquet readers, the cache |
//! | [`files`] | output files written atomically; cells safe for spreadsheets |
//! | [`error`], [`calendar`], [`dirs`], [`assets`] | leaves used everywhere |
#![warn(missing_docs)]

pub mod analysis;
pub mod assets;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod dirs;
pub mod documents;
pub mod error;
pub mod files;
pub mod generate;
pub mod ingest;
pub mod sql;
pub mod web;
