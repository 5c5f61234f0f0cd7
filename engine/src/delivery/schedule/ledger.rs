//! The run ledger: every slot of every job, claimed before it runs, in the outbox's
//! database, so a slot that finished never runs again; one left `claimed` by a
//! scheduler that stopped is run again at the next start.

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::delivery::outbox::{stamp, Outbox};
use crate::error::{Error, Result};

const RUN_CLAIM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/run_claim.sql"
));
const RUN_FINISH: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/run_finish.sql"
));
const RUN_LAST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/run_last_slot.sql"
));
const RUN_INTERRUPTED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/run_interrupted.sql"
));
const RUN_RESUME: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/run_resume.sql"
));
const RUN_LIST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/queries/state/run_list.sql"
));

/// The state of a slot in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Claimed and running, or interrupted (then run again at the next start).
    Claimed,
    /// Ran to the end; its messages are queued.
    Done,
    /// Ran and failed, or was interrupted and could not be run again.
    Failed,
    /// Skipped after downtime (an older slot, or past the grace window); never replayed.
    Missed,
}

impl RunState {
    /// The state as stored in the ledger's `state` column (`claimed`, `done`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Claimed => "claimed",
            RunState::Done => "done",
            RunState::Failed => "failed",
            RunState::Missed => "missed",
        }
    }
}

/// A row of the run ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The job's name.
    pub job: String,
    /// UTC RFC 3339.
    pub slot: String,
    /// The slot's [`RunState`], as stored (`claimed`, `done`, `failed`, `missed`).
    pub state: String,
    /// When the slot was claimed (stored stamp).
    pub claimed_at: String,
    /// When the run ended (stored stamp); `None` while claimed.
    pub finished_at: Option<String>,
    /// What happened, in a sentence (an error, or what was queued).
    pub detail: Option<String>,
}

/// The run ledger, in the outbox's database.
pub struct Ledger {
    outbox: Outbox,
}

impl Ledger {
    /// The ledger kept in `outbox`'s state database.
    pub fn new(outbox: &Outbox) -> Ledger {
        Ledger {
            outbox: outbox.clone(),
        }
    }

    /// Inserts the slot; `false` if it is already in the ledger.
    pub fn claim(&self, job: &str, slot: DateTime<Utc>, state: RunState) -> Result<bool> {
        let conn = self.outbox.lock()?;
        let n = conn
            .execute(
                RUN_CLAIM,
                params![job, stamp(slot), state.as_str(), stamp(Utc::now())],
            )
            .map_err(|e| self.outbox.db_error(e))?;
        Ok(n == 1)
    }

    /// Records how the claimed slot ended: its final state and detail.
    pub fn finish(
        &self,
        job: &str,
        slot: DateTime<Utc>,
        state: RunState,
        detail: Option<&str>,
    ) -> Result<()> {
        let conn = self.outbox.lock()?;
        conn.execute(
            RUN_FINISH,
            params![job, stamp(slot), state.as_str(), stamp(Utc::now()), detail],
        )
        .map_err(|e| self.outbox.db_error(e))?;
        Ok(())
    }

    /// The newest slot of `job` in the ledger.
    pub fn last_slot(&self, job: &str) -> Result<Option<DateTime<Utc>>> {
        let conn = self.outbox.lock()?;
        let s: Option<String> = conn
            .query_row(RUN_LAST, [job], |r| r.get(0))
            .map_err(|e| self.outbox.db_error(e))?;
        s.as_deref().map(parse_slot).transpose()
    }

    /// Slots left `claimed` by a scheduler that stopped before they finished, oldest
    /// first: (job, slot, times started). Call only while holding the schedule lock.
    pub fn interrupted(&self) -> Result<Vec<(String, DateTime<Utc>, u32)>> {
        let conn = self.outbox.lock()?;
        let mut stmt = conn
            .prepare_cached(RUN_INTERRUPTED)
            .map_err(|e| self.outbox.db_error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })
            .map_err(|e| self.outbox.db_error(e))?;
        let mut out = vec![];
        for row in rows {
            let (job, slot, attempts) = row.map_err(|e| self.outbox.db_error(e))?;
            out.push((job, parse_slot(&slot)?, attempts));
        }
        Ok(out)
    }

    /// Starts an interrupted slot again (counted in its attempts).
    pub fn resume(&self, job: &str, slot: DateTime<Utc>) -> Result<()> {
        let conn = self.outbox.lock()?;
        conn.execute(RUN_RESUME, params![job, stamp(slot), stamp(Utc::now())])
            .map_err(|e| self.outbox.db_error(e))?;
        Ok(())
    }

    /// The ledger, optionally of one job, by job and slot.
    pub fn list(&self, job: Option<&str>) -> Result<Vec<Run>> {
        let conn = self.outbox.lock()?;
        let mut stmt = conn
            .prepare_cached(RUN_LIST)
            .map_err(|e| self.outbox.db_error(e))?;
        let rows = stmt
            .query_map([job], |r| {
                Ok(Run {
                    job: r.get(0)?,
                    slot: r.get(1)?,
                    state: r.get(2)?,
                    claimed_at: r.get(3)?,
                    finished_at: r.get(4)?,
                    detail: r.get(5)?,
                })
            })
            .map_err(|e| self.outbox.db_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.outbox.db_error(e))
    }
}

fn parse_slot(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::State(format!("the run ledger holds a bad slot {s:?}: {e}")))
}
