//! What each kind of scheduled job produces (bulletin, circulars, shortlist): the
//! production [`JobRunner`] that `tiexin schedule` uses.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::outbox::NewMessage;
use crate::schedule::{Job, JobRunner};

/// The runner of the configured jobs.
pub fn runner(_config: &Config) -> impl JobRunner {
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
