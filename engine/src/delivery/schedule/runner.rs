//! The scheduler's loop: each pass claims due slots in the ledger, runs them, queues
//! their messages and delivers them; after downtime only the latest slot within the
//! grace window runs.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::job::{check_jobs, Job, DEFAULT_GRACE_HOURS, MAX_MISSED_RECORDED};
use super::ledger::{Ledger, RunState};
use super::JobKind;
use super::JobRunner;
use crate::delivery::outbox::{stamp, Outbox};
use crate::delivery::smtp::{self, SmtpConfig, Summary};
use crate::error::{Error, Result};

/// What one pass over the jobs did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    /// Slots that ran: (job, slot, messages queued).
    pub ran: Vec<(String, DateTime<Utc>, usize)>,
    /// Slots that failed: (job, slot, the error sentence).
    pub failed: Vec<(String, DateTime<Utc>, String)>,
    /// Slots recorded missed.
    pub missed: Vec<(String, DateTime<Utc>)>,
    /// The delivery after the runs (none without `[smtp]`).
    pub delivery: Option<Summary>,
}

/// The scheduler. Create it while holding the [`ScheduleLock`].
pub struct Scheduler<R: JobRunner> {
    outbox: Outbox,
    ledger: Ledger,
    jobs: Vec<(Job, cron::Schedule, Tz)>,
    grace: chrono::Duration,
    runner: R,
    smtp: Option<SmtpConfig>,
    stop: Arc<AtomicBool>,
}

impl<R: JobRunner> Scheduler<R> {
    /// Checks the jobs and closes slots left `claimed` by a scheduler that was killed.
    pub fn new(
        outbox: &Outbox,
        jobs: &[Job],
        grace_hours: Option<f64>,
        runner: R,
        smtp: Option<SmtpConfig>,
        stop: Arc<AtomicBool>,
    ) -> Result<Scheduler<R>> {
        check_jobs(jobs, grace_hours).map_err(Error::Config)?;
        if let Some(smtp) = &smtp {
            smtp.check().map_err(Error::Config)?;
            smtp.credentials()?;
        }
        let jobs = jobs
            .iter()
            .map(|j| {
                let s = j.schedule().map_err(Error::Config)?;
                let tz = j.tz().map_err(Error::Config)?;
                Ok((j.clone(), s, tz))
            })
            .collect::<Result<Vec<_>>>()?;
        let grace_ms = (grace_hours.unwrap_or(DEFAULT_GRACE_HOURS) * 3_600_000.0) as i64;
        let ledger = Ledger::new(outbox);
        ledger.close_interrupted()?;
        Ok(Scheduler {
            outbox: outbox.clone(),
            ledger,
            jobs,
            grace: chrono::Duration::milliseconds(grace_ms),
            runner,
            smtp,
            stop,
        })
    }

    /// The run ledger the scheduler records its slots in.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Runs what is due at `now`: for each job, the most recent slot after its newest
    /// ledger slot, if within the grace window (older ones recorded missed); then
    /// delivers the outbox.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Tick> {
        let mut tick = Tick::default();
        for (job, schedule, tz) in &self.jobs {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let start = match self.ledger.last_slot(&job.name)? {
                Some(last) => last,
                // Never run: look back over the grace window only.
                None => now - self.grace - chrono::Duration::seconds(1),
            };
            let mut due: VecDeque<DateTime<Utc>> = VecDeque::new();
            for t in schedule.after(&start.with_timezone(tz)) {
                let t = t.with_timezone(&Utc);
                if t > now {
                    break;
                }
                if due.len() > MAX_MISSED_RECORDED {
                    due.pop_front();
                }
                due.push_back(t);
            }
            let Some(latest) = due.pop_back() else {
                continue;
            };
            for slot in due {
                if self.ledger.claim(&job.name, slot, RunState::Missed)? {
                    tick.missed.push((job.name.clone(), slot));
                }
            }
            if now - latest > self.grace {
                if self.ledger.claim(&job.name, latest, RunState::Missed)? {
                    tick.missed.push((job.name.clone(), latest));
                }
                continue;
            }
            if !self.ledger.claim(&job.name, latest, RunState::Claimed)? {
                continue;
            }
            match self.run_slot(job, latest).await {
                Ok(n) => {
                    self.ledger.finish(
                        &job.name,
                        latest,
                        RunState::Done,
                        Some(&format!("{n} messages queued")),
                    )?;
                    tick.ran.push((job.name.clone(), latest, n));
                }
                Err(e) => {
                    let msg = e.to_string();
                    self.ledger
                        .finish(&job.name, latest, RunState::Failed, Some(&msg))?;
                    tick.failed.push((job.name.clone(), latest, msg));
                }
            }
        }
        if let Some(smtp) = &self.smtp {
            tick.delivery = Some(smtp::deliver(&self.outbox, smtp, self.stop.clone()).await?);
        }
        Ok(tick)
    }

    /// Runs the job's slot and queues its messages. A bulletin or shortlist is one
    /// report per slot: its key is made unique to the slot (`job` becomes
    /// `NAME@SLOT`). A circular is one per union and period, whichever slot or command
    /// made it: its key is that of `tiexin circulars --send` (`circulars|PERIOD|…`), so
    /// a union never gets the same quarter's circular twice.
    async fn run_slot(&self, job: &Job, slot: DateTime<Utc>) -> Result<usize> {
        let messages = self.runner.run(job, slot).await?;
        let n = messages.len();
        for mut m in messages {
            m.job = match job.kind {
                JobKind::Circulars => "circulars".to_string(),
                _ => format!("{}@{}", job.name, stamp(slot)),
            };
            self.outbox.enqueue(m)?;
        }
        Ok(n)
    }

    /// The next slot of any job strictly after `now`.
    pub fn next_slot(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.jobs
            .iter()
            .filter_map(|(_, s, tz)| s.after(&now.with_timezone(tz)).next())
            .map(|t| t.with_timezone(&Utc))
            .min()
    }

    /// Runs until `stop` is set: a pass at each slot, and deliveries when retries are
    /// due. `offset` shifts the clock (`--now`). `report` is told about every pass.
    pub async fn run(&self, offset: chrono::Duration, report: impl Fn(&Tick)) -> Result<()> {
        let clock = || Utc::now() + offset;
        while !self.stop.load(Ordering::SeqCst) {
            let tick = self.tick(clock()).await?;
            report(&tick);
            let now = clock();
            let mut wake = self
                .next_slot(now)
                .map(|t| t - now)
                .unwrap_or(chrono::Duration::hours(1));
            if self.smtp.is_some() {
                if let Some(due) = self.outbox.next_due()? {
                    wake = wake.min(due - Utc::now());
                }
            }
            let wake = wake
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(Duration::from_secs(60))
                .max(Duration::from_millis(50));
            let until = tokio::time::Instant::now() + wake;
            while tokio::time::Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
                tokio::time::sleep(
                    Duration::from_millis(100).min(until - tokio::time::Instant::now()),
                )
                .await;
            }
        }
        Ok(())
    }
}

/// Sets `stop` on SIGINT or SIGTERM.
pub fn stop_on_signals(stop: Arc<AtomicBool>) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| Error::Internal(format!("cannot listen for SIGTERM: {e}")))?;
    let mut int = signal(SignalKind::interrupt())
        .map_err(|e| Error::Internal(format!("cannot listen for SIGINT: {e}")))?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        stop.store(true, Ordering::SeqCst);
    });
    Ok(())
}
