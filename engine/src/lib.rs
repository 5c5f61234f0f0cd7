//! tiexin (贴心): the accountability and evaluation engine of the hardship-contact system.
//!
//! The modules follow the pipeline:
//! archive → validate → (DataFusion tables) → metrics / findings → shortlist → report.

pub mod archive;
pub mod audit;
pub mod bulletin;
pub mod calendar;
pub mod catalog;
pub mod circulars;
pub mod cli;
pub mod commands;
pub mod committee;
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
pub mod report;
pub mod rules;
pub mod schedule;
pub mod schema;
pub mod session;
pub mod shortlist;
pub mod validate;
