//! The scheduler: runs the `[[jobs]]` of the configuration on their cron slots.
//!
//! - **Ledger.** Each slot (job, scheduled time in UTC) is inserted into the `runs` table
//!   of the state database *before* it runs (`claimed`), and once finished is never run
//!   again: not after a restart, not by a second `--once` at the same time.
//! - **One scheduler.** `schedule.lock` in the state directory is locked (an OS file
//!   lock) for as long as a scheduler runs; a second one refuses to start.
//! - **Downtime.** For each job, only the most recent slot since its newest ledger slot
//!   runs, and only if it is at most `grace-hours` old; every older slot is recorded
//!   `missed` and never replayed.
//! - **First start.** A job with nothing in the ledger runs its most recent slot if it
//!   is within the grace window (the same rule as after downtime).
//! - **Clock set back.** Only slots later than the newest ledger slot of a job are ever
//!   considered, so nothing already run runs again.
//! - **Interrupted slots.** A slot left `claimed` by a scheduler that was killed (or by a
//!   pass that failed) is run again at the next pass and reported as resumed: its
//!   messages are keyed by the slot or the quarter, so what it had queued before is not
//!   queued or sent twice. It is recorded `failed` instead when its job is no longer
//!   configured, when it is older than the grace window, or after three starts.
//! - **Errors.** An error of a pass (the state database, delivery) does not stop the
//!   scheduler: it is reported, and the pass is tried again after a pause (1 s, doubling
//!   up to 5 minutes).
//!
//! `--now` (a clock offset) moves the scheduler's clock only: slots and the ledger
//! follow it, while the outbox's timestamps and retry times stay on the real clock.
//!
//! Cron expressions are those of the `cron` crate: six or seven fields, **seconds
//! first** (`sec min hour day-of-month month day-of-week [year]`), day-of-week 1–7 with
//! 1 = Sunday (prefer names: `Mon-Fri`).

pub mod figures;
mod job;
mod ledger;
mod lock;
pub mod produce;
mod runner;

use std::future::Future;

use chrono::{DateTime, Utc};

pub use job::{
    check_jobs, Job, JobKind, JobOptions, PeriodRule, DEFAULT_GRACE_HOURS, DEFAULT_TIMEZONE,
    MAX_GRACE_HOURS,
};
pub use ledger::{Ledger, Run, RunState};
pub use lock::ScheduleLock;
pub use runner::{stop_on_signals, Scheduler, Tick};

use crate::delivery::outbox::NewMessage;
use crate::error::Result;

/// What a scheduled job does: the messages of one run. The scheduler calls it after
/// claiming the slot, queues the messages (their key made unique to the slot) and
/// delivers them.
pub trait JobRunner: Send + Sync {
    /// The messages of one run of `job` for its slot `slot`.
    fn run(
        &self,
        job: &Job,
        slot: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<NewMessage>>> + Send;
}
