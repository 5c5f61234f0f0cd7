//! The scheduler's loop: each pass runs again the slots a stopped scheduler left
//! unfinished, claims due slots in the ledger, runs them, queues their messages and
//! delivers them; after downtime only the latest slot within the grace window runs. An
//! error of a pass (the state database, delivery) is reported and the pass is tried
//! again after a pause, which doubles up to five minutes while the errors go on.

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
    /// Slots a stopped scheduler had left unfinished, run again: (job, slot, messages
    /// queued).
    pub resumed: Vec<(String, DateTime<Utc>, usize)>,
    /// The delivery after the runs (none without `[smtp]`, or when it failed).
    pub delivery: Option<Summary>,
    /// Why the delivery after the runs failed, if it did.
    pub delivery_error: Option<String>,
}

impl Tick {
    /// Whether everything of the pass went as asked: no slot failed, and the delivery
    /// ran with nothing failed or ambiguous ([`Summary::ok`]).
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
            && self.delivery_error.is_none()
            && self.delivery.as_ref().is_none_or(Summary::ok)
    }
}

/// How many times a slot is started before an interruption is taken as final.
const MAX_SLOT_ATTEMPTS: u32 = 3;
/// The first pause after a failed pass, doubled while they keep failing.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause after failed passes.
const MAX_PAUSE: Duration = Duration::from_secs(300);

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
    /// Checks the jobs and the `[smtp]` section.
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
        self.resume_interrupted(now, &mut tick).await?;
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
            match smtp::deliver(&self.outbox, smtp, self.stop.clone()).await {
                Ok(summary) => tick.delivery = Some(summary),
                Err(e) => tick.delivery_error = Some(e.to_string()),
            }
        }
        Ok(tick)
    }

    /// Runs again the slots a stopped scheduler left `claimed` (its messages are keyed
    /// by the slot or the quarter, so what it had queued is not queued twice). A slot
    /// of a job no longer configured, older than the grace window, or started
    /// [`MAX_SLOT_ATTEMPTS`] times is recorded failed instead.
    async fn resume_interrupted(&self, now: DateTime<Utc>, tick: &mut Tick) -> Result<()> {
        for (name, slot, attempts) in self.ledger.interrupted()? {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let job = self
                .jobs
                .iter()
                .find(|(j, ..)| j.name == name)
                .map(|j| &j.0);
            let give_up = match job {
                None => Some("the job is no longer in the configuration".to_string()),
                Some(_) if now - slot > self.grace => Some(format!(
                    "it is now older than the grace window ({} hours)",
                    self.grace.num_minutes() as f64 / 60.0
                )),
                Some(_) if attempts >= MAX_SLOT_ATTEMPTS => {
                    Some(format!("it was started {attempts} times"))
                }
                Some(_) => None,
            };
            let (Some(job), None) = (job, &give_up) else {
                let msg = format!(
                    "interrupted before it finished, and not run again: {}",
                    give_up.unwrap_or_default()
                );
                self.ledger
                    .finish(&name, slot, RunState::Failed, Some(&msg))?;
                tick.failed.push((name, slot, msg));
                continue;
            };
            self.ledger.resume(&name, slot)?;
            match self.run_slot(job, slot).await {
                Ok(n) => {
                    let msg = format!("run again after an interruption: {n} messages queued");
                    self.ledger
                        .finish(&name, slot, RunState::Done, Some(&msg))?;
                    tick.resumed.push((name, slot, n));
                }
                Err(e) => {
                    let msg = e.to_string();
                    self.ledger
                        .finish(&name, slot, RunState::Failed, Some(&msg))?;
                    tick.failed.push((name, slot, msg));
                }
            }
        }
        Ok(())
    }

    /// Runs the job's slot and queues its messages. A bulletin or shortlist is one
    /// report per slot: its key is made unique to the slot (`job` becomes
    /// `NAME@SLOT`). A circular is one per union and period, whichever slot or command
    /// made it: its key is that of `tiexin circulars --send` (`circulars|PERIOD|…`), so
    /// a union never gets the same quarter's circular twice. Warnings are one per union
    /// and as-of date (the slot's local date), so a second slot of the day queues none.
    async fn run_slot(&self, job: &Job, slot: DateTime<Utc>) -> Result<usize> {
        let messages = self.runner.run(job, slot).await?;
        let n = messages.len();
        for mut m in messages {
            m.job = match job.kind {
                JobKind::Circulars => "circulars".to_string(),
                // Keyed by union and as-of date (its `period`): one per union and day.
                JobKind::Warnings => "warnings".to_string(),
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
    /// due. `offset` shifts the clock (`--now`). `report` is told about every pass;
    /// `trouble` about every pass that failed, with the pause before the next one. No
    /// error stops the loop: it pauses and tries again.
    pub async fn run(
        &self,
        offset: chrono::Duration,
        report: impl Fn(&Tick),
        trouble: impl Fn(&Error, Duration),
    ) -> Result<()> {
        let clock = || Utc::now() + offset;
        let mut pause = FIRST_PAUSE;
        while !self.stop.load(Ordering::SeqCst) {
            let failed = match self.tick(clock()).await {
                Ok(tick) => {
                    report(&tick);
                    tick.delivery_error
                        .map(|e| Error::State(format!("the delivery failed: {e}")))
                }
                Err(e) => Some(e),
            };
            let wait = match failed {
                Some(e) => {
                    trouble(&e, pause);
                    let wait = pause;
                    pause = (pause * 2).min(MAX_PAUSE);
                    wait
                }
                None => {
                    pause = FIRST_PAUSE;
                    self.until_next_pass(clock())
                }
            };
            let until = tokio::time::Instant::now() + wait;
            while tokio::time::Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
                tokio::time::sleep(
                    Duration::from_millis(100).min(until - tokio::time::Instant::now()),
                )
                .await;
            }
        }
        Ok(())
    }

    /// The time to the next slot of any job (at most a minute, at least 50 ms).
    fn until_next_slot(&self, now: DateTime<Utc>) -> Duration {
        self.next_slot(now)
            .map(|t| t - now)
            .unwrap_or(chrono::Duration::hours(1))
            .to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(Duration::from_millis(50), Duration::from_secs(60))
    }

    /// The time to the next pass: the next slot, or a retry falling due sooner.
    fn until_next_pass(&self, now: DateTime<Utc>) -> Duration {
        let mut wait = self.until_next_slot(now);
        if self.smtp.is_some() {
            // An error here shows again at the next pass; wait for the slot meanwhile.
            if let Ok(Some(due)) = self.outbox.next_due() {
                let due = (due - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                wait = wait.min(due.max(Duration::from_millis(50)));
            }
        }
        wait
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
