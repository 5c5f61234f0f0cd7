//! tiexin (贴心): the accountability and evaluation engine of the hardship-contact system.
//!
//! The modules follow the pipeline:
//! archive → validate → (DataFusion tables) → metrics / findings → shortlist → report.

pub mod archive;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod findings;
pub mod generate;
pub mod jobs;
pub mod mail;
pub mod mask;
pub mod metrics;
pub mod outbox;
pub mod output;
pub mod period;
pub mod readonly;
pub mod schedule;
pub mod schema;
pub mod session;
pub mod validate;
