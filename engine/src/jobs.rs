//! What each kind of scheduled job produces (bulletin, circulars, shortlist): the
//! production [`JobRunner`] that `tiexin schedule` uses.

use chrono::{DateTime, Utc};

use crate::cli::ArchiveArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::outbox::NewMessage;
use crate::schedule::{Job, JobRunner};

/// The runner of the configured jobs, on the archive of `tiexin schedule --archive …`.
/// Each message it returns is queued by the scheduler with `job` replaced by
/// `NAME@SLOT`, so the same run is never queued twice; use [`Job::period`] for the
/// period the slot covers.
pub fn runner(_config: &Config, _archive: &ArchiveArgs) -> impl JobRunner {
    Production
}

struct Production;

impl JobRunner for Production {
    async fn run(&self, job: &Job, _slot: DateTime<Utc>) -> Result<Vec<NewMessage>> {
        Err(Error::Usage(format!(
            "job {:?}: job kind {} is not wired yet",
            job.name, job.kind
        )))
    }
}
